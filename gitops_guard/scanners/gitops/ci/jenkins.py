"""GG001 on Jenkinsfiles (Groovy, read as text): ``sh``/``bat``/``powershell`` steps, with the
stage they belong to, and the Kubernetes plugins' steps."""

from __future__ import annotations

import re

from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci.classify import classify_script
from gitops_guard.scanners.gitops.ci.model import CiContext, Event, Job
from gitops_guard.scanners.gitops.ci.tables import Op

_SH_RE = re.compile(
    r"\b(?:sh|bat|powershell|pwsh)\s*(?:\(\s*(?:script\s*:\s*)?)?(?:label\s*:[^,]*,\s*script\s*:\s*)?"
    r"('''|\"\"\"|'|\")"
)
_STAGE_RE = re.compile(r"\bstage\s*\(\s*['\"]([^'\"]+)['\"]")
_PLUGINS = (
    (re.compile(r"\bkubernetesDeploy\s*\("), Op.MUTATE, "kubernetesDeploy"),
    (re.compile(r"\bwithKubeConfig\s*\("), Op.SECRET_KUBECONFIG, "withKubeConfig"),
    (re.compile(r"\bwithKubeCredentials\s*\("), Op.SECRET_KUBECONFIG, "withKubeCredentials"),
    (re.compile(r"\bkubeconfigFile\s*\("), Op.SECRET_KUBECONFIG, "kubeconfigFile"),
    (re.compile(r"\bkubeconfigContent\s*\("), Op.SECRET_KUBECONFIG, "kubeconfigContent"),
    (
        re.compile(r"\bfile\s*\(\s*credentialsId\s*:[^)]*variable\s*:\s*['\"]KUBECONFIG['\"]"),
        Op.SECRET_KUBECONFIG,
        "kubeconfig credential",
    ),
)


def _groovy_string(text: str, start: int, quote: str) -> tuple[str, int]:
    """The body of a Groovy string starting after ``quote`` at ``start``, and where it ends."""
    if len(quote) == 3:
        end = text.find(quote, start)
        end = len(text) if end < 0 else end
        return text[start:end], end + 3
    i = start
    buf: list[str] = []
    while i < len(text) and text[i] != quote and text[i] != "\n":
        if text[i] == "\\" and i + 1 < len(text):
            buf.append(text[i + 1])
            i += 2
            continue
        buf.append(text[i])
        i += 1
    return "".join(buf), i + 1


def parse(file: Parsed, ctx: CiContext) -> list[Job]:
    text = file.text
    job = Job("pipeline")
    stages = [(m.start(), m.group(1)) for m in _STAGE_RE.finditer(text)]

    def stage_at(pos: int) -> str:
        name = "pipeline"
        for start, stage in stages:
            if start > pos:
                break
            name = stage
        return name

    pos = 0
    while (m := _SH_RE.search(text, pos)) is not None:
        body, pos = _groovy_string(text, m.end(), m.group(1))
        first = text.count("\n", 0, m.end()) + 1
        step = stage_at(m.start())
        for (op, label), cmd in classify_script(body, ctx.follow):
            job.events.append(Event(op, label, first + cmd.line, step))
    for regex, op, label in _PLUGINS:
        for m in regex.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            job.events.append(Event(op, label, line, stage_at(m.start())))
    return [job]
