"""Reading Kubernetes objects: the live export (``kubectl get -o yaml``) and the manifests.

An object is identified by API group, kind, namespace and name; the version is ignored, and the
tables below say which kinds moved group, which are cluster-scoped and which API groups are tool
configuration rather than cluster objects.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gitops_guard.drift.inputs import (
    MAX_INPUT_BYTES,
    MAX_MANIFEST_BYTES,
    DriftInputError,
    YamlDocument,
    display_path,
    end_line,
    load_yaml,
    parse_yaml,
    read_text,
    yaml_error,
)
from gitops_guard.drift.rules import SCANNER
from gitops_guard.drift.values import clean
from gitops_guard.models import ErrorKind, ScanError

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
class Notices:
    errors: list[ScanError] = field(default_factory=list)

    def skip(self, message: str, path: str | None = None) -> None:
        self.errors.append(ScanError(SCANNER, message, path=path, kind=ErrorKind.SKIPPED))


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
        for i, item in enumerate(data["items"]):
            if i < len(nodes):
                yield item, nodes[i].start_mark.line + 1, end_line(nodes[i])
            else:
                yield item, doc.line, doc.line
    else:
        yield data, doc.line, doc.end_line


def load_live(live_file: str | os.PathLike[str]) -> list[KubeObject]:
    """Every object of the live export; :class:`DriftInputError` when it cannot be used."""
    shown = display_path(live_file)
    docs = load_yaml(read_text(live_file, "live export", MAX_INPUT_BYTES), "live export", shown)
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


def _manifest_files(root: Path, notices: Notices) -> Iterator[Path]:
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


def load_manifests(
    manifest_dir: str | os.PathLike[str],
    cluster_kinds: set[tuple[str, str]],
    default_namespace: str,
    notices: Notices,
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
            text = read_text(path, "manifest", MAX_MANIFEST_BYTES)
            docs = parse_yaml(text)
        except DriftInputError as exc:
            notices.skip(str(exc), shown)
            continue
        except yaml.YAMLError as exc:
            if "{{" in text:
                notices.skip("a Go/Helm template, not YAML: render it first", shown)
            else:
                notices.skip(f"not valid YAML: {yaml_error(exc)}", shown)
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
