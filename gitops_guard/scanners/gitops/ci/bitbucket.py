"""GG001 on Bitbucket Pipelines: steps at any depth (branches, parallel, stages), their scripts
and pipes."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, SequenceNode

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci import events
from gitops_guard.scanners.gitops.ci.classify import classify_pipe
from gitops_guard.scanners.gitops.ci.model import CiContext, Event, Job


def _step(step: Node, source: str, ctx: CiContext) -> Job:
    name = y.text(y.get(step, "name")) or f"step at line {y.line(step)}"
    job = Job(name)
    if events.throwaway_image(y.get(step, "image")) or events.throwaway_image(
        y.get(step, "services")
    ):
        job.events.append(events.local_cluster("service", name))
    for key in ("script", "after-script"):
        for item in y.items(y.get(step, key)):
            pipe = y.text(y.get(item, "pipe"))
            if not pipe:
                job.events.extend(events.script(item, source, name, ctx))
                continue
            variables = y.get(item, "variables")
            op = classify_pipe(pipe, {k: y.text(v) or "" for k, _, v in y.pairs(variables)})
            if op is not None:
                line = y.line(y.get(item, "pipe"))
                job.events.append(Event(op, pipe.split(":", 1)[0], line, name))
            job.events.extend(events.settings(variables, name))
    return job


def _steps(node: Node | None, source: str, out: list[Job], ctx: CiContext) -> None:
    if isinstance(node, SequenceNode):
        for item in node.value:
            _steps(item, source, out, ctx)
        return
    if not isinstance(node, MappingNode):
        return
    step = y.get(node, "step")
    if step is not None:
        out.append(_step(step, source, ctx))
        return
    for _, _, value in y.pairs(node):
        _steps(value, source, out, ctx)


def parse(file: Parsed, ctx: CiContext) -> list[Job]:
    out: list[Job] = []
    for doc in file.docs:
        _steps(y.get(doc, "pipelines"), file.text, out, ctx)
    return out
