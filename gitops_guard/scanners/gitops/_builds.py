"""Images that a build tool of the repository replaces at build time (GG005).

Skaffold (``build.artifacts[].image`` of ``skaffold*.yaml``, profiles included) and Tilt
(``docker_build`` / ``custom_build`` in a ``Tiltfile``) build these images and rewrite every
reference to them with the reference of the image they built (``tag@sha256:...`` for skaffold, a
content tag for Tilt) when they render or deploy; ko resolves ``ko://`` references the same way.
The manifest's own reference is a placeholder: only a deployment that bypasses the tool pulls it.
Only files of the run are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from gitops_guard.scanners.gitops import _yaml as y

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex


@dataclass(frozen=True)
class Built:
    """Who replaces an image, and where that is said."""

    tool: str
    where: str
    """``path:line`` of the declaration."""


_TILT_BUILD = re.compile(
    r"\b(?:docker_build|custom_build|docker_build_with_restart)\s*\(\s*(?:ref\s*=\s*)?"
    r"['\"]([^'\"]+)['\"]"
)


def _skaffold(run: RunIndex, path: str) -> dict[str, Built]:
    out: dict[str, Built] = {}
    parsed = run.parsed(path)
    for doc in parsed.docs if parsed is not None else ():
        if not (y.text(y.get(doc, "apiVersion")) or "").startswith("skaffold/"):
            continue
        builds = [y.get(doc, "build")]
        builds.extend(y.get(profile, "build") for profile in y.items(y.get(doc, "profiles")))
        for build in builds:
            for artifact in y.items(y.get(build, "artifacts")):
                node = y.get(artifact, "image")
                name = y.text(node)
                if name:
                    out.setdefault(name, Built("skaffold", f"{path}:{y.line(node)}"))
    return out


def _tilt(run: RunIndex, path: str) -> dict[str, Built]:
    text = run.text(path) or ""
    out: dict[str, Built] = {}
    for m in _TILT_BUILD.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        out.setdefault(m.group(1), Built("Tilt", f"{path}:{line}"))
    return out


def built_images(run: RunIndex) -> dict[str, Built]:
    """Image name (without tag) -> the tool that builds and substitutes it, for this run."""
    out: dict[str, Built] = {}
    for path in sorted(run.targets):
        name = PurePosixPath(path).name
        lower = name.lower()
        if lower.startswith("skaffold") and lower.endswith((".yaml", ".yml")):
            found = _skaffold(run, path)
        elif name == "Tiltfile" or lower.endswith(".tiltfile"):
            found = _tilt(run, path)
        else:
            continue
        for image, built in found.items():
            out.setdefault(image.split("@", 1)[0], built)
    return out


def built_by(ref: str, images: dict[str, Built]) -> Built | None:
    """The tool that replaces ``ref`` at build time, if one does."""
    if ref.startswith("ko://"):
        return Built("ko", "")
    name = ref.split("@", 1)[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:
        name = name[:colon]
    return images.get(name)
