"""The drift rules as data, and the one way a drift finding is made.

``gitops-guard rules`` lists :func:`rules` with the rules of the scanners; every finding names a
rule of :data:`RULES` and carries its ``help_url`` (an anchor of docs/drift.md).
"""

from __future__ import annotations

from gitops_guard import project
from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.interface import Rule

SCANNER = "drift"
TOOL = "gitops-guard"
"""Findings name gitops-guard as their engine: Terraform and kubectl only produced the inputs."""

RULES: tuple[Rule, ...] = tuple(
    Rule(rule_id, name, description, Severity.MEDIUM, project.doc_url("drift.md", rule_id.lower()))
    for rule_id, name, description in (
        (
            "DRIFT-TF-UPDATE",
            "Terraform resource changed outside Terraform",
            "An attribute of a managed resource differs from state: someone changed it by hand.",
        ),
        (
            "DRIFT-TF-DELETE",
            "Terraform resource deleted outside Terraform",
            "A managed resource no longer exists.",
        ),
        (
            "DRIFT-TF-CREATE",
            "Terraform resource created outside Terraform",
            "The plan records an object created outside Terraform.",
        ),
        (
            "DRIFT-TF-REPLACE",
            "Terraform resource replaced outside Terraform",
            "The plan records an object replaced outside Terraform.",
        ),
        (
            "DRIFT-K8S-CHANGED",
            "Kubernetes object differs from its manifest",
            "A field the manifest sets (or a meaningful field it does not) differs live.",
        ),
        (
            "DRIFT-K8S-MISSING",
            "Kubernetes object in git but not live",
            "An object of the manifests is absent from the live export.",
        ),
        (
            "DRIFT-K8S-UNMANAGED",
            "Kubernetes object live but not in git",
            "A live object is in none of the manifests: it was created outside git.",
        ),
    )
)
"""Every rule the drift feature reports, with its default severity (a finding's own severity
comes from the tables of :mod:`~gitops_guard.drift.terraform.policy` and
:mod:`~gitops_guard.drift.kubernetes.policy`: security drift is higher)."""

RULE_BY_ID = {r.id: r for r in RULES}


def rules() -> tuple[Rule, ...]:
    """The drift rules, for ``gitops-guard rules`` and SARIF."""
    return RULES


def finding(
    rule_id: str,
    severity: Severity,
    message: str,
    *,
    path: str,
    line: int,
    end_line: int,
    resource: str,
    anchor: str,
) -> Finding:
    """A finding of the drift rule ``rule_id`` (a ``KeyError`` for a rule not in :data:`RULES`)."""
    return Finding(
        scanner=SCANNER,
        tool=TOOL,
        rule_id=rule_id,
        severity=severity,
        message=message,
        path=path,
        line=line,
        end_line=end_line,
        resource=resource,
        help_url=RULE_BY_ID[rule_id].help_url,
        anchor=anchor,
    )
