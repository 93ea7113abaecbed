"""GG008 (remote includes) and GG009 (project and component includes not pinned).

GitLab merges an included file into the pipeline before anything runs: its jobs run with the
project's variables and runners. ``include: remote:`` (or a URL string) fetches that file from any
web server at every pipeline, with no access control and, unless ``integrity:`` is given, no
check of what came back. ``include: project:`` without ``ref`` takes the other project's default
branch as it is now, and a ``ref`` that is a branch moves with every push to it; a ``component:``
version ``~latest``, a partial version (``1``, ``1.2``) or a branch resolves to whatever was
released or pushed last. A 40-hex commit SHA or a full release version (``1.2.3``, ``v1.2.3``)
is pinned. ``local:`` and ``template:`` (shipped with the GitLab instance) are not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from yaml.nodes import Node, ScalarNode

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import CI_KINDS, Parsed
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.scanners.gitops.ci import platform_of
from gitops_guard.scanners.gitops.ci.gitlab import include_entries

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

_SHA = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
_RELEASE = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_PARTIAL = re.compile(r"^v?\d+(?:\.\d+)?$")


def _moving(ref: str | None) -> str | None:
    """Why a ref or version moves, None when it is pinned."""
    if ref is None or not ref.strip():
        return "no ref, so the default branch as it is at each pipeline"
    ref = ref.strip()
    if _SHA.match(ref) or _RELEASE.match(ref):
        return None
    if "$" in ref:
        return f"ref '{ref}', chosen at run time by whoever starts the pipeline"
    if ref == "~latest":
        return "'~latest', the last release whatever it is"
    if _PARTIAL.match(ref):
        return f"version '{ref}', the last release matching it"
    return f"'{ref}', a branch or a tag that can move"


def _remote(entry: Node) -> tuple[str, Node] | None:
    """The URL of a remote include (a URL string or ``remote:`` without ``integrity:``)."""
    if isinstance(entry, ScalarNode):
        url = y.text(entry) or ""
        return (url, entry) if "://" in url else None
    node = y.get(entry, "remote")
    if node is None or not y.is_empty(y.get(entry, "integrity")):
        return None
    return y.text(node) or "", node


def _entries(file: Parsed) -> Iterator[Node]:
    """The ``include:`` entries of a GitLab CI file."""
    if platform_of(file) == "GitLab CI":
        for doc in file.docs:
            yield from include_entries(doc)


def check_remote(file: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings("GG008", file.path)
    for entry in _entries(file):
        found = _remote(entry)
        if found is not None:
            url, node = found
            plain = " over plain http" if url.lower().startswith("http://") else ""
            out.add(
                Severity.HIGH,
                f"GitLab CI includes '{url}'{plain}: a remote file fetched at every pipeline, "
                "whose jobs run with this project's variables and runners; whoever controls that "
                "server controls them.",
                node,
                resource=f"include.remote.{url}",
                anchor=("remote", url),
                fix="copy the file into this repository (include: local), or include it from a "
                "GitLab project pinned to a commit SHA; at least add integrity: sha256-...",
            )
    return out.findings


def _pinning(entry: Node) -> tuple[str, str, str | None, Node | None] | None:
    """``(kind, name, why it moves, where to point)`` of an unpinned project or component."""
    project = y.text(y.get(entry, "project"))
    if project:
        ref_node = y.get(entry, "ref")
        why = _moving(y.text(ref_node))
        files = ", ".join(y.strings(y.get(entry, "file"))) or "?"
        name = f"{project} ({files})"
        return ("project", name, why, ref_node or y.get(entry, "project")) if why else None
    component = y.text(y.get(entry, "component"))
    if component:
        name, at, version = component.rpartition("@")
        why = _moving(version) if at else "no version"
        return ("component", name if at else component, why, y.get(entry, "component"))
    return None


def check_pinned(file: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings("GG009", file.path)
    for entry in _entries(file):
        found = _pinning(entry)
        if found is not None and found[2]:
            kind, name, why, node = found
            out.add(
                Severity.MEDIUM,
                f"GitLab CI includes {kind} '{name}' at {why}: its jobs run with this project's "
                "variables, and they change without a change here.",
                node,
                resource=f"include.{kind}.{name}",
                anchor=("include", kind, name),
                fix="pin it: ref: <40-hex commit SHA> for a project, @<commit SHA> or a full "
                "release (@1.2.3) for a component, and let Renovate propose updates",
            )
    return out.findings


REMOTE = Check("GG008", CI_KINDS, check_remote)
PINNED = Check("GG009", CI_KINDS, check_pinned)
