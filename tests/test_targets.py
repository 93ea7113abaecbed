"""Discovery and classification on real trees and real git."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from gitops_guard import targets
from gitops_guard.models import ErrorKind
from gitops_guard.targets import Kind, classify, discover

from ggtest import git


@pytest.mark.parametrize(
    ("path", "head", "expected"),
    [
        ("app/main.py", b"import os\n", {Kind.TEXT, Kind.PYTHON}),
        ("Dockerfile", b"FROM alpine\n", {Kind.TEXT, Kind.DOCKERFILE}),
        ("build/api.Dockerfile", b"FROM alpine\n", {Kind.TEXT, Kind.DOCKERFILE}),
        ("Dockerfile.prod", b"FROM alpine\n", {Kind.TEXT, Kind.DOCKERFILE}),
        ("scanners/dockerfile.py", b"import re\n", {Kind.TEXT, Kind.PYTHON}),
        ("dockerfile.py", b"from __future__ import annotations\n", {Kind.TEXT, Kind.PYTHON}),
        (
            "api.Dockerfile",
            b"# syntax=docker/dockerfile:1\nfrom --platform=x python:3 as build\n",
            {Kind.TEXT, Kind.DOCKERFILE},
        ),
        ("docs/Dockerfile.md", b"# How to build\n", {Kind.TEXT}),
        ("Containerfile", b"FROM alpine\n", {Kind.TEXT, Kind.DOCKERFILE}),
        ("infra/main.tf", b'resource "x" "y" {}\n', {Kind.TEXT, Kind.TERRAFORM}),
        (
            "k8s/app.yaml",
            b"apiVersion: v1\nkind: Service\n",
            {Kind.TEXT, Kind.YAML, Kind.KUBERNETES},
        ),
        (
            "cfn.yaml",
            b"AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
            {Kind.TEXT, Kind.YAML, Kind.CLOUDFORMATION},
        ),
        ("other.yaml", b"foo: bar\n", {Kind.TEXT, Kind.YAML}),
        (
            ".github/workflows/ci.yml",
            b"on: push\njobs: {}\n",
            {Kind.TEXT, Kind.YAML, Kind.GITHUB_ACTIONS, Kind.CI},
        ),
        (".gitlab-ci.yml", b"stages: [test]\n", {Kind.TEXT, Kind.YAML, Kind.GITLAB_CI, Kind.CI}),
        ("Jenkinsfile", b"pipeline {}\n", {Kind.TEXT, Kind.CI}),
        (
            "overlays/prod/kustomization.yaml",
            b"resources: []\n",
            {Kind.TEXT, Kind.YAML, Kind.KUSTOMIZE},
        ),
        ("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0", set()),
    ],
)
def test_classify(path: str, head: bytes, expected: set[str]) -> None:
    assert classify(path, head) == frozenset(expected)


@pytest.mark.parametrize(
    ("path", "head", "kind"),
    [
        ("api/openapi.yaml", b"openapi: 3.0.0\ninfo:\n  title: x\n", Kind.OPENAPI),
        ("api/swagger.json", b'{"swagger": "2.0", "info": {"title": "x"}}', Kind.OPENAPI),
        ("azure-pipelines.yml", b"trigger: [main]\n", Kind.AZURE_PIPELINES),
        ("ci/build.azure-pipelines.yaml", b"jobs: []\n", Kind.AZURE_PIPELINES),
        (".circleci/config.yml", b"version: 2.1\n", Kind.CIRCLECI),
        ("bitbucket-pipelines.yml", b"pipelines: {}\n", Kind.BITBUCKET_PIPELINES),
        (
            "wf/hello.yaml",
            b"apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec: {}\n",
            Kind.ARGO_WORKFLOWS,
        ),
        ("svc/serverless.yml", b"service: x\n", Kind.SERVERLESS),
        (
            "arm/vm.json",
            b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
            b'deploymentTemplate.json#", "contentVersion": "1.0.0.0"}',
            Kind.ARM,
        ),
        ("main.bicep", b"param location string\n", Kind.BICEP),
        ("site.yml", b"# play\n---\n- hosts: all\n  tasks:\n    - name: x\n", Kind.ANSIBLE),
    ],
)
def test_checkov_framework_files(path: str, head: bytes, kind: str) -> None:
    assert kind in classify(path, head)


@pytest.mark.parametrize(
    ("path", "head"),
    [
        # A Kubernetes manifest or a workflow with `- name:` items is a mapping: no Ansible check
        # can fail on it, so it is not routed to Ansible.
        ("k8s/deploy.yaml", b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n"),
        ("docs/api.yaml", b"title: not an openapi: spec\n"),
        ("config.yml", b"version: 2.1\n"),
        ("renovate.json", b'{"$schema": "https://docs.renovatebot.com/renovate-schema.json"}'),
        ("wf/k8s.yaml", b"apiVersion: apps/v1\nkind: Deployment\n# argoproj.io\n"),
    ],
)
def test_not_checkov_framework_files(path: str, head: bytes) -> None:
    new = {
        Kind.OPENAPI,
        Kind.AZURE_PIPELINES,
        Kind.CIRCLECI,
        Kind.BITBUCKET_PIPELINES,
        Kind.ARGO_WORKFLOWS,
        Kind.SERVERLESS,
        Kind.ARM,
        Kind.BICEP,
        Kind.ANSIBLE,
    }
    assert not classify(path, head) & new


def test_helm_templates_are_not_plain_kubernetes() -> None:
    charts = frozenset({"charts/web"})
    tmpl = classify(
        "charts/web/templates/deploy.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        charts,
    )
    assert Kind.HELM in tmpl and Kind.KUBERNETES not in tmpl
    # without template syntax it is a manifest as it stands (checkov -d reads it so too)
    plain = classify(
        "charts/web/templates/role.yaml",
        b"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n",
        charts,
    )
    assert {Kind.HELM, Kind.KUBERNETES} <= plain
    values = classify("charts/web/values.yaml", b"image:\n  tag: latest\n", charts)
    assert {Kind.HELM, Kind.HELM_VALUES} <= values


def test_git_tree_covers_tracked_and_untracked_but_not_ignored(in_git_dir: Path) -> None:
    (in_git_dir / ".gitignore").write_text("ignored.py\n")
    (in_git_dir / "tracked.py").write_text("x = 1\n")
    git(in_git_dir, "add", ".")
    git(in_git_dir, "commit", "-qm", "init")
    (in_git_dir / "untracked.py").write_text("y = 2\n")
    (in_git_dir / "ignored.py").write_text("z = 3\n")
    ts = discover(["."])
    assert ts.root == in_git_dir.resolve()
    assert {t.path for t in ts.targets} == {".gitignore", "tracked.py", "untracked.py"}
    assert not ts.explicit


def test_outside_git_vendored_folders_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("a = 1\n")
    for vendored in ("node_modules", ".venv", ".terraform", "__pycache__", ".tox"):
        (tmp_path / vendored).mkdir()
        (tmp_path / vendored / "x.py").write_text("x = 1\n")
    ts = discover([tmp_path], use_git=False)
    assert [t.path for t in ts.targets] == ["src/a.py"]


def test_named_files_are_explicit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("a = 1\n")
    (tmp_path / "b.py").write_text("b = 1\n")
    ts = discover(["a.py"], use_git=False)
    assert [t.path for t in ts.targets] == ["a.py"]
    assert ts.explicit


def test_hostile_entries_are_skipped_with_notices(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("outside the root\n")
    (root / "escape.txt").symlink_to(outside)
    (root / "loop").symlink_to(root / "loop")
    os.mkfifo(root / "pipe")
    (root / "big.txt").write_text("x" * 2000)
    (root / "bin.dat").write_bytes(b"\0\1\2\3")
    (root / "ok.txt").write_text("fine\n")
    ts = discover([root], use_git=False, max_bytes=1000)
    assert [t.path for t in ts.targets] == ["ok.txt"]
    notices = {e.path: e.message for e in ts.errors}
    assert "outside the scan root" in notices["escape.txt"]
    assert "loop" in notices
    assert "not a regular file" in notices["pipe"]
    assert "limit" in notices["big.txt"]
    assert "binary" in notices["bin.dat"]


def test_missing_path_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ts = discover(["nope"], use_git=False)
    assert not ts.targets
    assert "no such file" in ts.errors[0].message


@pytest.mark.parametrize(
    "exc, kind",
    [
        (PermissionError(errno.EACCES, "Permission denied"), ErrorKind.ERROR),
        (OSError(errno.EIO, "Input/output error"), ErrorKind.ERROR),
        (OSError(errno.ELOOP, "Too many levels of symbolic links"), ErrorKind.SKIPPED),
        (RuntimeError("Symlink loop"), ErrorKind.SKIPPED),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), ErrorKind.SKIPPED),
    ],
)
def test_a_file_that_cannot_be_read_is_not_clean(exc: Exception, kind: ErrorKind) -> None:
    """A link that leads nowhere holds nothing to scan (a notice); a file whose content could
    not be read (permissions, I/O: root bypasses permissions, so this is checked directly) was
    not scanned and fails the run."""
    error = targets._unreadable("a.env", exc)  # type: ignore[arg-type]
    assert error.kind is kind and error.path == "a.env"
