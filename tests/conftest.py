"""Fixtures shared by the whole suite: real git repositories, the CLI, and ../shared corpora."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitops_guard.cli import main

from ggtest import REPO, SHARED, git

__all__ = ["REPO", "SHARED", "git"]


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never touch the user's real result cache from tests."""
    monkeypatch.setenv("GITOPS_GUARD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def shared() -> Path:
    """../shared beside the repository; tests that need it skip cleanly where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not available")
    return SHARED


@pytest.fixture
def corpora(shared: Path) -> Path:
    path = shared / "corpora"
    if not path.is_dir():
        pytest.skip("../shared/corpora is not available")
    return path


@pytest.fixture
def in_git_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh `git init` repository as the current directory."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    monkeypatch.chdir(repo)
    yield repo


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.out)  # type: ignore[no-any-return]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``gitops-guard ARGS`` in-process; returns exit code and captured output."""

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
