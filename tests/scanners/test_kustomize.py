"""Kustomize offline and inside the tree: no field may name a remote, nothing outside the root is
read, a render that fails is an error (not a silent gap), kubectl runs with no kubeconfig."""

from __future__ import annotations

import os
import shutil
import stat
import textwrap
from pathlib import Path

import pytest

from gitops_guard import engine, targets
from gitops_guard.models import ErrorKind, Report
from gitops_guard.scanners import kustomize
from gitops_guard.scanners.iac import IacScanner

needs_kubectl = pytest.mark.skipif(
    not (shutil.which("kubectl") or shutil.which("kustomize")), reason="needs kubectl or kustomize"
)

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
"""
PRIVILEGED = """\
- op: add
  path: /spec/template/spec/containers/0/securityContext
  value: {privileged: true}
"""


def tree(root: Path, overlay: str, extra: dict[str, str] | None = None) -> Path:
    files = {
        "base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "base/deploy.yaml": DEPLOY,
        "overlay/kustomization.yaml": overlay,
        "overlay/priv.yaml": PRIVILEGED,
        **(extra or {}),
    }
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def scan(root: Path) -> Report:
    ts = targets.discover([root], use_git=False)
    return engine.run(ts, [IacScanner()], engine.EngineOptions(jobs=1))


OVERLAY = (
    "resources:\n  - ../base\npatches:\n  - path: priv.yaml\n"
    "    target: {kind: Deployment, name: web}\n"
)

REMOTE_FIELDS = {
    "resources": "resources:\n  - ../base\n  - https://example.com/x.yaml\n",
    "bases": "bases:\n  - github.com/org/repo//base?ref=v1\n",
    "components": "resources:\n  - ../base\ncomponents:\n  - git@github.com:org/repo.git//c\n",
    "transformers": "resources:\n  - ../base\ntransformers:\n  - https://example.com/t.yaml\n",
    "generators": "resources:\n  - ../base\ngenerators:\n  - http://example.com/g.yaml\n",
    "validators": "resources:\n  - ../base\nvalidators:\n  - https://example.com/v.yaml\n",
    "configurations": "resources:\n  - ../base\nconfigurations:\n  - https://example.com/c.yaml\n",
    "openapi": "resources:\n  - ../base\nopenapi:\n  path: https://example.com/schema.json\n",
    "patches": "resources:\n  - ../base\npatches:\n  - path: https://example.com/p.yaml\n",
    "replacements": "resources:\n  - ../base\nreplacements:\n  - path: https://example.com/r.yaml\n",
    "configMapGenerator": (
        "resources:\n  - ../base\nconfigMapGenerator:\n  - name: c\n    files:\n"
        "      - k=https://example.com/f\n"
    ),
}


@pytest.mark.slow
@needs_kubectl
@pytest.mark.parametrize("field", sorted(REMOTE_FIELDS))
def test_no_field_may_name_a_remote(tmp_path: Path, field: str) -> None:
    report = scan(tree(tmp_path, REMOTE_FIELDS[field]))
    errors = [e for e in report.errors if e.path == "overlay"]
    assert [e.kind for e in errors] == [ErrorKind.ERROR], report.errors
    assert "remote" in errors[0].message and "never fetches" in errors[0].message
    assert report.failed


@pytest.mark.slow
@needs_kubectl
def test_nothing_outside_the_root_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "kustomization.yaml").write_text("resources:\n  - secret.yaml\n")
    (outside / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: outside-pod\nspec:\n  hostPID: true\n"
        "  containers:\n    - name: x\n      image: x\n"
    )
    root = tree(tmp_path / "repo", "resources:\n  - ../base\n  - ../../elsewhere\n")
    report = scan(root)
    assert not [f for f in report.findings if "outside-pod" in (f.resource or "")]
    (error,) = [e for e in report.errors if e.path == "overlay"]
    assert error.kind is ErrorKind.ERROR and "outside the scanned tree" in error.message


@pytest.mark.slow
@needs_kubectl
def test_a_failed_render_is_an_error(tmp_path: Path) -> None:
    overlay = "resources:\n  - ../base\npatches:\n  - path: gone.yaml\n"
    extra = {
        "overlay/gone.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nope\n"
    }
    report = scan(tree(tmp_path, overlay, extra))
    (error,) = [e for e in report.errors if e.path == "overlay"]
    assert error.kind is ErrorKind.ERROR and error.message.startswith("Kustomize render failed")


@pytest.mark.slow
@needs_kubectl
def test_a_json6902_patch_is_checked_through_the_render(tmp_path: Path) -> None:
    report = scan(tree(tmp_path, OVERLAY))
    assert not report.failed, report.errors
    assert "CKV_K8S_16" in {f.rule_id for f in report.findings if f.path.startswith("overlay/")}


@pytest.mark.slow
@needs_kubectl
def test_a_component_is_rendered_only_through_its_users(tmp_path: Path) -> None:
    extra = {
        "comp/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
            "patches:\n  - path: priv.yaml\n    target: {kind: Deployment}\n"
        ),
        "comp/priv.yaml": PRIVILEGED,
    }
    report = scan(tree(tmp_path, "resources:\n  - ../base\ncomponents:\n  - ../comp\n", extra))
    assert not report.failed, report.errors
    assert "CKV_K8S_16" in {f.rule_id for f in report.findings}


def test_kubectl_runs_with_no_kubeconfig_and_no_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment the renderer gets, recorded by a stand-in kubectl on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "env.txt"
    fake = bin_dir / "kubectl"
    fake.write_text(f"#!/bin/sh\nenv > {record}\necho 'apiVersion: v1'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-pass-me")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "admin.conf"))
    out, failure = kustomize.render(str(tree(tmp_path, OVERLAY) / "overlay"), "kubectl")
    assert failure is None and out is not None
    env = dict(line.split("=", 1) for line in record.read_text().splitlines() if "=" in line)
    assert env["KUBECONFIG"] == os.devnull
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["HTTPS_PROXY"].startswith("http://127.0.0.1")


@pytest.mark.parametrize(
    ("ref", "remote"),
    [
        ("https://example.com/x", True),
        ("github.com/org/repo/base?ref=v1", True),
        ("git@github.com:org/repo.git", True),
        ("example.org/org/repo//dir", True),
        ("../base", False),
        ("deploy.yaml", False),
        ("sub/dir", False),
    ],
)
def test_remote_forms(ref: str, remote: bool) -> None:
    assert kustomize.is_remote(ref) is remote
