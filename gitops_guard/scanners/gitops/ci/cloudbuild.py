"""GG001 on Google Cloud Build (``cloudbuild.yaml``): builder steps, their args and scripts."""

from __future__ import annotations

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci import events
from gitops_guard.scanners.gitops.ci.classify import classify
from gitops_guard.scanners.gitops.ci.model import CiContext, Event, Job
from gitops_guard.scanners.gitops.ci.shell import Command
from gitops_guard.scanners.gitops.ci.tables import Op


def parse(file: Parsed, ctx: CiContext) -> list[Job]:
    job = Job("build")
    for doc in file.docs:
        for index, step in enumerate(y.items(y.get(doc, "steps")), start=1):
            builder = y.text(y.get(step, "name")) or ""
            name = y.text(y.get(step, "id")) or builder or f"step {index}"
            script = y.get(step, "script")
            if script is not None:
                job.events.extend(events.script(script, file.text, name, ctx))
                continue
            entry = y.text(y.get(step, "entrypoint")) or ""
            args_node = y.get(step, "args")
            args = y.strings(args_node)
            prog = (entry or builder.split("@", 1)[0].split(":", 1)[0]).rsplit("/", 1)[-1]
            if prog in ("bash", "sh") and "-c" in args:
                k = args.index("-c")
                if k + 1 < len(args):
                    body = y.items(args_node)[k + 1]
                    job.events.extend(events.script(body, file.text, name, ctx))
                continue
            if prog == "gke-deploy":
                if args[:1] == ["run"] or args[:1] == ["apply"]:
                    line = y.line(args_node)
                    job.events.append(Event(Op.MUTATE, f"gke-deploy {args[0]}", line, name))
                continue
            verdict = classify(Command((prog, *args), 0))
            if verdict is not None:
                job.events.append(Event(verdict[0], verdict[1], y.line(args_node or step), name))
    return [job]
