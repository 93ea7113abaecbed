"""Inline suppressions: ``gitops-guard: ignore[RULE_ID,...] reason`` in a comment.

One syntax for every file type, written in that type's comment style (``#`` for Python, YAML,
Terraform, Dockerfile and shell; ``//`` or ``/* */`` for Terraform/HCL and C-like languages; JSON
has no comments, so nothing there). A suppression applies to a finding when it names one of the
finding's rule ids (its own or one merged into it from another engine, ``tool:RULE`` accepted too)
and it is on one of the finding's lines, or in the block of comment-only lines directly above its
first line. Parsing never raises: a malformed comment is a :class:`Suppression` with a
:attr:`~Suppression.problem`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from gitops_guard.models import Finding

RULE_ID = "GG-SUPPRESS"
"""Rule id of the finding that reports an invalid suppression comment."""
UNUSED_RULE_ID = "GG-SUPPRESS-UNUSED"
"""Rule id of the finding that reports a rule id of a suppression that hid nothing."""

_MARKER_RE = re.compile(
    r"gitops-guard\s*:\s*ignore(?![\w-])(?:\s*\[(?P<ids>[^\]\n]*)\])?(?P<rest>.*)$",
    re.IGNORECASE,
)
_SPLIT_RE = re.compile(r"[\s,]+")
_LEAD_RE = re.compile(r"^[\s:\-\u2013\u2014]+")
_TRAIL_RE = re.compile(r"(?:\*/|-->)\s*$")

HASH = ("#",)
HCL = ("#", "//", "/*")
C_LIKE = ("//", "/*")
NONE: tuple[str, ...] = ()

_BY_SUFFIX: dict[str, tuple[str, ...]] = {
    ".tf": HCL,
    ".tfvars": HCL,
    ".hcl": HCL,
    ".nomad": HCL,
    ".json": NONE,
    ".ipynb": NONE,
    ".jsonc": C_LIKE,
    ".json5": C_LIKE,
    ".js": C_LIKE,
    ".mjs": C_LIKE,
    ".cjs": C_LIKE,
    ".ts": C_LIKE,
    ".tsx": C_LIKE,
    ".jsx": C_LIKE,
    ".go": C_LIKE,
    ".java": C_LIKE,
    ".kt": C_LIKE,
    ".kts": C_LIKE,
    ".groovy": C_LIKE,
    ".gradle": C_LIKE,
    ".c": C_LIKE,
    ".h": C_LIKE,
    ".cc": C_LIKE,
    ".cpp": C_LIKE,
    ".hpp": C_LIKE,
    ".cs": C_LIKE,
    ".rs": C_LIKE,
    ".swift": C_LIKE,
    ".scala": C_LIKE,
    ".php": ("#", "//", "/*"),
    ".bicep": C_LIKE,
    ".sql": ("--", "/*"),
    ".lua": ("--",),
    ".md": ("<!--",),
    ".html": ("<!--",),
    ".xml": ("<!--",),
}


def comment_styles(path: str) -> tuple[str, ...]:
    """Comment openers a suppression may follow in ``path`` (``#`` unless the type says else)."""
    p = PurePosixPath(path)
    name = p.name
    if name.endswith(".tf.json"):
        return NONE
    if name.startswith("Jenkinsfile"):
        return C_LIKE
    return _BY_SUFFIX.get(p.suffix.lower(), HASH)


@dataclass(frozen=True)
class Suppression:
    """One ``gitops-guard: ignore[...]`` comment."""

    line: int
    """1-based line of the comment."""
    ids: tuple[str, ...]
    """Rule ids named between the brackets (empty: none given)."""
    reason: str
    """The text after the brackets (may be empty)."""
    comment_only: bool
    """True when the line holds nothing but the comment (then it also covers the line below)."""

    @property
    def problem(self) -> str | None:
        """What is wrong with it, or None when it names rules and gives a reason."""
        if not self.ids:
            return "inline suppression names no rule id: write gitops-guard: ignore[RULE_ID] reason"
        if not self.reason:
            return (
                "inline suppression gives no reason: write the reason after "
                f"ignore[{','.join(self.ids)}]"
            )
        return None

    def names(self, finding: Finding) -> bool:
        """True when one of :attr:`ids` is one of the finding's rule ids (case-insensitive)."""
        wanted = {i.lower() for i in self.ids}
        return not wanted.isdisjoint(finding_ids(finding))


def finding_ids(finding: Finding) -> set[str]:
    """Lower-cased ids a suppression may use for ``finding``: ``RULE`` and ``tool:RULE`` of the
    finding and of every source merged into it."""
    ids = {finding.rule_id.lower(), f"{finding.tool}:{finding.rule_id}".lower()}
    for source in finding.sources:
        ids.add(source.lower())
        ids.add(source.rsplit(":", 1)[-1].lower())
    return ids


def _opener_before(text: str, end: int, styles: Sequence[str]) -> bool:
    head = text[:end]
    return any(opener in head for opener in styles)


def _comment_only(text: str, styles: Sequence[str]) -> bool:
    stripped = text.lstrip()
    return bool(stripped) and any(stripped.startswith(o) for o in styles)


def parse_line(text: str, line: int, styles: Sequence[str] = HASH) -> Suppression | None:
    """The suppression in one line of a file with comment ``styles``, or None."""
    if "gitops-guard" not in text.lower() or not styles:
        return None
    m = _MARKER_RE.search(text)
    if m is None or not _opener_before(text, m.start(), styles):
        return None
    ids_text = m.group("ids")
    rest = m.group("rest")
    ids = tuple(i for i in _SPLIT_RE.split(ids_text or "") if i)
    if ids_text is None and rest.lstrip().startswith("["):
        ids = ()  # an unclosed bracket: no usable rule id
    reason = _LEAD_RE.sub("", _TRAIL_RE.sub("", rest)).strip()
    return Suppression(line=line, ids=ids, reason=reason, comment_only=_comment_only(text, styles))


class FileSuppressions:
    """The suppressions of one file, parsed once, and which of them are in a finding's scope."""

    def __init__(self, path: str, lines: Sequence[str]) -> None:
        self.path = path
        self.styles = comment_styles(path)
        self._lines = lines
        self.by_line: dict[int, Suppression] = {}
        self._sorted: list[int] = []
        if not self.styles:
            return
        for i, text in enumerate(lines, start=1):
            sup = parse_line(text, i, self.styles)
            if sup is not None:
                self.by_line[i] = sup
        self._sorted = sorted(self.by_line)

    def __bool__(self) -> bool:
        return bool(self.by_line)

    def _comment_line(self, line: int) -> bool:
        return 1 <= line <= len(self._lines) and _comment_only(self._lines[line - 1], self.styles)

    def scope(self, finding: Finding) -> Iterator[Suppression]:
        """Suppressions placed where they apply to ``finding``: on a line of it (its first line
        for a whole-file finding, line 0), or in the comment-only block directly above it."""
        if not self.by_line:
            return
        first = max(finding.line, 1)
        last = max(finding.end_line, first)
        for line in self._sorted[bisect.bisect_left(self._sorted, first) :]:
            if line > last:
                break
            yield self.by_line[line]
        above = first - 1
        while self._comment_line(above):
            if above in self.by_line:
                yield self.by_line[above]
            above -= 1
