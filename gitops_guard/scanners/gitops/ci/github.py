"""GG001 on GitHub Actions workflows and composite actions (also Gitea / Forgejo Actions)."""

from __future__ import annotations

import posixpath

from yaml.nodes import Node, ScalarNode

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci import events
from gitops_guard.scanners.gitops.ci.classify import (
    classify_action,
    local_cluster_input,
    name_hint,
    names_local_cluster,
)
from gitops_guard.scanners.gitops.ci.model import CiContext, Event, Job
from gitops_guard.scanners.gitops.ci.tables import tables


def _uses(step: Node, uses: str, name: str, source: str, job: Job, ctx: CiContext) -> None:
    """Events of a ``uses:`` step: a local action followed, a known action, a CLI wrapper."""
    if uses.startswith("./"):
        directory = posixpath.normpath(uses.split("@", 1)[0])
        job.local_actions.append(directory)
        if names_local_cluster(directory) or any(
            j.throwaway for j in ctx.index.action(directory, ctx)
        ):
            job.events.append(events.local_cluster(directory, name))
        return
    action = classify_action(uses)
    if action.op is not None:
        job.events.append(
            Event(action.op, uses.split("@", 1)[0], y.line(y.get(step, "uses")), name)
        )
    for key in action.inputs:
        value = y.get(step, "with", key)
        if isinstance(value, ScalarNode):
            prefix = action.program
            if prefix.startswith("auto:"):
                words = str(value.value).split()
                first = words[0].rsplit("/", 1)[-1] if words else ""
                prefix = "" if first in tables().unknown_script_programs else prefix[5:]
            job.events.extend(events.script(value, source, name, ctx, prefix))


def _steps(steps: Node | None, source: str, job: Job, ctx: CiContext) -> None:
    for index, step in enumerate(y.items(steps), start=1):
        uses = y.text(y.get(step, "uses"))
        name = y.text(y.get(step, "name")) or y.text(y.get(step, "id")) or uses or f"step {index}"
        name = name.strip()
        if uses:
            _uses(step, uses, name, source, job, ctx)
        if name_hint(name):
            job.events.append(events.local_cluster(name))
        elif uses and local_cluster_input(
            [y.text(v) or "" for _, _, v in y.pairs(y.get(step, "with"))]
        ):
            job.events.append(events.local_cluster(uses, name))
        job.events.extend(events.settings(y.get(step, "with"), name))
        job.events.extend(events.settings(y.get(step, "env"), name))
        run = y.get(step, "run")
        if run is not None:
            job.events.extend(events.script(run, source, name, ctx))


def parse(file: Parsed, ctx: CiContext) -> list[Job]:
    jobs: list[Job] = []
    for doc in file.docs:
        top_env = events.settings(y.get(doc, "env"), "env")
        if top_env:
            jobs.append(Job("(workflow env)", top_env))
        runs = y.get(doc, "runs")
        if runs is not None:  # a composite action
            job = Job(y.text(y.get(doc, "name")) or "composite action")
            _steps(y.get(runs, "steps"), file.text, job, ctx)
            jobs.append(job)
        for job_id, _, body in y.pairs(y.get(doc, "jobs")):
            job = Job(y.text(y.get(body, "name")) or job_id)
            job.events.extend(events.settings(y.get(body, "env"), job.name))
            if name_hint(job.name) or name_hint(job_id):
                job.events.append(events.local_cluster(job.name))
            if events.throwaway_image(y.get(body, "services")) or events.throwaway_image(
                y.get(body, "container")
            ):
                job.events.append(events.local_cluster("service", job.name))
            _steps(y.get(body, "steps"), file.text, job, ctx)
            jobs.append(job)
    return jobs


def used_by_test_jobs_only(file: Parsed, ctx: CiContext) -> bool:
    """A repository action (``action.yml``) that only throwaway-cluster jobs use."""
    parts = file.path.rsplit("/", 1)
    if parts[-1] not in ("action.yml", "action.yaml"):
        return False
    return ctx.index.only_used_by_test_jobs(parts[0] if len(parts) == 2 else ".", ctx)
