"""The severity of a Checkov finding: a curated table of every check of the pinned Checkov.

Checkov run offline has no severities (they come from the Prisma Cloud API). The table,
``gitops_guard/data/checkov_severity.toml``, gives each check a class (what kind of weakness it
tests), each class one severity and a rationale, a per-check severity where a check's case is milder
or worse than its class, and a *topic* where another engine reports the same problem. The keyword
rules below only guess for a check a newer Checkov adds. docs/scanners.md ("Checkov severity")
documents the classes; tests/scanners/test_checkov_severity.py proves the table covers exactly the
checks of the pinned Checkov.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from gitops_guard import datacache
from gitops_guard.models import Finding, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: The fallback for a check the table does not know: first match wins; anything else is MEDIUM.
_KEYWORDS: tuple[tuple[Severity, str], ...] = (
    (
        Severity.HIGH,
        (
            r"hard[- ]?coded|secrets? (?:are|is) not|plain ?text (?:secret|password)"
            r"|privilege|privileged|\broot\b|as root|admin|\bsudo\b|public|0\.0\.0\.0|::/0"
            r"|unrestricted|any ip|internet|host (?:network|pid|ipc)|hostnetwork|hostpid|hostipc"
            r"|host path|hostpath|docker(?:\.sock| socket)|write-all|injection|untrusted|curl"
            r"|wildcard|\*:\*|secret|credential|password|access key|port 22|\bssh\b|metadata"
        ),
    ),
    (
        Severity.LOW,
        (
            r"healthcheck|liveness|readiness|probe|label|tag|description|version|digest|latest"
            r"|pull policy|imagepullpolicy|apt-get|\bcpu\b|memory|limits|requests|namespace"
            r"|\bdefault\b|timeout|monitoring|backup|retention|comment|customer managed|\bcmk\b"
        ),
    ),
)


@functools.cache
def _severity_rules() -> tuple[tuple[Severity, re.Pattern[str]], ...]:
    """The keyword rules, compiled on first use (a run answered from the cache never needs them)."""
    return tuple((severity, re.compile(pattern)) for severity, pattern in _KEYWORDS)


@dataclass(frozen=True)
class CheckSeverity:
    """How one Checkov check ranks: an entry of the curated table."""

    severity: Severity
    category: str
    """Its class in the table (``privileged-container``, ``customer-managed-key``...)."""
    topic: str | None = None
    """The problem it shares with other engines' rules (``mutable-image``), if any."""
    why: str | None = None
    """Why the check ranks apart from its class (set exactly when it has its own severity)."""


@dataclass(frozen=True)
class SeverityTable:
    """``gitops_guard/data/checkov_severity.toml``, parsed and checked."""

    checkov: str
    """The Checkov version the table was curated for."""
    classes: dict[str, tuple[Severity, str]]
    """class -> (severity, rationale)."""
    topics: dict[str, tuple[Severity, str, tuple[str, ...]]]
    """topic -> (severity, the problem, ``tool:rule`` of other engines that report it)."""
    checks: dict[str, CheckSeverity]
    variants: dict[tuple[str, str], CheckSeverity]
    """(check id, check name) -> entry, for an id Checkov reuses for another check."""

    def entry(self, check_id: str, check_name: str = "") -> CheckSeverity | None:
        return self.variants.get((check_id, check_name.strip())) or self.checks.get(check_id)


@functools.cache
def severity_table() -> SeverityTable:
    """The curated table, read once per process (raises ValueError if the shipped file is broken,
    which tests/scanners/test_checkov_severity.py rules out)."""
    raw = resources.files("gitops_guard").joinpath("data/checkov_severity.toml").read_text("utf-8")
    return _table(datacache.load_toml("checkov_severity", raw))


def parse_table(raw: str) -> SeverityTable:
    """Parse and check the text of a severity table; raises ValueError naming the bad entry."""
    return _table(tomllib.loads(raw))


