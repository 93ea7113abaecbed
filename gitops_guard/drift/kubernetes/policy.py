"""What counts as Kubernetes drift, and how bad it is: the tables, and the functions that read them.

docs/drift.md explains every table here and what is deliberately not drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gitops_guard.drift.kubernetes.load import KubeObject
from gitops_guard.drift.values import same
from gitops_guard.models import Severity

POD_SPEC_PATHS = {
    "Pod": "spec",
    "PodTemplate": "template.spec",
    "Deployment": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
    "ReplicaSet": "spec.template.spec",
    "ReplicationController": "spec.template.spec",
    "Job": "spec.template.spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
}
"""Where each workload keeps its pod spec; the tables below write it as ``pod``."""

# --- what is not drift --------------------------------------------------------------------------

IGNORED_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "status",
        "metadata.name",
        "metadata.namespace",
        "metadata.managedFields",
        "metadata.uid",
        "metadata.resourceVersion",
        "metadata.generation",
        "metadata.creationTimestamp",
        "metadata.selfLink",
        "metadata.deletionTimestamp",
        "metadata.deletionGracePeriodSeconds",
        "metadata.ownerReferences",
        'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',
        'metadata.annotations["deployment.kubernetes.io/revision"]',
    }
)
"""Written by the server or kubectl: never drift, even when a manifest copied them."""

NO_DEFAULT = object()

_WORKLOAD = "*"
LIVE_ONLY_FIELDS: tuple[tuple[str, str, object], ...] = (
    # (kinds, generic path, value the server defaults it to: that value alone is not drift)
    (_WORKLOAD, "pod.initContainers", NO_DEFAULT),
    (_WORKLOAD, "pod.ephemeralContainers", NO_DEFAULT),
    (_WORKLOAD, "pod.*ontainers[].command", NO_DEFAULT),
    (_WORKLOAD, "pod.*ontainers[].args", NO_DEFAULT),
    (_WORKLOAD, "pod.*ontainers[].env", NO_DEFAULT),
    (_WORKLOAD, "pod.*ontainers[].envFrom", NO_DEFAULT),
    (_WORKLOAD, "pod.*ontainers[].volumeMounts", NO_DEFAULT),
    (_WORKLOAD, "pod.*ontainers[].ports", NO_DEFAULT),
    (_WORKLOAD, "pod.*ontainers[].securityContext", NO_DEFAULT),
    (_WORKLOAD, "pod.*ontainers[].securityContext.*", NO_DEFAULT),
    (_WORKLOAD, "pod.volumes", NO_DEFAULT),
    (_WORKLOAD, "pod.hostNetwork", False),
    (_WORKLOAD, "pod.hostPID", False),
    (_WORKLOAD, "pod.hostIPC", False),
    (_WORKLOAD, "pod.shareProcessNamespace", False),
    (_WORKLOAD, "pod.hostAliases", NO_DEFAULT),
    (_WORKLOAD, "pod.serviceAccountName", "default"),
    (_WORKLOAD, "pod.automountServiceAccountToken", NO_DEFAULT),
    (_WORKLOAD, "pod.securityContext", {}),
    (_WORKLOAD, "pod.securityContext.*", NO_DEFAULT),
    ("Service", "spec.type", "ClusterIP"),
    ("Service", "spec.externalIPs", NO_DEFAULT),
    ("Service", "spec.externalName", NO_DEFAULT),
    ("Service", "spec.loadBalancerSourceRanges", NO_DEFAULT),
    ("ConfigMap Secret", "data", {}),
    ("ConfigMap Secret", "data.*", NO_DEFAULT),
    ("ConfigMap", "binaryData", {}),
    ("ConfigMap", "binaryData.*", NO_DEFAULT),
    ("Role ClusterRole", "rules", NO_DEFAULT),
    ("RoleBinding ClusterRoleBinding", "subjects", NO_DEFAULT),
    ("NetworkPolicy", "spec.ingress", NO_DEFAULT),
    ("NetworkPolicy", "spec.egress", NO_DEFAULT),
    ("Ingress", "spec.rules", NO_DEFAULT),
    ("Ingress", "spec.tls", NO_DEFAULT),
    ("Ingress", "spec.defaultBackend", NO_DEFAULT),
)
"""Fields that are drift when they exist live although the manifest does not set them. Every
other live-only field (``imagePullPolicy``, ``dnsPolicy``, ``clusterIP``, ``strategy`` ...) is a
server default or server state. Extra *items* in a list the manifest sets are always drift."""

LIST_KEYS = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "imagePullSecrets": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "hostAliases": ("ip",),
}
"""How items of a list are matched (``ports`` use ``containerPort``/``port`` + protocol; other
lists of objects that all have a unique ``name`` are matched by name, the rest by position)."""

QUANTITY_FIELDS = frozenset({"limits", "requests", "hard", "capacity", "overhead"})
"""Fields whose values are resource quantities (``500m``, ``1Gi``), compared as numbers."""

# --- severities ---------------------------------------------------------------------------------

_RBAC = "Role ClusterRole RoleBinding ClusterRoleBinding"
FIELD_SEVERITY: tuple[tuple[str, Severity, tuple[str, ...]], ...] = (
    # (kinds, severity, generic paths): the first match wins
    ("*", Severity.LOW, ("metadata.labels*", "metadata.annotations*")),
    (
        "*",
        Severity.HIGH,
        (
            "pod.*ontainers[].securityContext*",
            "pod.*ontainers[].image",
            "pod.*ontainers",
            "pod.*ontainers[]",
            "pod.securityContext*",
            "pod.host*",
            "pod.shareProcessNamespace",
            "pod.serviceAccountName",
            "pod.automountServiceAccountToken",
        ),
    ),
    (_RBAC, Severity.HIGH, ("*",)),
    ("Secret", Severity.HIGH, ("data*",)),
    (
        "Service",
        Severity.HIGH,
        ("spec.type", "spec.externalIPs*", "spec.loadBalancerSourceRanges*"),
    ),
    ("NetworkPolicy", Severity.HIGH, ("spec*",)),
    ("*", Severity.MEDIUM, ("*",)),
)
"""Severity of a changed field; a ``hostPath`` volume appearing anywhere is high as well."""

MISSING_SEVERITY = {"NetworkPolicy": Severity.HIGH}
UNMANAGED_SEVERITY = {
    kind: Severity.HIGH
    for kind in (*_RBAC.split(), "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
}
"""Unmanaged RBAC and admission webhooks are classic persistence: high. Other kinds: medium."""

# --- which live objects are the system's, not the user's ----------------------------------------

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
SYSTEM_KINDS = frozenset(
    {
        "Endpoints",
        "EndpointSlice",
        "Event",
        "Lease",
        "ControllerRevision",
        "Node",
        "ComponentStatus",
        "CertificateSigningRequest",
    }
)
SYSTEM_OBJECTS = frozenset(
    {
        ("ServiceAccount", "default"),
        ("ConfigMap", "kube-root-ca.crt"),
        ("Namespace", "default"),
        ("Service", "kubernetes"),
    }
)


def _matches(kinds: str, pattern: str, kind: str, generic: str) -> bool:
    if kinds != "*" and kind not in kinds.split():
        return False
    regex = "".join(".*" if ch == "*" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, generic) is not None


def empty(value: object) -> bool:
    """A value that says nothing: null, ``""``, ``{}`` or ``[]``."""
    return value is None or value == "" or value == {} or value == []


def live_only_is_drift(kind: str, generic: str, value: object) -> bool:
    """Whether a field the manifest does not set is drift when it exists live with ``value``."""
    if empty(value):
        return False
    for kinds, pattern, default in LIVE_ONLY_FIELDS:
        if _matches(kinds, pattern, kind, generic):
            return default is NO_DEFAULT or not same(value, default)
    return False


def field_severity(kind: str, generic: str, live: object) -> Severity:
    """Severity of a changed field from :data:`FIELD_SEVERITY`; high when the live value holds a
    ``hostPath`` volume, wherever it is."""
    if _has_key(live, "hostPath"):
        return Severity.HIGH
    return next(
        severity
        for kinds, severity, patterns in FIELD_SEVERITY
        if any(_matches(kinds, p, kind, generic) for p in patterns)
    )


def _has_key(value: object, key: str) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if key in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def claimed_volume_prefixes(objects: Iterable[KubeObject]) -> set[tuple[str, str]]:
    """``(namespace, "data-web-")`` for each StatefulSet volume claim template: its PVCs are the
    StatefulSet's even though they carry no owner reference."""
    out: set[tuple[str, str]] = set()
    for obj in objects:
        spec = obj.body.get("spec")
        templates = spec.get("volumeClaimTemplates") if isinstance(spec, dict) else None
        if obj.kind != "StatefulSet" or not isinstance(templates, list):
            continue
        for tpl in templates:
            meta = tpl.get("metadata") if isinstance(tpl, dict) else None
            if isinstance(meta, dict) and isinstance(meta.get("name"), str):
                out.add((obj.namespace, f"{meta['name']}-{obj.name}-"))
    return out


