"""GG012 (artifacts that capture credentials or ``.git``) and GG013 (merge request pipelines that
hold credentials).

GG012: job artifacts are uploaded to GitLab and downloadable by everyone who can read the
project's pipelines (anyone, for a public project, unless ``artifacts:access`` says otherwise),
and handed to later jobs. ``artifacts:paths`` that take the whole workspace (``.``, ``*``,
``**``, ``$CI_PROJECT_DIR``) or ``.git`` ship the repository's git configuration, where the
runner keeps the job's credentials, and every file the job wrote; a path naming a credential file
(``.env``, ``.npmrc``, ``kubeconfig``, ``*.pem``, ``*.tfstate``...; ``vocabulary.toml``) ships it.
HIGH. ``artifacts:untracked: true`` takes every untracked file, credentials a job wrote included:
MEDIUM. A workspace path whose ``exclude:`` leaves ``.git`` out is not flagged.

GG013: a merge request pipeline runs the merge request's code: any developer's branch, or a
fork's when a maintainer runs its pipeline in this project. A job that runs in such pipelines
(its ``rules``/``only``, or the workflow's when it has none) and asks for ``id_tokens`` (OIDC
tokens a cloud or Vault exchanges for access) or ``secrets`` hands those to that code. MEDIUM.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from yaml.nodes import Node

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import CI_KINDS, Parsed
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.scanners.gitops.ci.gitlab import Pipeline, include_entries
from gitops_guard.scanners.gitops.gitlab import pipelines
from gitops_guard.scanners.gitops.gitlab.vocabulary import vocabulary

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

_PROJECT_DIR = ("$CI_PROJECT_DIR", "${CI_PROJECT_DIR}")


def _normal(path: str) -> str:
    """An artifacts path relative to the workspace (``./x``, ``$CI_PROJECT_DIR/x`` -> ``x``;
    the workspace itself -> ``""``)."""
    path = path.strip()
    for prefix in _PROJECT_DIR:
        if path == prefix:
            return ""
        if path.startswith(prefix + "/"):
            path = path[len(prefix) + 1 :]
    while path.startswith("./"):
        path = path[2:]
    path = path.rstrip("/")
    return "" if path == "." else path


def _captures(path: str) -> str | None:
    """What an artifacts path gives away, None when nothing known."""
    words = vocabulary()
    norm = _normal(path)
    if norm in words.artifacts_workspace:
        return (
            "the git directory, with the job's repository credentials"
            if norm.startswith(".git")
            else "the whole workspace: .git (with the job's repository credentials) and every file "
            "the job wrote"
        )
    for part in norm.split("/"):
        for pattern in words.artifacts_credential_files:
            if fnmatch.fnmatchcase(part, pattern):
                return f"'{part}', a credential file"
    return None


def _excludes_git(artifacts: Node | None) -> bool:
    excluded = [_normal(p) for p in y.strings(y.get(artifacts, "exclude"))]
    return any(e in (".git", ".git/**", ".git/*", "**/.git", "**/.git/**") for e in excluded)


def check_artifacts(file: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings("GG012", file.path)
    seen: set[int] = set()
    for pipeline in pipelines(file, run):
        for name, body in pipeline.jobs():
            found = pipeline.setting(body, "artifacts")
            if found is None or found[1] is not file or id(found[0]) in seen:
                continue
            artifacts = found[0]
            seen.add(id(artifacts))
            for entry in y.items(y.get(artifacts, "paths")):
                what = _captures(y.text(entry) or "")
                if what is None or ("workspace" in what and _excludes_git(artifacts)):
                    continue
                out.add(
                    Severity.HIGH,
                    f"GitLab CI job '{name}' uploads {what} as artifacts: anyone who can read the "
                    "pipeline (everyone, for a public project) and every later job can download "
                    "it.",
                    entry,
                    resource=f"{name}/artifacts",
                    anchor=(name, "artifacts", y.text(entry) or ""),
                    fix="list only the build outputs in artifacts:paths (dist/, reports/), or add "
                    "exclude: ['.git/**'] and the credential files",
                )
            untracked = y.get(artifacts, "untracked")
            if y.boolean(untracked) is True:
                out.add(
                    Severity.MEDIUM,
                    f"GitLab CI job '{name}' uploads every untracked file as artifacts "
                    "(untracked: true), including any credential the job wrote to the workspace.",
                    untracked,
                    resource=f"{name}/artifacts",
                    anchor=(name, "artifacts", "untracked"),
                    fix="remove untracked: true and list the outputs in artifacts:paths",
                )
    return out.findings


def _selects_mr(rules: Node | None) -> bool:
    """``rules`` with an ``if`` that selects merge request pipelines (and does not exclude them)."""
    words = vocabulary().mr_conditions
    for rule in y.items(rules):
        condition = y.text(y.get(rule, "if")) or ""
        if any(w in condition for w in words) and y.text(y.get(rule, "when")) != "never":
            return True
    return False


def _in_mr_pipelines(pipeline: Pipeline, body: tuple[Node, Parsed]) -> bool:
    rules = pipeline.lookup(body, "rules")
    if rules is not None:
        return _selects_mr(rules[0])
    only = pipeline.lookup(body, "only")
    if only is not None:
        refs = y.strings(only[0]) + y.strings(y.get(only[0], "refs"))
        return "merge_requests" in refs
    templates = {y.text(y.get(e, "template")) for e in include_entries(pipeline.doc)}
    return _selects_mr(y.get(pipeline.doc, "workflow", "rules")) or bool(
        templates & vocabulary().mr_templates
    )


def check_mr_credentials(file: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings("GG013", file.path)
    for pipeline in pipelines(file, run):
        for name, body in pipeline.jobs():
            held: list[tuple[str, Node]] = []
            for key in ("id_tokens", "secrets"):
                found = pipeline.setting(body, key)
                if found is not None and found[1] is file and not y.is_empty(found[0]):
                    names = ", ".join(k for k, _, _ in y.pairs(found[0]))
                    held.append((f"{key} ({names})", y.key_node(body[0], key) or found[0]))
            if not held or not _in_mr_pipelines(pipeline, body):
                continue
            what = " and ".join(h for h, _ in held)
            out.add(
                Severity.MEDIUM,
                f"GitLab CI job '{name}' runs in merge request pipelines and holds {what}: the "
                "merge request's code runs with them (a fork's, when a maintainer runs its "
                "pipeline in this project).",
                held[0][1],
                resource=f"{name}/credentials",
                anchor=(name, "mr-credentials", *sorted(h.split(" ", 1)[0] for h, _ in held)),
                fix="run credential-bearing jobs only on protected refs (rules: - if: "
                '$CI_COMMIT_REF_PROTECTED == "true") and bind the cloud or Vault role to the '
                "token's ref_protected claim",
            )
    return out.findings


ARTIFACTS = Check("GG012", CI_KINDS, check_artifacts)
MR_CREDENTIALS = Check("GG013", CI_KINDS, check_mr_credentials)
