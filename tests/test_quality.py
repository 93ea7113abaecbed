"""The package stays typed and lint-clean: `mypy --strict` and `ruff` run as part of the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from ggtest import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_check() -> None:
    if shutil.which("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    proc = _run("ruff", "check", "gitops_guard", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format() -> None:
    if shutil.which("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    proc = _run("ruff", "format", "--check", "gitops_guard", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict() -> None:
    proc = _run(sys.executable, "-m", "mypy", "gitops_guard")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_layers() -> None:
    """The layers contract in pyproject.toml ([tool.importlinter]) holds: no module imports from
    a layer above its own (CLI -> application -> engine/triage -> scanners/formats -> models)."""
    if shutil.which("lint-imports") is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    proc = _run("lint-imports", "--no-cache")
    assert proc.returncode == 0, proc.stdout + proc.stderr
