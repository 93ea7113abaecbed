"""GG001 on GitLab CI: jobs with ``extends``, ``!reference`` and ``default:`` resolved, and jobs
pulled in by ``include: local`` (wildcards resolved among the scanned files).

:class:`Pipeline` is the resolved view of one ``.gitlab-ci.yml`` document; the GitLab
supply-chain rules read the same view.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci import events
from gitops_guard.scanners.gitops.ci.classify import name_hint
from gitops_guard.scanners.gitops.ci.model import CiContext, CiIndex, Event, Job
from gitops_guard.scanners.gitops.ci.tables import Op, tables
from gitops_guard.targets import Kind

_AUTO_DEVOPS_RE = re.compile(r"(^|/)(Auto-DevOps|Deploy)(\.latest)?\.gitlab-ci\.ya?ml$")

#: A job definition and the file it comes from (templates may live in included files).
Def = tuple[Node, Parsed]


def include_entries(doc: Node) -> list[Node]:
    """The entries of ``include:``: a string, a mapping, or a list of either."""
    node = y.get(doc, "include")
    if node is None:
        return []
    return y.items(node) if isinstance(node, SequenceNode) else [node]


@dataclass
class Pipeline:
    """One GitLab CI document with its job definitions resolved."""

    file: Parsed
    doc: Node
    defs: dict[str, Def] = field(default_factory=dict)
    """Every mapping-valued top-level key, own or included (``.hidden`` templates too)."""
    lines: dict[str, int] = field(default_factory=dict)
    """The line each job of this file is reported at: its key, or the ``include`` entry that
    brings it from a file that is not scanned as CI on its own."""

    @classmethod
    def read(cls, file: Parsed, doc: Node, index: CiIndex | None) -> Pipeline:
        pipeline = cls(file, doc)
        included_at: dict[str, int] = {}
        for included, line in _local_includes(doc, index):
            standalone = not included.target.kinds & {Kind.CI, Kind.GITLAB_CI}
            for idoc in included.docs:
                for k, _, v in y.pairs(idoc):
                    if isinstance(v, MappingNode):
                        pipeline.defs.setdefault(k, (v, included))
                        if standalone and pipeline.defs[k][1] is included:
                            included_at.setdefault(k, line)
        for k, kn, v in y.pairs(doc):
            if isinstance(v, MappingNode):
                pipeline.defs[k] = (v, file)
                pipeline.lines[k] = y.line(kn)
                included_at.pop(k, None)
        pipeline.lines.update(included_at)
        return pipeline

    def jobs(self) -> Iterator[tuple[str, Def]]:
        """Jobs to run (not templates, reserved keys or trigger jobs), in file order."""
        for name in self.lines:
            body = self.defs[name]
            if name.startswith(".") or name in tables().gitlab_reserved:
                continue
            if y.get(body[0], "trigger") is not None:
                continue
            yield name, body

    def lookup(self, body: Def | None, key: str, depth: int = 0) -> Def | None:
        """``key`` of a job, following ``extends`` (last parent wins, as GitLab merges them)."""
        if body is None or depth > 10:
            return None
        value = y.get(body[0], key)
        if value is not None:
            return value, body[1]
        for parent in reversed(y.strings(y.get(body[0], "extends"))):
            found = self.lookup(self.defs.get(parent), key, depth + 1)
            if found is not None:
                return found
        return None

    def setting(self, body: Def, key: str) -> Def | None:
        """A job's ``key`` with ``extends``, else ``default:``'s, else the top-level one."""
        found = self.lookup(body, key)
        if found is not None:
            return found
        node = y.get(self.doc, "default", key)
        if node is None and key in ("image", "services", "before_script", "after_script"):
            node = y.get(self.doc, key)
        return (node, self.file) if node is not None else None

    def script(self, node: Node | None, origin: Parsed, depth: int = 0) -> Iterator[Def]:
        """Scalars of a script, ``!reference [job, key]`` and nested lists resolved."""
        if node is None or depth > 10:
            return
        if isinstance(node, SequenceNode) and node.tag == "!reference":
            path = y.strings(node)
            if len(path) >= 2:
                found = self.lookup(self.defs.get(path[0]), path[1])
                if found is not None:
                    target: Node | None = found[0]
                    for key in path[2:]:
                        target = y.get(target, key)
                    yield from self.script(target, found[1], depth + 1)
            return
        if isinstance(node, SequenceNode):
            for item in node.value:
                yield from self.script(item, origin, depth + 1)
        elif isinstance(node, ScalarNode):
            yield node, origin


def _local_includes(doc: Node, index: CiIndex | None) -> list[tuple[Parsed, int]]:
    """Local files pulled in by ``include:``, each with the line of its ``include`` entry."""
    if index is None:
        return []
    out: list[tuple[Parsed, int]] = []
    for entry in include_entries(doc):
        local = y.text(y.get(entry, "local")) or y.text(entry) or ""
        if not local or "://" in local or y.get(entry, "project") is not None:
            continue
        line = y.line(y.get(entry, "local") or entry)
        out.extend((included, line) for included in index.matching(local.lstrip("/")))
    return out


def _auto_devops(doc: Node) -> Job | None:
    job = Job("include")
    for entry in include_entries(doc):
        template = y.text(y.get(entry, "template")) or ""
        if _AUTO_DEVOPS_RE.search(template):
            line = y.line(y.get(entry, "template"))
            job.events.append(Event(Op.MUTATE, f"Auto DevOps template {template}", line, "include"))
    return job if job.events else None


def _job(pipeline: Pipeline, name: str, body: Def, ctx: CiContext) -> Job:
    file = pipeline.file
    job = Job(name)
    image = pipeline.setting(body, "image")
    services = pipeline.setting(body, "services")
    if (
        events.throwaway_image(image[0] if image else None)
        or events.throwaway_image(services[0] if services else None)
        or name_hint(name)
    ):
        job.events.append(events.local_cluster("service", name))
    variables = pipeline.lookup(body, "variables")
    if variables is not None:
        for e in events.settings(variables[0], name):
            line = e.line if variables[1] is file else pipeline.lines[name]
            job.events.append(Event(e.op, e.label, line, name))
    for key in ("before_script", "script", "after_script"):
        found = pipeline.lookup(body, key) if key == "script" else pipeline.setting(body, key)
        if found is None:
            continue
        for scalar, origin in pipeline.script(found[0], found[1]):
            for e in events.script(scalar, origin.text, name, ctx):
                if origin is file:
                    job.events.append(e)
                else:  # a template in an included file: point at the job
                    label = f"{e.label}, from {origin.path}:{e.line}"
                    job.events.append(Event(e.op, label, pipeline.lines[name], name))
    return job


def parse(file: Parsed, ctx: CiContext) -> list[Job]:
    out: list[Job] = []
    for doc in file.docs:
        pipeline = Pipeline.read(file, doc, ctx.index)
        auto = _auto_devops(doc)
        if auto is not None:
            out.append(auto)
        global_vars = events.settings(y.get(doc, "variables"), "variables")
        if global_vars:
            out.append(Job("(global variables)", global_vars))
        out.extend(_job(pipeline, name, body, ctx) for name, body in pipeline.jobs())
    return out
