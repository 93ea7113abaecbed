"""The ``dockerfile`` scanner: real Checkov on real Dockerfiles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_guard.models import ScanResult, Severity
from gitops_guard.scanners.dockerfile import DockerfileScanner
from gitops_guard.scanners.interface import ScanContext
from gitops_guard.targets import discover

DOCKERFILE = Path(__file__).parents[1] / "fixtures" / "dockerfile" / "Dockerfile"


def run(*paths: Path) -> ScanResult:
    scanner = DockerfileScanner()
    ts = discover(list(paths), use_git=False)
    mine = [t for t in ts.targets if scanner.applies(t)]
    return scanner.scan(scanner.units(mine, ts.explicit), ScanContext(root=ts.root))


def test_scanner_metadata() -> None:
    scanner = DockerfileScanner()
    assert scanner.name == "dockerfile"
    assert scanner.process_group == "checkov" and scanner.distribution == "checkov"


@pytest.mark.slow
def test_root_user_and_friends(tmp_path: Path) -> None:
    shutil.copy(DOCKERFILE, tmp_path / "Dockerfile")
    result = run(tmp_path)
    by_rule = {f.rule_id: f for f in result.findings if f.tool == "checkov"}
    assert set(by_rule) == {
        "CKV_DOCKER_1",
        "CKV_DOCKER_2",
        "CKV_DOCKER_4",
        "CKV_DOCKER_7",
        "CKV_DOCKER_8",
    }
    root = by_rule["CKV_DOCKER_8"]
    assert (root.path, root.line, root.end_line) == ("Dockerfile", 2, 2)
    assert root.message == "Ensure the last USER is not root"
    assert root.severity is Severity.MEDIUM  # run-as-root (docs/scanners.md, Checkov severity)
    assert root.resource == "USER"  # the instruction; no path (absolute or not) in the fingerprint
    assert not result.errors


@pytest.mark.slow
def test_containerfile_and_suffixed_names_are_scanned(tmp_path: Path) -> None:
    shutil.copy(DOCKERFILE, tmp_path / "Containerfile")
    shutil.copy(DOCKERFILE, tmp_path / "api.Dockerfile")
    result = run(tmp_path)
    assert {(f.rule_id, f.path) for f in result.findings if f.rule_id == "CKV_DOCKER_8"} == {
        ("CKV_DOCKER_8", "Containerfile"),
        ("CKV_DOCKER_8", "api.Dockerfile"),
    }
    resources = {f.resource for f in result.findings}
    assert resources and all(r is None or r.isupper() for r in resources)  # instructions only


@pytest.mark.slow
def test_inline_skip_comment(tmp_path: Path) -> None:
    text = DOCKERFILE.read_text().replace(
        "USER root", "# checkov:skip=CKV_DOCKER_8:build stage needs root\nUSER root"
    )
    (tmp_path / "Dockerfile").write_text(text)
    assert "CKV_DOCKER_8" not in {f.rule_id for f in run(tmp_path).findings}


@pytest.mark.slow
def test_garbage_dockerfile_does_not_crash(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"\xff\xfe not a \x00 dockerfile {{{\n")
    (tmp_path / "Dockerfile.dev").write_text("}}}} this is not\n\\\n")
    result = run(tmp_path)
    assert all(e.kind.value == "skipped" for e in result.errors)
