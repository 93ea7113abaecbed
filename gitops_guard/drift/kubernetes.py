"""Kubernetes drift: compare manifests from git with objects exported by ``kubectl get -o yaml``.

Objects are matched by API group, kind, namespace and name (the version is ignored, so ``apps/v1``
matches ``extensions/v1beta1``). For each matched object the *manifest's* fields are walked: a
field the manifest sets that is different or absent live is drift. A field present only live is
drift only when :data:`LIVE_ONLY_FIELDS` says it is meaningful (an extra container, a host
namespace, a Service type, RBAC rules ...), because the API server fills in dozens of defaults
that a manifest never mentions. Lists of named items are matched by key (:data:`LIST_KEYS`), and
values are compared the way Kubernetes normalises them (quantities, ``"80"`` vs ``80``).
docs/drift.md explains every table here and what is deliberately not drift.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import yaml

from gitops_guard.drift.inputs import (
    MAX_INPUT_BYTES,
    MAX_MANIFEST_BYTES,
    DriftInputError,
    YamlDocument,
    decode,
    display_path,
    iter_yaml,
    load_yaml,
    read_bytes,
    yaml_error_message,
)
from gitops_guard.drift.values import (
    MISSING,
    SCANNER,
    SENSITIVE,
    TOOL,
    Absent,
    build_report,
    clean,
    key_segment,
    same,
    show,
    summarize,
)
from gitops_guard.models import ErrorKind, Finding, Report, ScanError, Severity, stable_hash

# --- identity -----------------------------------------------------------------------------------

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "PodSecurityPolicy",
        "ClusterIssuer",
    }
)
"""Kinds without a namespace. Other kinds seen live without a namespace count as cluster-scoped
too, so custom resources need no entry here."""

GROUP_ALIASES = {
    ("extensions", "Deployment"): "apps",
    ("extensions", "DaemonSet"): "apps",
    ("extensions", "ReplicaSet"): "apps",
    ("extensions", "Ingress"): "networking.k8s.io",
    ("extensions", "NetworkPolicy"): "networking.k8s.io",
    ("extensions", "PodSecurityPolicy"): "policy",
}
"""Kinds that moved API group: an old manifest still matches the live object."""

NOT_KUBERNETES_GROUPS = frozenset({"kustomize.config.k8s.io", "config.kubernetes.io", "builtin"})
"""API groups of tool configuration (``kustomization.yaml``), not cluster objects."""

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

_QUANTITY_FIELDS = frozenset({"limits", "requests", "hard", "capacity", "overhead"})
_SECRETISH = re.compile(r"pass|secret|token|key|credential|auth|cert", re.IGNORECASE)
_ENV_VALUE = re.compile(r"env\[([^\]]*)\]\.value$")

# --- severities ---------------------------------------------------------------------------------

_RBAC = "Role ClusterRole RoleBinding ClusterRoleBinding"
FIELD_SEVERITY: tuple[tuple[str, str, Severity], ...] = (
    # (kinds, generic path, severity): the first match wins
    ("*", "metadata.labels*", Severity.LOW),
    ("*", "metadata.annotations*", Severity.LOW),
    ("*", "pod.*ontainers[].securityContext*", Severity.HIGH),
    ("*", "pod.*ontainers[].image", Severity.HIGH),
    ("*", "pod.*ontainers", Severity.HIGH),
    ("*", "pod.*ontainers[]", Severity.HIGH),
    ("*", "pod.securityContext*", Severity.HIGH),
    ("*", "pod.host*", Severity.HIGH),
    ("*", "pod.shareProcessNamespace", Severity.HIGH),
    ("*", "pod.serviceAccountName", Severity.HIGH),
    ("*", "pod.automountServiceAccountToken", Severity.HIGH),
    (_RBAC, "*", Severity.HIGH),
    ("Secret", "data*", Severity.HIGH),
    ("Service", "spec.type", Severity.HIGH),
    ("Service", "spec.externalIPs*", Severity.HIGH),
    ("Service", "spec.loadBalancerSourceRanges*", Severity.HIGH),
    ("NetworkPolicy", "spec*", Severity.HIGH),
    ("*", "*", Severity.MEDIUM),
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


@dataclass(frozen=True)
class KubeObject:
    """One object, from the manifests or the live export, and where it was read."""

    group: str
    kind: str
    namespace: str
    name: str
    body: dict[str, object]
    path: str
    line: int
    end_line: int

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.group, self.kind, self.namespace, self.name)

    @property
    def resource(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def metadata(self) -> dict[str, object]:
        meta = self.body.get("metadata")
        return meta if isinstance(meta, dict) else {}


@dataclass
class _Notices:
    errors: list[ScanError] = field(default_factory=list)

    def skip(self, message: str, path: str | None = None) -> None:
        self.errors.append(ScanError(SCANNER, message, path=path, kind=ErrorKind.SKIPPED))


def drift_from_manifests(
    manifest_dir: str | os.PathLike[str],
    live_file: str | os.PathLike[str],
    *,
    default_namespace: str = "default",
) -> Report:
    """Compare the manifests under ``manifest_dir`` (a directory, or one file such as the output
    of ``kustomize build``) with the live objects in ``live_file``.

    ``default_namespace`` is where a namespaced manifest without ``metadata.namespace`` lives (as
    with ``kubectl apply -n NAMESPACE``).
    """
    live = _load_live(live_file)
    notices = _Notices()
    cluster_kinds = {(o.group, o.kind) for o in live if not o.namespace}
    manifests, files = _load_manifests(manifest_dir, cluster_kinds, default_namespace, notices)
    desired: dict[tuple[str, str, str, str], KubeObject] = {}
    for obj in manifests:
        first = desired.setdefault(obj.key, obj)
        if first is not obj:
            notices.skip(
                f"{obj.resource} is defined twice ({first.path}:{first.line} and "
                f"{obj.path}:{obj.line}); the first definition is compared",
                obj.path,
            )
    live_by_key = {o.key: o for o in live}
    findings: list[Finding] = []
    uncovered: dict[str, int] = {}
    live_kinds = {(o.group, o.kind) for o in live}
    live_namespaces = {o.namespace for o in live if o.namespace}
    for key, obj in desired.items():
        actual = live_by_key.get(key)
        if actual is not None:
            finding = _changed(obj, actual)
            if finding is not None:
                findings.append(finding)
        elif (obj.group, obj.kind) not in live_kinds:
            uncovered[f"no {obj.kind} objects"] = uncovered.get(f"no {obj.kind} objects", 0) + 1
        elif obj.namespace and obj.namespace not in live_namespaces:
            what = f"no objects in namespace {obj.namespace}"
            uncovered[what] = uncovered.get(what, 0) + 1
        else:
            findings.append(_missing(obj))
    shown_live = display_path(live_file)
    for what, count in sorted(uncovered.items()):
        notices.skip(
            f"the live export has {what}: {count} manifest object(s) not compared "
            "(add them to the kubectl get command)",
            shown_live,
        )
    scope = {o.namespace for o in desired.values()} | {
        o.name for o in desired.values() if o.kind == "Namespace"
    }
    claims = _claimed_volume_prefixes(desired.values())
    out_of_scope = 0
    for obj in live:
        if obj.key in desired or _system_managed(obj, claims):
            continue
        if obj.namespace and obj.namespace not in scope:
            out_of_scope += 1
            continue
        findings.append(_unmanaged(obj))
    return build_report(
        findings,
        notices.errors,
        files=files + 1,
        live_objects=len(live),
        manifest_objects=len(desired),
        live_objects_out_of_scope=out_of_scope,
    )


# --- loading ------------------------------------------------------------------------------------


def _identity(body: dict[str, object]) -> tuple[str, str, str] | None:
    """(group, kind, name) of a Kubernetes object, or None for any other YAML document."""
    api_version, kind = body.get("apiVersion"), body.get("kind")
    meta = body.get("metadata")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not kind:
        return None
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name:
        return None
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    if group in NOT_KUBERNETES_GROUPS:
        return None
    group = GROUP_ALIASES.get((group, kind), group)
    return clean(group), clean(kind), clean(name)


def _list_items(doc: YamlDocument) -> Iterator[tuple[object, int, int]]:
    """Items of a ``kind: List`` document with their lines, or the document itself."""
    data = doc.data
    if (
        isinstance(data, dict)
        and data.get("kind") == "List"
        and isinstance(data.get("items"), list)
    ):
        nodes: list[yaml.Node] = []
        if isinstance(doc.node, yaml.MappingNode):
            for key_node, value_node in doc.node.value:
                if key_node.value == "items" and isinstance(value_node, yaml.SequenceNode):
                    nodes = list(value_node.value)
        items = data["items"]
        for i, item in enumerate(items):
            node = nodes[i] if i < len(nodes) else None
            line = node.start_mark.line + 1 if node is not None else doc.line
            end = node.end_mark.line + (node.end_mark.column > 0) if node is not None else line
            yield item, line, max(line, end)
    else:
        yield data, doc.line, doc.end_line


def _load_live(live_file: str | os.PathLike[str]) -> list[KubeObject]:
    shown = display_path(live_file)
    text = decode(read_bytes(live_file, "live export", MAX_INPUT_BYTES), "live export", shown)
    docs = load_yaml(text, "live export", shown)
    if not docs:
        raise DriftInputError(f"live export {shown} is empty (expected `kubectl get ... -o yaml`)")
    objects: list[KubeObject] = []
    for doc in docs:
        for item, line, end in _list_items(doc):
            if item is None:
                continue
            ident = _identity(item) if isinstance(item, dict) else None
            if ident is None or not isinstance(item, dict):
                if isinstance(item, dict) and item.get("kind") == "List":
                    continue  # an empty `kubectl get` result
                raise DriftInputError(
                    f"live export {shown}: the document at line {line} is not a Kubernetes object"
                )
            meta = item.get("metadata")
            namespace = meta.get("namespace") if isinstance(meta, dict) else None
            group, kind, name = ident
            ns = clean(namespace) if isinstance(namespace, str) else ""
            objects.append(KubeObject(group, kind, ns, name, item, shown, line, end))
    return objects


def _manifest_files(root: Path, notices: _Notices) -> Iterator[Path]:
    """YAML files under ``root``, sorted, never following a link out of it."""
    if root.is_file():
        yield root
        return
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.suffix.lower() not in (".yaml", ".yml"):
                continue
            try:
                real = path.resolve()
                real.relative_to(real_root)
                regular = real.is_file()
            except (OSError, ValueError, RuntimeError):
                regular = False
            if not regular:
                notices.skip("not a regular file inside the manifest directory", display_path(path))
                continue
            yield path


def _helm_chart(path: Path) -> Path | None:
    """The chart directory when ``path`` is a Helm template (``templates/`` next to Chart.yaml)."""
    for parent in path.parents:
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return parent.parent
    return None


def _load_manifests(
    manifest_dir: str | os.PathLike[str],
    cluster_kinds: set[tuple[str, str]],
    default_namespace: str,
    notices: _Notices,
) -> tuple[list[KubeObject], int]:
    root = Path(manifest_dir)
    shown_root = display_path(root)
    if not root.exists():
        raise DriftInputError(f"manifests {shown_root} do not exist")
    objects: list[KubeObject] = []
    charts: set[Path] = set()
    files = 0
    for path in _manifest_files(root, notices):
        shown = display_path(path)
        chart = _helm_chart(path)
        if chart is not None:
            charts.add(chart)
            continue
        files += 1
        try:
            text = decode(read_bytes(path, "manifest", MAX_MANIFEST_BYTES), "manifest", shown)
            docs = list(iter_yaml(text))
        except DriftInputError as exc:
            notices.skip(str(exc), shown)
            continue
        except yaml.YAMLError as exc:
            if "{{" in text:
                notices.skip("a Go/Helm template, not YAML: render it first", shown)
            else:
                notices.skip(f"not valid YAML: {yaml_error_message(exc)}", shown)
            continue
        for doc in docs:
            for item, line, end in _list_items(doc):
                obj = _manifest_object(item, shown, line, end, cluster_kinds, default_namespace)
                if obj is not None:
                    objects.append(obj)
    for chart in sorted(charts):
        notices.skip(
            "a Helm chart: its templates were not compared (render it with `helm template`)",
            display_path(chart),
        )
    if not objects:
        raise DriftInputError(
            f"no Kubernetes objects found in manifests {shown_root} "
            "(render Helm charts and kustomizations first, see docs/drift.md)"
        )
    return objects, files


def _manifest_object(
    item: object,
    shown: str,
    line: int,
    end: int,
    cluster_kinds: set[tuple[str, str]],
    default_namespace: str,
) -> KubeObject | None:
    if not isinstance(item, dict):
        return None
    ident = _identity(item)
    if ident is None:
        return None
    group, kind, name = ident
    meta = item.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    if kind in CLUSTER_SCOPED_KINDS or (group, kind) in cluster_kinds:
        ns = ""
    else:
        ns = clean(namespace) if isinstance(namespace, str) and namespace else default_namespace
    body = _normalise_secret(item) if kind == "Secret" and group == "" else item
    return KubeObject(group, kind, ns, name, body, shown, line, end)


def _normalise_secret(body: dict[str, object]) -> dict[str, object]:
    """The server turns ``stringData`` into base64 ``data``; compare the manifest the same way."""
    string_data = body.get("stringData")
    if not isinstance(string_data, dict):
        return body
    raw = body.get("data")
    data: dict[object, object] = dict(raw) if isinstance(raw, dict) else {}
    for k, v in string_data.items():
        data[k] = base64.b64encode(str(v if v is not None else "").encode()).decode()
    out = {k: v for k, v in body.items() if k != "stringData"}
    out["data"] = data
    return out


# --- live objects nobody declared ---------------------------------------------------------------


def _claimed_volume_prefixes(objects: Iterable[KubeObject]) -> set[tuple[str, str]]:
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


def _system_managed(obj: KubeObject, claims: set[tuple[str, str]]) -> bool:
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


# --- comparing one object -----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDrift:
    """One field that differs: its path, the generic path used by the tables, and both values."""

    path: str
    generic: str
    desired: object
    live: object
    severity: Severity

    def render(self) -> str:
        return clean(f"{self.path}: {show(self.desired)} -> {show(self.live)}")


def _matches(kinds: str, pattern: str, kind: str, generic: str) -> bool:
    if kinds != "*" and kind not in kinds.split():
        return False
    regex = "".join(".*" if ch == "*" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, generic) is not None


class _Comparison:
    """Walks one manifest object against its live counterpart."""

    def __init__(self, kind: str, desired: dict[str, object]) -> None:
        self.kind = kind
        self.pod = POD_SPEC_PATHS.get(kind)
        self.ignored = set(IGNORED_FIELDS)
        if kind == "ClusterRole" and desired.get("aggregationRule"):
            self.ignored.add("rules")  # filled in by the aggregation controller
        self.drift: list[FieldDrift] = []

    def generic(self, gpath: str) -> str:
        """``pod.containers[].image`` for ``spec.template.spec.containers[].image``."""
        if self.pod and (gpath == self.pod or gpath.startswith((self.pod + ".", self.pod + "["))):
            return "pod" + gpath[len(self.pod) :]
        return gpath

    def add(self, path: str, gpath: str, desired: object, live: object) -> None:
        generic = self.generic(gpath)
        severity = next(s for k, p, s in FIELD_SEVERITY if _matches(k, p, self.kind, generic))
        if _has_key(live, "hostPath"):
            severity = Severity.HIGH
        if self.kind == "Secret" and (generic.startswith(("data", "stringData"))):
            desired, live = _hide(desired), _hide(live)
        else:
            desired, live = _redact(path, desired), _redact(path, live)
        self.drift.append(FieldDrift(path, generic, desired, live, severity))

    def walk(self, d: object, live: object, path: str, gpath: str) -> None:
        if d is None or gpath in self.ignored:
            return
        if isinstance(live, Absent):
            if not _empty(d):
                self.add(path, gpath, d, MISSING)
            return
        if isinstance(d, dict):
            if not isinstance(live, dict):
                self.add(path, gpath, d, live)
                return
            for k, v in d.items():
                seg = key_segment(k)
                self.walk(v, live.get(k, MISSING), _join(path, seg), _join(gpath, seg))
            for k in live.keys() - d.keys():
                seg = key_segment(k)
                if self.live_only_is_drift(_join(gpath, seg), live[k]):
                    self.add(_join(path, seg), _join(gpath, seg), MISSING, live[k])
        elif isinstance(d, list):
            if isinstance(live, list):
                self.walk_list(d, live, path, gpath)
            else:
                self.add(path, gpath, d, live)
        elif not _same_scalar(d, live, gpath):
            self.add(path, gpath, d, live)

    def walk_list(self, d: list[object], live: list[object], path: str, gpath: str) -> None:
        item_g = gpath + "[]"
        if not any(isinstance(x, (dict, list)) for x in (*d, *live)):
            if len(d) != len(live) or not all(
                _same_scalar(x, y, gpath) for x, y in zip(d, live, strict=True)
            ):
                self.add(path, gpath, d, live)
            return
        keyer = _list_keyer(gpath, d)
        if keyer is None:
            for i, item in enumerate(d):
                self.walk(item, live[i] if i < len(live) else MISSING, f"{path}[{i}]", item_g)
            for i in range(len(d), len(live)):
                if not _server_added(live[i]):
                    self.add(f"{path}[{i}]", item_g, MISSING, live[i])
            return
        live_by: dict[str, object] = {}
        for item in live:
            label = keyer(item)
            if label is not None:
                live_by.setdefault(label, item)
        wanted = set()
        for item in d:
            label = keyer(item)
            wanted.add(label)
            self.walk(item, live_by.get(str(label), MISSING), f"{path}[{label}]", item_g)
        for label, item in live_by.items():
            if label not in wanted and not _server_added(item):
                self.add(f"{path}[{label}]", item_g, MISSING, item)

    def live_only_is_drift(self, gpath: str, value: object) -> bool:
        if _empty(value) or gpath in self.ignored:
            return False
        generic = self.generic(gpath)
        for kinds, pattern, default in LIVE_ONLY_FIELDS:
            if _matches(kinds, pattern, self.kind, generic):
                return default is NO_DEFAULT or not same(value, default)
        return False


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


def _join(path: str, segment: str) -> str:
    return (path + segment).lstrip(".")


def _empty(value: object) -> bool:
    return value is None or value == "" or value == {} or value == []


def _server_added(item: object) -> bool:
    """List items the API server or admission adds on its own (to Pods)."""
    if not isinstance(item, dict):
        return False
    name, mount = str(item.get("name", "")), item.get("mountPath")
    if (
        name.startswith("kube-api-access-")
        or mount == "/var/run/secrets/kubernetes.io/serviceaccount"
    ):
        return True
    return item.get("key") in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def _list_keyer(gpath: str, items: list[object]) -> _Keyer | None:
    """How to label items of the list at ``gpath`` so desired and live items can be paired."""
    field_name = re.split(r"[.\]]", gpath)[-1] if gpath else ""
    if not all(isinstance(x, dict) for x in items):
        return None
    dicts = [x for x in items if isinstance(x, dict)]
    if field_name == "ports":
        port_key = "containerPort" if any("containerPort" in x for x in dicts) else "port"
        keyer = _Keyer((port_key, "protocol"))
    elif field_name in LIST_KEYS:
        keyer = _Keyer(LIST_KEYS[field_name])
    elif dicts and all(isinstance(x.get("name"), str) for x in dicts):
        keyer = _Keyer(("name",))
    else:
        return None
    labels = [keyer(x) for x in dicts]
    if None in labels or len(set(labels)) != len(labels):
        return None
    return keyer


@dataclass(frozen=True)
class _Keyer:
    fields: tuple[str, ...]

    def __call__(self, item: object) -> str | None:
        if not isinstance(item, dict):
            return None
        parts: list[str] = []
        for name in self.fields:
            value = item.get(name)
            if name == "protocol":
                value = value or "TCP"
            if value is None or isinstance(value, (dict, list)):
                return None
            parts.append(str(value))
        return "/".join(parts)


def _same_scalar(d: object, live: object, gpath: str) -> bool:
    """Equality as Kubernetes normalises: quantities (``1000m`` = ``1``), ``"80"`` = ``80``."""
    if same(d, live):
        return True
    if isinstance(d, bool) or isinstance(live, bool):
        return False
    if _QUANTITY_FIELDS & set(re.split(r"[.\[\]]", gpath)):
        a, b = parse_quantity(d), parse_quantity(live)
        if a is not None and a == b:
            return True
    if isinstance(d, (int, str)) and isinstance(live, (int, str)) and type(d) is not type(live):
        return str(d) == str(live)
    return False


_QUANTITY = re.compile(
    r"([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?"
)
_SUFFIX = {
    **{s: Fraction(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}


def parse_quantity(value: object) -> Fraction | None:
    """A Kubernetes resource quantity (``500m``, ``1.5Gi``, ``2``, ``1e3``) as an exact number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    match = _QUANTITY.fullmatch(str(value).strip())
    if match is None:
        return None
    number, suffix = match.groups()
    amount = Fraction(number)
    if not suffix:
        return amount
    if suffix[0] in "eE":
        exponent = int(suffix[1:])
        return amount * Fraction(10) ** exponent if abs(exponent) <= 30 else None
    return amount * _SUFFIX[suffix]


