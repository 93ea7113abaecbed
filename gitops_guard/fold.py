"""Fold Kustomize renders into the findings of the manifests they are made of.

Checkov renders each kustomization and reports every rendered object at the kustomization file
(its resource is ``base:Kind.ns.name`` or ``overlay:<dir>:Kind.ns.name``), so one problem in a
base is reported once on the base manifest and once more per overlay. Here a rendered finding

1. joins the finding of the same check on the same object (kind, and name once the overlay's
   ``namePrefix``/``nameSuffix`` are taken off; namespaces may differ) in a manifest the
   kustomization includes, which then names the kustomization in ``also_in``;
2. else, when the kustomization patches that object (the overlay changed the field), joins the
   patch's own finding of that check, or is reported at the patch (file and line);
3. else stays, one finding per object and check: renders of one object by several overlays
   fold into the first, naming the others in ``also_in``.

A patch file is also a manifest ``checkov -d`` scans on its own; its finding of a check that the
patched object already fails in a manifest of the kustomization joins that finding.

Every folded finding's fingerprint is kept in ``merged`` (baselines stay exact).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from gitops_guard import safeyaml, text
from gitops_guard.models import Finding

_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_RESOURCE_KEYS = ("resources", "bases", "components")
_PATCH_KEYS = ("patchesStrategicMerge", "patches", "patchesJson6902")


def is_render(f: Finding) -> bool:
    return f.tool == "checkov" and (f.resource or "").startswith(("base:", "overlay:"))


def _object(resource: str) -> tuple[str, str] | None:
    """``Kind.ns.rest`` -> (kind, rest); None when it is not of that shape."""
    kind, sep, tail = resource.rsplit(":", 1)[-1].partition(".")
    _, sep2, rest = tail.partition(".")
    return (kind, rest) if sep and sep2 and rest else None


@dataclass(frozen=True)
class _Patch:
    path: str
    """The patch file, or the kustomization itself for an inline patch."""
    line: int
    end_line: int
    kind: str | None
    name: str | None


@dataclass
class _Kustomization:
    directory: str
    path: str
    children: list[str] = field(default_factory=list)
    prefix: str = ""
    suffix: str = ""
    patches: list[_Patch] = field(default_factory=list)


class _Graph:
    """The run's kustomizations, read on demand (through safeyaml) from the scanned files."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        self._files = files
        self._dirs: dict[str, _Kustomization | None] = {}

    def _read(self, rel: str) -> str | None:
        where = self._files.get(rel)
        if where is None:
            return None
        try:
            return text.read(where)
        except OSError:
            return None

    def get(self, directory: str) -> _Kustomization | None:
        if directory not in self._dirs:
            self._dirs[directory] = self._load(directory)
        return self._dirs[directory]

    def _load(self, directory: str) -> _Kustomization | None:
        for name in _NAMES:
            path = name if directory in ("", ".") else f"{directory}/{name}"
            content = self._read(path)
            if content is not None:
                return self._parse(directory, path, content)
        return None

    def _parse(self, directory: str, path: str, content: str) -> _Kustomization:
        data = safeyaml.load_mapping(content)
        k = _Kustomization(directory, path)
        k.prefix = str(data.get("namePrefix") or "")
        k.suffix = str(data.get("nameSuffix") or "")
        for key in _RESOURCE_KEYS:
            for entry in _strings(data.get(key)):
                if "://" not in entry and not entry.startswith(("git@", "github.com/")):
                    k.children.append(_join(directory, entry))
        for key in _PATCH_KEYS:
            entries = data.get(key)
            for entry in entries if isinstance(entries, list) else []:
                k.patches.extend(self._patches(directory, path, entry))
        return k

    def _patches(self, directory: str, kpath: str, entry: object) -> Iterator[_Patch]:
        ref = entry if isinstance(entry, str) else None
        target: dict[str, object] = {}
        if isinstance(entry, dict):
            ref = entry.get("path") if isinstance(entry.get("path"), str) else None
            raw = entry.get("target")
            target = raw if isinstance(raw, dict) else {}
        if ref is not None and "\n" not in ref:
            rel = _join(directory, ref)
            content = self._read(rel)
            docs = list(_documents(content)) if content is not None else []
            for kind, name, line, end in docs or [(None, None, 1, 1)]:
                yield _Patch(
                    rel,
                    line,
                    end,
                    _str(target.get("kind")) or kind,
                    _str(target.get("name")) or name,
                )
        elif isinstance(entry, (dict, str)):  # an inline patch: point at the kustomization
            yield _Patch(kpath, 1, 1, _str(target.get("kind")), _str(target.get("name")))

    def sources(self, directory: str) -> list[tuple[str, str, str]]:
        """Files a kustomization is made of, each with the name prefix and suffix it gets."""
        out: list[tuple[str, str, str]] = []
        seen: set[str] = set()

        def walk(d: str, prefix: str, suffix: str) -> None:
            k = self.get(d)
            if k is None or d in seen:
                return
            seen.add(d)
            prefix, suffix = prefix + k.prefix, k.suffix + suffix
            for child in k.children:
                if self.get(child) is not None:
                    walk(child, prefix, suffix)
                else:
                    out.append((child, prefix, suffix))

        walk(directory, "", "")
        return out

    def patch_files(self) -> dict[str, list[str]]:
        """Patch files of the kustomizations read so far -> the folders of those that use them."""
        out: dict[str, list[str]] = {}
        for directory, k in self._dirs.items():
            if k is None:
                continue
            for patch in k.patches:
                if patch.path != k.path:  # not an inline patch
                    out.setdefault(patch.path, []).append(directory)
        return out

    def patch_for(self, directory: str, kind: str, rest: str) -> _Patch | None:
        """The patch of this kustomization aimed at the rendered object ``kind``/``rest``; a
        patch names the object as its resources do, before this kustomization's own prefix."""
        k = self.get(directory)
        if k is None:
            return None
        for patch in k.patches:
            if patch.kind not in (None, kind):
                continue
            if patch.name is None or _renamed(rest, patch.name, k.prefix, k.suffix):
                return patch
        return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _join(directory: str, ref: str) -> str:
    return posixpath.normpath(posixpath.join("" if directory == "." else directory, ref))


