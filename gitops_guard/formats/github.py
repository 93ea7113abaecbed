"""``--format github``: GitHub Actions workflow commands, shown as inline annotations on the diff.

One line per finding::

    ::error file=app/server.py,line=12,endLine=12,col=5,title=source/B602 (high)::message

critical/high -> ``error``, medium -> ``warning``, low/info -> ``notice``. Scanner errors become
``error`` annotations, skipped files ``notice`` ones, and a plain summary line ends the output.
Escaping follows ``@actions/core``: data escapes ``%``, CR and LF; property values also ``:`` and
``,``. So a message can neither end the command early nor inject a second command.

GitHub shows at most 10 annotations of each level per step (50 per job); the rest are only in the
log, which is why CI should also upload SARIF (docs/ci.md).
"""

from __future__ import annotations

import re

from gitops_guard.formats import RenderOptions, describe, headline
from gitops_guard.models import ErrorKind, Report, ScanError, Severity

COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


#: Other control characters (ANSI escapes could repaint the log) are shown as ``\xNN``.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_data(value: str) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None and value != ""
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _error(e: ScanError) -> str:
    name = "error" if e.kind is ErrorKind.ERROR else "notice"
    what = "scanner error" if e.kind is ErrorKind.ERROR else "skipped"
    return command(name, {"file": e.path, "title": f"gitops-guard {what} ({e.scanner})"}, e.message)


def render(report: Report, options: RenderOptions) -> str:
    lines: list[str] = []
    for f in report.findings:
        props: dict[str, object] = {"file": f.path}
        if f.line > 0:
            props["line"] = f.line
            props["endLine"] = max(f.end_line, f.line)
            if f.column > 0:
                props["col"] = f.column
        props["title"] = f"{f.scanner}/{f.rule_id} ({f.severity.value})"
        message = describe(f, one_line=False)
        if f.fix:
            message += f"\nFix: {f.fix}"
        if f.help_url:
            message += f"\n{f.help_url}"
        lines.append(command(COMMAND[f.severity], props, message))
    lines.extend(_error(e) for e in report.errors)
    summary = f"gitops-guard: {headline(report)}"
    failed = sum(1 for e in report.errors if e.kind is ErrorKind.ERROR)
    if failed:
        summary += f"; {failed} scanner error{'s' if failed != 1 else ''}"
    # A plain log line: make sure it cannot be read as a workflow command.
    lines.append(summary.replace("::", ": :"))
    return "\n".join(lines) + "\n"
