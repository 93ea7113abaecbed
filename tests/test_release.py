"""The release shape (docs/release.md): an sdist and a wheel build from the checkout, the wheel is
built from the sdist (so the sdist is complete), and the wheel carries everything the hooks need
and requires every engine it runs."""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from gitops_guard import __version__, project
from gitops_guard.commands.install import _where

from ggtest import REPO, git


def test_the_release_tag_is_v_and_the_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]\d+|rc\d+)?", __version__)
    assert project.release_tag() == f"v{__version__}"
    assert _where("https://example.com/gg.git", None, False) == (
        False,
        "https://example.com/gg.git",
        f"v{__version__}",
    )


def test_no_placeholder_urls_in_the_package() -> None:
    """A link we print must lead somewhere: no hard-coded project URL that nobody can reach."""
    for path in (REPO / "gitops_guard").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "github.com/gitops-guard/" not in text, path


def test_doc_links_resolve() -> None:
    if project.repository() is None:
        url = project.doc_url("drift.md", "terraform")
        assert url is not None and url.endswith("/drift.md#terraform")
        assert Path(url.removeprefix("file://").split("#")[0]).is_file()
    assert project.doc_url("no-such-page.md") is None or project.repository() is not None


def test_rule_help_links_exist() -> None:
    from gitops_guard.scanners.gitops._common import RULES

    for rule in RULES:
        assert rule.help_url is not None, rule.id
        if project.repository() is None:
            assert rule.help_url.startswith("file://"), rule.help_url
            assert Path(rule.help_url.removeprefix("file://")).is_file()


def _tracked_copy(dest: Path) -> Path:
    """The files git tracks, as they are in the work tree (uncommitted edits included)."""
    names = git(REPO, "ls-files", "-z", "--cached").split("\0")
    for name in filter(None, names):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=900
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` (sdist, then the wheel from the sdist) in a virtual environment of its
    own, as docs/release.md has a maintainer do it."""
    if not (REPO / ".git").exists():
        pytest.skip("needs this project as a git checkout")
    tmp = tmp_path_factory.mktemp("release")
    src = _tracked_copy(tmp / "src")
    venv = tmp / "venv"
    proc = _run(sys.executable, "-m", "venv", venv, cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    py = venv / "bin" / "python"
    proc = _run(py, "-m", "pip", "install", "-q", "build", cwd=tmp)
    if proc.returncode != 0:
        pytest.skip(f"cannot install the `build` frontend here: {proc.stderr.strip()[-300:]}")
    proc = _run(py, "-m", "build", "--outdir", tmp / "dist", src, cwd=tmp)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return tmp / "dist"


def _wheel(dist: Path) -> zipfile.ZipFile:
    (wheel,) = dist.glob("gitops_guard-*.whl")
    assert wheel.name == f"gitops_guard-{__version__}-py3-none-any.whl"
    return zipfile.ZipFile(wheel)


@pytest.mark.slow
def test_the_wheel_requires_every_engine_it_runs(dist: Path) -> None:
    from importlib import import_module

    z = _wheel(dist)
    info = f"gitops_guard-{__version__}.dist-info"
    meta = email.message_from_bytes(z.read(f"{info}/METADATA"))
    requires = {
        re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0].lower().replace("_", "-")
        for r in meta.get_all("Requires-Dist") or []
        if "extra ==" not in r
    }
    entry_points = z.read(f"{info}/entry_points.txt").decode()
    scanners = re.findall(r"^(\w+) = (gitops_guard\.[\w.]+):(\w+)$", entry_points, re.M)
    assert {name for name, _, _ in scanners} >= {"source", "secrets", "dockerfile", "iac", "gitops"}
    for name, module, attr in scanners:
        cls = getattr(import_module(module), attr)
        if cls.distribution is not None:
            assert cls.distribution.lower() in requires, (name, cls.distribution, requires)
    # Engines shipped inside the package instead (detect-secrets, docs/scanners.md) are in it.
    vendored = [n for n in z.namelist() if n.startswith("gitops_guard/vendor/")]
    assert any("detect_secrets" in n for n in vendored), vendored
    assert "gitops-guard = gitops_guard.cli:main" in entry_points


@pytest.mark.slow
def test_the_wheel_carries_every_file_of_the_package(dist: Path) -> None:
    z = _wheel(dist)
    names = set(z.namelist())
    tracked = [
        n
        for n in git(REPO, "ls-files", "-z", "gitops_guard").split("\0")
        if n and (REPO / n).is_file()
    ]
    missing = [n for n in tracked if n not in names]
    assert not missing, missing
    docs = sorted(str(p.relative_to(REPO / "docs")) for p in (REPO / "docs").rglob("*.md"))
    assert sorted(n.split("/_docs/", 1)[1] for n in names if "/_docs/" in n) == docs
    assert "rules/GG001.md" in docs and "drift.md" in docs


@pytest.mark.slow
def test_the_sdist_can_rebuild_everything(dist: Path) -> None:
    (sdist,) = dist.glob("gitops_guard-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in (
        "pyproject.toml",
        "setup.py",
        ".pre-commit-hooks.yaml",
        "README.md",
        "docs/release.md",
        "docs/rules/GG001.md",
        "gitops_guard/vendor/README.md",
        "tests/test_release.py",
    ):
        assert needed in names, needed
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
