"""Drift detection, offline: what changed in the environment outside git.

Two inputs the user's own tools produce, never a cluster or a cloud API:

- :func:`drift_from_plan` reads ``terraform show -json`` of a (refresh-only) plan;
- :func:`drift_from_manifests` compares Kubernetes manifests with a ``kubectl get -o yaml`` export.

Both return a :class:`~gitops_guard.models.Report` of findings from the ``drift`` scanner and raise
:class:`DriftInputError` (exit 3) when an input cannot be used. docs/drift.md describes the rules.
"""

from __future__ import annotations

from gitops_guard.drift.inputs import DriftInputError
from gitops_guard.drift.kubernetes import drift_from_manifests
from gitops_guard.drift.terraform import drift_from_plan
from gitops_guard.models import Severity
from gitops_guard.scanners.interface import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "DRIFT-TF-UPDATE",
        "Terraform resource changed outside Terraform",
        "An attribute of a managed resource differs from state: someone changed it by hand.",
        Severity.MEDIUM,
    ),
    Rule(
        "DRIFT-TF-DELETE",
        "Terraform resource deleted outside Terraform",
        "A managed resource no longer exists.",
        Severity.MEDIUM,
    ),
    Rule(
        "DRIFT-TF-CREATE",
        "Terraform resource created outside Terraform",
        "The plan records an object created outside Terraform.",
        Severity.MEDIUM,
    ),
    Rule(
        "DRIFT-TF-REPLACE",
        "Terraform resource replaced outside Terraform",
        "The plan records an object replaced outside Terraform.",
        Severity.MEDIUM,
    ),
    Rule(
        "DRIFT-K8S-CHANGED",
        "Kubernetes object differs from its manifest",
        "A field the manifest sets (or a meaningful field it does not) differs live.",
        Severity.MEDIUM,
    ),
    Rule(
        "DRIFT-K8S-MISSING",
        "Kubernetes object in git but not live",
        "An object of the manifests is absent from the live export.",
        Severity.MEDIUM,
    ),
    Rule(
        "DRIFT-K8S-UNMANAGED",
        "Kubernetes object live but not in git",
        "A live object is in none of the manifests: it was created outside git.",
        Severity.MEDIUM,
    ),
)
"""Every rule the drift feature reports, with its default severity (security drift is higher)."""

__all__ = ["RULES", "DriftInputError", "drift_from_manifests", "drift_from_plan"]
