"""One problem, one finding: merge what several engines (or one engine twice) report on one object.

Two findings of one file are one problem when

* they carry the same rule of the same tool on the same line and object (a repeat), or
* they share a *topic* (the ``topics`` of ``data/checkov_severity.toml``: a problem class several
  engines test, such as a mutable image, a hard-coded secret, a pod without a NetworkPolicy) and
  sit on one object: one's line inside the other's ``line..end_line``, and not two different
  objects of one tool.

A merged finding keeps the most severe member's rule (ties: the more specific engine, then the
narrower range), the highest severity, every other member as a source (``tool:rule``) and every
other member's fingerprint in :attr:`~gitops_guard.models.Finding.merged`, so a baseline hides it
only when every problem merged into it was accepted. Of one rule, a group holds one finding per
line: twelve unpinned images are twelve findings, each joined by the object-level check of
another engine at most once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from gitops_guard.models import Finding
from gitops_guard.scanners.checkov_severity import topics

#: Lower wins when severities tie: the engine whose rule is the more specific.
_PREFERENCE = {"gitops": 0, "secrets": 1, "actions": 1, "iac": 2, "dockerfile": 2, "source": 3}
#: Then, within one scanner: the engine dedicated to the file kind (hadolint before Checkov).
_TOOL_PREFERENCE = {"hadolint": 0, "zizmor": 0}
#: Secret detectors that flag a shape (any keyword, any random-looking string) rather than a
#: provider's format: a provider detector or a GitOps rule says more.
GENERIC_SECRET_RULES = frozenset(
    {"KeywordDetector", "Base64HighEntropyString", "HexHighEntropyString"}
)


def topic(finding: Finding) -> str | None:
    """One topic of ``finding`` (the first by name), or None."""
    return min(topics(finding), default=None)


def _rank(f: Finding) -> tuple[int, int, int, int, int, str, str, str]:
    # The fingerprint breaks the last ties, so the survivor (and so the fingerprint a baseline or
    # SARIF records) never depends on the order engines reported in: detect-secrets yields two
    # KeywordDetector secrets on one line in hash-seed order.
    return (
        -f.severity.rank,
        _PREFERENCE.get(f.scanner, 9),
        _TOOL_PREFERENCE.get(f.tool, 1),
        int(f.rule_id in GENERIC_SECRET_RULES),
        max(0, (f.end_line or f.line) - f.line),
        f.tool,
        f.rule_id,
        f.fingerprint,
    )


def _end(f: Finding) -> int:
    return max(f.line, f.end_line)


@dataclass
class _Group:
    members: list[Finding] = field(default_factory=list)
    topics: set[str] = field(default_factory=set)
    last: int = 0
    """The last line any member covers: findings come in line order, so a group whose last
    line is above a finding's line can never take it (or any later one)."""

    def repeats(self, f: Finding) -> bool:
        return any(
            m.tool == f.tool
            and m.rule_id == f.rule_id
            and m.line == f.line
            and m.resource == f.resource
            for m in self.members
        )

    def twin(self, f: Finding, mine: frozenset[str]) -> bool:
        if not mine & self.topics:
            return False
        name = f"{f.tool}:{f.rule_id}"
        if any(
            (m.tool == f.tool and m.rule_id == f.rule_id) or name in m.sources for m in self.members
        ):
            return False  # one finding per line of one rule
        for m in self.members:
            if m.tool == f.tool and m.resource and f.resource and m.resource != f.resource:
                return False  # two objects of one engine
            if m.scanner == f.scanner == "secrets" and m.anchor != f.anchor:
                # Two values on one line are two secrets; the scanner already merged its two
                # engines' findings of one value (the anchor hashes the value).
                return False
        return any(m.line <= f.line <= _end(m) or f.line <= m.line <= _end(f) for m in self.members)

    def add(self, f: Finding, mine: frozenset[str]) -> None:
        self.members.append(f)
        self.topics |= mine
        self.last = max(self.last, _end(f))

    def merged(self) -> Finding:
        if len(self.members) == 1:
            return self.members[0]
        ordered = sorted(self.members, key=_rank)
        primary, others = ordered[0], ordered[1:]
        own = f"{primary.tool}:{primary.rule_id}"
        sources = {f"{m.tool}:{m.rule_id}" for m in others} | set().union(
            *(m.sources for m in self.members)
        )
        # Every problem of every member, as a multiset: a repeat of the primary (same rule,
        # line and object) is the same problem reported twice and adds nothing.
        problems = list(primary.merged)
        for m in others:
            if m.fingerprint == primary.fingerprint and m.line == primary.line:
                continue
            problems += m.problems
        also_in = set().union(*(m.also_in for m in self.members))
        return replace(
            primary,
            sources=tuple(sorted(sources - {own})),
            merged=tuple(sorted(problems)),
            also_in=tuple(sorted(also_in)),
            fix=primary.fix or next((m.fix for m in ordered if m.fix), None),
        )


def _order(f: Finding) -> tuple[str, int, int, str, str, str, str, str]:
    return (
        f.path,
        f.line,
        _end(f),
        f.tool,
        f.rule_id,
        f.resource or "",
        f.fingerprint,
        f.message,
    )


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """Merge repeats and cross-engine twins (see the module docstring); the result does not depend
    on the order of ``findings``, and merging it again changes nothing."""
    items = list(findings)
    out = _merge_once(items)
    # A merged finding may now meet a twin neither member met alone; without a merge, nothing
    # changed and one pass is the answer.
    while len(out) < len(items):
        items, out = out, _merge_once(out)
    return out


def _merge_once(findings: Iterable[Finding]) -> list[Finding]:
    done: list[_Group] = []
    open_groups: list[_Group] = []
    path = None
    for f in sorted(findings, key=_order):
        if f.path != path:
            done.extend(open_groups)
            open_groups, path = [], f.path
        elif open_groups and min(g.last for g in open_groups) < f.line:
            done.extend(g for g in open_groups if g.last < f.line)
            open_groups = [g for g in open_groups if g.last >= f.line]
        mine = topics(f)
        home = next((g for g in open_groups if g.repeats(f)), None) or next(
            (g for g in open_groups if g.twin(f, mine)), None
        )
        if home is not None:
            home.add(f, mine)
        else:
            fresh = _Group()
            fresh.add(f, mine)
            open_groups.append(fresh)
    done.extend(open_groups)
    return [g.merged() for g in done]
