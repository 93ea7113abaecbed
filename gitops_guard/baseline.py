"""The baseline: findings a team has accepted, recorded so that only new ones are reported.

A baseline file (``.gitops-guard-baseline.json`` by default) holds one entry per fingerprint with
how many times it occurred. Fingerprints do not depend on line numbers (see
:attr:`gitops_guard.models.Finding.fingerprint`), so moving code keeps a finding hidden; the path is
part of the fingerprint, so the same problem in another file is new; and counts are compared
occurrence by occurrence, so a second identical problem in the same file is new too (unlike
Bandit's baseline, where one entry hides any number of them).

The file holds fingerprints, paths, rule ids, scanner names and counts - never a message, a line of
code or a secret - and, for entries reviewed with ``gitops-guard baseline audit``, a verdict and the
reviewer's reason. An entry whose verdict is ``real`` (a real problem, to be fixed) hides nothing.
It is written sorted, with a fixed key order and no timestamp, so it diffs well.
See docs/configuration.md, "Baseline".
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from gitops_guard.atomic import atomic_write
from gitops_guard.errors import UsageError
from gitops_guard.models import FINGERPRINT_VERSION, Finding

FORMAT_VERSION = 1
"""Version of the file layout; bumped on any incompatible change."""
DEFAULT_NAME = ".gitops-guard-baseline.json"
_FINGERPRINT_RE = re.compile(r"^(\d+):[0-9a-f]{32}$")
ACCEPTED = "accepted"
"""Verdict of an audited entry that stays hidden (with the reason why)."""
REAL = "real"
"""Verdict of an audited entry that is a real problem: it is reported again until fixed."""
VERDICTS = (ACCEPTED, REAL)
MAX_REASON = 500


class BaselineError(UsageError):
    """A baseline file that cannot be used: unreadable, malformed, or of an unknown version."""


@dataclass(frozen=True)
class Entry:
    """One accepted problem and how many times it occurred."""

    fingerprint: str
    path: str
    rule_id: str
    scanner: str
    count: int = 1
    verdict: str | None = None
    """``accepted`` or ``real`` once audited (``gitops-guard baseline audit``), else None."""
    reason: str | None = None
    """Why, in the reviewer's words (one line)."""

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.path, self.rule_id, self.scanner, self.fingerprint)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "fingerprint": self.fingerprint,
            "path": self.path,
            "rule_id": self.rule_id,
            "scanner": self.scanner,
            "count": self.count,
        }
        if self.verdict is not None:
            out["verdict"] = self.verdict
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class UpdateStats:
    kept: int = 0
    dropped: int = 0
    added: int = 0


