"""GG001 on CircleCI: ``run`` steps, orb commands in steps, orb jobs in workflows."""

from __future__ import annotations

from yaml.nodes import MappingNode

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci import events
from gitops_guard.scanners.gitops.ci.classify import classify_orb
from gitops_guard.scanners.gitops.ci.model import CiContext, Event, Job


def parse(file: Parsed, ctx: CiContext) -> list[Job]:
    out: list[Job] = []
    for doc in file.docs:
        for job_name, _, body in y.pairs(y.get(doc, "jobs")):
            job = Job(job_name)
            if events.throwaway_image(y.get(body, "docker")):
                job.events.append(events.local_cluster("service", job_name))
            job.events.extend(events.settings(y.get(body, "environment"), job_name))
            for index, step in enumerate(y.items(y.get(body, "steps")), start=1):
                for key, key_node, value in y.pairs(step):
                    if key == "run":
                        cmd = y.get(value, "command") if isinstance(value, MappingNode) else value
                        name = y.text(y.get(value, "name")) or f"step {index}"
                        job.events.extend(events.script(cmd, file.text, name, ctx))
                    elif (op := classify_orb(key)) is not None:
                        job.events.append(Event(op, key, y.line(key_node), key))
                orb = y.text(step)
                if orb and (op := classify_orb(orb)) is not None:
                    job.events.append(Event(op, orb, y.line(step), orb))
            out.append(job)
        for _, _, workflow in y.pairs(y.get(doc, "workflows")):
            for entry in y.items(y.get(workflow, "jobs")):
                plain = y.text(entry)
                for name in [plain] if plain else [k for k, _, _ in y.pairs(entry)]:
                    if (op := classify_orb(name)) is not None:
                        out.append(Job(name, [Event(op, name, y.line(entry), name)]))
    return out
