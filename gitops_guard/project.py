"""Where the project lives, set in one place: ``[project.urls]`` of pyproject.toml, read back from
the installed distribution's metadata. A build that names no repository there links to nothing
remote: rule pages point at the copy shipped inside the package, and ``gitops-guard install``
writes hooks that run the installed gitops-guard."""

from __future__ import annotations

import functools
from importlib import metadata
from pathlib import Path

from gitops_guard import __version__

DISTRIBUTION = "gitops-guard"
#: ``[project.urls]`` labels that name the source repository, in order of preference.
_REPOSITORY_LABELS = ("repository", "source", "source code", "homepage")
_PACKAGE = Path(__file__).resolve().parent
#: The docs: inside the package in a wheel (copied there by setup.py), in docs/ in a checkout.
_DOCS = (_PACKAGE / "_docs", _PACKAGE.parent / "docs")


@functools.cache
def urls() -> dict[str, str]:
    """``[project.urls]`` as label (lower case) -> URL; empty when none is set or the package is
    not installed."""
    try:
        entries = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return {}
    out: dict[str, str] = {}
    for entry in entries:
        label, sep, url = str(entry).partition(",")
        if sep and url.strip().startswith("https://"):
            out[label.strip().lower()] = url.strip()
    return out


def repository() -> str | None:
    """The public git repository of the project, or None when this build names none."""
    found = urls()
    return next((found[k] for k in _REPOSITORY_LABELS if k in found), None)


def release_tag(version: str = __version__) -> str:
    """The git tag of a release: ``v<version>`` (docs/release.md)."""
    return f"v{version}"


def doc_url(page: str, anchor: str | None = None) -> str | None:
    """Where to read ``page`` of docs/ (``"drift.md"``, ``"rules/GG001.md"``): in the repository
    at this version's tag when the build names a repository, else the copy shipped with the
    package (a file URI), else None."""
    fragment = f"#{anchor}" if anchor else ""
    repo = repository()
    if repo is not None:
        return f"{repo.rstrip('/')}/blob/{release_tag()}/docs/{page}{fragment}"
    for folder in _DOCS:
        path = folder / page
        if path.is_file():
            return path.as_uri() + fragment
    return None


def rule_doc_url(rule_id: str) -> str | None:
    """The page of one of our GitOps rules (docs/rules/GG001.md)."""
    return doc_url(f"rules/{rule_id}.md")
