"""GG001 - CI never reaches the cluster.

Each CI platform is read into *jobs* (the unit that shares a machine, and so a cluster created
inside it) made of *events*: one per command, action, task or setting that touches a cluster,
with the exact line. A job that creates its own throwaway cluster (kind, k3d, minikube, k3s...)
is a test job: its cluster mutations are not flagged; credentials of a managed cluster and
kubeconfigs taken from CI secrets still are. One finding per offending step, at the first
offending line of that step. docs/rules/GG001.md has the full list.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._cluster_ops import (
    CLUSTER_PROGRAMS,
    Op,
    classify,
    classify_action,
    classify_orb,
    classify_pipe,
    classify_script,
    kubeconfig_setting,
    local_cluster_input,
    name_hint,
    names_local_cluster,
)
from gitops_guard.scanners.gitops._common import Parsed, finding
from gitops_guard.scanners.gitops._follow import Follower
from gitops_guard.scanners.gitops._shell import Command
from gitops_guard.targets import Kind

RULE = "GG001"
#: Looks into repository scripts and Makefiles for the duration of one :func:`check`.
FOLLOW: ContextVar[Follower | None] = ContextVar("gitops_follow", default=None)


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


class CiIndex:
    """The run's CI files, for following a workflow into the repository's composite actions
    and back (an action only used by kind jobs is itself test tooling)."""

    def __init__(
        self,
        parse: Callable[[str], Parsed | None],
        workflows: Sequence[str],
        known: Sequence[str] = (),
    ) -> None:
        self._parse = parse
        self._workflows = list(workflows)
        self._known = list(known)
        self._jobs: dict[str, list[Job]] = {}
        self._active: set[str] = set()

    def jobs(self, path: str, depth: int = 0) -> list[Job]:
        if path in self._jobs:
            return self._jobs[path]
        if path in self._active or depth > 3:
            return []
        parsed = self._parse(path)
        if parsed is None:
            return []
        self._active.add(path)
        try:
            jobs = github(parsed, self, depth)
        finally:
            self._active.discard(path)
        self._jobs[path] = jobs
        return jobs

    def action(self, directory: str, depth: int) -> list[Job]:
        for name in ("action.yml", "action.yaml"):
            jobs = self.jobs(f"{directory}/{name}", depth + 1)
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

    def only_used_by_test_jobs(self, directory: str) -> bool:
        users = [
            job
            for path in self._workflows
            for job in self.jobs(path)
            if directory in job.local_actions
        ]
        return bool(users) and all(job.throwaway for job in users)


_WHAT = {
    Op.MUTATE: "changes a cluster",
    Op.CLOUD_CRED: "fetches cluster credentials",
    Op.SECRET_KUBECONFIG: "loads a kubeconfig from a CI secret",
    Op.KUBECONFIG_VAR: "sets up a kubeconfig from CI configuration",
}


def _excused(op: Op, local: bool, cloud: bool) -> bool:
    if op in (Op.LOCAL_CLUSTER, Op.CLOUD_CLUSTER):
        return True
    if op in (Op.MUTATE, Op.KUBECONFIG_VAR):
        return local or cloud
    if op is Op.CLOUD_CRED:
        return cloud
    return False  # a kubeconfig from a secret always points at a real cluster


def judge(jobs: Iterable[Job], path: str, platform: str) -> list[Finding]:
    """Findings for the non-excused events: the first of each step."""
    out: list[Finding] = []
    seen: set[tuple[int, str]] = set()
    for job in jobs:
        local = any(e.op is Op.LOCAL_CLUSTER for e in job.events)
        cloud = any(e.op is Op.CLOUD_CLUSTER for e in job.events)
        reported: dict[str, Event] = {}
        extra: dict[str, int] = {}
        for e in sorted(job.events, key=lambda e: e.line):
            if _excused(e.op, local, cloud):
                continue
            if e.step in reported:
                extra[e.step] = extra.get(e.step, 0) + 1
            else:
                reported[e.step] = e
        for step, e in reported.items():
            if (e.line, e.label) in seen:  # a shared template reported once
                continue
            seen.add((e.line, e.label))
            more = extra.get(step, 0)
            tail = f" (+{more} more in this step)" if more else ""
            where = f"job '{job.name}', step '{step}'" if step != job.name else f"job '{job.name}'"
            out.append(
                finding(
                    RULE,
                    Severity.HIGH,
                    f"{platform} {where} {_WHAT[e.op]}: `{e.label}`{tail}. CI should push to git "
                    "or a registry and let the in-cluster GitOps controller deploy.",
                    path,
                    e.line,
                    resource=f"{job.name}/{step}",
                    anchor=(job.name, step, e.label),
                )
            )
    return out


# -- scripts ---------------------------------------------------------------------------------


def _script_events(node: Node | None, source: str, step: str, prefix: str = "") -> list[Event]:
    """Events of a script held in a scalar, or a (nested) sequence of scalars."""
    out: list[Event] = []
    if isinstance(node, SequenceNode):
        for item in node.value:
            out.extend(_script_events(item, source, step, prefix))
        return out
    if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        return out
    script = str(node.value)
    if prefix:
        script = f"{prefix} {script}"
    _, first, exact = y.scalar_lines(node, source)
    for (op, label), cmd in classify_script(script, FOLLOW.get()):
        if exact:
            line = first + cmd.line
        else:
            needle = cmd.words[0] if not prefix else str(node.value).split()[0]
            line = y.find_line(source, node, needle)
        out.append(Event(op, label, line, step))
    return out


def _settings_events(node: Node | None, step: str) -> list[Event]:
    """``KUBECONFIG: ${{ secrets.X }}`` in env / with / variables mappings."""
    out: list[Event] = []
    for key, key_node, value in y.pairs(node):
        raw = y.text(value) or y.text(y.get(value, "value")) or ""
        op = kubeconfig_setting(key, raw)
        if op is not None:
            origin = "secret" if op is Op.SECRET_KUBECONFIG else "variable"
            out.append(Event(op, f"{key} from a CI {origin}", y.line(key_node), step))
    return out


def _image_hint(node: Node | None) -> bool:
    """A container or service image that is a throwaway cluster (``rancher/k3s``, kindest)."""
    names: list[str] = []
    for n in [node, *y.items(node)]:
        names.extend(y.strings(n))
        names.extend(y.strings(y.get(n, "image")))
        names.extend(y.strings(y.get(n, "name")))
    for _, _, v in y.pairs(node):
        names.extend(y.strings(y.get(v, "image")))
    return any(re.search(r"rancher/k3s|kindest/|/kind:|k3d|minikube", n) for n in names)


# -- GitHub Actions --------------------------------------------------------------------------


def _github_steps(
    steps: Node | None, source: str, job: Job, ci: CiIndex | None = None, depth: int = 0
) -> None:
    for index, step in enumerate(y.items(steps), start=1):
        uses = y.text(y.get(step, "uses"))
        name = y.text(y.get(step, "name")) or y.text(y.get(step, "id")) or uses or f"step {index}"
        name = name.strip()
        if uses and uses.startswith("./"):
            directory = posixpath.normpath(uses.split("@", 1)[0])
            job.local_actions.append(directory)
            if names_local_cluster(directory) or (
                ci is not None and any(j.throwaway for j in ci.action(directory, depth))
            ):
                job.events.append(Event(Op.LOCAL_CLUSTER, directory, 0, name))
        elif uses:
            op, inputs, program = classify_action(uses)
            if op is not None:
                job.events.append(
                    Event(op, uses.split("@", 1)[0], y.line(y.get(step, "uses")), name)
                )
            for key in inputs:
                value = y.get(step, "with", key)
                if isinstance(value, ScalarNode):
                    prefix = program
                    if program.startswith("auto:"):
                        words = str(value.value).split()
                        first = words[0].rsplit("/", 1)[-1] if words else ""
                        prefix = "" if first in CLUSTER_PROGRAMS else program[5:]
                    job.events.extend(_script_events(value, source, name, prefix))
        if name_hint(name):
            job.events.append(Event(Op.LOCAL_CLUSTER, name, 0, name))
        elif uses and local_cluster_input(
            [y.text(v) or "" for _, _, v in y.pairs(y.get(step, "with"))]
        ):
            job.events.append(Event(Op.LOCAL_CLUSTER, uses, 0, name))
        job.events.extend(_settings_events(y.get(step, "with"), name))
        job.events.extend(_settings_events(y.get(step, "env"), name))
        run = y.get(step, "run")
        if run is not None:
            job.events.extend(_script_events(run, source, name))


def github(parsed: Parsed, ci: CiIndex | None = None, depth: int = 0) -> list[Job]:
    jobs: list[Job] = []
    for doc in parsed.docs:
        top_env = _settings_events(y.get(doc, "env"), "env")
        if top_env:
            jobs.append(Job("(workflow env)", top_env))
        runs = y.get(doc, "runs")
        if runs is not None:  # a composite action
            job = Job(y.text(y.get(doc, "name")) or "composite action")
            _github_steps(y.get(runs, "steps"), parsed.text, job, ci, depth)
            jobs.append(job)
        for job_id, _, body in y.pairs(y.get(doc, "jobs")):
            job = Job(y.text(y.get(body, "name")) or job_id)
            job.events.extend(_settings_events(y.get(body, "env"), job.name))
            if name_hint(job.name) or name_hint(job_id):
                job.events.append(Event(Op.LOCAL_CLUSTER, job.name, 0, job.name))
            if _image_hint(y.get(body, "services")) or _image_hint(y.get(body, "container")):
                job.events.append(Event(Op.LOCAL_CLUSTER, "service", 0, job.name))
            _github_steps(y.get(body, "steps"), parsed.text, job, ci, depth)
            jobs.append(job)
    return jobs


# -- GitLab CI -------------------------------------------------------------------------------

_GITLAB_RESERVED = frozenset(
    {
        "image",
        "services",
        "stages",
        "types",
        "variables",
        "cache",
        "before_script",
        "after_script",
        "include",
        "workflow",
        "default",
        "spec",
    }
)
_AUTO_DEVOPS_RE = re.compile(r"(^|/)(Auto-DevOps|Deploy)(\.latest)?\.gitlab-ci\.ya?ml$")

#: A GitLab job definition and the file it comes from (templates may live in included files).
_Def = tuple[Node, Parsed]


def _gitlab_lookup(
    jobs: dict[str, _Def], body: _Def | None, key: str, depth: int = 0
) -> tuple[Node, Parsed] | None:
    """``key`` of a job, following ``extends`` (last parent wins, as GitLab merges them)."""
    if body is None or depth > 10:
        return None
    value = y.get(body[0], key)
    if value is not None:
        return value, body[1]
    for parent in reversed(y.strings(y.get(body[0], "extends"))):
        found = _gitlab_lookup(jobs, jobs.get(parent), key, depth + 1)
        if found is not None:
            return found
    return None


def _gitlab_script(
    jobs: dict[str, _Def], node: Node | None, origin: Parsed, depth: int = 0
) -> Iterator[tuple[ScalarNode, Parsed]]:
    """Scalars of a script, ``!reference [job, key]`` and nested lists resolved."""
    if node is None or depth > 10:
        return
    if isinstance(node, SequenceNode) and node.tag == "!reference":
        path = y.strings(node)
        if len(path) >= 2:
            found = _gitlab_lookup(jobs, jobs.get(path[0]), path[1])
            if found is not None:
                target: Node | None = found[0]
                for key in path[2:]:
                    target = y.get(target, key)
                yield from _gitlab_script(jobs, target, found[1], depth + 1)
        return
    if isinstance(node, SequenceNode):
        for item in node.value:
            yield from _gitlab_script(jobs, item, origin, depth + 1)
    elif isinstance(node, ScalarNode):
        yield node, origin


def _gitlab_includes(doc: Node, ci: CiIndex | None) -> list[tuple[Parsed, int]]:
    """Local files pulled in by ``include:`` (wildcards resolved among the scanned files), each
    with the line of its ``include`` entry."""
    if ci is None:
        return []
    entries = y.get(doc, "include")
    out: list[tuple[Parsed, int]] = []
    for entry in [entries, *y.items(entries)]:
        local = y.text(y.get(entry, "local")) or y.text(entry) or ""
        if not local or "://" in local or y.get(entry, "project") is not None:
            continue
        line = y.line(y.get(entry, "local") or entry)
        out.extend((included, line) for included in ci.matching(local.lstrip("/")))
    return out


def gitlab(parsed: Parsed, ci: CiIndex | None = None) -> list[Job]:
    out: list[Job] = []
    for doc in parsed.docs:
        entries = {k: v for k, _, v in y.pairs(doc)}
        jobs: dict[str, _Def] = {}
        # Jobs defined only in an included file that is not scanned as CI on its own
        # (``.gitlab/jobs/deploy.yaml``): judged here, at the line of the ``include`` entry.
        include_lines: dict[str, int] = {}
        for included, include_line in _gitlab_includes(doc, ci):
            standalone = not included.target.kinds & {Kind.CI, Kind.GITLAB_CI}
            for idoc in included.docs:
                for k, _, v in y.pairs(idoc):
                    if isinstance(v, MappingNode):
                        jobs.setdefault(k, (v, included))
                        if standalone and jobs[k][1] is included:
                            include_lines.setdefault(k, include_line)
        key_lines: dict[str, int] = {}
        for k, kn, v in y.pairs(doc):
            if isinstance(v, MappingNode):
                jobs[k] = (v, parsed)
                key_lines[k] = y.line(kn)
                include_lines.pop(k, None)
        key_lines.update(include_lines)
        default = entries.get("default")
        include_job = Job("include")
        for inc in [entries.get("include"), *y.items(entries.get("include"))]:
            template = y.text(y.get(inc, "template")) or ""
            if _AUTO_DEVOPS_RE.search(template):
                include_job.events.append(
                    Event(
                        Op.MUTATE,
                        f"Auto DevOps template {template}",
                        y.line(y.get(inc, "template")),
                        "include",
                    )
                )
        if include_job.events:
            out.append(include_job)
        global_vars = _settings_events(entries.get("variables"), "variables")
        if global_vars:
            out.append(Job("(global variables)", global_vars))
        for name in key_lines:
            body = jobs[name]
            if name.startswith(".") or name in _GITLAB_RESERVED:
                continue
            if y.get(body[0], "trigger") is not None:
                continue
            job = Job(name)
            image = _gitlab_lookup(jobs, body, "image")
            services = _gitlab_lookup(jobs, body, "services")
            if (
                _image_hint(image[0] if image else entries.get("image"))
                or _image_hint(services[0] if services else entries.get("services"))
                or name_hint(name)
            ):
                job.events.append(Event(Op.LOCAL_CLUSTER, "service", 0, name))
            variables = _gitlab_lookup(jobs, body, "variables")
            if variables is not None:
                for e in _settings_events(variables[0], name):
                    line = e.line if variables[1] is parsed else key_lines[name]
                    job.events.append(Event(e.op, e.label, line, name))
            for key in ("before_script", "script", "after_script"):
                found = _gitlab_lookup(jobs, body, key)
                if found is None and key != "script":
                    node = y.get(default, key) or entries.get(key)
                    found = (node, parsed) if node is not None else None
                if found is None:
                    continue
                for scalar, origin in _gitlab_script(jobs, found[0], found[1]):
                    for e in _script_events(scalar, origin.text, name):
                        if origin is parsed:
                            job.events.append(e)
                        else:  # a template in an included file: point at the job
                            label = f"{e.label}, from {origin.path}:{e.line}"
                            job.events.append(Event(e.op, label, key_lines[name], name))
            out.append(job)
    return out


# -- Cloud Build -----------------------------------------------------------------------------


def cloudbuild(parsed: Parsed) -> list[Job]:
    job = Job("build")
    for doc in parsed.docs:
        for index, step in enumerate(y.items(y.get(doc, "steps")), start=1):
            builder = y.text(y.get(step, "name")) or ""
            name = y.text(y.get(step, "id")) or builder or f"step {index}"
            script = y.get(step, "script")
            if script is not None:
                job.events.extend(_script_events(script, parsed.text, name))
                continue
            entry = y.text(y.get(step, "entrypoint")) or ""
            args_node = y.get(step, "args")
            args = y.strings(args_node)
            prog = (entry or builder.split("@", 1)[0].split(":", 1)[0]).rsplit("/", 1)[-1]
            if prog in ("bash", "sh") and "-c" in args:
                k = args.index("-c")
                if k + 1 < len(args):
                    job.events.extend(_script_events(y.items(args_node)[k + 1], parsed.text, name))
                continue
            if prog == "gke-deploy":
                if args[:1] == ["run"] or args[:1] == ["apply"]:
                    job.events.append(
                        Event(Op.MUTATE, f"gke-deploy {args[0]}", y.line(args_node), name)
                    )
                continue
            verdict = classify(Command((prog, *args), 0))
            if verdict is not None:
                job.events.append(Event(verdict[0], verdict[1], y.line(args_node or step), name))
    return [job]


# -- Azure Pipelines -------------------------------------------------------------------------

_AZ_K8S_MUTATING = frozenset(
    {
        "apply",
        "create",
        "delete",
        "patch",
        "replace",
        "scale",
        "set",
        "rollout",
        "expose",
        "label",
        "annotate",
        "run",
        "edit",
    }
)
_AZ_MANIFEST_MUTATING = frozenset(
    {"deploy", "promote", "reject", "scale", "patch", "delete", "createsecret"}
)
_AZ_HELM_MUTATING = frozenset({"install", "upgrade", "rollback", "uninstall", "delete"})
_AZ_SCRIPT_TASKS = (
    "bash@",
    "powershell@",
    "pwsh@",
    "azurecli@",
    "azurepowershell@",
    "shellscript@",
    "cmdline@",
)


def _azure_step(step: Node, source: str, job: Job, index: int) -> None:
    name = (
        y.text(y.get(step, "displayName"))
        or y.text(y.get(step, "name"))
        or y.text(y.get(step, "task"))
        or f"step {index}"
    ).strip()
    for key in ("script", "bash", "pwsh", "powershell"):
        node = y.get(step, key)
        if node is not None:
            job.events.extend(_script_events(node, source, name))
    job.events.extend(_settings_events(y.get(step, "env"), name))
    task = (y.text(y.get(step, "task")) or "").lower()
    if not task:
        return
    inputs = y.get(step, "inputs")
    line = y.line(y.get(step, "task"))
    family = task.split("@", 1)[0]
    command = (y.text(y.get(inputs, "command")) or "").lower()
    action = (y.text(y.get(inputs, "action")) or "deploy").lower()
    if family == "kubernetes":
        if command in _AZ_K8S_MUTATING:
            job.events.append(Event(Op.MUTATE, f"Kubernetes task: {command}", line, name))
        elif command == "login":
            job.events.append(Event(Op.CLOUD_CRED, "Kubernetes task: login", line, name))
    elif family == "kubernetesmanifest":
        if action in _AZ_MANIFEST_MUTATING:
            job.events.append(Event(Op.MUTATE, f"KubernetesManifest task: {action}", line, name))
    elif family == "helmdeploy":
        if command in _AZ_HELM_MUTATING:
            job.events.append(Event(Op.MUTATE, f"HelmDeploy task: {command}", line, name))
        elif command == "login":
            job.events.append(Event(Op.CLOUD_CRED, "HelmDeploy task: login", line, name))
    elif task.startswith(_AZ_SCRIPT_TASKS):
        for key in ("inlineScript", "script", "Inline", "inline"):
            node = y.get(inputs, key)
            if node is not None:
                job.events.extend(_script_events(node, source, name))


def _azure_collect(node: Node | None, source: str, job: Job, out: list[Job]) -> None:
    if isinstance(node, SequenceNode):
        for item in node.value:
            _azure_collect(item, source, job, out)
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
                _azure_step(step, source, job, index)
        elif isinstance(value, (MappingNode, SequenceNode)):
            _azure_collect(value, source, job, out)


def azure(parsed: Parsed) -> list[Job]:
    out: list[Job] = []
    for doc in parsed.docs:
        top = Job("pipeline")
        out.append(top)
        _azure_collect(doc, parsed.text, top, out)
    return out


# -- CircleCI --------------------------------------------------------------------------------


def circleci(parsed: Parsed) -> list[Job]:
    out: list[Job] = []
    for doc in parsed.docs:
        for job_name, _, body in y.pairs(y.get(doc, "jobs")):
            job = Job(job_name)
            if _image_hint(y.get(body, "docker")):
                job.events.append(Event(Op.LOCAL_CLUSTER, "service", 0, job_name))
            job.events.extend(_settings_events(y.get(body, "environment"), job_name))
            for index, step in enumerate(y.items(y.get(body, "steps")), start=1):
                for key, key_node, value in y.pairs(step):
                    if key == "run":
                        cmd = y.get(value, "command") if isinstance(value, MappingNode) else value
                        name = y.text(y.get(value, "name")) or f"step {index}"
                        job.events.extend(_script_events(cmd, parsed.text, name))
                    else:
                        op = classify_orb(key)
                        if op is not None:
                            job.events.append(Event(op, key, y.line(key_node), key))
                orb = y.text(step)
                if orb and (op := classify_orb(orb)) is not None:
                    job.events.append(Event(op, orb, y.line(step), orb))
            out.append(job)
        for _, _, workflow in y.pairs(y.get(doc, "workflows")):
            for entry in y.items(y.get(workflow, "jobs")):
                plain = y.text(entry)
                names = [plain] if plain else [k for k, _, _ in y.pairs(entry)]
                for name in names:
                    op = classify_orb(name)
                    if op is not None:
                        out.append(Job(name, [Event(op, name, y.line(entry), name)]))
    return out


# -- Bitbucket Pipelines ---------------------------------------------------------------------


def _bitbucket_steps(node: Node | None, source: str, out: list[Job]) -> None:
    if isinstance(node, SequenceNode):
        for item in node.value:
            _bitbucket_steps(item, source, out)
        return
    if not isinstance(node, MappingNode):
        return
    step = y.get(node, "step")
    if step is not None:
        name = y.text(y.get(step, "name")) or f"step at line {y.line(step)}"
        job = Job(name)
        if _image_hint(y.get(step, "image")) or _image_hint(y.get(step, "services")):
            job.events.append(Event(Op.LOCAL_CLUSTER, "service", 0, name))
        for key in ("script", "after-script"):
            for item in y.items(y.get(step, key)):
                pipe = y.text(y.get(item, "pipe"))
                if pipe:
                    variables = {
                        k: y.text(v) or "" for k, _, v in y.pairs(y.get(item, "variables"))
                    }
                    op = classify_pipe(pipe, variables)
                    if op is not None:
                        job.events.append(
                            Event(op, pipe.split(":", 1)[0], y.line(y.get(item, "pipe")), name)
                        )
                    job.events.extend(_settings_events(y.get(item, "variables"), name))
                else:
                    job.events.extend(_script_events(item, source, name))
        out.append(job)
        return
    for _, _, value in y.pairs(node):
        _bitbucket_steps(value, source, out)


def bitbucket(parsed: Parsed) -> list[Job]:
    out: list[Job] = []
    for doc in parsed.docs:
        _bitbucket_steps(y.get(doc, "pipelines"), parsed.text, out)
    return out


# -- anything else (Drone, Travis, CodeBuild, Woodpecker...) ---------------------------------

_GENERIC_SCRIPT_KEYS = frozenset(
    {
        "script",
        "scripts",
        "commands",
        "command",
        "run",
        "before_script",
        "after_script",
        "install",
        "deploy",
        "before_install",
        "before_deploy",
        "after_success",
        "inlineScript",
    }
)


def generic(parsed: Parsed) -> list[Job]:
    job = Job(PurePosixPath(parsed.path).name)

    def walk(node: Node | None, depth: int) -> None:
        if depth > 30:
            return
        if isinstance(node, MappingNode):
            if _image_hint(y.get(node, "image")):
                job.events.append(Event(Op.LOCAL_CLUSTER, "service", 0, job.name))
            for key, _, value in y.pairs(node):
                if key in _GENERIC_SCRIPT_KEYS and isinstance(value, (ScalarNode, SequenceNode)):
                    job.events.extend(_script_events(value, parsed.text, job.name))
                else:
                    walk(value, depth + 1)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                walk(item, depth + 1)

    for doc in parsed.docs:
        walk(doc, 0)
    return [job]


# -- Jenkinsfile (Groovy) --------------------------------------------------------------------

_SH_RE = re.compile(
    r"\b(?:sh|bat|powershell|pwsh)\s*(?:\(\s*(?:script\s*:\s*)?)?(?:label\s*:[^,]*,\s*script\s*:\s*)?"
    r"('''|\"\"\"|'|\")"
)
_STAGE_RE = re.compile(r"\bstage\s*\(\s*['\"]([^'\"]+)['\"]")
_JENKINS_PLUGINS = (
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


def jenkins(parsed: Parsed) -> list[Job]:
    text = parsed.text
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
    while True:
        m = _SH_RE.search(text, pos)
        if m is None:
            break
        body, pos = _groovy_string(text, m.end(), m.group(1))
        first = text.count("\n", 0, m.end()) + 1
        step = stage_at(m.start())
        for (op, label), cmd in classify_script(body, FOLLOW.get()):
            job.events.append(Event(op, label, first + cmd.line, step))
    for regex, op, label in _JENKINS_PLUGINS:
        for m in regex.finditer(text):
            job.events.append(
                Event(op, label, text.count("\n", 0, m.start()) + 1, stage_at(m.start()))
            )
    return [job]


# -- dispatch --------------------------------------------------------------------------------


def platform_of(parsed: Parsed) -> str:
    p = PurePosixPath(parsed.path)
    name = p.name.lower()
    kinds = parsed.target.kinds
    if (
        Kind.GITHUB_ACTIONS in kinds
        or name in ("action.yml", "action.yaml")
        or (len(p.parts) >= 3 and p.parts[-3] in (".gitea", ".forgejo"))
    ):
        return "GitHub Actions"
    if Kind.GITLAB_CI in kinds or name.endswith(".gitlab-ci.yml") or ".gitlab" in p.parts:
        return "GitLab CI"
    if name.startswith("jenkinsfile") or name.endswith(".jenkinsfile"):
        return "Jenkins"
    if name.startswith("cloudbuild"):
        return "Cloud Build"
    if (
        name.startswith("azure-pipelines")
        or ".azure-pipelines" in p.parts
        or (".azuredevops" in p.parts)
    ):
        return "Azure Pipelines"
    if name.startswith("bitbucket-pipelines"):
        return "Bitbucket Pipelines"
    if ".circleci" in p.parts:
        return "CircleCI"
    return "CI"


_PARSERS = {
    "GitHub Actions": github,
    "GitLab CI": gitlab,
    "Jenkins": jenkins,
    "Cloud Build": cloudbuild,
    "Azure Pipelines": azure,
    "Bitbucket Pipelines": bitbucket,
    "CircleCI": circleci,
    "CI": generic,
}


def check(
    parsed: Parsed, ci: CiIndex | None = None, follow: Follower | None = None
) -> list[Finding]:
    token = FOLLOW.set(follow)
    try:
        return _check(parsed, ci)
    finally:
        FOLLOW.reset(token)


def _check(parsed: Parsed, ci: CiIndex | None) -> list[Finding]:
    platform = platform_of(parsed)
    if platform == "GitHub Actions":
        jobs = github(parsed, ci)
        directory = str(PurePosixPath(parsed.path).parent)
        is_action = PurePosixPath(parsed.path).name in ("action.yml", "action.yaml")
        if is_action and ci is not None and ci.only_used_by_test_jobs(directory):
            for job in jobs:
                job.events.append(Event(Op.LOCAL_CLUSTER, "used by test jobs", 0, job.name))
    elif platform == "GitLab CI":
        jobs = gitlab(parsed, ci)
    else:
        jobs = _PARSERS[platform](parsed)
    return judge(jobs, parsed.path, platform)