@dataclass(frozen=True)
class Baseline:
    """A set of entries, at most one per fingerprint, sorted."""

    entries: tuple[Entry, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(sorted(self.entries, key=lambda e: e.sort_key)))

    @classmethod
    def from_findings(cls, findings: Iterable[Finding]) -> Baseline:
        """Every problem of ``findings``: a merged finding counts for each fingerprint merged
        into it, a repeated one for each occurrence."""
        counts: Counter[str] = Counter()
        first: dict[str, Finding] = {}
        for f in findings:
            for fp in f.problems:
                counts[fp] += 1
                first.setdefault(fp, f)
        return cls(
            tuple(
                Entry(fp, first[fp].path, first[fp].rule_id, first[fp].scanner, n)
                for fp, n in counts.items()
            )
        )

    def counts(self) -> Counter[str]:
        """Accepted occurrences per fingerprint (an entry audited as ``real`` accepts none)."""
        return Counter({e.fingerprint: e.count for e in self.entries if e.verdict != REAL})

    def __len__(self) -> int:
        return len(self.entries)

    def filter(self, findings: Sequence[Finding]) -> tuple[list[Finding], int]:
        """Findings not covered by the baseline, and how many were hidden. Each entry hides at
        most ``count`` occurrences of its fingerprint (the first ones in report order); a finding
        that stands for several problems (merged, repeated) is hidden only when every one of them
        is still covered."""
        remaining = self.counts()
        kept: list[Finding] = []
        hidden = 0
        for f in sorted(findings, key=lambda x: x.sort_key):
            needed = Counter(f.problems)
            if all(remaining[fp] >= n for fp, n in needed.items()):
                remaining.subtract(needed)
                hidden += 1
            else:
                kept.append(f)
        return kept, hidden

    def update(
        self,
        findings: Iterable[Finding],
        in_scope: Callable[[Entry], bool],
        *,
        add_new: bool = False,
    ) -> tuple[Baseline, UpdateStats]:
        """Refresh against the current ``findings``: an entry ``in_scope`` (its file and scanner
        were covered by this run) that no longer occurs is dropped and its count lowered to the
        current number of occurrences; entries out of scope are kept as they are. New findings
        are added (and counts raised) only with ``add_new``."""
        current = Baseline.from_findings(findings)
        now = {e.fingerprint: e for e in current.entries}
        out: list[Entry] = []
        kept = dropped = added = 0
        for entry in self.entries:
            if not in_scope(entry):
                out.append(entry)
                kept += 1
                continue
            cur = now.get(entry.fingerprint)
            if cur is None:
                dropped += 1
                continue
            count = cur.count if add_new else min(entry.count, cur.count)
            out.append(replace(entry, count=count))
            kept += 1
        if add_new:
            known = {e.fingerprint for e in self.entries}
            for entry in current.entries:
                if entry.fingerprint not in known:
                    out.append(entry)
                    added += 1
        return Baseline(tuple(out)), UpdateStats(kept, dropped, added)

    def dumps(self) -> str:
        doc = {
            "version": FORMAT_VERSION,
            "fingerprint_version": FINGERPRINT_VERSION,
            "tool": "gitops-guard",
            "findings": [e.to_dict() for e in self.entries],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def loads(text: str, source: str = "baseline") -> Baseline:
    """Parse a baseline document; raises :class:`BaselineError` (only) when it is unusable."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BaselineError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise BaselineError(f"{source}: expected a JSON object with 'version' and 'findings'")
    version = doc.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise BaselineError(
            f"{source}: unsupported baseline version {version!r} (this gitops-guard reads "
            f"version {FORMAT_VERSION}); recreate it with `gitops-guard baseline create --force`"
        )
    fp_version = doc.get("fingerprint_version")
    if fp_version != FINGERPRINT_VERSION or isinstance(fp_version, bool):
        raise BaselineError(
            f"{source}: made with fingerprint version {fp_version!r}, this gitops-guard uses "
            f"{FINGERPRINT_VERSION}; recreate it with `gitops-guard baseline create --force`"
        )
    items = doc.get("findings")
    if not isinstance(items, list):
        raise BaselineError(f"{source}: 'findings' must be a list")
    entries: dict[str, Entry] = {}
    for i, item in enumerate(items):
        entry = _entry(item, f"{source}: findings[{i}]")
        old = entries.get(entry.fingerprint)
        # A fingerprint twice (e.g. after a git merge of two baselines): the larger count wins,
        # never the sum, so a merge cannot hide more than either side accepted.
        if old is None or entry.count > old.count:
            entries[entry.fingerprint] = entry
    return Baseline(tuple(entries.values()))


def _entry(item: object, where: str) -> Entry:
    if not isinstance(item, dict):
        raise BaselineError(f"{where}: expected an object")
    for key in ("fingerprint", "path", "rule_id", "scanner"):
        if not isinstance(item.get(key), str):
            raise BaselineError(f"{where}: {key!r} must be a string")
    count = item.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(f"{where}: 'count' must be a positive integer")
    fp = item["fingerprint"]
    m = _FINGERPRINT_RE.match(fp)
    if m is None or int(m.group(1)) != FINGERPRINT_VERSION:
        raise BaselineError(f"{where}: invalid fingerprint {fp[:48]!r}")
    verdict = item.get("verdict")
    if verdict is not None and verdict not in VERDICTS:
        raise BaselineError(f"{where}: 'verdict' must be one of {', '.join(VERDICTS)}")
    reason = item.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise BaselineError(f"{where}: 'reason' must be a string")
    return Entry(
        fp, item["path"], item["rule_id"], item["scanner"], count, verdict, clean_reason(reason)
    )


def clean_reason(text: str | None) -> str | None:
    """A reason as stored: one line, at most :data:`MAX_REASON` characters, None when empty."""
    if text is None:
        return None
    one = " ".join(text.split())[:MAX_REASON]
    return one or None


def load(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: no such baseline file (create one with `gitops-guard baseline create`)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BaselineError(f"{path}: cannot read: {reason}") from None
    return loads(text, str(path))


def write(path: Path, baseline: Baseline) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, baseline.dumps())
