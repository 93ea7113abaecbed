"""GG001 on CI formats without a parser of their own (Drone, Travis, CodeBuild, Woodpecker...):
every script-holding key (``script``, ``commands``, ``run``...) at any depth is one job."""

from __future__ import annotations

from pathlib import PurePosixPath

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci import events
from gitops_guard.scanners.gitops.ci.model import CiContext, Job
from gitops_guard.scanners.gitops.ci.tables import tables


def parse(file: Parsed, ctx: CiContext) -> list[Job]:
    job = Job(PurePosixPath(file.path).name)
    keys = tables().generic_script_keys

    def walk(node: Node | None, depth: int) -> None:
        if depth > 30:
            return
        if isinstance(node, MappingNode):
            if events.throwaway_image(y.get(node, "image")):
                job.events.append(events.local_cluster("service", job.name))
            for key, _, value in y.pairs(node):
                if key in keys and isinstance(value, (ScalarNode, SequenceNode)):
                    job.events.extend(events.script(value, file.text, job.name, ctx))
                else:
                    walk(value, depth + 1)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                walk(item, depth + 1)

    for doc in file.docs:
        walk(doc, 0)
    return [job]
