"""GG010 - GitLab CI job images and services without a digest.

The ``image:`` and ``services:`` of every job (``extends``, ``default:`` and the top-level
keywords resolved) are pulled at each run: a tag is whatever the registry serves then, and the job
runs it with the project's variables. One finding per image reference in the file that names it,
listing the jobs that run it; severity as GG005 (a tag: MEDIUM; ``latest`` or no tag: HIGH).
References built from variables (``$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA``) are not judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yaml.nodes import Node, ScalarNode

from gitops_guard.models import Finding
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import CI_KINDS, Parsed
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.scanners.gitops.gitlab import pipelines
from gitops_guard.scanners.gitops.images import judge_image, split_image

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex


def _refs(node: Node | None, key: str) -> list[tuple[str, Node]]:
    """``(reference, node)`` of an ``image`` (a string or ``{name: ...}``) or each service."""
    items = y.items(node) if key == "services" else [node] if node is not None else []
    out: list[tuple[str, Node]] = []
    for item in items:
        target = item if isinstance(item, ScalarNode) else y.get(item, "name")
        ref = y.text(target)
        if ref and target is not None:
            out.append((ref.strip(), target))
    return out


def check(file: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings("GG010", file.path)
    used: dict[int, tuple[str, Node, str, list[str]]] = {}
    for pipeline in pipelines(file, run):
        for name, body in pipeline.jobs():
            for key in ("image", "services"):
                found = pipeline.setting(body, key)
                if found is None or found[1] is not file:
                    continue
                for ref, node in _refs(found[0], key):
                    used.setdefault(id(node), (ref, node, key, []))[3].append(name)
    for ref, node, key, jobs in sorted(used.values(), key=lambda u: y.line(u[1])):
        verdict = judge_image(ref)
        if verdict is None:
            continue
        severity, why = verdict
        image, tag, _ = split_image(ref)
        shown = ", ".join(f"'{j}'" for j in jobs[:3]) + (
            f" +{len(jobs) - 3}" if len(jobs) > 3 else ""
        )
        what = "service" if key == "services" else "image"
        out.add(
            severity,
            f"GitLab CI {what} '{ref}' (job {shown}) {why}: each run pulls whatever the registry "
            "serves for it, with this project's variables.",
            node,
            resource=f"{what}.{ref}",
            anchor=(what, ref),
            fix=f"pin by digest: {image}:{tag or '<tag>'}@sha256:... (Renovate keeps it current)",
        )
    return out.findings


RULE = Check("GG010", CI_KINDS, check)
