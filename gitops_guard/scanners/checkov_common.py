"""What the two Checkov-backed scanners (``dockerfile`` and ``iac``) share.

Checkov is driven through its runners' Python API, one framework at a time, and imported lazily
inside :meth:`CheckovScanner.scan`: only the runner modules a run needs are imported, never
``checkov.main`` or the runner registry (which import every framework). Before the first import the
environment is set so Checkov cannot reach the network (:data:`OFFLINE_ENV`); while it runs, its
logging and any stray prints are swallowed, and whatever it raises becomes a
:class:`~gitops_guard.models.ScanError`. docs/scanners.md documents the severity table and the
known gaps.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import logging
import os
import sys
import tempfile
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_guard.models import Finding, ScanError, ScanResult
from gitops_guard.scanners.checkov_severity import severity_for
from gitops_guard.scanners.interface import Rule, ScanContext, Scanner, Unit
from gitops_guard.targets import Kind, Target

#: Set before Checkov is imported (several are read at import time) and kept for the process.
#: Each one is honoured by checkov 3.2/3.3 (see docs/scanners.md for where).
OFFLINE_ENV = {
    # No download of guidelines / BC_* id mappings from the Prisma Cloud API.
    "BC_SKIP_MAPPING": "TRUE",
    # No "is there a newer checkov on PyPI" request.
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "True",
    # The github/gitlab/bitbucket *configuration* frameworks fetch repository settings from the
    # VCS API; we never run them, and this keeps them from fetching if something does.
    "CKV_GITHUB_CONFIG_FETCH_DATA": "False",
    "CKV_GITLAB_CONFIG_FETCH_DATA": "False",
    "CKV_BITBUCKET_CONFIG_FETCH_DATA": "False",
    # Allowlists of remote Kustomize bases and Helm dependency repos: a value matching nothing
    # blocks them all (Checkov's documented way), so no `kubectl kustomize` or `helm template
    # --dependency-update` ever fetches.
    "CHECKOV_KUSTOMIZE_ALLOWED_REMOTE_PREFIXES": "none",
    "CHECKOV_HELM_ALLOWED_REMOTE_REPOS": "none",
    # Never let Checkov edit a user's kustomization.yaml (it can add origin annotations).
    "CHECKOV_ALLOW_KUSTOMIZE_FILE_EDITS": "False",
}

#: Defaults the user may override: our engine already runs scanners in parallel processes, so
#: Checkov's own fork pool would only oversubscribe the cores.
DEFAULT_ENV = {"CHECKOV_PARALLELIZATION_TYPE": "none"}


def prepare_environment() -> None:
    """Make Checkov offline (idempotent). Called before any Checkov import."""
    os.environ.update(OFFLINE_ENV)
    for key, value in DEFAULT_ENV.items():
        os.environ.setdefault(key, value)


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Swallow Checkov's logging and any writes to stdout/stderr (it logs on the root logger and
    colorama wraps the standard streams at import)."""
    out, err = sys.stdout, sys.stderr
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        logging.disable(previous)
        sys.stdout, sys.stderr = out, err


#: Set in a worker process (gitops_guard.workers): only there may Checkov be imported lighter,
#: since the process ends with the task.
WORKER_ENV = "GITOPS_GUARD_WORKER"
#: Kinds whose Checkov runners use what ``checkov.terraform``'s ``__init__`` registers (its
#: checks, and the graph checks CloudFormation and Serverless share): every framework but
#: Kubernetes, Kustomize, Helm and Dockerfiles, to be safe.
NEEDS_TERRAFORM_CHECKS = frozenset(
    {
        Kind.TERRAFORM,
        Kind.CLOUDFORMATION,
        Kind.SERVERLESS,
        Kind.GITHUB_ACTIONS,
        Kind.GITLAB_CI,
        Kind.OPENAPI,
        Kind.AZURE_PIPELINES,
        Kind.CIRCLECI,
        Kind.BITBUCKET_PIPELINES,
        Kind.ARGO_WORKFLOWS,
        Kind.ARM,
        Kind.BICEP,
        Kind.ANSIBLE,
    }
)
#: Packages whose ``__init__`` imports every check of Terraform (a second of a cold run): no
#: runner but Terraform's needs those checks registered, only modules beneath them.
_TERRAFORM_PACKAGES = ("checkov.terraform", "checkov.terraform.checks")


