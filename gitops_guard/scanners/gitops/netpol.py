"""GG006 - network isolation: every namespace with workloads has NetworkPolicies selecting them.

Evaluated across all Kubernetes files of the run. A workload's namespace is its
``metadata.namespace``, overridden by the ``namespace:`` of the kustomizations that include its
file (an overlay's namespace wins over its base's); ``default`` when neither sets one. A
NetworkPolicy *selects* a workload when it is in the same namespace, its ``podSelector`` matches
the pod template's labels (``{}`` matches all; ``matchLabels`` and ``matchExpressions`` are
evaluated), and it isolates ingress (``policyTypes`` contains ``Ingress``, or is absent). Cilium
and Calico namespaced policies count for their whole namespace; a cluster-wide policy
(CiliumClusterwideNetworkPolicy, Calico GlobalNetworkPolicy, AdminNetworkPolicy) anywhere in the
scan turns the rule off, as we cannot evaluate it. Files used as kustomize patches are ignored,
and so are the files of a Kustomize component that no kustomization includes (it is never
deployed, so its policies protect nothing).

A namespace with no policy at all gets one finding, at its first workload; in a namespace with
policies, each workload no policy selects gets its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yaml.nodes import Node

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import K8sObject, Parsed
from gitops_guard.scanners.gitops._kustomize import KustomizeIndex
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.scanners.gitops.images import WORKLOADS, pod_spec
from gitops_guard.targets import Kind

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

ID = "GG006"
_CLUSTERWIDE = frozenset(
    {
        "CiliumClusterwideNetworkPolicy",
        "GlobalNetworkPolicy",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
    }
)
_NAMESPACE_WIDE = frozenset({"CiliumNetworkPolicy", "NetworkPolicy"})


@dataclass(frozen=True)
class _Workload:
    obj: K8sObject
    path: str
    labels: dict[str, str]


def _labels(node: Node | None) -> dict[str, str]:
    return {k: y.text(v) or "" for k, _, v in y.pairs(node)}


def _template_labels(obj: K8sObject) -> dict[str, str]:
    if obj.kind == "Pod":
        return _labels(y.get(obj.node, "metadata", "labels"))
    if obj.kind == "CronJob":
        return _labels(
            y.get(obj.node, "spec", "jobTemplate", "spec", "template", "metadata", "labels")
        )
    return _labels(y.get(obj.node, "spec", "template", "metadata", "labels"))


def selector_matches(selector: Node | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics; a null or empty selector matches everything."""
    for key, value in _labels(y.get(selector, "matchLabels")).items():
        if labels.get(key) != value:
            return False
    for expr in y.items(y.get(selector, "matchExpressions")):
        key = y.text(y.get(expr, "key")) or ""
        op = (y.text(y.get(expr, "operator")) or "").lower()
        values = y.strings(y.get(expr, "values"))
        present = key in labels
        if op == "in" and not (present and labels[key] in values):
            return False
        if op == "notin" and present and labels[key] in values:
            return False
        if op == "exists" and not present:
            return False
        if op == "doesnotexist" and present:
            return False
    return True


def _isolates_ingress(policy: K8sObject) -> bool:
    types = [t.lower() for t in y.strings(y.get(policy.node, "spec", "policyTypes"))]
    return not types or "ingress" in types


def _coverage(
    parsed: list[Parsed], index: KustomizeIndex
) -> tuple[dict[str, list[_Workload]], dict[str, list[K8sObject]]] | None:
    """Workloads and ingress policies by namespace; None when a cluster-wide policy exists."""
    workloads: dict[str, list[_Workload]] = defaultdict(list)
    policies: dict[str, list[K8sObject]] = defaultdict(list)
    seen: set[tuple[str, str, str]] = set()
    for p in parsed:
        if (
            Kind.KUBERNETES not in p.target.kinds
            or p.path in index.patches
            or p.path in index.undeployed  # in a component no kustomization includes
        ):
            continue
        for obj in p.objects():
            if obj.kind in _CLUSTERWIDE:
                return None
            if obj.kind in WORKLOADS:
                if pod_spec(obj) is None or not y.items(y.get(pod_spec(obj), "containers")):
                    continue  # a partial object (patch) has no containers
                for ns in index.namespaces_of(obj, p.path):
                    key = (ns, obj.kind, obj.name)
                    if key not in seen:
                        seen.add(key)
                        workloads[ns].append(_Workload(obj, p.path, _template_labels(obj)))
            elif obj.kind in _NAMESPACE_WIDE or (
                obj.kind == "NetworkPolicy" and "projectcalico" in obj.api_version
            ):
                for ns in index.namespaces_of(obj, p.path):
                    policies[ns].append(obj)
    return workloads, policies


def _findings(run: RunIndex) -> dict[str, list[Finding]]:
    """Every GG006 finding of the run, by file (computed once per run)."""
    coverage = _coverage(run.manifests, run.kustomize)
    if coverage is None:
        return {}
    workloads, policies = coverage
    out: dict[str, Findings] = {}

    def report(path: str) -> Findings:
        return out.setdefault(path, Findings(ID, path))

    for ns in sorted(workloads):
        members = sorted(workloads[ns], key=lambda w: (w.path, w.obj.line))
        ns_policies = policies.get(ns, [])
        if not ns_policies:
            first = next((w for w in members if w.path in run.reported), None)
            if first is None:
                continue
            names = ", ".join(f"{w.obj.kind}/{w.obj.name}" for w in members[:3])
            more = f" and {len(members) - 3} more" if len(members) > 3 else ""
            report(first.path).add(
                Severity.MEDIUM,
                f"Namespace '{ns}' runs workloads ({names}{more}) but no NetworkPolicy in the "
                "scanned manifests selects them; add a default-deny policy (podSelector: {})"
                " and allow only the traffic each workload needs.",
                first.obj.line,
                resource=f"Namespace.{ns}",
                anchor=(ns,),
                fix=f"add a default-deny NetworkPolicy to namespace '{ns}' (podSelector: {{}}, "
                "policyTypes: [Ingress]) and allow only the traffic each workload needs",
            )
            continue
        for w in members:
            if w.path not in run.reported or any(_selects(pol, w) for pol in ns_policies):
                continue
            report(w.path).add(
                Severity.MEDIUM,
                f"{w.obj.kind} '{w.obj.name}' in namespace '{ns}' is not selected by any "
                "ingress NetworkPolicy; extend the default-deny policy to it.",
                w.obj.line,
                resource=f"{w.obj.kind}.{ns}.{w.obj.name}",
                anchor=(ns, w.obj.kind, w.obj.name),
                fix="extend the namespace's default-deny policy (its podSelector) to this workload",
            )
    return {path: f.findings for path, f in out.items()}


def check(p: Parsed, run: RunIndex) -> list[Finding]:
    return run.memo(ID, lambda: _findings(run)).get(p.path, [])


def _selects(policy: K8sObject, workload: _Workload) -> bool:
    if policy.kind == "NetworkPolicy" and "projectcalico" not in policy.api_version:
        return _isolates_ingress(policy) and selector_matches(
            y.get(policy.node, "spec", "podSelector"), workload.labels
        )
    if policy.kind == "CiliumNetworkPolicy":
        return selector_matches(y.get(policy.node, "spec", "endpointSelector"), workload.labels)
    return True  # Calico: selector expressions are not evaluated; count the namespace covered


RULE = Check(ID, frozenset({Kind.KUBERNETES}), check)
