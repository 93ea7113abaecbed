"""Output formats. Each formatter takes a :class:`~gitops_guard.models.Report` and returns a string;
the CLI decides where it goes. Modules are imported on demand, so only the table pulls in rich."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from gitops_guard.models import Finding, Report


class Format(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    COMPACT = "compact"
    SARIF = "sarif"
    GITHUB = "github"
    JUNIT = "junit"
    GITLAB = "gitlab"


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    """ANSI colour (the table only)."""
    width: int | None = None
    """Columns the table may use (the terminal's, or ``COLUMNS``); None for no limit."""
    group_by: str = "file"
    """How the table groups findings: ``file``, ``rule`` (one row per rule with its count and
    first places) or ``severity``."""


#: The table's groupings (``--group-by``).
GROUPINGS = ("file", "rule", "severity")


Formatter = Callable[[Report, RenderOptions], str]


def describe(f: Finding, *, one_line: bool = True) -> str:
    """A finding's message as the human formats show it (on one line unless asked not to),
    with its resource, the other rules merged into it and, for history, its commit."""
    text = " ".join(f.message.split()) if one_line else f.message
    if f.resource:
        text += f" [{f.resource}]"
    if f.sources:
        text += f" (also: {', '.join(f.sources)})"
    if f.commit:
        text += f" (commit {f.commit})"
    return text


#: Every :class:`Format` maps to ``module:function`` (tests check this is exhaustive).
_FORMATTERS: dict[Format, str] = {
    Format.TABLE: "gitops_guard.formats.table:render",
    Format.JSON: "gitops_guard.formats.json:render",
    Format.COMPACT: "gitops_guard.formats.compact:render",
    Format.SARIF: "gitops_guard.formats.sarif:render",
    Format.GITHUB: "gitops_guard.formats.github:render",
    Format.JUNIT: "gitops_guard.formats.junit:render",
    Format.GITLAB: "gitops_guard.formats.gitlab:render",
}


def formatter(fmt: Format) -> Formatter:
    module, func = _FORMATTERS[fmt].split(":")
    fn: Formatter = getattr(import_module(module), func)
    return fn


def render(fmt: Format, report: Report, options: RenderOptions | None = None) -> str:
    return formatter(fmt)(report, options or RenderOptions())


def plural(n: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(report: Report) -> str:
    """``N findings (1 high, ...) in F files; S files scanned``: the counts every human format
    ends with (files with findings and files scanned are two numbers)."""
    counts = ", ".join(f"{n} {sev}" for sev, n in report.counts().items() if n)
    line = plural(len(report.findings), "finding")
    if counts:
        line += f" ({counts}) in {plural(len({f.path for f in report.findings}), 'file')}"
    return f"{line}; {plural(report.files_scanned, 'file')} scanned"
