"""``--format table``: the human report. The only formatter that imports rich (for colour only:
the layout is computed here, so it is the same with and without colour).

Findings are grouped by file (``--group-by rule``: one row per rule with its count and first
places; ``--group-by severity``: worst first); each row is ``line  severity  scanner/RULE
message``, the message wrapped at spaces into the width given (the terminal's, ``COLUMNS``
when piped, else no limit), with its fix hint below it. Notices are collapsed by reason, what
asks for action first; a last line says what to do next. Paths wrap only after a ``/`` and
rule ids never, no line is padded with trailing spaces, and every string taken from the
scanned tree goes through :mod:`gitops_guard.formats.escape`.
"""

from __future__ import annotations

import textwrap
from io import StringIO
from itertools import groupby

from rich.console import Console
from rich.text import Text

from gitops_guard.formats import RenderOptions, describe, headline, plural
from gitops_guard.formats import escape as esc
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
#: Below this many columns for the message, it goes under the row instead of beside it.
MIN_MESSAGE = 30
#: Indent of a message under its row, and of continuation lines of other text.
UNDER = 6
SEVERITY_WIDTH = max(len(s.value) for s in Severity)
LEGEND = "(+N): N more rules, of this or another engine, reported the same problem (after 'also:')"

Segment = tuple[str, str]
"""A piece of a line and its rich style ("" for none)."""
Line = list[Segment]


def _rule(f: Finding) -> str:
    extra = f" (+{len(f.sources)})" if f.sources else ""
    return f"{esc.clean(f.scanner)}/{esc.clean(f.rule_id)}{extra}"


def _message(f: Finding) -> str:
    return esc.clean(describe(f))


