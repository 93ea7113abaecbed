"""Nothing outside the scan root is read: not through a symlinked path component, not through a
name git lists, not through a repository's own ``core.worktree``; and a named path is scanned
(a symlinked folder inside the root included) or said to be empty."""

from __future__ import annotations

import os
from pathlib import Path

import gitplant
import hostile
import pytest

from ggtest import git

KEY = hostile.aws_key(7)
MARKER = "OUTSIDE-MARKER-7c1d"


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "creds.yaml").write_text(f"# {MARKER}\naws_access_key_id: {KEY}\n")
    return outside


def _scan(cli, *args: str):  # type: ignore[no-untyped-def]
    r = cli("scan", "--no-cache", "--scanners", "secrets", "-f", "json", *args)
    assert "Traceback" not in r.err
    assert MARKER not in r.out + r.err
    return r


def _paths(report: dict) -> set[str]:  # type: ignore[type-arg]
    return {f["path"] for f in report["findings"]}


@pytest.fixture
def swapped(in_git_dir: Path, tmp_path: Path) -> Path:
    """``esc/creds.yaml`` committed, then ``esc`` replaced by a link to a folder outside."""
    (in_git_dir / "esc").mkdir()
    (in_git_dir / "esc" / "creds.yaml").write_text("aws_access_key_id: none\n")
    (in_git_dir / "ok.py").write_text("x = 1\n")
    git(in_git_dir, "add", ".")
    git(in_git_dir, "commit", "-qm", "init")
    (in_git_dir / "esc" / "creds.yaml").unlink()
    (in_git_dir / "esc").rmdir()
    (in_git_dir / "esc").symlink_to(_outside(tmp_path))
    return in_git_dir


@pytest.mark.parametrize("args", [[], ["."], ["--diff-base", "HEAD"], ["--staged"]])
def test_a_committed_file_behind_a_folder_swapped_for_a_link_is_not_read(
    swapped: Path,
    cli,  # type: ignore[no-untyped-def]
    args: list[str],
) -> None:
    """git still lists ``esc/creds.yaml`` (the index has it); its real path is outside."""
    r = _scan(cli, *args)
    assert r.code in (0, 3), r.out + r.err
    assert _paths(r.json) == set()
    if not args or args == ["."]:
        notices = {e["path"]: e["message"] for e in r.json["errors"]}
        assert "outside the scan root" in notices["esc/creds.yaml"]


@pytest.mark.parametrize("named", ["esc/creds.yaml", "esc", "esc/"])
def test_a_named_path_through_a_link_out_of_the_root_is_not_read(
    swapped: Path,
    cli,  # type: ignore[no-untyped-def]
    named: str,
) -> None:
    r = _scan(cli, named)
    assert _paths(r.json) == set()
    assert r.code == 3, r.out
    assert any("outside the scan root" in e["message"] for e in r.json["errors"]), r.out
    assert r.json["summary"]["files_scanned"] == 0


def test_a_named_path_through_a_link_outside_git_is_not_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "link").symlink_to(_outside(tmp_path))
    monkeypatch.chdir(work)
    for named in ("link/creds.yaml", "link", "."):
        r = _scan(cli, named)
        assert _paths(r.json) == set(), named


def test_a_name_git_lists_from_a_planted_index_is_refused(
    in_git_dir: Path,
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    _outside(tmp_path)
    gitplant.plant(in_git_dir, {"../outside/creds.yaml": b"x\n", "ok.py": b"x = 1\n"})
    (in_git_dir / "ok.py").write_text("x = 1\n")
    r = _scan(cli)
    assert r.code == 3, r.out + r.err
    errors = [e for e in r.json["errors"] if e["kind"] == "error"]
    assert [e["path"] for e in errors] == ["../outside/creds.yaml"]
    assert "refused" in errors[0]["message"]


def test_a_repository_core_worktree_elsewhere_is_not_listed(
    in_git_dir: Path,
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """``core.worktree`` in .git/config would make git list (and us read) another folder."""
    outside = _outside(tmp_path)
    (in_git_dir / "ok.py").write_text("x = 1\n")
    for worktree in (str(outside), "/", str(tmp_path)):
        git(in_git_dir, "config", "core.worktree", worktree)
        r = _scan(cli)
        assert _paths(r.json) == set(), worktree
        assert r.json["summary"]["files_scanned"] == 1, worktree


@pytest.mark.parametrize("use_git", [True, False])
def test_a_named_symlinked_folder_inside_the_root_is_scanned(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
    use_git: bool,
) -> None:
    """``scan deploy`` with ``deploy -> real/deploy``: the folder is scanned (Bandit and
    detect-secrets walk it too), reported under its real path."""
    work = tmp_path / "work"
    (work / "real" / "deploy").mkdir(parents=True)
    (work / "real" / "deploy" / "values.yaml").write_text(f"aws_access_key_id: {KEY}\n")
    (work / "deploy").symlink_to(Path("real") / "deploy")
    if use_git:
        git(work, "init", "-q")
        git(work, "add", ".")
        git(work, "commit", "-qm", "init")
    monkeypatch.chdir(work)
    r = _scan(cli, "deploy")
    assert r.code == 1, r.out + r.err
    assert _paths(r.json) == {"real/deploy/values.yaml"}


@pytest.mark.parametrize("use_git", [True, False])
def test_a_named_folder_that_holds_nothing_to_scan_is_an_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
    use_git: bool,
) -> None:
    work = tmp_path / "work"
    (work / "empty").mkdir(parents=True)
    (work / "ignored").mkdir()
    (work / "ignored" / "x.log").write_text("log\n")
    (work / ".gitignore").write_text("*.log\n")
    (work / "a.py").write_text("x = 1\n")
    if use_git:
        git(work, "init", "-q")
    monkeypatch.chdir(work)
    for named in ["empty"] + (["ignored"] if use_git else []):
        r = _scan(cli, named)
        assert r.code == 3, (named, r.out)
        assert any(
            e["path"] == named and "no file to scan" in e["message"] for e in r.json["errors"]
        )
    assert _scan(cli).code == 0  # nothing named: an empty result is no surprise


def test_a_fifo_swapped_in_after_the_check_is_never_opened(tmp_path: Path) -> None:
    from gitops_guard import targets

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(OSError):
        targets._peek(tmp_path / "pipe")  # O_NONBLOCK: raises instead of hanging
