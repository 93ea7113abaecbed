"""GG001's model of a CI file: *jobs* (what shares one machine, and so a cluster created inside
it) made of *events* (one per command, action, task or setting that touches a cluster, with its
line), and the run's CI files, for following a workflow into the repository's own actions.

Every platform parser (one module each) has the one signature :data:`Parser`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci.classify import Verdict
from gitops_guard.scanners.gitops.ci.shell import Command
from gitops_guard.scanners.gitops.ci.tables import Op


@dataclass(frozen=True)
class Event:
    op: Op
    label: str
    line: int
    step: str


@dataclass
class Job:
    name: str
    events: list[Event] = field(default_factory=list)
    local_actions: list[str] = field(default_factory=list)
    """Directories of the repository's own actions the job uses (``uses: ./.github/actions/x``)."""

    @property
    def throwaway(self) -> bool:
        return any(e.op in (Op.LOCAL_CLUSTER, Op.CLOUD_CLUSTER) for e in self.events)


@dataclass(frozen=True)
class CiContext:
    """What a parser may use besides its file: the run's CI files and the script follower."""

    index: CiIndex
    follow: Callable[[Command], list[Verdict]] | None = None
    """Looks into the repository scripts and Makefile targets a command runs."""
    depth: int = 0
    """How many repository actions deep this file is (bounded)."""

    def deeper(self) -> CiContext:
        return replace(self, depth=self.depth + 1)


#: A CI platform's parser: the jobs of one file.
Parser = Callable[[Parsed, CiContext], list[Job]]


class CiIndex:
    """The run's CI files: composite actions followed from a workflow and back (an action only
    used by kind jobs is itself test tooling), and GitLab ``include: local`` patterns."""

    def __init__(
        self,
        parse: Callable[[str], Parsed | None],
        workflows: Sequence[str] = (),
        known: Sequence[str] = (),
        jobs_of: Parser | None = None,
    ) -> None:
        self._parse = parse
        self._workflows = list(workflows)
        self._known = list(known)
        self._jobs_of = jobs_of
        self._jobs: dict[str, list[Job]] = {}
        self._active: set[str] = set()

    def jobs(self, path: str, ctx: CiContext) -> list[Job]:
        """The jobs of a GitHub workflow or action of the run (each parsed once)."""
        if path in self._jobs:
            return self._jobs[path]
        if path in self._active or ctx.depth > 3 or self._jobs_of is None:
            return []
        parsed = self._parse(path)
        if parsed is None:
            return []
        self._active.add(path)
        try:
            jobs = self._jobs_of(parsed, ctx)
        finally:
            self._active.discard(path)
        self._jobs[path] = jobs
        return jobs

    def action(self, directory: str, ctx: CiContext) -> list[Job]:
        for name in ("action.yml", "action.yaml"):
            jobs = self.jobs(f"{directory}/{name}", ctx.deeper())
            if jobs:
                return jobs
        return []

    def matching(self, pattern: str) -> list[Parsed]:
        """Scanned files whose path matches a GitLab ``include: local`` pattern."""
        out: list[Parsed] = []
        for path in self._known:
            if path == pattern or (("*" in pattern) and fnmatch.fnmatchcase(path, pattern)):
                parsed = self._parse(path)
                if parsed is not None:
                    out.append(parsed)
        return out

    def only_used_by_test_jobs(self, directory: str, ctx: CiContext) -> bool:
        users = [
            job
            for path in self._workflows
            for job in self.jobs(path, replace(ctx, depth=0))
            if directory in job.local_actions
        ]
        return bool(users) and all(job.throwaway for job in users)