def system_managed(obj: KubeObject, claims: set[tuple[str, str]]) -> bool:
    """Whether a live object belongs to Kubernetes or to a controller rather than to a user."""
    meta = obj.metadata
    raw_labels = meta.get("labels")
    labels = raw_labels if isinstance(raw_labels, dict) else {}
    if obj.namespace in SYSTEM_NAMESPACES or obj.kind in SYSTEM_KINDS:
        return True
    if obj.kind == "Namespace" and (obj.name in SYSTEM_NAMESPACES or obj.name == "default"):
        return True
    if (obj.kind, obj.name) in SYSTEM_OBJECTS or meta.get("ownerReferences"):
        return True
    if obj.name.startswith("system:") or labels.get("kubernetes.io/bootstrapping"):
        return True
    if "addonmanager.kubernetes.io/mode" in labels:
        return True
    if obj.kind == "Secret" and obj.body.get("type") == "kubernetes.io/service-account-token":
        annotations = meta.get("annotations")
        account = (
            annotations.get("kubernetes.io/service-account.name")
            if isinstance(annotations, dict)
            else None
        )
        if isinstance(account, str) and obj.name.startswith(f"{account}-token-"):
            return True
    if obj.kind == "PersistentVolumeClaim":
        return any(
            ns == obj.namespace and obj.name.startswith(p) and obj.name[len(p) :].isdigit()
            for ns, p in claims
        )
    return False
