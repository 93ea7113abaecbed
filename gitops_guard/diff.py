"""``--diff-lines``: which lines a change touched, and the findings on them ("hold the line").

The changed lines come from a zero-context patch (``git diff -U0``). A finding is kept when its
line range (``line``..``end_line``) overlaps a changed line; that one rule serves every scanner:
Bandit, detect-secrets and Dockerfile findings sit on one line or a statement, an IaC finding spans
its resource block, so editing any line of a resource re-checks that resource. A deletion touches
the lines on either side of it. A file that is new in the change counts as changed everywhere,
including its whole-file findings (line 0); a whole-file finding in a file that was only modified
is not reported. A finding is one problem with all its places: the lines of a multi-line finding
(a private key block), the further lines the same secret occurs on and the overlays it was folded
from each count, so a change to any of them keeps it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from gitops_guard.models import Finding, Report

_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {
    ord("a"): 7,
    ord("b"): 8,
    ord("t"): 9,
    ord("n"): 10,
    ord("v"): 11,
    ord("f"): 12,
    ord("r"): 13,
    ord('"'): ord('"'),
    ord("\\"): ord("\\"),
}


def unquote(raw: bytes) -> str:
    """A path as git prints it in a patch header: C-quoted when it holds special characters."""
    if len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"'):
        body = raw[1:-1]
        out = bytearray()
        i = 0
        while i < len(body):
            c = body[i]
            if c == ord("\\") and i + 1 < len(body):
                n = body[i + 1]
                if 0x30 <= n <= 0x37:
                    out.append(int(body[i + 1 : i + 4], 8))
                    i += 4
                    continue
                out.append(_ESCAPES.get(n, n))
                i += 2
                continue
            out.append(c)
            i += 1
        raw = bytes(out)
    return os.fsdecode(raw)


@dataclass(frozen=True)
class ChangedLines:
    """Lines a change touched, per path relative to the repository's top."""

    ranges: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    """Inclusive 1-based line ranges of the new side, per modified file."""
    new_files: frozenset[str] = frozenset()
    """Files that did not exist before the change: every line counts as changed."""

    def covers(self, finding: Finding) -> bool:
        """Whether the change touched any line of ``finding``: its span, every further line the
        same problem occurs on, and every other place it was folded from (``also_in``)."""
        places = [(finding.path, finding.line, max(finding.end_line, finding.line))]
        places += [(finding.path, n, n) for n in finding.occurrences]
        for where in finding.also_in:
            path, _, line = where.rpartition(":")
            if path and line.isdigit():
                places.append((path, int(line), int(line)))
        return any(self._touches(*place) for place in places)

    def _touches(self, path: str, first: int, last: int) -> bool:
        if path in self.new_files:
            return True
        if first <= 0:
            return False
        return any(a <= last and first <= b for a, b in self.ranges.get(path, ()))

    def with_new_files(self, paths: Iterable[str]) -> ChangedLines:
        return replace(self, new_files=self.new_files | frozenset(paths))


def parse_patch(patch: bytes) -> ChangedLines:
    """Changed line ranges from ``git diff -U0 --src-prefix=a/ --dst-prefix=b/`` output."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    new_files: set[str] = set()
    current: str | None = None
    is_new = False
    lines = patch.split(b"\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith(b"diff --git "):
            current, is_new = None, False
        elif line.startswith(b"new file mode "):
            is_new = True
        elif line.startswith(b"+++ "):
            name = line[4:]
            if name.endswith(b"\t"):  # git adds a tab after names with spaces
                name = name[:-1]
            if name == b"/dev/null":
                current = None
                continue
            path = unquote(name)
            current = path[2:] if path.startswith("b/") else path
            if is_new:
                new_files.add(current)
        elif (m := _HUNK.match(line)) is not None:
            old_count = 1 if m.group(1) is None else int(m.group(1))
            start = int(m.group(2))
            count = 1 if m.group(3) is None else int(m.group(3))
            if current is not None:
                span = (start, start + count - 1) if count else (max(1, start), start + 1)
                ranges.setdefault(current, []).append(span)
            # Skip the hunk's body so that a content line like "+++ x" is never read as a header.
            body = old_count + count
            while body and i < len(lines):
                if not lines[i].startswith(b"\\"):  # "\ No newline at end of file"
                    body -= 1
                i += 1
    return ChangedLines(
        ranges={k: tuple(v) for k, v in ranges.items()}, new_files=frozenset(new_files)
    )


def restrict(report: Report, changed: ChangedLines) -> Report:
    """Keep only findings on changed lines; the others are counted in ``extras``."""
    kept = tuple(f for f in report.findings if changed.covers(f))
    extras = {**report.extras, "outside_diff": len(report.findings) - len(kept)}
    return replace(report, findings=kept, extras=extras)
