"""GG005 - immutable deployments: images pinned by digest.

Checked: containers, initContainers and ephemeralContainers of Pods, Deployments, StatefulSets,
DaemonSets, ReplicaSets, Jobs, CronJobs and Argo Rollouts; Dockerfile ``FROM``; Helm values
(``image: {repository, tag}`` blocks and ``image: repo:tag`` strings) in values files and in Flux
``HelmRelease.spec.values``. A tag without digest is MEDIUM; ``latest`` or no tag is HIGH.
Templated references (``{{ }}``, ``${VAR}`` without a default) are skipped; a kustomize
``images:`` entry that sets a ``digest`` pins that image everywhere in the scan.

This module also holds :class:`KustomizeIndex`, the small model of kustomization files that
GG005 and GG006 share (namespaces set by overlays, patch files, image overrides).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from yaml.nodes import MappingNode, Node, ScalarNode

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import K8sObject, Parsed, finding
from gitops_guard.targets import Kind

RULE = "GG005"
WORKLOADS = frozenset(
    {
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "ReplicationController",
        "Rollout",
    }
)
_CONTAINER_KEYS = ("initContainers", "containers", "ephemeralContainers")


# -- kustomize -------------------------------------------------------------------------------


@dataclass
class _Kustomization:
    directory: str
    namespace: str | None
    children: list[str]
    """Resolved paths of resources/bases/components (files or directories)."""


@dataclass
class KustomizeIndex:
    """What kustomization files say about the other files of the scan."""

    namespaces: dict[str, set[str | None]] = field(default_factory=dict)
    """File -> namespaces imposed by the kustomizations that include it (None: not set)."""
    patches: set[str] = field(default_factory=set)
    """Files used as patches (partial objects, not resources of their own)."""
    digests: set[str] = field(default_factory=set)
    """Image names pinned by digest in some kustomization ``images:`` entry."""

    @classmethod
    def build(cls, parsed: list[Parsed]) -> KustomizeIndex:
        index = cls()
        kusts: dict[str, _Kustomization] = {}
        for p in parsed:
            if Kind.KUSTOMIZE not in p.target.kinds or not p.docs:
                continue
            doc = p.docs[0]
            directory = str(PurePosixPath(p.path).parent)
            children: list[str] = []
            for key in ("resources", "bases", "components"):
                for entry in y.strings(y.get(doc, key)):
                    if "://" not in entry and not entry.startswith(("github.com", "git@")):
                        children.append(posixpath.normpath(posixpath.join(directory, entry)))
            for item in y.items(y.get(doc, "patchesStrategicMerge")):
                value = y.text(item)
                if value and "\n" not in value:
                    index.patches.add(posixpath.normpath(posixpath.join(directory, value)))
            for key in ("patches", "patchesJson6902"):
                for item in y.items(y.get(doc, key)):
                    value = y.text(y.get(item, "path")) or y.text(item)
                    if value and "\n" not in value:
                        index.patches.add(posixpath.normpath(posixpath.join(directory, value)))
            for item in y.items(y.get(doc, "images")):
                name = y.text(y.get(item, "name"))
                if name and not y.is_empty(y.get(item, "digest")):
                    index.digests.add(name)
            kusts[directory] = _Kustomization(directory, y.text(y.get(doc, "namespace")), children)
        referenced = {c for k in kusts.values() for c in k.children}
        files = {p.path for p in parsed}

        def walk(directory: str, carried: str | None, trail: frozenset[str]) -> None:
            k = kusts[directory]
            ns = carried if carried is not None else k.namespace
            for child in k.children:
                if child in kusts and child not in trail:
                    walk(child, ns, trail | {child})
                elif child in files:
                    index.namespaces.setdefault(child, set()).add(ns)

        for directory in sorted(kusts):
            if directory not in referenced:
                walk(directory, None, frozenset({directory}))
        return index

    def namespaces_of(self, obj: K8sObject, path: str) -> set[str]:
        """Namespaces an object ends up in (``default`` when nothing sets one)."""
        own = obj.namespace or "default"
        imposed = self.namespaces.get(path)
        if not imposed:
            return {own}
        return {ns if ns is not None else own for ns in imposed}


# -- image references ------------------------------------------------------------------------


def split_image(ref: str) -> tuple[str, str | None, bool]:
    """``(name, tag, has_digest)`` of an image reference."""
    if "@" in ref:
        name, _, _ = ref.partition("@")
        return name, None, True
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :], False
    return ref, None, False


def _templated(ref: str) -> bool:
    return "{{" in ref or "${" in ref or "$(" in ref or ref.startswith("$") or "<" in ref


def judge_image(ref: str) -> tuple[Severity, str] | None:
    """Severity and explanation for an image reference, None when pinned or unknowable."""
    ref = ref.strip()
    if not ref or _templated(ref):
        return None
    _, tag, digest = split_image(ref)
    if digest:
        return None
    if tag is None:
        return Severity.HIGH, "has no tag (pulls latest) and no digest"
    if tag == "latest":
        return Severity.HIGH, "uses the 'latest' tag without a digest"
    return Severity.MEDIUM, f"uses tag '{tag}' without a digest"


def pod_spec(obj: K8sObject) -> Node | None:
    if obj.kind == "Pod":
        return y.get(obj.node, "spec")
    if obj.kind == "CronJob":
        return y.get(obj.node, "spec", "jobTemplate", "spec", "template", "spec")
    return y.get(obj.node, "spec", "template", "spec")


def _workload_images(p: Parsed, obj: K8sObject, index: KustomizeIndex) -> list[Finding]:
    out: list[Finding] = []
    spec = pod_spec(obj)
    for key in _CONTAINER_KEYS:
        for container in y.items(y.get(spec, key)):
            image_node = y.get(container, "image")
            ref = y.text(image_node)
            if not ref:
                continue
            verdict = judge_image(ref)
            if verdict is None or split_image(ref)[0] in index.digests:
                continue
            severity, why = verdict
            cname = y.text(y.get(container, "name")) or "?"
            out.append(
                finding(
                    RULE,
                    severity,
                    f"{obj.kind} '{obj.name}' container '{cname}' image '{ref}' {why}; pin it "
                    "by digest (image@sha256:...) so what runs is what was reviewed.",
                    p.path,
                    y.line(image_node),
                    resource=obj.ref(),
                    anchor=(obj.ref(), cname, ref),
                )
            )
    return out


def _values_images(p: Parsed, node: Node | None, resource: str, depth: int = 0) -> list[Finding]:
    """``image: {repository, tag}`` blocks and ``image: repo:tag`` strings in Helm values."""
    out: list[Finding] = []
    if depth > 40:
        return out
    if isinstance(node, MappingNode):
        keys = {k: v for k, _, v in y.pairs(node)}
        tag_node = keys.get("tag")
        if (
            isinstance(tag_node, ScalarNode)
            and any(k in keys for k in ("repository", "repo"))
            and y.is_empty(keys.get("digest"))
            and y.is_empty(keys.get("sha"))
        ):
            tag = y.text(tag_node) or ""
            repo = y.text(keys.get("repository")) or y.text(keys.get("repo")) or "?"
            if tag and not _templated(tag) and "@" not in repo and "@" not in tag:
                severity = Severity.HIGH if tag == "latest" else Severity.MEDIUM
                out.append(
                    finding(
                        RULE,
                        severity,
                        f"Helm values pin image '{repo}' by tag '{tag}' without a digest; set the "
                        "chart's digest value (or repository@sha256:...).",
                        p.path,
                        y.line(tag_node),
                        resource=resource,
                        anchor=(resource, repo, tag),
                    )
                )
        for key, _, value in y.pairs(node):
            if key == "image" and isinstance(value, ScalarNode) and y.is_str(value):
                ref = y.text(value) or ""
                verdict = judge_image(ref) if ("/" in ref or ":" in ref) else None
                if verdict is not None:
                    out.append(
                        finding(
                            RULE,
                            verdict[0],
                            f"Helm values image '{ref}' {verdict[1]}.",
                            p.path,
                            y.line(value),
                            resource=resource,
                            anchor=(resource, ref),
                        )
                    )
            else:
                out.extend(_values_images(p, value, resource, depth + 1))
    else:
        for item in y.items(node):
            out.extend(_values_images(p, item, resource, depth + 1))
    return out


# -- Dockerfile ------------------------------------------------------------------------------

_ARG_RE = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?", re.I)
_FROM_RE = re.compile(r"^\s*FROM\s+(.*)$", re.I)
_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _dockerfile(p: Parsed) -> list[Finding]:
    out: list[Finding] = []
    args: dict[str, str] = {}
    stages: set[str] = set()
    seen_from = False
    lines = p.text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        start = i
        text = lines[i]
        while text.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text.rstrip()[:-1] + " " + lines[i]
        i += 1
        if text.lstrip().startswith("#"):
            continue
        m = _ARG_RE.match(text)
        if m and not seen_from:
            args[m.group(1)] = (m.group(2) or "").strip("\"'")
            continue
        m = _FROM_RE.match(text)
        if not m:
            continue
        seen_from = True
        words = [w for w in m.group(1).split() if not w.startswith("--")]
        if not words:
            continue
        raw = words[0]
        if len(words) >= 3 and words[1].lower() == "as":
            stages.add(words[2].lower())

        def sub(mm: re.Match[str]) -> str:
            name = mm.group(1) or mm.group(3)
            value = args.get(name) or (mm.group(2) or "")
            return value if value else "\0"

        ref = _VAR_RE.sub(sub, raw)
        if "\0" in ref or ref.lower() == "scratch" or ref.lower() in stages:
            continue
        verdict = judge_image(ref)
        if verdict is None:
            continue
        severity, why = verdict
        shown = ref if ref == raw else f"{raw} (= {ref})"
        out.append(
            finding(
                RULE,
                severity,
                f"Dockerfile base image '{shown}' {why}; pin it as name:tag@sha256:... and let a "
                "bot (Renovate, Dependabot) update it.",
                p.path,
                start + 1,
                resource=ref,
                anchor=("FROM", ref),
            )
        )
    return out


def check(p: Parsed, index: KustomizeIndex) -> list[Finding]:
    kinds = p.target.kinds
    out: list[Finding] = []
    if Kind.DOCKERFILE in kinds:
        out.extend(_dockerfile(p))
    if Kind.HELM_VALUES in kinds:
        for doc in p.docs:
            out.extend(_values_images(p, doc, PurePosixPath(p.path).name))
    if Kind.KUBERNETES in kinds:
        for obj in p.objects():
            if obj.kind in WORKLOADS:
                out.extend(_workload_images(p, obj, index))
            elif obj.kind == "HelmRelease" and obj.group.startswith("helm.toolkit.fluxcd.io"):
                out.extend(_values_images(p, y.get(obj.node, "spec", "values"), obj.ref()))
    return out