def _documents(content: str) -> Iterator[tuple[str | None, str | None, int, int]]:
    """(kind, name, first line, last line) of each object of a patch file."""
    try:
        for data, node in safeyaml.load_all(content):
            if isinstance(data, dict):
                meta = data.get("metadata")
                name = meta.get("name") if isinstance(meta, dict) else None
                end = node.end_mark.line + (0 if node.end_mark.column == 0 else 1)
                yield _str(data.get("kind")), _str(name), node.start_mark.line + 1, end
    except yaml.YAMLError:
        return


def _renamed(rendered: str, plain: str, prefix: str, suffix: str) -> bool:
    """True when ``rendered`` is ``plain``'s name with ``prefix``/``suffix`` (the name is the
    part of ``plain`` before one of its dots, or all of it)."""
    if not prefix and not suffix:
        return rendered == plain
    cuts = [i for i, c in enumerate(plain) if c == "."] + [len(plain)]
    return any(rendered == prefix + plain[:i] + suffix + plain[i:] for i in cuts)


def _join_into(target: Finding, render: Finding) -> Finding:
    worst = max((target.severity, render.severity), key=lambda s: s.rank)
    return replace(
        target,
        severity=worst,
        also_in=tuple(sorted({*target.also_in, f"{render.path}:{render.line}", *render.also_in})),
        merged=tuple(sorted([*target.merged, *render.problems])),
    )


