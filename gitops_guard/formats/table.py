"""``--format table``: the human report (rich). The only formatter that imports rich."""

from __future__ import annotations

from io import StringIO

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from gitops_guard.formats import RenderOptions
from gitops_guard.models import ErrorKind, Report, Severity

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(report: Report, options: RenderOptions) -> str:
    out = StringIO()
    console = Console(
        file=out,
        width=options.width,
        color_system="standard" if options.color else None,
        force_terminal=options.color,
        no_color=not options.color,
        highlight=False,
        emoji=False,
    )
    if report.findings:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
        table.add_column("Severity", no_wrap=True)
        table.add_column("Location", overflow="fold")
        table.add_column("Rule", no_wrap=True)
        table.add_column("Message", overflow="fold")
        for f in report.findings:
            where = f"{f.path}:{f.line}" if f.line else f.path
            rule = f.rule_id if not f.sources else f"{f.rule_id} (+{len(f.sources)})"
            msg = f.message
            if f.resource:
                msg += f" [{f.resource}]"
            if f.sources:
                msg += f" (also: {', '.join(f.sources)})"
            table.add_row(
                Text(f.severity.value, style=STYLE[f.severity]),
                Text(where),
                Text(f"{f.scanner}/{rule}"),
                Text(msg),
            )
        console.print(table)
    errors = [e for e in report.errors if e.kind is ErrorKind.ERROR]
    skipped = [e for e in report.errors if e.kind is ErrorKind.SKIPPED]
    for e in errors:
        where = f" {e.path}:" if e.path else ""
        console.print(Text(f"error: [{e.scanner}]{where} {e.message}", style="bold red"))
    for e in skipped:
        where = f" {e.path}:" if e.path else ""
        console.print(Text(f"skipped: [{e.scanner}]{where} {e.message}", style="dim"))
    counts = report.counts()
    parts = [f"{n} {sev}" for sev, n in counts.items() if n]
    total = len(report.findings)
    line = f"{total} finding{'s' if total != 1 else ''}"
    if parts:
        line += " (" + ", ".join(parts) + ")"
    line += f" in {report.files_scanned} file{'s' if report.files_scanned != 1 else ''}"
    line += f"; scanners: {', '.join(report.scanners) or 'none'}"
    if report.suppressed:
        line += f"; {report.suppressed} suppressed"
    if report.hidden:
        line += f"; {report.hidden} below --min-severity"
    if errors:
        line += f"; {len(errors)} error{'s' if len(errors) != 1 else ''}"
    console.print(escape(line), style="bold" if total or errors else "green")
    return out.getvalue()
