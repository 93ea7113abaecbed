"""Drift detection, offline: what changed in the environment outside git.

Two inputs the user's own tools produce, never a cluster or a cloud API:

- :func:`drift_from_plan` reads ``terraform show -json`` of a (refresh-only) plan;
- :func:`drift_from_manifests` compares Kubernetes manifests with a ``kubectl get -o yaml`` export.

Both return a :class:`~gitops_guard.models.Report` of findings from the ``drift`` scanner and raise
:class:`DriftInputError` (exit 3) when an input cannot be used; :func:`combine` makes one report
of both. :func:`rules` lists the rules; docs/drift.md describes them.
"""

from __future__ import annotations

from gitops_guard.drift.inputs import DriftInputError
from gitops_guard.drift.kubernetes import drift_from_manifests
from gitops_guard.drift.report import combine
from gitops_guard.drift.rules import rules
from gitops_guard.drift.terraform import drift_from_plan

__all__ = ["DriftInputError", "combine", "drift_from_manifests", "drift_from_plan", "rules"]
