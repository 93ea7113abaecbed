"""``--format table``: the human report (rich). The only formatter that imports rich."""

from __future__ import annotations

from io import StringIO
from itertools import groupby

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from gitops_guard.formats import RenderOptions
from gitops_guard.models import ErrorKind, Finding, Report, Severity

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


#: Skipped-file notices shown before the rest is summed up (a repository of images would
#: otherwise bury the findings).
MAX_NOTICES = 20


def _rule(f: Finding) -> str:
    extra = f" (+{len(f.sources)})" if f.sources else ""
    return f"{f.scanner}/{f.rule_id}{extra}"


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
        rule_width = max(len(_rule(f)) for f in report.findings)
        for path, group in groupby(report.findings, key=lambda f: f.path):
            console.print(Text(path, style="bold underline"))
            table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
            table.add_column(justify="right", width=5, no_wrap=True)
            table.add_column(width=8, no_wrap=True)
            table.add_column(width=rule_width, no_wrap=True)
            table.add_column(overflow="fold", ratio=1)
            for f in group:
                msg = f.message
                if f.resource:
                    msg += f" [{f.resource}]"
                if f.sources:
                    msg += f" (also: {', '.join(f.sources)})"
                table.add_row(
                    Text(str(f.line) if f.line else "-", style="dim"),
                    Text(f.severity.value, style=STYLE[f.severity]),
                    Text(_rule(f)),
                    Text(msg),
                )
            console.print(table)
        console.print()
    errors = [e for e in report.errors if e.kind is ErrorKind.ERROR]
    skipped = [e for e in report.errors if e.kind is ErrorKind.SKIPPED]
    for e in errors:
        where = f" {e.path}:" if e.path else ""
        console.print(Text(f"error: [{e.scanner}]{where} {e.message}", style="bold red"))
    for e in skipped[:MAX_NOTICES]:
        where = f" {e.path}:" if e.path else ""
        console.print(Text(f"skipped: [{e.scanner}]{where} {e.message}", style="dim"))
    if len(skipped) > MAX_NOTICES:
        more = len(skipped) - MAX_NOTICES
        console.print(Text(f"... and {more} more skipped (all are in --format json)", style="dim"))
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
