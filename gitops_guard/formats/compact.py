"""``--format compact``: one line per finding, for editors, IDE problem matchers and hooks.

::

    path:line:col: severity: RULE_ID message [resource] (also: ...) (fix: ...) (scanner)

``line`` and ``col`` are 1-based; a whole-file finding (line 0) and an unknown column show as 1 so
that every line is clickable. Text from the scanned tree goes through
:mod:`gitops_guard.formats.escape`: control characters are escaped, so one finding is always one
line, and no line can be read as a CI workflow command (a path starting with ``:`` is shown as
``./path``). Scanner errors follow as ``gitops-guard: error: ...`` lines, and a last summary line;
neither matches the finding pattern (docs/ide.md).
"""

from __future__ import annotations

from gitops_guard.formats import RenderOptions, describe, headline
from gitops_guard.formats import escape as esc
from gitops_guard.models import ErrorKind, Report


def render(report: Report, options: RenderOptions) -> str:
    lines: list[str] = []
    for f in report.findings:
        message = describe(f)
        if f.fix:
            message += f" (fix: {' '.join(f.fix.split())})"
        lines.append(
            f"{esc.path(f.path)}:{max(f.line, 1)}:{max(f.column, 1)}: {f.severity.value}: "
            f"{esc.clean(f.rule_id)} {esc.clean(message)} ({esc.clean(f.scanner)})"
        )
    errors = [e for e in report.errors if e.kind is ErrorKind.ERROR]
    for e in errors:
        where = f" {esc.path(e.path)}:" if e.path else ""
        lines.append(f"gitops-guard: error: [{esc.clean(e.scanner)}]{where} {esc.clean(e.message)}")
    summary = f"gitops-guard: {headline(report)}"
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
    return "".join(esc.line(x) + "\n" for x in lines)
