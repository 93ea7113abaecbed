"""GG001 - CI never reaches the cluster.

Each CI platform's parser (one module each, one signature: :data:`.model.Parser`) reads a file
into jobs made of events; :mod:`.judge` turns the events that are not excused into findings. The
vocabulary of commands and actions is data (``cluster_ops.toml``), applied by :mod:`.classify`;
:mod:`.follow` looks into the repository scripts and Makefiles a step runs. docs/rules/GG001.md
has the full list.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from gitops_guard.models import Finding
from gitops_guard.scanners.gitops._common import CI_KINDS, Parsed
from gitops_guard.scanners.gitops._rule import Check
from gitops_guard.scanners.gitops.ci import (
    azure,
    bitbucket,
    circleci,
    cloudbuild,
    events,
    generic,
    github,
    gitlab,
    jenkins,
)
from gitops_guard.scanners.gitops.ci.judge import judge
from gitops_guard.scanners.gitops.ci.model import Parser
from gitops_guard.targets import Kind

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex


def platform_of(file: Parsed) -> str:
    p = PurePosixPath(file.path)
    name = p.name.lower()
    kinds = file.target.kinds
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
    if name.startswith("azure-pipelines") or {".azure-pipelines", ".azuredevops"} & set(p.parts):
        return "Azure Pipelines"
    if name.startswith("bitbucket-pipelines"):
        return "Bitbucket Pipelines"
    if ".circleci" in p.parts:
        return "CircleCI"
    return "CI"


PARSERS: dict[str, Parser] = {
    "GitHub Actions": github.parse,
    "GitLab CI": gitlab.parse,
    "Jenkins": jenkins.parse,
    "Cloud Build": cloudbuild.parse,
    "Azure Pipelines": azure.parse,
    "Bitbucket Pipelines": bitbucket.parse,
    "CircleCI": circleci.parse,
    "CI": generic.parse,
}


def check(file: Parsed, run: RunIndex) -> list[Finding]:
    platform = platform_of(file)
    ctx = run.ci_context
    jobs = PARSERS[platform](file, ctx)
    if platform == "GitHub Actions" and github.used_by_test_jobs_only(file, ctx):
        for job in jobs:
            job.events.append(events.local_cluster("used by test jobs", job.name))
    return judge(jobs, file.path, platform)


RULE = Check("GG001", CI_KINDS, check)