def _wrap(text: str, width: int | None) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces (a word longer than the
    whole width is folded: nothing else can keep the limit)."""
    if width is None or len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _wrap_path(path: str, width: int | None) -> list[str]:
    """A path in lines of at most ``width`` columns, broken only after a ``/`` (a component
    longer than the width is folded); continuation lines are indented by two."""
    if width is None or len(path) <= width:
        return [path]
    parts = [p + "/" for p in path.split("/")]
    parts[-1] = parts[-1][:-1]
    lines: list[str] = []
    current = ""
    for part in parts:
        room = width - (2 if lines else 0)
        if current and len(current) + len(part) > room:
            lines.append(current)
            current = ""
            room = width - 2
        while len(part) > room:
            lines.append(part[:room])
            part = part[room:]
            room = width - 2
        current += part
    lines.append(current)
    return [lines[0], *("  " + rest for rest in lines[1:])]


class _Layout:
    """Column widths for one report at one width."""

    def __init__(self, findings: tuple[Finding, ...], width: int | None) -> None:
        self.width = width
        self.line_width = max(len(str(f.line)) for f in findings)
        self.rule_width = max(len(_rule(f)) for f in findings)
        self.prefix = 2 + self.line_width + 2 + SEVERITY_WIDTH + 2 + self.rule_width + 2
        room = None if width is None else width - self.prefix
        self.beside = room is None or room >= MIN_MESSAGE
        self.message_width = room if self.beside else (None if width is None else width - UNDER)
        self.indent = " " * (self.prefix if self.beside else UNDER)

    def rows(self, f: Finding) -> list[Line]:
        where = str(f.line) if f.line else "-"
        head: Line = [
            (" " * (2 + self.line_width - len(where)), ""),
            (where, "dim"),
            ("  ", ""),
            (f.severity.value.ljust(SEVERITY_WIDTH), STYLE[f.severity]),
            ("  ", ""),
        ]
        rule = _rule(f)
        message = _wrap(_message(f), self.message_width)
        fix = (
            _wrap(f"fix: {esc.clean(' '.join(f.fix.split()))}", self.message_width) if f.fix else []
        )
        out: list[Line]
        if self.beside:
            head += [(rule.ljust(self.rule_width), ""), ("  ", ""), (message[0], "")]
            out = [head] + [[(self.indent, ""), (m, "")] for m in message[1:]]
        else:
            start = sum(len(t) for t, _ in head)
            fits = self.width is None or start + len(rule) <= self.width
            if fits:
                out = [[*head, (rule, "")]]
            else:  # on a line of its own, indented as far as it fits: never split
                pad = min(UNDER, max(0, (self.width or 0) - len(rule)))
                out = [head, [(" " * pad, ""), (rule, "")]]
            out += [[(self.indent, ""), (m, "")] for m in message]
        out += [[(self.indent, ""), (x, "green")] for x in fix]
        return out


def _by_file(report: Report, layout: _Layout, width: int | None) -> list[Line]:
    out: list[Line] = []
    for path, group in groupby(report.findings, key=lambda f: f.path):
        out += [[(p, "bold underline")] for p in _wrap_path(esc.path(path), width)]
        for f in group:
            out += layout.rows(f)
    return out


def _by_severity(report: Report, layout: _Layout, width: int | None) -> list[Line]:
    out: list[Line] = []
    ordered = sorted(report.findings, key=lambda f: (-f.severity.rank, f.path, f.line))
    for sev, group in groupby(ordered, key=lambda f: f.severity):
        items = list(group)
        out.append([(f"{sev.value.upper()} ({len(items)})", f"{STYLE[sev]} underline")])
        for path, in_file in groupby(items, key=lambda f: f.path):
            out += [[("  " + p, "bold")] for p in _wrap_path(esc.path(path), width)]
            for f in in_file:
                out += layout.rows(f)
    return out


#: Places listed per rule in the by-rule view.
FIRST_PLACES = 3


def _by_rule(report: Report, width: int | None) -> list[Line]:
    """One row per rule: severity, count, files, message of the first, first places."""
    out: list[Line] = []
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        groups.setdefault((f.scanner, f.rule_id), []).append(f)
    order = sorted(groups.items(), key=lambda kv: (-max(f.severity.rank for f in kv[1]), kv[0]))
    for (scanner, rule), items in order:
        worst = max(items, key=lambda f: f.severity.rank)
        files = sorted({f.path for f in items})
        count = f"{plural(len(items), 'finding')} in {plural(len(files), 'file')}"
        head = f"{esc.clean(scanner)}/{esc.clean(rule)}"
        out.append(
            [
                (worst.severity.value.ljust(SEVERITY_WIDTH), STYLE[worst.severity]),
                ("  ", ""),
                (head, "bold"),
                (f"  {count}", ""),
            ]
        )
        for text in _wrap(_message(worst), None if width is None else width - UNDER):
            out.append([(" " * UNDER, ""), (text, "")])
        places = [
            f"{esc.path(f.path)}:{f.line}" if f.line else esc.path(f.path)
            for f in items[:FIRST_PLACES]
        ]
        more = len(items) - len(places)
        where = ", ".join(places) + (f" (+{more} more)" if more else "")
        for text in _wrap(f"at {where}", None if width is None else width - UNDER):
            out.append([(" " * UNDER, ""), (text, "dim")])
    return out


#: Notices that say a file holds nothing to scan (images, archives): listed last.
_ROUTINE = ("binary file",)


def _notices(report: Report, width: int | None) -> list[Line]:
    """Errors, then notices, each reason once with the files it concerns: what asks for action
    first, routine notices (binary files) last."""
    grouped: dict[tuple[ErrorKind, str, str], list[str]] = {}
    for e in report.errors:
        grouped.setdefault((e.kind, e.scanner, e.message), []).append(e.path or "")

    def order(item: tuple[tuple[ErrorKind, str, str], list[str]]) -> tuple[int, int, str]:
        (kind, _, message), paths = item
        routine = any(message.startswith(r) for r in _ROUTINE)
        return (0 if kind is ErrorKind.ERROR else 2 if routine else 1, -len(paths), message)

    out: list[Line] = []
    items = sorted(grouped.items(), key=order)
    for (kind, scanner, message), paths in items[:MAX_NOTICES]:
        what, style = ("error", "bold red") if kind is ErrorKind.ERROR else ("skipped", "dim")
        shown = [esc.path(p) for p in paths if p]
        if len(shown) == 1:
            where = f" {shown[0]}:"
        elif shown:
            listed = ", ".join(shown[:FIRST_PLACES])
            extra = f" +{len(shown) - FIRST_PLACES} more" if len(shown) > FIRST_PLACES else ""
            where = f" {len(shown)} files ({listed}{extra}):"
        else:
            where = ""
        text = f"{what}: [{esc.clean(scanner)}]{where} {esc.clean(message)}"
        out += [[(x, style)] for x in _indented(text, width)]
    if len(items) > MAX_NOTICES:
        more = len(items) - MAX_NOTICES
        out.append([(f"... and {more} more kinds of notice (all are in --format json)", "dim")])
    return out


NEXT = (
    "next: fix them; or suppress one with a reason (# gitops-guard: ignore[RULE_ID] why); or "
    "accept what is there now with `gitops-guard baseline create`. `gitops-guard rules` lists "
    "every rule; each finding's help link (--format json) opens its page."
)


def _lines(report: Report, width: int | None, group_by: str = "file") -> list[Line]:
    out: list[Line] = []
    if report.findings:
        layout = _Layout(report.findings, width)
        if group_by == "rule":
            out += _by_rule(report, width)
        elif group_by == "severity":
            out += _by_severity(report, layout, width)
        else:
            out += _by_file(report, layout, width)
        out.append([])
        if any(f.sources for f in report.findings) and group_by != "rule":
            out += [[(x, "dim")] for x in _wrap(LEGEND, width)]
            out.append([])
    out += _notices(report, width)
    total = len(report.findings)
    errors = any(e.kind is ErrorKind.ERROR for e in report.errors)
    style = "bold" if total or errors else "green"
    out += [[(x, style)] for x in _indented(summary(report), width)]
    if total:
        out += [[(x, "dim")] for x in _indented(NEXT, width)]
    return out


def _indented(text: str, width: int | None) -> list[str]:
    """Wrapped text whose continuation lines are indented by two."""
    if width is None or len(text) <= width:
        return [text]
    return textwrap.wrap(
        text, width, subsequent_indent="  ", break_on_hyphens=False, break_long_words=True
    )


def summary(report: Report) -> str:
    """The last line: findings by severity, the files they are in, the files scanned."""
    line = headline(report)
    line += f"; scanners: {', '.join(report.scanners) or 'none'}"
    if report.suppressed:
        line += f"; {report.suppressed} suppressed"
    if report.hidden:
        line += f"; {report.hidden} below --min-severity"
    errors = sum(1 for e in report.errors if e.kind is ErrorKind.ERROR)
    if errors:
        line += f"; {plural(errors, 'error')}"
    return line


def _safe(segs: Line) -> Line:
    """``segs`` with trailing blanks dropped and no workflow command at its start (escape.line)."""
    out = list(segs)
    while out and not out[-1][0].strip(" "):
        out.pop()
    if out:
        out[-1] = (out[-1][0].rstrip(" "), out[-1][1])
    for i, (text, style) in enumerate(out):
        if text.strip(" "):
            out[i] = (esc.line(text), style)
            break
    return out


def render(report: Report, options: RenderOptions) -> str:
    lines = [_safe(segs) for segs in _lines(report, options.width, options.group_by)]
    if not options.color:
        return "".join("".join(text for text, _ in segs) + "\n" for segs in lines)
    out = StringIO()
    console = Console(
        file=out,
        width=max([options.width or 1, *(sum(len(t) for t, _ in segs) for segs in lines)]),
        color_system="standard",
        force_terminal=True,
        highlight=False,
        emoji=False,
        markup=False,
    )
    for segs in lines:
        text = Text()
        for piece, style in segs:
            text.append(piece, style=style or None)
        console.print(text, soft_wrap=True)
    return out.getvalue()