def fold(findings: Sequence[Finding], files: Mapping[str, Path]) -> list[Finding]:
    """``findings`` with Kustomize renders folded (see the module docstring)."""
    renders = sorted(
        (f for f in findings if is_render(f)), key=lambda f: (f.path, f.rule_id, f.resource or "")
    )
    if not renders:
        return list(findings)
    out = [f for f in findings if not is_render(f)]
    by_check: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(out):
        obj = _object(f.resource or "") if f.tool == "checkov" else None
        if obj is not None:
            by_check.setdefault((f.rule_id, obj[0]), []).append(i)
    graph = _Graph(files)
    alone: dict[tuple[str, str, str], int] = {}
    for r in renders:
        obj = _object(r.resource or "")
        if obj is None:
            out.append(r)
            continue
        kind, rest = obj
        directory = posixpath.dirname(r.path) or "."
        home = _source_finding(out, by_check.get((r.rule_id, kind), []), graph, directory, rest)
        if home is not None:
            out[home] = _join_into(out[home], r)
            continue
        patch = graph.patch_for(directory, kind, rest)
        if patch is not None:
            at_patch = next(
                (i for i in by_check.get((r.rule_id, kind), []) if out[i].path == patch.path), None
            )
            if at_patch is not None:
                out[at_patch] = _join_into(out[at_patch], r)
                continue
            r = replace(r, path=patch.path, line=patch.line, end_line=patch.end_line)
        key = (r.rule_id, kind, _base_name(graph, directory, rest))
        if key in alone:
            out[alone[key]] = _join_into(out[alone[key]], r)
        else:
            alone[key] = len(out)
            out.append(r)
    return _fold_patch_files(out, by_check, graph)


def _fold_patch_files(
    out: list[Finding], by_check: Mapping[tuple[str, str], list[int]], graph: _Graph
) -> list[Finding]:
    """A patch file is also scanned as a manifest of its own (``checkov -d`` does so): its
    finding of a check the patched object already fails in a manifest the kustomization is
    made of is the same problem, and joins that finding (the patch named in ``also_in``)."""
    patched = graph.patch_files()
    gone: set[int] = set()
    for indices in by_check.values():
        for i in indices:
            f = out[i]
            obj = _object(f.resource or "")
            if f.path not in patched or obj is None:
                continue
            home = next(
                (
                    j
                    for d in patched[f.path]
                    for j in _patched_sources(out, indices, graph, d, obj[1])
                    if j != i and j not in gone
                ),
                None,
            )
            if home is not None:
                out[home] = _join_into(out[home], f)
                gone.add(i)
    return [f for i, f in enumerate(out) if i not in gone]


def _patched_sources(
    out: Sequence[Finding], candidates: list[int], graph: _Graph, directory: str, name: str
) -> Iterator[int]:
    """Findings among ``candidates`` on the object a patch of ``directory`` names ``name`` (as
    the kustomization's resources name it: their own prefixes applied, not this one's)."""
    k = graph.get(directory)
    own_prefix, own_suffix = (k.prefix, k.suffix) if k is not None else ("", "")
    for path, prefix, suffix in graph.sources(directory):
        inner_prefix = prefix[len(own_prefix) :]
        inner_suffix = suffix[: len(suffix) - len(own_suffix)]
        for i in candidates:
            obj = _object(out[i].resource or "")
            if out[i].path == path and obj and _renamed(name, obj[1], inner_prefix, inner_suffix):
                yield i


def _source_finding(
    out: Sequence[Finding], candidates: list[int], graph: _Graph, directory: str, rest: str
) -> int | None:
    if not candidates:
        return None
    for path, prefix, suffix in graph.sources(directory):
        for i in candidates:
            f = out[i]
            obj = _object(f.resource or "")
            if f.path == path and obj is not None and _renamed(rest, obj[1], prefix, suffix):
                return i
    return None


def _base_name(graph: _Graph, directory: str, rest: str) -> str:
    """The object's name without its kustomization's prefix and suffix (for folding the renders
    of one object by several overlays)."""
    k = graph.get(directory)
    if k is not None and k.prefix and rest.startswith(k.prefix):
        rest = rest[len(k.prefix) :]
    if k is not None and k.suffix and k.suffix in rest:
        rest = rest.replace(k.suffix, "", 1)
    return rest
