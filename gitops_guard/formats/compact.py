"""``--format compact``: one line per finding, for editors, IDE problem matchers and hooks.

::

    path:line:col: severity: RULE_ID message [resource] (scanner)

``line`` and ``col`` are 1-based; a whole-file finding (line 0) and an unknown column show as 1 so
that every line is clickable. Control characters in paths and messages are escaped, so one finding
is always one line. Scanner errors follow as ``gitops-guard: error: ...`` lines, and a last summary
line; neither matches the finding pattern (docs/ide.md).
"""

from __future__ import annotations

from gitops_guard.formats import RenderOptions
from gitops_guard.models import ErrorKind, Report


def _clean(text: str) -> str:
    """One line: control characters (newline, tab, escape...) escaped, not interpreted."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def render(report: Report, options: RenderOptions) -> str:
    lines: list[str] = []
    for f in report.findings:
        message = " ".join(f.message.split())
        if f.resource:
            message += f" [{f.resource}]"
        if f.sources:
            message += f" (also: {', '.join(f.sources)})"
        lines.append(
            f"{_clean(f.path)}:{max(f.line, 1)}:{max(f.column, 1)}: {f.severity.value}: "
            f"{_clean(f.rule_id)} {_clean(message)} ({f.scanner})"
        )
    errors = [e for e in report.errors if e.kind is ErrorKind.ERROR]
    for e in errors:
        where = f" {_clean(e.path)}:" if e.path else ""
        lines.append(f"gitops-guard: error: [{e.scanner}]{where} {_clean(e.message)}")
    total = len(report.findings)
    counts = ", ".join(f"{n} {sev}" for sev, n in report.counts().items() if n)
    summary = f"gitops-guard: {total} finding{'s' if total != 1 else ''}"
    summary += f" ({counts})" if counts else ""
    summary += f" in {report.files_scanned} file{'s' if report.files_scanned != 1 else ''}"
    skipped = sum(1 for e in report.errors if e.kind is ErrorKind.SKIPPED)
    if skipped:
        summary += f"; {skipped} skipped"
    if report.suppressed:
        summary += f"; {report.suppressed} suppressed"
    if report.hidden:
        summary += f"; {report.hidden} below --min-severity"
    outside = report.extras.get("outside_diff")
    if isinstance(outside, int) and outside:
        summary += f"; {outside} outside the changed lines"
    if errors:
        summary += f"; {len(errors)} error{'s' if len(errors) != 1 else ''}"
    lines.append(summary)
    return "\n".join(lines) + "\n"
