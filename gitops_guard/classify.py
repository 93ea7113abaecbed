"""What a file is: its kinds, from its path relative to the scan root and its first bytes.

A file can have several kinds (a workflow is ``yaml``, ``ci`` and ``github_actions``); the engine
routes it to every scanner that consumes one of them. :func:`classify` runs a fixed list of small
detectors over one :class:`_File` view, so adding a kind is adding one detector.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath


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


#: Signatures of binary formats (images, archives, executables, databases, media, fonts):
#: such a file is binary whatever else it holds.
_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"\x28\xb5\x2f\xfd",
    b"Rar!\x1a\x07",
    b"\x7fELF",
    b"MZ",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\x00asm",
    b"SQLite format 3\x00",
    b"\x00\x00\x01\x00",
    b"wOFF",
    b"wOF2",
    b"\x00\x01\x00\x00\x00",
    b"OTTO",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"fLaC",
    b"\x1aE\xdf\xa3",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"8BPS",
    b"\xed\xab\xee\xdb",
    b"!<arch>",
)
#: Bytes that text does not hold (C0 controls but tab, line feed, form feed, carriage return,
#: escape, backspace and bell; and DEL).
_ODD = bytes([*range(0, 7), 11, *range(14, 27), *range(28, 32), 127])
#: Odd bytes above which a file without a known signature is binary: a stray NUL or two in a
#: `.env` or a config file leave it text (and scanned); random data is a tenth odd bytes.
_ODD_SHARE = 0.03
_ODD_ALLOWED = 2
_BLOCK = 8192


def has_template_syntax(text: str) -> bool:
    """Whether ``text`` holds Go/Helm (``{{``) or Jinja (``{%``) template syntax."""
    return "{{" in text or "{%" in text


def is_binary(head: bytes) -> bool:
    """True for content no text scanner can read: a binary format's signature, or more than a
    few odd control bytes (3% of the first block) (UTF-16 with a BOM is text)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if head.startswith(_MAGIC) or head[4:12] in (b"ftypisom", b"ftypmp42", b"ftypqt  "):
        return True
    if len(head) > 257 + 5 and head[257 : 257 + 5] == b"ustar":
        return True
    block = head[:_BLOCK]
    if not block:
        return False
    odd = len(block) - len(block.translate(None, _ODD))
    return odd > max(_ODD_ALLOWED, _ODD_SHARE * len(block))


@dataclass(frozen=True)
class _File:
    """What every detector needs, computed once per file."""

    path: str
    p: PurePosixPath
    name: str
    suffix: str
    text: str
    is_yaml: bool
    chart: PurePosixPath | None
    in_templates: bool
    """Inside a Helm chart's ``templates/`` and holding template syntax: rendered by the chart,
    not read as it is. A template without any (a plain ClusterRole) is a manifest as it stands,
    as ``checkov -d`` reads it, whether or not helm is installed."""


def _view(path: str, head: bytes, chart_roots: frozenset[str]) -> _File:
    p = PurePosixPath(path)
    text = head.decode("utf-8", "replace")
    chart = _chart_of(p, chart_roots)
    return _File(
        path=path,
        p=p,
        name=p.name,
        suffix=p.suffix.lower(),
        text=text,
        is_yaml=p.suffix.lower() in (".yaml", ".yml"),
        chart=chart,
        in_templates=chart is not None
        and "templates" in p.relative_to(chart).parts[:-1]
        and has_template_syntax(text),
    )


def _languages(f: _File) -> set[str]:
    kinds: set[str] = set()
    if f.suffix in (".py", ".pyw"):
        kinds.add(Kind.PYTHON)
    if f.name in _DOCKERFILE_NAMES or (_DOCKERFILE_MASK.match(f.name) and _FROM_RE.search(f.text)):
        kinds.add(Kind.DOCKERFILE)
    if f.name.endswith((".tf", ".tf.json")):
        kinds.add(Kind.TERRAFORM)
    if f.name.endswith(".tf") and (
        "github_branch_protection" in f.text or "github_repository_ruleset" in f.text
    ):
        kinds.add(Kind.GITHUB_SETTINGS)
    if f.is_yaml:
        kinds.add(Kind.YAML)
    if f.suffix == ".json":
        kinds.add(Kind.JSON)
    if f.name in _KUSTOMIZATION_NAMES:
        kinds.add(Kind.KUSTOMIZE)
    return kinds


def _helm(f: _File) -> set[str]:
    if f.chart is None:
        return set()
    rel = f.p.relative_to(f.chart) if f.chart != PurePosixPath(".") else f.p
    if f.is_yaml and rel.parts[0] != "templates" and f.name.startswith("values"):
        return {Kind.HELM, Kind.HELM_VALUES}
    return {Kind.HELM}


def _ci(f: _File) -> set[str]:
    parts = f.p.parts
    kinds: set[str] = set()
    if f.is_yaml and len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows":
        kinds.update((Kind.GITHUB_ACTIONS, Kind.CI))
    elif f.name in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        kinds.update((Kind.GITLAB_CI, Kind.CI))
    elif (
        f.name in _CI_NAMES
        or f.name.startswith("Jenkinsfile")
        or (".circleci" in parts and f.is_yaml)
        or _more_ci(parts, f.name, f.is_yaml)
    ):
        kinds.add(Kind.CI)
    if parts[-2:] == (".github", "settings.yml"):
        kinds.add(Kind.GITHUB_SETTINGS)
    return kinds


def _zizmor_inputs(f: _File) -> set[str]:
    """Kinds of the YAML files zizmor collects from a repository besides its workflows."""
    parts = f.p.parts
    if not f.is_yaml:
        return set()
    if f.name in ("action.yml", "action.yaml"):
        return {Kind.GITHUB_ACTION}
    if f.name in ("dependabot.yml", "dependabot.yaml") and parts[-2:-1] == (".github",):
        return {Kind.DEPENDABOT}
    if f.name in (".pre-commit-config.yaml", ".pre-commit-config.yml", ".pre-commit-hooks.yaml"):
        return {Kind.PRE_COMMIT}
    return set()


def _manifests(f: _File) -> set[str]:
    kinds: set[str] = set()
    if (f.is_yaml or f.suffix == ".json") and not f.in_templates:
        if (f.is_yaml and _K8S_RE.search(f.text) and _K8S_KIND_RE.search(f.text)) or (
            f.suffix == ".json" and _JSON_K8S_RE.search(f.text) and '"kind"' in f.text
        ):
            kinds.add(Kind.KUBERNETES)
        if _CFN_RE.search(f.text):
            kinds.add(Kind.CLOUDFORMATION)
    if f.suffix == ".template" and _CFN_RE.search(f.text):
        kinds.add(Kind.CLOUDFORMATION)
    return kinds


def _frameworks(f: _File) -> set[str]:
    if f.in_templates:  # Helm templates are rendered by the chart, not read as they are
        return set()
    return _checkov_frameworks(f.path, f.name, f.suffix, f.text)


_DETECTORS: tuple[Callable[[_File], set[str]], ...] = (
    _languages,
    _helm,
    _ci,
    _zizmor_inputs,
    _manifests,
    _frameworks,
)


def classify(path: str, head: bytes, chart_roots: frozenset[str] = frozenset()) -> frozenset[str]:
    """The kinds of a file, from its relative path and its first bytes (none: binary)."""
    if is_binary(head):
        return frozenset()
    f = _view(path, head, chart_roots)
    kinds = {Kind.TEXT}
    for detect in _DETECTORS:
        kinds |= detect(f)
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
