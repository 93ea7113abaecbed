"""Folding Kustomize renders into the findings of the manifests they are made of: real
kustomization files on disk, and end to end through Checkov and kubectl where kubectl exists."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from gitops_guard.fold import fold
from gitops_guard.models import Finding, Severity

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
          securityContext:
            privileged: true
"""


def write(root: Path, files: dict[str, str]) -> dict[str, Path]:
    out = {}
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
        out[rel] = path
    return out


def ckv(rule: str, path: str, resource: str, line: int = 1, end: int = 12) -> Finding:
    return Finding("iac", "checkov", rule, Severity.HIGH, rule, path, line, end, resource=resource)


TREE = {
    "base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
    "base/deploy.yaml": DEPLOY,
    "dev/kustomization.yaml": "namespace: dev\nnamePrefix: dev-\nresources:\n  - ../base\n",
    "prod/kustomization.yaml": (
        "namespace: prod\nresources:\n  - ../base\npatches:\n  - path: patch.yaml\n"
    ),
    "prod/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
}


def test_renders_join_the_base_manifest_finding(tmp_path: Path) -> None:
    files = write(tmp_path, TREE)
    plain = ckv("CKV_K8S_16", "base/deploy.yaml", "Deployment.default.web")
    renders = [
        ckv("CKV_K8S_16", "base/kustomization.yaml", "base:Deployment.default.web", 2, 13),
        ckv("CKV_K8S_16", "dev/kustomization.yaml", "overlay:dev:Deployment.dev.dev-web", 2, 13),
    ]
    (one,) = fold([plain, *renders], files)
    assert one.path == "base/deploy.yaml" and one.rule_id == "CKV_K8S_16"
    assert one.also_in == ("base/kustomization.yaml:2", "dev/kustomization.yaml:2")
    assert set(one.merged) == {r.fingerprint for r in renders}


def test_a_check_only_the_overlay_fails_is_reported_at_its_patch(tmp_path: Path) -> None:
    files = write(tmp_path, TREE)
    render = ckv("CKV_K8S_8", "prod/kustomization.yaml", "overlay:prod:Deployment.prod.web", 2, 9)
    (one,) = fold([render], files)
    assert (one.path, one.line, one.end_line) == ("prod/patch.yaml", 1, 4)


def test_renders_without_a_plain_source_fold_per_object_and_check(tmp_path: Path) -> None:
    files = write(tmp_path, {k: v for k, v in TREE.items() if k != "prod/patch.yaml"})
    del files["base/deploy.yaml"]  # e.g. generated: no plain manifest reports on it
    renders = [
        ckv("CKV_K8S_9", "dev/kustomization.yaml", "overlay:dev:Deployment.dev.dev-web", 2, 9),
        ckv("CKV_K8S_9", "base/kustomization.yaml", "base:Deployment.default.web", 2, 9),
        ckv("CKV_K8S_10", "base/kustomization.yaml", "base:Deployment.default.web", 2, 9),
    ]
    out = fold(renders, files)
    assert sorted((f.rule_id, f.path) for f in out) == [
        ("CKV_K8S_10", "base/kustomization.yaml"),
        ("CKV_K8S_9", "base/kustomization.yaml"),
    ]
    (nine,) = (f for f in out if f.rule_id == "CKV_K8S_9")
    assert nine.also_in == ("dev/kustomization.yaml:2",)


def test_a_patch_file_scanned_as_a_manifest_joins_the_base_finding(tmp_path: Path) -> None:
    """``checkov -d`` also reads the patch on its own: the same check on the same object is the
    base's problem, reported once (the patch named), never lost."""
    files = write(tmp_path, TREE)
    plain = ckv("CKV_K8S_16", "base/deploy.yaml", "Deployment.default.web")
    at_patch = ckv("CKV_K8S_16", "prod/patch.yaml", "Deployment.default.web", 1, 4)
    other_check = ckv("CKV_K8S_8", "prod/patch.yaml", "Deployment.default.web", 1, 4)
    render = ckv("CKV_K8S_16", "prod/kustomization.yaml", "overlay:prod:Deployment.prod.web", 2, 9)
    out = fold([plain, at_patch, other_check, render], files)
    assert sorted((f.rule_id, f.path) for f in out) == [
        ("CKV_K8S_16", "base/deploy.yaml"),
        ("CKV_K8S_8", "prod/patch.yaml"),  # the base does not fail it: the patch's own finding
    ]
    (one,) = (f for f in out if f.rule_id == "CKV_K8S_16")
    assert "prod/patch.yaml:1" in one.also_in and at_patch.fingerprint in one.merged


def test_other_objects_and_checks_are_left_alone(tmp_path: Path) -> None:
    files = write(tmp_path, TREE)
    plain = ckv("CKV_K8S_16", "base/deploy.yaml", "Deployment.default.web")
    other = ckv("CKV_K8S_16", "dev/kustomization.yaml", "overlay:dev:Deployment.dev.dev-api", 2, 9)
    assert len(fold([plain, other], files)) == 2


@pytest.mark.slow
def test_end_to_end_base_and_overlays_report_each_problem_once(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    if not (shutil.which("kubectl") or shutil.which("kustomize")):
        pytest.skip("needs kubectl or kustomize to render overlays")
    write(tmp_path, TREE)
    r = cli("scan", str(tmp_path), "--scanners", "iac", "-f", "json", "--no-cache")
    findings = r.json["findings"]
    privileged = [f for f in findings if f["rule_id"] == "CKV_K8S_16"]
    assert len(privileged) == 1, privileged
    assert privileged[0]["path"] == "base/deploy.yaml"
    assert "dev/kustomization.yaml:2" in privileged[0]["also_in"]
    assert not [f for f in findings if (f["resource"] or "").startswith("base:")]