def skip_terraform_checks() -> None:
    """In a process that will run no Terraform scan and has not imported Checkov yet, make
    ``checkov.terraform`` a plain namespace: its submodules (graph and block types other
    frameworks use) import as usual, its ``__init__`` - the import of ~1,000 Terraform checks -
    does not run. A run holding Terraform files never calls this."""
    if "checkov" in sys.modules:
        return
    spec = importlib.util.find_spec("checkov")
    if spec is None or spec.origin is None:
        return
    base = os.path.dirname(spec.origin)
    for name in _TERRAFORM_PACKAGES:
        folder = os.path.join(base, *name.split(".")[1:])
        module = types.ModuleType(name)
        module.__path__ = [folder]
        module.__package__ = name
        module.__spec__ = importlib.util.spec_from_file_location(
            name, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder]
        )
        sys.modules[name] = module


def import_runner(module: str) -> Any:
    """Import ``checkov.<module>.runner`` offline and silently; returns its ``Runner`` class."""
    prepare_environment()
    with silenced():
        for package in _PREREQUISITES.get(module, ()):
            importlib.import_module(package)
        mod = importlib.import_module(f"checkov.{module}.runner")
    return getattr(mod, _RUNNER_CLASSES.get(module, "Runner"))


#: Where each framework keeps its Python checks (``module:attribute`` of the registry).
_CHECK_REGISTRIES = {
    "dockerfile": ("checkov.dockerfile.registry:registry",),
    "kubernetes": ("checkov.kubernetes.checks.resource.registry:registry",),
    "cloudformation": ("checkov.cloudformation.checks.resource.registry:cfn_registry",),
    "terraform": (
        "checkov.terraform.checks.resource.registry:resource_registry",
        "checkov.terraform.checks.data.registry:data_registry",
        "checkov.terraform.checks.provider.registry:provider_registry",
        "checkov.terraform.checks.module.registry:module_registry",
    ),
    "github_actions": ("checkov.github_actions.checks.registry:registry",),
    "gitlab_ci": ("checkov.gitlab_ci.checks.registry:registry",),
    "openapi": ("checkov.openapi.checks.registry:openapi_registry",),
    "azure_pipelines": ("checkov.azure_pipelines.checks.registry:registry",),
    "circleci_pipelines": ("checkov.circleci_pipelines.registry:registry",),
    "bitbucket_pipelines": ("checkov.bitbucket_pipelines.registry:registry",),
    "argo_workflows": ("checkov.argo_workflows.checks.registry:registry",),
    "serverless": tuple(
        f"checkov.serverless.checks.{section}.registry:{section}_registry"
        for section in (
            "complete",
            "custom",
            "function",
            "layer",
            "package",
            "plugin",
            "provider",
            "service",
        )
    ),
    "arm": (
        "checkov.arm.registry:arm_resource_registry",
        "checkov.arm.registry:arm_parameter_registry",
    ),
    "bicep": (
        "checkov.bicep.checks.resource.registry:registry",
        "checkov.bicep.checks.param.registry:registry",
    ),
    "ansible": ("checkov.ansible.checks.registry:registry",),
}

#: Packages to import before a framework's runner or registries: Bicep reuses the ARM checks,
#: which register themselves with the Bicep registry only when ``checkov.arm`` is imported (as
#: ``checkov.main`` always does).
_PREREQUISITES = {"bicep": ("checkov.arm",)}

#: Runner classes not called ``Runner``.
_RUNNER_CLASSES = {"terraform_json": "TerraformJsonRunner"}


def checks_of(frameworks: Sequence[str]) -> list[tuple[str, Any]]:
    """(framework, check) for every Checkov check of ``frameworks``: the Python checks of each
    framework's registries and its graph (YAML) checks. An id may come more than once (one check
    in several frameworks, or an id Checkov reuses for another check)."""
    prepare_environment()
    out: list[tuple[str, Any]] = []
    with silenced():
        from checkov.common.checks_infra.registry import get_graph_checks_registry

        for framework in frameworks:
            for package in _PREREQUISITES.get(framework, ()):
                importlib.import_module(package)
            for spec in _CHECK_REGISTRIES.get(framework, ()):
                module, attr = spec.split(":")
                registry = getattr(importlib.import_module(module), attr)
                for table in (registry.checks, getattr(registry, "wildcard_checks", {})):
                    out.extend((framework, c) for checks in table.values() for c in checks)
            graph = get_graph_checks_registry(framework)
            graph.load_checks()
            out.extend((framework, c) for c in graph.checks)
    return out