def _table(data: dict[str, Any]) -> SeverityTable:
    classes = {
        name: (Severity.parse(c["severity"]), str(c["rationale"]))
        for name, c in data["classes"].items()
    }
    topics = {
        name: (Severity.parse(t["severity"]), str(t["problem"]), tuple(t.get("rules", ())))
        for name, t in data["topics"].items()
    }

    def make(check_id: str, item: dict[str, Any]) -> CheckSeverity:
        category, topic = item["class"], item.get("topic")
        if category not in classes or (topic is not None and topic not in topics):
            raise ValueError(f"checkov_severity.toml: {check_id}: unknown class or topic")
        own = item.get("severity")
        if bool(own) != bool(item.get("why")):
            raise ValueError(f"checkov_severity.toml: {check_id}: a severity needs a why")
        severity = Severity.parse(own) if own else classes[category][0]
        return CheckSeverity(severity, category, topic, item.get("why"))

    checks: dict[str, CheckSeverity] = {}
    variants: dict[tuple[str, str], CheckSeverity] = {}
    for check_id, item in data["checks"].items():
        checks[check_id] = make(check_id, item)
        for variant in item.get("variants", ()):
            variants[(check_id, variant["name"].strip())] = make(check_id, variant)
    return SeverityTable(str(data["checkov"]), classes, topics, checks, variants)


def guess_severity(check_name: str) -> Severity:
    """The keyword guess, for a check the curated table does not know."""
    text = check_name.lower()
    for severity, pattern in _severity_rules():
        if pattern.search(text):
            return severity
    return Severity.MEDIUM


def severity_for(check_id: str, check_name: str = "") -> Severity:
    """The curated severity of a Checkov check, else a guess from its name."""
    entry = severity_table().entry(check_id, check_name)
    return entry.severity if entry is not None else guess_severity(check_name)


def topic_for(check_id: str, check_name: str = "") -> str | None:
    """The cross-engine topic of a Checkov check (``mutable-image``...), if it has one."""
    entry = severity_table().entry(check_id, check_name)
    return entry.topic if entry is not None else None


# -- topics: one problem, reported by several engines -----------------------------------------

#: Every finding of the secrets scanner is about a hard-coded secret.
SECRET_TOPIC = "hardcoded-secret"


@functools.cache
def _topics_by_rule() -> dict[str, frozenset[str]]:
    """``tool:rule`` (or ``tool:*``) -> topics, from the table's ``topics``."""
    out: dict[str, set[str]] = {}
    for name, (_, _, rules) in severity_table().topics.items():
        for rule in rules:
            out.setdefault(rule, set()).add(name)
    return {rule: frozenset(names) for rule, names in out.items()}


def topics(finding: Finding) -> frozenset[str]:
    """The problem classes ``finding`` belongs to (empty: it merges only with its repeats)."""
    by_rule = _topics_by_rule()
    found = by_rule.get(f"{finding.tool}:{finding.rule_id}", frozenset()) | by_rule.get(
        f"{finding.tool}:*", frozenset()
    )
    if finding.tool == "checkov":
        entry = severity_table().entry(finding.rule_id, finding.message)
        if entry is not None and entry.topic:
            found |= {entry.topic}
    return found | {SECRET_TOPIC} if finding.scanner == "secrets" else found


def capped(finding: Finding) -> Finding:
    """``finding`` ranked no higher than its problem class, so the same problem gets the same
    severity from every engine (a topic's severity is the highest any of its rules may have; a
    milder case, such as a tag without a digest, may rank lower). Engines without a curated
    severity per rule (hadolint's and zizmor's levels) pass their findings through this."""
    table = severity_table().topics
    caps = [table[n][0] for n in topics(finding) if n in table]
    if not caps:
        return finding
    cap = max(caps, key=lambda s: s.rank)
    return finding if finding.severity.rank <= cap.rank else replace(finding, severity=cap)
