"""Which files a run covers, and what each of them is.

Discovery turns the user's paths into :class:`Target` objects relative to one scan root; each file
is classified once, by path and a peek at its content, into a set of kinds that the engine uses to
route it only to the scanners that apply.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from gitops_guard import git
from gitops_guard.models import ErrorKind, ScanError


class Kind:
    """File kinds; a file can have several (a workflow is ``yaml``, ``ci``, ``github_actions``)."""

    TEXT = "text"
    PYTHON = "python"
    YAML = "yaml"
    JSON = "json"
    DOCKERFILE = "dockerfile"
    TERRAFORM = "terraform"
    CLOUDFORMATION = "cloudformation"
    KUBERNETES = "kubernetes"
    KUSTOMIZE = "kustomize"
    HELM = "helm"
    HELM_VALUES = "helm_values"
    GITHUB_ACTIONS = "github_actions"
    GITLAB_CI = "gitlab_ci"
    CI = "ci"
    GITHUB_SETTINGS = "github_settings"
    OPENAPI = "openapi"
    AZURE_PIPELINES = "azure_pipelines"
    CIRCLECI = "circleci_pipelines"
    BITBUCKET_PIPELINES = "bitbucket_pipelines"
    ARGO_WORKFLOWS = "argo_workflows"
    SERVERLESS = "serverless"
    ARM = "arm"
    BICEP = "bicep"
    ANSIBLE = "ansible"
    # What zizmor audits besides workflows (gitops_guard/scanners/actions.py).
    GITHUB_ACTION = "github_action"
    """An action definition, ``action.yml``/``action.yaml``, anywhere (a repository that is an
    action has one at its root)."""
    DEPENDABOT = "dependabot"
    """``.github/dependabot.yml``/``.yaml``."""
    PRE_COMMIT = "pre_commit"
    """``.pre-commit-config.yaml``/``.yml`` and ``.pre-commit-hooks.yaml``."""


#: Folders never descended into outside git (inside git, .gitignore decides).
VENDORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".terraform",
        ".terragrunt-cache",
        ".serverless",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        ".direnv",
    }
)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
_PEEK_BYTES = 64 * 1024

# Exact names are Dockerfiles whatever they hold; Checkov's wider mask (`[Dd]ockerfile` with any
# prefix or suffix, e.g. `api.Dockerfile`, `Dockerfile.prod`) also matches `dockerfile.py` or
# `dockerfile.md`, so a file matched only by the mask must also hold a FROM instruction.
_DOCKERFILE_NAMES = frozenset({"Dockerfile", "dockerfile", "Containerfile", "containerfile"})
_DOCKERFILE_MASK = re.compile(
    r"^(?:.+\.)?(?:[Dd]ockerfile|[Cc]ontainerfile)(?:\..+)?$(?<!\.[Dd]ockerignore)"
)
# A whole FROM instruction (`FROM [--platform=...] image [AS stage]`), so that Python's
# `from x import y` is not one.
_FROM_RE = re.compile(
    r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*\S+(?:[ \t]+AS[ \t]+\S+)?[ \t]*$", re.M | re.I
)
_KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
_CI_NAMES = frozenset(
    {
        ".gitlab-ci.yml",
        ".gitlab-ci.yaml",
        "Jenkinsfile",
        "azure-pipelines.yml",
        "azure-pipelines.yaml",
        "cloudbuild.yaml",
        "cloudbuild.yml",
        "bitbucket-pipelines.yml",
        ".drone.yml",
        "buildspec.yml",
        "buildspec.yaml",
    }
)
_K8S_RE = re.compile(r"^apiVersion:\s*\S", re.M)
_K8S_KIND_RE = re.compile(r"^kind:\s*\S", re.M)
_CFN_RE = re.compile(
    r"AWSTemplateFormatVersion|^\s*Type:\s*['\"]?AWS::|\"Type\"\s*:\s*\"AWS::", re.M
)
_JSON_K8S_RE = re.compile(r"\"apiVersion\"\s*:")
# The frameworks below mirror how each Checkov runner (checkov 3.3) picks its files, on the first
# 64 KiB: checkov/<framework>/runner.py and utils.py.
# OpenAPI: `.json`/`.yml`/`.yaml` with a top-level `openapi`/`swagger` key and an `info` mapping
# (Runner.is_valid); we look for the two keys.
_OPENAPI_YAML_RE = re.compile(r"^['\"]?(?:openapi|swagger)['\"]?\s*:", re.M)
_OPENAPI_JSON_RE = re.compile(r"\"(?:openapi|swagger)\"\s*:")
_INFO_RE = re.compile(r"^['\"]?info['\"]?\s*:|\"info\"\s*:", re.M)
# Argo Workflows: `.yaml`/`.yml` with these two lines (the runner's own API_VERSION_PATTERN and
# KIND_PATTERN; `kind: Workflow` also matches `WorkflowTemplate`).
_ARGO_API_RE = re.compile(r"^apiVersion:\s*argoproj.io/", re.M)
_ARGO_KIND_RE = re.compile(r"^kind:\s*Workflow", re.M)
# Ansible: `.yaml`/`.yml` holding a task name (the runner's TASK_NAME_PATTERN), and whose first
# document is a sequence: every Ansible check (task checks on `[].tasks[...]`/`[?module]`
# projections, graph checks on vertices built only from a list) is blind to a mapping, so a
# Kubernetes manifest or a workflow with `- name:` items could never fail one.
_ANSIBLE_TASK_RE = re.compile(r"^\s*-\s+name:\s+", re.M)
_LINE_RE = re.compile(r"^.*$", re.M)
_SEQUENCE_START_RE = re.compile(r"\s*(?:-(?:\s|$)|\[)")
_SLS_NAMES = frozenset({"serverless.yml", "serverless.yaml"})


@dataclass(frozen=True)
class Target:
    """One file to scan."""

    path: str
    """Relative to the scan root, ``/``-separated: what reports show."""
    abspath: Path
    """Where to read it (a staged scan reads a materialised copy of the index)."""
    kinds: frozenset[str] = frozenset()
    size: int = 0

    @property
    def directory(self) -> str:
        """The containing folder relative to the root (``.`` at the top)."""
        parent = str(PurePosixPath(self.path).parent)
        return parent


@dataclass(frozen=True)
class TargetSet:
    """The outcome of discovery: the scan root, its files, and what was skipped and why."""

    root: Path
    targets: tuple[Target, ...]
    errors: tuple[ScanError, ...] = ()
    explicit: bool = False
    """True when the user named files (pre-commit): scanners report findings only for them."""
    context: tuple[Target, ...] = field(default=())
    """Extra files read only as context (a changed .tf brings its module's other .tf files)."""


def _peek(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(_PEEK_BYTES)


def is_binary(head: bytes) -> bool:
    """Git's rule: a NUL byte in the first block means binary (UTF-16 with a BOM is text)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\0" in head[:8192]


def classify(path: str, head: bytes, chart_roots: frozenset[str] = frozenset()) -> frozenset[str]:
    """The kinds of a file, from its relative path and its first bytes."""
    p = PurePosixPath(path)
    name = p.name
    suffix = p.suffix.lower()
    kinds: set[str] = set()
    if is_binary(head):
        return frozenset()
    kinds.add(Kind.TEXT)
    text = head.decode("utf-8", "replace")
    if suffix in (".py", ".pyw"):
        kinds.add(Kind.PYTHON)
    if name in _DOCKERFILE_NAMES or (_DOCKERFILE_MASK.match(name) and _FROM_RE.search(text)):
        kinds.add(Kind.DOCKERFILE)
    if name.endswith((".tf", ".tf.json")):
        kinds.add(Kind.TERRAFORM)
    if name.endswith(".tf") and (
        "github_branch_protection" in text or "github_repository_ruleset" in text
    ):
        kinds.add(Kind.GITHUB_SETTINGS)
    chart = _chart_of(p, chart_roots)
    is_yaml = suffix in (".yaml", ".yml")
    if is_yaml:
        kinds.add(Kind.YAML)
    if suffix == ".json":
        kinds.add(Kind.JSON)
    if chart is not None:
        kinds.add(Kind.HELM)
        rel = p.relative_to(chart) if chart != PurePosixPath(".") else p
        if is_yaml and rel.parts[0] != "templates" and name.startswith("values"):
            kinds.add(Kind.HELM_VALUES)
    if name in _KUSTOMIZATION_NAMES:
        kinds.add(Kind.KUSTOMIZE)
    parts = p.parts
    if is_yaml and len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows":
        kinds.update((Kind.GITHUB_ACTIONS, Kind.CI))
    elif name in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        kinds.update((Kind.GITLAB_CI, Kind.CI))
    elif (
        name in _CI_NAMES
        or name.startswith("Jenkinsfile")
        or (".circleci" in parts and is_yaml)
        or _more_ci(parts, name, is_yaml)
    ):
        kinds.add(Kind.CI)
    if parts[-2:] == (".github", "settings.yml"):
        kinds.add(Kind.GITHUB_SETTINGS)
    if is_yaml:
        kinds.update(_zizmor_inputs(parts))
    in_templates = chart is not None and "templates" in p.relative_to(chart).parts[:-1]
    if (is_yaml or suffix == ".json") and not in_templates:
        if (is_yaml and _K8S_RE.search(text) and _K8S_KIND_RE.search(text)) or (
            suffix == ".json" and _JSON_K8S_RE.search(text) and '"kind"' in text
        ):
            kinds.add(Kind.KUBERNETES)
        if _CFN_RE.search(text):
            kinds.add(Kind.CLOUDFORMATION)
    if suffix == ".template" and _CFN_RE.search(text):
        kinds.add(Kind.CLOUDFORMATION)
    if not in_templates:  # Helm templates are rendered by the chart, not read as they are
        kinds.update(_checkov_frameworks(path, name, suffix, text))
    return frozenset(kinds)


def _checkov_frameworks(path: str, name: str, suffix: str, text: str) -> set[str]:
    """Kinds of the Checkov runners that pick files by name or content, with their own rules."""
    kinds: set[str] = set()
    is_yaml = suffix in (".yaml", ".yml")
    # Plain substring tests first (as the runners do), so most files cost no regex at all.
    if (is_yaml or suffix == ".json") and ("openapi" in text or "swagger" in text):
        openapi = _OPENAPI_JSON_RE if suffix == ".json" else _OPENAPI_YAML_RE
        if openapi.search(text) and _INFO_RE.search(text):
            kinds.add(Kind.OPENAPI)
    # Checkov's is_workflow_file tests: a suffix of the whole path.
    if path.endswith(("azure-pipelines.yml", "azure-pipelines.yaml")):
        kinds.add(Kind.AZURE_PIPELINES)
    if path.endswith(("bitbucket-pipelines.yml", "bitbucket-pipelines.yaml")):
        kinds.add(Kind.BITBUCKET_PIPELINES)
    # CircleCI: "circleci" anywhere in the path and a name ending in config.yml/config.yaml.
    if "circleci" in path and path.endswith(("config.yml", "config.yaml")):
        kinds.add(Kind.CIRCLECI)
    if is_yaml:
        if "argoproj.io" in text and _ARGO_API_RE.search(text) and _ARGO_KIND_RE.search(text):
            kinds.add(Kind.ARGO_WORKFLOWS)
        if "name:" in text and _starts_with_sequence(text) and _ANSIBLE_TASK_RE.search(text):
            kinds.add(Kind.ANSIBLE)
    if name in _SLS_NAMES:
        kinds.add(Kind.SERVERLESS)
    # ARM: any `.json` holding both "$schema" and "contentVersion" (checkov/arm/parser/parser.py).
    if suffix == ".json" and "$schema" in text and "contentVersion" in text:
        kinds.add(Kind.ARM)
    if name.endswith(".bicep"):
        kinds.add(Kind.BICEP)
    return kinds


def _zizmor_inputs(parts: tuple[str, ...]) -> set[str]:
    """Kinds of the YAML files zizmor collects from a repository besides its workflows."""
    name = parts[-1]
    if name in ("action.yml", "action.yaml"):
        return {Kind.GITHUB_ACTION}
    if name in ("dependabot.yml", "dependabot.yaml") and parts[-2:-1] == (".github",):
        return {Kind.DEPENDABOT}
    if name in (".pre-commit-config.yaml", ".pre-commit-config.yml", ".pre-commit-hooks.yaml"):
        return {Kind.PRE_COMMIT}
    return set()


def _starts_with_sequence(text: str) -> bool:
    """True when the first non-empty YAML document is a sequence (what Checkov's YAML parser
    keeps: the first document that is not empty)."""
    for match in _LINE_RE.finditer(text):
        line = match.group()
        if line.startswith("---"):
            line = line[3:]
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or line.startswith(("%", "...")):
            continue
        return _SEQUENCE_START_RE.match(line) is not None
    return False


def _more_ci(parts: tuple[str, ...], name: str, is_yaml: bool) -> bool:
    """CI files under other names: composite actions in .github, Gitea/Forgejo workflows,
    cloudbuild-*.yaml, azure-pipelines-*.yml, GitLab CI includes, *.jenkinsfile."""
    lower = name.lower()
    if lower.endswith(".jenkinsfile"):
        return True
    if not is_yaml:
        return False
    if ".github" in parts[:-1] and lower in ("action.yml", "action.yaml"):
        return True
    if len(parts) >= 3 and parts[-3] in (".gitea", ".forgejo") and parts[-2] == "workflows":
        return True
    if lower.startswith(("cloudbuild", "azure-pipelines")) or lower.endswith(".gitlab-ci.yml"):
        return True
    return any(d in (".azure-pipelines", ".azuredevops") for d in parts[:-1]) or (
        ".gitlab" in parts[:-1] and "ci" in parts[:-1]
    )


def _chart_of(p: PurePosixPath, chart_roots: frozenset[str]) -> PurePosixPath | None:
    for parent in p.parents:
        if str(parent) in chart_roots:
            return parent
    return None


def scan_root(paths: Sequence[Path]) -> Path:
    """One root for all paths: their git work tree if they share one, else the current directory
    if every path is inside it, else the common ancestor."""
    resolved = [p.resolve() for p in paths]
    tops = {git.toplevel(p) for p in resolved}
    if len(tops) == 1 and (top := tops.pop()) is not None:
        return top
    cwd = Path.cwd().resolve()
    if all(p == cwd or cwd in p.parents for p in resolved):
        return cwd
    common = Path(os.path.commonpath([str(p) for p in resolved]))
    return common if common.is_dir() else common.parent


def _walk(directory: Path) -> Iterator[Path]:
    """Every entry under ``directory`` minus vendored folders; symlinked dirs are not entered."""
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in VENDORED_DIRS)
        base = Path(dirpath)
        for name in sorted(filenames):
            yield base / name
        for name in dirnames:
            if (base / name).is_symlink():
                yield base / name


def _stays_in(link: Path, folder: Path) -> bool:
    """True when ``link`` resolves inside ``folder`` (or cannot be resolved: a loop or a dangling
    link is reported by :func:`build_targets`)."""
    try:
        real = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return True
    return real == folder or folder in real.parents


def _relpath(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def discover(
    paths: Sequence[str | Path],
    *,
    root: Path | None = None,
    explicit_files: bool | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    use_git: bool = True,
) -> TargetSet:
    """Resolve user paths into classified targets.

    A directory inside a git work tree covers tracked plus untracked, non-ignored files; outside
    git, every regular file minus :data:`VENDORED_DIRS`. A file path is taken as given.
    """
    given = [Path(p) for p in (paths or ["."])]
    errors: list[ScanError] = []
    existing: list[Path] = []
    for p in given:
        if not p.exists() and not p.is_symlink():
            errors.append(ScanError("gitops-guard", f"no such file or directory: {p}", str(p)))
        else:
            existing.append(p)
    if not existing:
        return TargetSet(root=(root or Path.cwd()).resolve(), targets=(), errors=tuple(errors))
    root = (root or scan_root(existing)).resolve()
    top = git.toplevel(root) if use_git else None
    candidates: dict[str, Path] = {}
    only_files = all(p.is_file() or p.is_symlink() for p in existing if not p.is_dir())
    named_files = [p for p in existing if not p.is_dir()]
    for p in existing:
        ap = Path(os.path.abspath(p))
        if p.is_dir() and not p.is_symlink():
            if top is not None and (top == ap or top in ap.parents):
                for rel in git.ls_files(top, [str(ap.relative_to(top)) or "."]):
                    full = top / rel
                    if (r := _relpath(full, root)) is not None:
                        candidates[r] = full
            else:
                fence = ap.resolve()
                for full in _walk(ap):
                    if (r := _relpath(full, root)) is None:
                        continue
                    if full.is_symlink() and not _stays_in(full, fence):
                        # The root may be a parent (the current directory) of the folder the
                        # user named: a link never leads out of what was asked for.
                        errors.append(
                            ScanError(
                                "gitops-guard",
                                "symlink points outside the scan root; not followed",
                                r,
                                ErrorKind.SKIPPED,
                            )
                        )
                        continue
                    candidates[r] = full
        else:
            r = _relpath(ap, root)
            if r is None:
                errors.append(
                    ScanError("gitops-guard", "outside the scan root", str(p), ErrorKind.SKIPPED)
                )
            else:
                candidates[r] = ap
    explicit = bool(named_files) and only_files if explicit_files is None else explicit_files
    targets, errs = build_targets(candidates, root, max_bytes=max_bytes)
    errors.extend(errs)
    return TargetSet(root=root, targets=targets, errors=tuple(errors), explicit=explicit)


def _chart_roots(relpaths: Iterable[str], root: Path) -> frozenset[str]:
    charts = {
        str(PurePosixPath(r).parent) for r in relpaths if PurePosixPath(r).name == "Chart.yaml"
    }
    # A named file inside a chart whose Chart.yaml was not named (pre-commit) still belongs to it.
    for r in relpaths:
        for parent in PurePosixPath(r).parents:
            key = str(parent)
            if key in charts:
                break
            if (root / key / "Chart.yaml").is_file():
                charts.add(key)
                break
    return frozenset(charts)


def build_targets(
    candidates: dict[str, Path], root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[tuple[Target, ...], list[ScanError]]:
    """Check and classify candidate files (relative path -> where to read it)."""
    errors: list[ScanError] = []
    checked: list[tuple[str, Path, int]] = []
    for rel, full in sorted(candidates.items()):
        try:
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                real = full.resolve(strict=True)
                if real != root and root not in real.parents:
                    errors.append(
                        ScanError(
                            "gitops-guard",
                            "symlink points outside the scan root; not followed",
                            rel,
                            ErrorKind.SKIPPED,
                        )
                    )
                    continue
                st = real.stat()
                if stat.S_ISDIR(st.st_mode):
                    continue
            if not stat.S_ISREG(st.st_mode):
                errors.append(
                    ScanError(
                        "gitops-guard", "not a regular file; not opened", rel, ErrorKind.SKIPPED
                    )
                )
                continue
        except (OSError, RuntimeError) as exc:
            reason = (
                "symlink loop"
                if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
                else exc.strerror or str(exc)
            )
            errors.append(
                ScanError("gitops-guard", f"cannot read: {reason}", rel, ErrorKind.SKIPPED)
            )
            continue
        if st.st_size > max_bytes:
            errors.append(
                ScanError(
                    "gitops-guard",
                    f"larger than the {max_bytes}-byte limit (max-file-size); not scanned",
                    rel,
                    ErrorKind.SKIPPED,
                )
            )
            continue
        checked.append((rel, full, st.st_size))
    charts = _chart_roots([r for r, _, _ in checked], root)
    targets: list[Target] = []
    for rel, full, size in checked:
        try:
            head = _peek(full)
        except OSError as exc:
            errors.append(
                ScanError(
                    "gitops-guard", f"cannot read: {exc.strerror or exc}", rel, ErrorKind.SKIPPED
                )
            )
            continue
        kinds = classify(rel, head, charts)
        if not kinds:
            errors.append(
                ScanError("gitops-guard", "binary file; not scanned", rel, ErrorKind.SKIPPED)
            )
            continue
        targets.append(Target(path=rel, abspath=full, kinds=kinds, size=size))
    return tuple(targets), errors