# --- running --------------------------------------------------------------------------------------
@dataclass
class Job:
    """One call of one Checkov runner, and the units whose targets it covers."""

    framework: str
    """Checkov framework name (``terraform``, ``kubernetes``...)."""
    module: str
    """The module under ``checkov`` holding its runner (``checkov.<module>.runner``)."""
    units: list[Unit]
    files: list[str] = field(default_factory=list)
    """Absolute files to pass as ``files=``."""
    root_folder: str | None = None
    aliases: dict[str, Target] = field(default_factory=dict)
    """Extra absolute paths (links we made) that stand for a target."""


class CheckovScanner(Scanner):
    """Base of the Checkov-backed scanners: subclasses turn units into :class:`Job` s."""

    process_group = "checkov"
    distribution = "checkov"
    #: Not split: dockerfile and iac then share one worker (Checkov imported once, the biggest
    #: cost), and all files of a framework meet in one call so Checkov's graph checks see them all.
    splittable = False
    startup_seconds = 1.5
    seconds_per_mib = 20.0

    #: Checkov frameworks whose checks this scanner can report, for :meth:`rules`.
    frameworks: tuple[str, ...] = ()

    def jobs(self, units: Sequence[Unit], ctx: ScanContext, workdir: Path) -> list[Job]:
        raise NotImplementedError

    def rules(self) -> Sequence[Rule]:
        """Every Checkov check of this scanner's frameworks (see :func:`checks_of`)."""
        seen: dict[str, Rule] = {}
        for framework, check in checks_of(self.frameworks):
            name = str(getattr(check, "name", check.id))
            seen.setdefault(
                check.id,
                Rule(
                    id=check.id,
                    name=name,
                    description=f"{framework}: {name}",
                    severity=severity_for(check.id, name),
                    help_url=getattr(check, "guideline", None) or None,
                ),
            )
        return [seen[k] for k in sorted(seen)]

    def precheck(self, unit: Unit, ctx: ScanContext) -> ScanError | None:
        """A reason not to hand ``unit`` to Checkov at all (an error or a notice), or None."""
        return None

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        if os.environ.get(WORKER_ENV) == "1" and not any(
            t.kinds & NEEDS_TERRAFORM_CHECKS for t in ctx.all_targets
        ):
            skip_terraform_checks()  # this worker runs no framework that needs them
        findings: list[Finding] = []
        errors: list[ScanError] = []
        runnable: list[Unit] = []
        for unit in units:
            problem = self.precheck(unit, ctx)
            if problem is None:
                runnable.append(unit)
            else:
                errors.append(problem)
        with tempfile.TemporaryDirectory(prefix="gitops-guard-checkov-") as tmp:
            for job in self.jobs(runnable, ctx, Path(tmp)):
                f, e = self._run(job)
                findings.extend(f)
                errors.extend(e)
        return ScanResult(tuple(sorted(set(findings), key=lambda x: x.sort_key)), tuple(errors))

    def _run(self, job: Job) -> tuple[list[Finding], list[ScanError]]:
        try:
            runner_cls = import_runner(job.module)
            from checkov.runner_filter import RunnerFilter

            with silenced():
                runner_filter = RunnerFilter(
                    framework=[job.framework],
                    show_progress_bar=False,
                    download_external_modules=False,
                    run_image_referencer=False,
                )
                runner = runner_cls()
                # Kustomize and Helm look for their binary here (and pick kubectl or kustomize).
                check_deps = getattr(runner, "check_system_deps", None)
                if check_deps is not None and check_deps() is not None:
                    return [], [
                        ScanError(
                            self.name,
                            f"checkov {job.framework}: a required tool is missing; not rendered",
                            u.key.partition(":")[2] or u.key,
                        )
                        for u in job.units
                    ]
                if job.framework == "kustomize":
                    from gitops_guard.scanners import kustomize

                    kustomize.install(runner_cls)
                    kustomize.FAILURES.clear()
                reports = runner.run(
                    root_folder=job.root_folder,
                    files=job.files or None,
                    runner_filter=runner_filter,
                )
        except Exception as exc:  # Checkov's failure is data, never a traceback
            keys = sorted(u.key for u in job.units)
            where = keys[0] if len(keys) == 1 else f"{len(keys)} units from {keys[0]}"
            message = f"checkov {job.framework} runner failed on {where}: {type(exc).__name__}"
            return [], [
                ScanError(self.name, f"{message}: {exc}", keys[0] if len(keys) == 1 else None)
            ]
        if not isinstance(reports, list):
            reports = [reports]
        findings, errors = self._convert(job, reports)
        return findings, errors + _render_failures(self.name, job)

    def _convert(self, job: Job, reports: list[Any]) -> tuple[list[Finding], list[ScanError]]:
        by_path: dict[str, tuple[Target, Unit]] = {}
        for unit in job.units:
            for target in unit.files:
                for p in _abs_forms(target.abspath):
                    by_path[p] = (target, unit)
        for alias, target in job.aliases.items():
            by_path[alias] = next(
                (target, u) for u in job.units if any(t.path == target.path for t in u.files)
            )
        findings: list[Finding] = []
        errors: list[ScanError] = []
        for report in reports:
            for record in report.failed_checks:
                # Graph checks on rendered Kustomize output point file_abs_path at the rendered
                # temporary file, but file_path at the kustomization: try both.
                found = _lookup(by_path, record.file_abs_path, job.root_folder) or _lookup(
                    by_path, record.file_path, job.root_folder
                )
                if found is None:
                    continue
                target, unit = found
                if not unit.reports(target.path):
                    continue
                start, end = [*(record.file_line_range or ()), 0, 0][:2]
                findings.append(
                    Finding(
                        scanner=self.name,
                        tool="checkov",
                        rule_id=record.check_id,
                        severity=severity_for(record.check_id, record.check_name or ""),
                        message=record.check_name or record.check_id,
                        path=target.path,
                        line=max(int(start), 0),
                        end_line=max(int(end), int(start), 0),
                        resource=_resource(record.resource, record.file_abs_path, target.path),
                        help_url=record.guideline or None,
                    )
                )
            for failed in report.parsing_errors:
                # A file Checkov read beside ours (an excluded file of a Terraform folder) is not
                # one we were asked to check: only our own files' failures count.
                found = _lookup(by_path, failed, job.root_folder)
                if found is not None and found[1].reports(found[0].path):
                    errors.append(
                        ScanError(
                            self.name,
                            f"checkov could not parse this file as {job.framework}; not checked "
                            "(fix it, or exclude it to accept that)",
                            found[0].path,
                            lasting=True,
                        )
                    )
        return findings, errors


