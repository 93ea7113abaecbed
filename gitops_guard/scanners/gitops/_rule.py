"""The contract of a GitOps rule, and the one way a rule builds its findings.

A rule is anything with an :attr:`~GitopsRule.id`, the target :attr:`~GitopsRule.kinds` it
reads and a :meth:`~GitopsRule.check` of one file against the run's shared index
(:class:`~gitops_guard.scanners.gitops._run.RunIndex`). The scanner calls every registered rule
the same way on every reported file whose kinds it reads; a rule that looks across files (GG006)
computes its view once through :meth:`RunIndex.memo` and returns the part of one file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from yaml.nodes import Node

from gitops_guard.models import Finding, Severity, stable_hash
from gitops_guard.project import rule_doc_url
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import SCANNER, TOOL, Parsed

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex


class GitopsRule(Protocol):
    """One GitOps rule, as the scanner sees it."""

    @property
    def id(self) -> str:
        """Stable rule id (``GG001``), with an entry in the catalogue and a docs/rules page."""

    @property
    def kinds(self) -> frozenset[str]:
        """Target kinds (:class:`gitops_guard.targets.Kind`) of the files it checks."""

    def check(self, file: Parsed, run: RunIndex) -> Sequence[Finding]:
        """Findings of this rule in ``file`` (all with ``path == file.path``)."""


@dataclass(frozen=True)
class Check:
    """A rule written as one function (what every built-in rule is)."""

    id: str
    kinds: frozenset[str]
    function: Callable[[Parsed, RunIndex], Sequence[Finding]]

    def check(self, file: Parsed, run: RunIndex) -> Sequence[Finding]:
        return self.function(file, run)


@dataclass
class Findings:
    """The findings of one rule in one file, built by :meth:`add`."""

    rule_id: str
    path: str
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        message: str,
        at: Node | int | None,
        *,
        resource: str,
        anchor: tuple[str, ...],
        fix: str,
        confidence: str = "high",
    ) -> None:
        """Report ``message`` at a node's line (or a line number); ``anchor`` parts describe
        *what* is flagged (never a value), so the fingerprint survives moved lines; ``fix`` says
        in one line what to do (every GG finding has one)."""
        line = at if isinstance(at, int) else y.line(at)
        self.findings.append(
            Finding(
                scanner=SCANNER,
                tool=TOOL,
                rule_id=self.rule_id,
                severity=severity,
                message=message,
                path=self.path,
                line=line,
                end_line=line,
                resource=resource,
                help_url=rule_doc_url(self.rule_id),
                anchor=stable_hash("gitops-guard/gitops", self.rule_id, *anchor)[:24],
                confidence=confidence,
                fix=fix,
            )
        )
