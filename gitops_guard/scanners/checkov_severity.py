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
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gitops_guard.models import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: The fallback for a check the table does not know: first match wins; anything else is MEDIUM.
SEVERITY_RULES: tuple[tuple[Severity, re.Pattern[str]], ...] = (
    (
        Severity.HIGH,
        re.compile(
            r"hard[- ]?coded|secrets? (?:are|is) not|plain ?text (?:secret|password)"
            r"|privilege|privileged|\broot\b|as root|admin|\bsudo\b|public|0\.0\.0\.0|::/0"
            r"|unrestricted|any ip|internet|host (?:network|pid|ipc)|hostnetwork|hostpid|hostipc"
            r"|host path|hostpath|docker(?:\.sock| socket)|write-all|injection|untrusted|curl"
            r"|wildcard|\*:\*|secret|credential|password|access key|port 22|\bssh\b|metadata"
        ),
    ),
    (
        Severity.LOW,
        re.compile(
            r"healthcheck|liveness|readiness|probe|label|tag|description|version|digest|latest"
            r"|pull policy|imagepullpolicy|apt-get|\bcpu\b|memory|limits|requests|namespace"
            r"|\bdefault\b|timeout|monitoring|backup|retention|comment|customer managed|\bcmk\b"
        ),
    ),
)


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
    return parse_table(raw)


def parse_table(raw: str) -> SeverityTable:
    """Parse and check the text of a severity table; raises ValueError naming the bad entry."""
    data = tomllib.loads(raw)
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
    for severity, pattern in SEVERITY_RULES:
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