def _hide(value: object) -> object:
    return value if isinstance(value, Absent) else SENSITIVE


def _redact(path: str, value: object) -> object:
    """Mask environment values whose variable name looks secret, at any depth."""
    match = _ENV_VALUE.search(path)
    if match and _SECRETISH.search(match.group(1)):
        return _hide(value)
    if isinstance(value, dict):
        name = value.get("name")
        if "value" in value and isinstance(name, str) and _SECRETISH.search(name):
            return {k: (SENSITIVE if k == "value" else _redact("", v)) for k, v in value.items()}
        return {k: _redact("", v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact("", v) for v in value]
    return value


# --- findings -----------------------------------------------------------------------------------


def _changed(desired: KubeObject, live: KubeObject) -> Finding | None:
    comparison = _Comparison(desired.kind, desired.body)
    comparison.walk(desired.body, live.body, "", "")
    if not comparison.drift:
        return None
    drift = sorted(comparison.drift, key=lambda f: f.path)
    severity = max((f.severity for f in drift), key=lambda s: s.rank)
    rendered = [f.render() for f in drift]
    return Finding(
        scanner=SCANNER,
        tool=TOOL,
        rule_id="DRIFT-K8S-CHANGED",
        severity=severity,
        message=f"{desired.resource} differs live (manifest -> live): {summarize(rendered)}",
        path=desired.path,
        line=desired.line,
        end_line=desired.end_line,
        resource=desired.resource,
        anchor=stable_hash("changed", *rendered),
    )


def _missing(obj: KubeObject) -> Finding:
    return Finding(
        scanner=SCANNER,
        tool=TOOL,
        rule_id="DRIFT-K8S-MISSING",
        severity=MISSING_SEVERITY.get(obj.kind, Severity.MEDIUM),
        message=f"{obj.resource} is in the manifests but not live (deleted, or never applied)",
        path=obj.path,
        line=obj.line,
        end_line=obj.end_line,
        resource=obj.resource,
        anchor=stable_hash("missing", obj.group),
    )


def _unmanaged(obj: KubeObject) -> Finding:
    return Finding(
        scanner=SCANNER,
        tool=TOOL,
        rule_id="DRIFT-K8S-UNMANAGED",
        severity=UNMANAGED_SEVERITY.get(obj.kind, Severity.MEDIUM),
        message=f"{obj.resource} exists live but in none of the manifests (created outside git)",
        path=obj.path,
        line=obj.line,
        end_line=obj.end_line,
        resource=obj.resource,
        anchor=stable_hash("unmanaged", obj.group),
    )
