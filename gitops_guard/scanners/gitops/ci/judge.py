"""GG001's judge: which events of a job are findings.

A job that creates its own throwaway cluster (kind, k3d, minikube, k3s...) is a test job: its
cluster mutations are not flagged; credentials of a managed cluster and kubeconfigs taken from CI
secrets still are. One finding per offending step, at the first offending line of that step.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops._rule import Findings
from gitops_guard.scanners.gitops.ci.model import Event, Job
from gitops_guard.scanners.gitops.ci.tables import Op

RULE = "GG001"
_WHAT = {
    Op.MUTATE: "changes a cluster",
    Op.CLOUD_CRED: "fetches cluster credentials",
    Op.SECRET_KUBECONFIG: "loads a kubeconfig from a CI secret",
    Op.KUBECONFIG_VAR: "sets up a kubeconfig from CI configuration",
}
_FIX = {
    Op.MUTATE: "commit the change to the GitOps repository (or push an image and let an "
    "image-update automation bump it) and let Argo CD or Flux apply it",
    Op.CLOUD_CRED: "drop the cluster-credentials step from CI; the in-cluster controller "
    "(Argo CD, Flux) holds the access instead",
    Op.SECRET_KUBECONFIG: "delete the kubeconfig from the CI secrets and revoke it; deploy through "
    "the in-cluster GitOps controller",
    Op.KUBECONFIG_VAR: "remove the kubeconfig from the CI variables and revoke it; deploy through "
    "the in-cluster GitOps controller",
}


def _excused(op: Op, local: bool, cloud: bool) -> bool:
    if op in (Op.LOCAL_CLUSTER, Op.CLOUD_CLUSTER):
        return True
    if op in (Op.MUTATE, Op.KUBECONFIG_VAR):
        return local or cloud
    if op is Op.CLOUD_CRED:
        return cloud
    return False  # a kubeconfig from a secret always points at a real cluster


def judge(jobs: Iterable[Job], path: str, platform: str) -> list[Finding]:
    """Findings for the non-excused events: the first of each step."""
    out = Findings(RULE, path)
    seen: set[tuple[int, str]] = set()
    for job in jobs:
        local = any(e.op is Op.LOCAL_CLUSTER for e in job.events)
        cloud = any(e.op is Op.CLOUD_CLUSTER for e in job.events)
        reported: dict[str, Event] = {}
        extra: dict[str, int] = {}
        for e in sorted(job.events, key=lambda e: e.line):
            if _excused(e.op, local, cloud):
                continue
            if e.step in reported:
                extra[e.step] = extra.get(e.step, 0) + 1
            else:
                reported[e.step] = e
        for step, e in reported.items():
            if (e.line, e.label) in seen:  # a shared template reported once
                continue
            seen.add((e.line, e.label))
            more = extra.get(step, 0)
            tail = f" (+{more} more in this step)" if more else ""
            where = f"job '{job.name}', step '{step}'" if step != job.name else f"job '{job.name}'"
            out.add(
                Severity.HIGH,
                f"{platform} {where} {_WHAT[e.op]}: `{e.label}`{tail}. CI should push to git "
                "or a registry and let the in-cluster GitOps controller deploy.",
                e.line,
                resource=f"{job.name}/{step}",
                anchor=(job.name, step, e.label),
                fix=_FIX[e.op],
            )
    return out.findings
