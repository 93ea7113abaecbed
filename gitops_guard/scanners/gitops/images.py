"""GG005 - immutable deployments: images pinned by digest.

Checked: containers, initContainers and ephemeralContainers of Pods, Deployments, StatefulSets,
DaemonSets, ReplicaSets, Jobs, CronJobs and Argo Rollouts; Dockerfile ``FROM``; Helm values
(``image: {repository, tag}`` blocks and ``image: repo:tag`` strings) in values files and in Flux
``HelmRelease.spec.values``. A tag without digest is LOW and ``latest`` or no tag MEDIUM, as
the Checkov checks of the mutable-image class rank them (CKV_K8S_43, CKV_K8S_14).
Templated references (``{{ }}``, ``${VAR}`` without a default) are skipped; a kustomize
``images:`` entry that sets a ``digest`` pins that image everywhere in the scan, one that sets a
``newTag`` gives it that tag (judged instead of the manifest's). An image that skaffold, Tilt or
ko builds and substitutes at build time (:mod:`._builds`) is LOW: only a deployment that
bypasses the tool runs the manifest's reference.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._builds import built_by, built_images
from gitops_guard.scanners.gitops._common import K8sObject, Parsed
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.targets import Kind

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

ID = "GG005"
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
        return Severity.MEDIUM, "has no tag (pulls latest) and no digest"
    if tag == "latest":
        return Severity.MEDIUM, "uses the 'latest' tag without a digest"
    return Severity.LOW, f"uses tag '{tag}' without a digest"


def pod_spec(obj: K8sObject) -> Node | None:
    if obj.kind == "Pod":
        return y.get(obj.node, "spec")
    if obj.kind == "CronJob":
        return y.get(obj.node, "spec", "jobTemplate", "spec", "template", "spec")
    return y.get(obj.node, "spec", "template", "spec")


def _verdict(ref: str, run: RunIndex) -> tuple[Severity, str, str] | None:
    """``(severity, why, fix)`` for an image a workload or a values file runs, None when it is
    pinned: by digest, by a kustomize ``images:`` digest, or replaced by a build tool's own
    pinned reference (then only LOW: a deployment that bypasses the tool pulls the placeholder)."""
    verdict = judge_image(ref)
    name, tag, _ = split_image(ref.strip())
    if verdict is None or name in run.kustomize.digests:
        return None
    built = built_by(ref.strip(), run.memo("GG005.built", lambda: built_images(run)))
    if built is not None:
        where = f" ({built.where})" if built.where else ""
        return (
            Severity.LOW,
            f"is replaced at build time by {built.tool}{where}; only a deployment that bypasses "
            f"{built.tool} runs the reference as written",
            f"nothing to do if every deployment goes through {built.tool}; otherwise pin the image"
            " by digest",
        )
    severity, why = verdict
    tags = run.kustomize.tags.get(name)
    if tags:  # a kustomization sets the tag that is deployed
        tag = "latest" if "latest" in tags else sorted(tags)[0]
        where = tags[tag]
        severity = Severity.MEDIUM if tag == "latest" else Severity.LOW
        why = f"gets tag '{tag}' from the kustomization images: entry ({where}) without a digest"
        return severity, why, f"set digest: sha256:... in the images: entry ({where})"
    return severity, why, f"pin by digest: {name}:{tag or '<tag>'}@sha256:..."


def _workload_images(out: Findings, obj: K8sObject, run: RunIndex) -> None:
    spec = pod_spec(obj)
    for key in _CONTAINER_KEYS:
        for container in y.items(y.get(spec, key)):
            image_node = y.get(container, "image")
            ref = y.text(image_node)
            verdict = _verdict(ref, run) if ref else None
            if verdict is None:
                continue
            severity, why, fix = verdict
            cname = y.text(y.get(container, "name")) or "?"
            out.add(
                severity,
                f"{obj.kind} '{obj.name}' container '{cname}' image '{ref}' {why}; pin it "
                "by digest (image@sha256:...) so what runs is what was reviewed.",
                image_node,
                resource=obj.ref(),
                anchor=(obj.ref(), cname, ref or ""),
                fix=fix,
                confidence="medium" if severity is Severity.LOW else "high",
            )


def _values_block(out: Findings, keys: dict[str, Node], resource: str) -> None:
    """``image: {repository, tag}`` without a digest."""
    tag_node = keys.get("tag")
    if (
        not isinstance(tag_node, ScalarNode)
        or not any(k in keys for k in ("repository", "repo"))
        or not y.is_empty(keys.get("digest"))
        or not y.is_empty(keys.get("sha"))
    ):
        return
    tag = y.text(tag_node) or ""
    repo = y.text(keys.get("repository")) or y.text(keys.get("repo")) or "?"
    if tag and not _templated(tag) and "@" not in repo and "@" not in tag:
        out.add(
            Severity.MEDIUM if tag == "latest" else Severity.LOW,
            f"Helm values pin image '{repo}' by tag '{tag}' without a digest; set the "
            "chart's digest value (or repository@sha256:...).",
            tag_node,
            resource=resource,
            anchor=(resource, repo, tag),
            fix="set the chart's image digest value (or repository@sha256:...)",
        )


def _values_images(
    out: Findings, node: Node | None, resource: str, run: RunIndex, depth: int = 0
) -> None:
    """``image: {repository, tag}`` blocks and ``image: repo:tag`` strings in Helm values."""
    if depth > 40:
        return
    if not isinstance(node, MappingNode):
        for item in y.items(node):
            _values_images(out, item, resource, run, depth + 1)
        return
    _values_block(out, {k: v for k, _, v in y.pairs(node)}, resource)
    for key, _, value in y.pairs(node):
        if key == "image" and isinstance(value, ScalarNode) and y.is_str(value):
            ref = y.text(value) or ""
            verdict = _verdict(ref, run) if ("/" in ref or ":" in ref) else None
            if verdict is not None:
                out.add(
                    verdict[0],
                    f"Helm values image '{ref}' {verdict[1]}.",
                    value,
                    resource=resource,
                    anchor=(resource, ref),
                    fix=verdict[2],
                )
        else:
            _values_images(out, value, resource, run, depth + 1)


# -- Dockerfile ------------------------------------------------------------------------------

_ARG_RE = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?", re.I)
_FROM_RE = re.compile(r"^\s*FROM\s+(.*)$", re.I)
_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _dockerfile(out: Findings, p: Parsed) -> None:
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
        out.add(
            severity,
            f"Dockerfile base image '{shown}' {why}; pin it as name:tag@sha256:... and let a "
            "bot (Renovate, Dependabot) update it.",
            start + 1,
            resource=ref,
            anchor=("FROM", ref),
            fix=f"pin by digest: FROM {ref}@sha256:... (Renovate and Dependabot keep it current)",
        )


def check(p: Parsed, run: RunIndex) -> list[Finding]:
    kinds = p.target.kinds
    out = Findings(ID, p.path)
    if Kind.DOCKERFILE in kinds:
        _dockerfile(out, p)
    if Kind.HELM_VALUES in kinds:
        for doc in p.docs:
            _values_images(out, doc, PurePosixPath(p.path).name, run)
    if Kind.KUBERNETES in kinds:
        for obj in p.objects():
            if obj.kind in WORKLOADS:
                _workload_images(out, obj, run)
            elif obj.kind == "HelmRelease" and obj.group.startswith("helm.toolkit.fluxcd.io"):
                _values_images(out, y.get(obj.node, "spec", "values"), obj.ref(), run)
    return out.findings


RULE = Check(ID, frozenset({Kind.DOCKERFILE, Kind.HELM_VALUES, Kind.KUBERNETES}), check)
