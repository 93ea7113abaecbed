"""What the GitOps rules of one run share, built once per run: every file read and parsed at most
once, the Kustomize index, the CI index and the script follower.

Files are read only through :func:`gitops_guard.text.read` and YAML only through
:func:`._yaml.load` (that is, :mod:`gitops_guard.safeyaml`); only files of the run are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TypeVar, cast

from gitops_guard import text
from gitops_guard.models import ErrorKind, ScanError
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import CI_KINDS, SCANNER, Parsed, is_yaml
from gitops_guard.scanners.gitops._kustomize import KustomizeIndex
from gitops_guard.scanners.gitops.ci import github
from gitops_guard.scanners.gitops.ci.follow import Follower
from gitops_guard.scanners.gitops.ci.model import CiContext, CiIndex
from gitops_guard.targets import Kind, Target

T = TypeVar("T")


class RunIndex:
    """The run's files and the indexes built from them, each computed on first use."""

    def __init__(self, targets: Iterable[Target], reported: Iterable[Target]) -> None:
        self.targets: dict[str, Target] = {}
        for target in targets:
            self.targets.setdefault(target.path, target)
        self._reported = list(dict.fromkeys(t.path for t in reported))
        for target in reported:
            self.targets.setdefault(target.path, target)
        self.reported = frozenset(self._reported)
        """Paths whose findings the scanner keeps."""
        self.errors: list[ScanError] = []
        """Files that could not be read or parsed (notices), in the order they were met."""
        self._texts: dict[str, str | OSError] = {}
        self._parsed: dict[str, Parsed | None] = {}
        self._memo: dict[str, object] = {}

    def _read(self, path: str) -> str | OSError:
        if path not in self._texts:
            try:
                self._texts[path] = text.read(self.targets[path].abspath)
            except OSError as exc:
                self._texts[path] = exc
        return self._texts[path]

    def text(self, path: str) -> str | None:
        """The text of a file of the run (None when it is not one, or cannot be read)."""
        if path not in self.targets:
            return None
        got = self._read(path)
        return None if isinstance(got, OSError) else got

    def parsed(self, path: str) -> Parsed | None:
        """A file of the run, read and (for YAML) parsed once; None when it cannot be read."""
        if path in self._parsed:
            return self._parsed[path]
        target = self.targets.get(path)
        got = None if target is None else self._read(path)
        if target is None or got is None:
            return None
        if isinstance(got, OSError):
            message = f"cannot read: {got.strerror or got}; not checked"
            self.errors.append(ScanError(SCANNER, message, path))
            self._parsed[path] = None
            return None
        parsed = Parsed(target, got)
        if is_yaml(target):
            loaded = y.load(got)
            parsed.docs, parsed.problem = loaded.docs, loaded.problem
            if loaded.problem and path in self.reported:
                self.errors.append(_unparsed(path, loaded.problem, loaded.templated))
        self._parsed[path] = parsed
        return parsed

    def reported_files(self) -> list[Parsed]:
        """The files whose findings are kept, in unit order, each parsed."""
        return [p for path in self._reported if (p := self.parsed(path)) is not None]

    @cached_property
    def manifests(self) -> list[Parsed]:
        """Every Kubernetes manifest and kustomization of the run (rules that look across
        files read these)."""
        paths = [
            t.path for t in self.targets.values() if t.kinds & {Kind.KUBERNETES, Kind.KUSTOMIZE}
        ]
        return [p for path in paths if (p := self.parsed(path)) is not None]

    @cached_property
    def kustomize(self) -> KustomizeIndex:
        return KustomizeIndex.build(self.manifests)

    @cached_property
    def ci_context(self) -> CiContext:
        """The CI index (workflows, composite actions, GitLab includes) and the follower."""
        ci = sorted(p for p, t in self.targets.items() if t.kinds & CI_KINDS or is_yaml(t))
        workflows = [p for p in ci if Kind.GITHUB_ACTIONS in self.targets[p].kinds]
        index = CiIndex(self.parsed, workflows, ci, jobs_of=github.parse)
        return CiContext(index, Follower(self.text))

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per run under ``key`` (a rule's view across files)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])


def _unparsed(path: str, problem: str, templated: bool) -> ScanError:
    """Malformed YAML was not checked: an error. A template for a renderer we do not run is a
    notice (its text is still scanned for secrets)."""
    if templated:
        return ScanError(SCANNER, f"{problem}; not checked", path, ErrorKind.SKIPPED)
    message = f"{problem}; not checked (fix it, or exclude it to accept that)"
    return ScanError(SCANNER, message, path, lasting=True)
