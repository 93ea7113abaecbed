"""The small model of the run's kustomization files that GG005 and GG006 share: the namespaces
overlays impose on the files they include, the files used as patches, the image overrides of
``images:``, and the files of Kustomize components that no kustomization includes (never
deployed: a component cannot be built on its own)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import K8sObject, Parsed
from gitops_guard.targets import Kind


@dataclass
class _Kustomization:
    directory: str
    namespace: str | None
    children: list[str]
    """Resolved paths of resources/bases/components (files or directories)."""
    component: bool = False
    """``kind: Component``: only deployed through a kustomization that lists it."""


@dataclass
class KustomizeIndex:
    """What kustomization files say about the other files of the scan."""

    namespaces: dict[str, set[str | None]] = field(default_factory=dict)
    """File -> namespaces imposed by the kustomizations that include it (None: not set)."""
    patches: set[str] = field(default_factory=set)
    """Files used as patches (partial objects, not resources of their own)."""
    digests: set[str] = field(default_factory=set)
    """Image names pinned by digest in some kustomization ``images:`` entry."""
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    """Image name -> the tags some kustomization ``images:`` entry gives it (``newTag``), each
    with the kustomization's ``path:line``."""
    undeployed: set[str] = field(default_factory=set)
    """Files listed only by components that no kustomization includes."""

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
                tag = y.text(y.get(item, "newTag"))
                if name and not y.is_empty(y.get(item, "digest")):
                    index.digests.add(name)
                elif name and tag:
                    where = f"{p.path}:{y.line(y.get(item, 'newTag'))}"
                    index.tags.setdefault(name, {}).setdefault(tag, where)
            kusts[directory] = _Kustomization(
                directory,
                y.text(y.get(doc, "namespace")),
                children,
                y.text(y.get(doc, "kind")) == "Component",
            )
        referenced = {c for k in kusts.values() for c in k.children}
        files = {p.path for p in parsed}

        visited: set[str] = set()

        def walk(directory: str, carried: str | None, trail: frozenset[str]) -> None:
            k = kusts[directory]
            visited.add(directory)
            ns = carried if carried is not None else k.namespace
            for child in k.children:
                if child in kusts and child not in trail:
                    walk(child, ns, trail | {child})
                elif child in files:
                    index.namespaces.setdefault(child, set()).add(ns)

        for directory in sorted(kusts):
            if directory not in referenced and not kusts[directory].component:
                walk(directory, None, frozenset({directory}))
        index.undeployed = _unreached(kusts, visited, files) - set(index.namespaces)
        return index

    def namespaces_of(self, obj: K8sObject, path: str) -> set[str]:
        """Namespaces an object ends up in (``default`` when nothing sets one)."""
        own = obj.namespace or "default"
        imposed = self.namespaces.get(path)
        if not imposed:
            return {own}
        return {ns if ns is not None else own for ns in imposed}


def _unreached(kusts: dict[str, _Kustomization], visited: set[str], files: set[str]) -> set[str]:
    """Files under components that no walk from a buildable kustomization reached."""
    out: set[str] = set()
    stack = [d for d, k in kusts.items() if k.component and d not in visited]
    seen = set(stack)
    while stack:
        for child in kusts[stack.pop()].children:
            if child in kusts and child not in seen and child not in visited:
                seen.add(child)
                stack.append(child)
            elif child in files:
                out.add(child)
    return out