def _render_failures(scanner: str, job: Job) -> list[ScanError]:
    """A Kustomize render that failed is an error: what only the render evaluates (an overlay's
    patches) was not checked. Checkov itself drops such an overlay without a word."""
    if job.framework != "kustomize":
        return []
    from gitops_guard.scanners import kustomize

    out = []
    for unit in job.units:
        folder = os.path.realpath(os.path.dirname(os.path.abspath(unit.files[0].abspath)))
        failure = kustomize.FAILURES.get(folder)
        if failure is not None:
            where = unit.key.partition(":")[2]
            out.append(ScanError(scanner, f"Kustomize render failed: {failure}", where))
    return out


def _resource(resource: str | None, reported: str | None, path: str) -> str | None:
    """Checkov's resource id, minus the absolute (or temporary) path some runners put in it."""
    if not resource:
        return None
    if reported and resource.startswith(reported):
        rest = resource[len(reported) :]
        # Dockerfile ids are "<file>.<INSTRUCTION>" ("<file>." for the whole file): the path is
        # already the finding's; keep the instruction alone.
        if rest.startswith(".") or not rest:
            return rest[1:] or None
        return path + rest
    return resource


def _abs_forms(path: Path) -> set[str]:
    forms = {os.path.abspath(path)}
    with contextlib.suppress(OSError):
        forms.add(os.path.realpath(path))
    return forms


def _lookup(
    by_path: dict[str, tuple[Target, Unit]], reported: str | None, root_folder: str | None
) -> tuple[Target, Unit] | None:
    if not reported:
        return None
    candidates = [reported]
    if root_folder and not os.path.isabs(reported):
        candidates.append(os.path.join(root_folder, reported.lstrip("/")))
    for candidate in candidates:
        for form in (os.path.abspath(candidate), os.path.realpath(candidate)):
            if form in by_path:
                return by_path[form]
    return None


def link_as(target: Target, name: str, workdir: Path) -> str:
    """A symlink named ``name`` to ``target`` in a fresh folder under ``workdir``, for a file whose
    own name Checkov's runner would not accept (a ``Containerfile``, a staged copy)."""
    folder = Path(tempfile.mkdtemp(dir=workdir))
    link = folder / name
    link.symlink_to(os.path.abspath(target.abspath))
    return str(link)
