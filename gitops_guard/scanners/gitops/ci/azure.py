"""GG001 on Azure Pipelines: script steps and the Kubernetes, KubernetesManifest and
HelmDeploy tasks, in stages, jobs and deployment jobs at any depth."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, SequenceNode

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci import events
from gitops_guard.scanners.gitops.ci.model import CiContext, Event, Job
from gitops_guard.scanners.gitops.ci.tables import Op, tables


def _task(task: str, inputs: Node | None) -> tuple[Op, str] | None:
    """What a Kubernetes-family task does, from its ``command`` / ``action`` input."""
    t = tables()
    family = task.split("@", 1)[0]
    command = (y.text(y.get(inputs, "command")) or "").lower()
    action = (y.text(y.get(inputs, "action")) or "deploy").lower()
    if family == "kubernetesmanifest":
        return (
            (Op.MUTATE, f"KubernetesManifest task: {action}")
            if action in t.azure_manifest
            else None
        )
    label, mutating = {
        "kubernetes": ("Kubernetes", t.azure_kubernetes),
        "helmdeploy": ("HelmDeploy", t.azure_helm),
    }.get(family, ("", frozenset()))
    if not label:
        return None
    if command in mutating:
        return Op.MUTATE, f"{label} task: {command}"
    if command == "login":
        return Op.CLOUD_CRED, f"{label} task: login"
    return None


def _step(step: Node, source: str, job: Job, index: int, ctx: CiContext) -> None:
    name = (
        y.text(y.get(step, "displayName"))
        or y.text(y.get(step, "name"))
        or y.text(y.get(step, "task"))
        or f"step {index}"
    ).strip()
    for key in ("script", "bash", "pwsh", "powershell"):
        node = y.get(step, key)
        if node is not None:
            job.events.extend(events.script(node, source, name, ctx))
    job.events.extend(events.settings(y.get(step, "env"), name))
    task = (y.text(y.get(step, "task")) or "").lower()
    if not task:
        return
    inputs = y.get(step, "inputs")
    verdict = _task(task, inputs)
    if verdict is not None:
        job.events.append(Event(verdict[0], verdict[1], y.line(y.get(step, "task")), name))
    elif task.startswith(tables().azure_script_tasks):
        for key in ("inlineScript", "script", "Inline", "inline"):
            node = y.get(inputs, key)
            if node is not None:
                job.events.extend(events.script(node, source, name, ctx))


def _collect(node: Node | None, source: str, job: Job, out: list[Job], ctx: CiContext) -> None:
    if isinstance(node, SequenceNode):
        for item in node.value:
            _collect(item, source, job, out, ctx)
        return
    if not isinstance(node, MappingNode):
        return
    name = y.text(y.get(node, "job")) or y.text(y.get(node, "deployment"))
    if name is not None:
        job = Job(name)
        out.append(job)
    for key, _, value in y.pairs(node):
        if key == "steps":
            for index, step in enumerate(y.items(value), start=1):
                _step(step, source, job, index, ctx)
        elif isinstance(value, (MappingNode, SequenceNode)):
            _collect(value, source, job, out, ctx)


def parse(file: Parsed, ctx: CiContext) -> list[Job]:
    out: list[Job] = []
    for doc in file.docs:
        top = Job("pipeline")
        out.append(top)
        _collect(doc, file.text, top, out, ctx)
    return out
