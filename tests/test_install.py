"""``gitops-guard install`` / ``uninstall``: a textual, verified, reversible edit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitops_guard import __version__
from gitops_guard.commands.install import CONFIG, KEEP_BACKUPS, backup_dir

from ggtest import git

FORK = "https://example.com/team/gitops-guard.git"

USER_CONFIG = """\
# Our hooks. Keep black first!
default_stages: [pre-commit]
repos:
# zero-indented list, as many projects write it
- repo: https://github.com/psf/black
  rev: 24.1.0  # pinned on purpose
  hooks:
  - id: black

- repo: https://github.com/PyCQA/flake8
  rev: 7.0.0
  hooks:
  - id: flake8
    args: [--max-line-length=100]

# CI settings below
ci:
  autofix_prs: false
"""


def _install(cli, *args: str):  # type: ignore[no-untyped-def]
    return cli("install", "--no-run-pre-commit-install", *args)


def _backups(repo: Path) -> list[Path]:
    return sorted(backup_dir(repo).glob(f"*{CONFIG}"))


def test_creates_local_hooks_that_run_the_installed_gitops_guard(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = _install(cli)
    assert r.code == 0, r.err
    data = yaml.safe_load((in_git_dir / CONFIG).read_text())
    assert data == {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": "gitops-guard",
                        "name": "gitops-guard (all scanners)",
                        "entry": "gitops-guard scan --format compact",
                        "language": "system",
                        "types": ["text"],
                        "require_serial": True,
                    }
                ],
            }
        ]
    }
    assert git(in_git_dir, "status", "--porcelain", "--untracked-files=all") == f"?? {CONFIG}\n"
    assert _backups(in_git_dir) == []  # nothing to back up
    assert "pre-commit install" in r.out  # the hint, since stdin is not a terminal


def test_keeps_comments_order_and_other_hooks_and_is_idempotent(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = in_git_dir / CONFIG
    path.write_text(USER_CONFIG)
    r = _install(cli)
    assert r.code == 0
    text = path.read_text()
    for line in USER_CONFIG.splitlines():
        assert line in text.splitlines()
    data = yaml.safe_load(text)
    assert [r["repo"] for r in data["repos"]] == [
        "https://github.com/psf/black",
        "https://github.com/PyCQA/flake8",
        "local",
    ]
    assert data["ci"] == {"autofix_prs": False}
    # The previous content is kept outside the work tree, never as a stray file in it.
    (saved,) = _backups(in_git_dir)
    assert saved.read_text() == USER_CONFIG and str(saved) in r.out
    assert not saved.is_relative_to(in_git_dir)
    assert sorted(p.name for p in in_git_dir.iterdir()) == [".git", CONFIG]
    r = _install(cli)
    assert r.code == 0 and "nothing to change" in r.out
    assert path.read_text() == text
    assert len(_backups(in_git_dir)) == 1


def test_backups_are_capped(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = in_git_dir / CONFIG
    path.write_text(USER_CONFIG)
    for i in range(KEEP_BACKUPS + 2):
        assert _install(cli, "--repo", FORK, "--rev", f"v0.0.{i}").code == 0
    kept = _backups(in_git_dir)
    assert len(kept) == KEEP_BACKUPS
    assert f"rev: v0.0.{KEEP_BACKUPS}" in kept[-1].read_text()  # the newest are kept


def test_reinstall_updates_rev_and_hooks_in_place(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = in_git_dir / CONFIG
    path.write_text(USER_CONFIG)
    assert _install(cli, "--repo", FORK).code == 0
    (ours,) = [r for r in yaml.safe_load(path.read_text())["repos"] if r["repo"] == FORK]
    assert ours["rev"] == f"v{__version__}"  # the release tag convention, docs/release.md
    r = _install(
        cli,
        "--repo",
        FORK,
        "--rev",
        "v9.9.9",
        "--hook",
        "gitops-guard-source",
        "--hook",
        "gitops-guard-iac",
    )
    assert r.code == 0
    (ours,) = [r for r in yaml.safe_load(path.read_text())["repos"] if r["repo"] == FORK]
    assert ours == {
        "repo": FORK,
        "rev": "v9.9.9",
        "hooks": [{"id": "gitops-guard-source"}, {"id": "gitops-guard-iac"}],
    }
    assert path.read_text().count("- repo: " + FORK) == 1
    assert _install(cli).code == 0  # back to local hooks, in place
    repos = yaml.safe_load(path.read_text())["repos"]
    assert [r["repo"] for r in repos][-1] == "local" and FORK not in path.read_text()


def test_rev_without_a_known_repository_is_a_usage_error(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = _install(cli, "--rev", "v1.0.0")
    assert r.code == 2 and "--rev needs --repo" in r.err
    r = _install(cli, "--local", "--repo", FORK)
    assert r.code == 2
    assert not (in_git_dir / CONFIG).exists()


def test_uninstall_restores_the_original_byte_for_byte(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = in_git_dir / CONFIG
    path.write_bytes(USER_CONFIG.replace("\n", "\r\n").encode())
    assert _install(cli, "--local").code == 0
    assert b"\r\n" in path.read_bytes() and b"\n" not in path.read_bytes().replace(b"\r\n", b"")
    r = cli("uninstall")
    assert r.code == 0, r.err
    assert path.read_bytes() == USER_CONFIG.replace("\n", "\r\n").encode()
    assert sorted(p.name for p in in_git_dir.iterdir()) == [".git", CONFIG]
    r = cli("uninstall")
    assert r.code == 0 and "nothing to remove" in r.out


def test_uninstall_of_a_created_file_leaves_a_valid_config(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _install(cli)
    assert cli("uninstall").code == 0
    assert yaml.safe_load((in_git_dir / CONFIG).read_text()) == {"repos": []}


def test_a_hand_written_entry_is_left_alone(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = in_git_dir / CONFIG
    text = (
        "repos:\n  - repo: local\n    hooks:\n      - id: gitops-guard\n"
        "        name: mine\n        entry: gitops-guard scan\n        language: system\n"
    )
    path.write_text(text)
    r = _install(cli)
    assert r.code == 0 and "added by hand" in r.out
    assert path.read_text() == text
    r = cli("uninstall")
    assert r.code == 2 and "by hand" in r.err
    assert path.read_text() == text


@pytest.mark.parametrize(
    "text",
    [
        "repos: [{repo: https://github.com/psf/black, rev: 1, hooks: [{id: black}]}]\n",
        "repos:\n  - repo: x\n  bad: [indent\n",
        "- just\n- a list\n",
    ],
    ids=["flow-style", "invalid-yaml", "not-a-mapping"],
)
def test_refuses_what_it_cannot_edit_safely(in_git_dir: Path, cli, text: str) -> None:  # type: ignore[no-untyped-def]
    path = in_git_dir / CONFIG
    path.write_text(text)
    r = _install(cli)
    assert r.code == 2
    assert CONFIG in r.err
    assert path.read_text() == text
    assert _backups(in_git_dir) == []


def test_empty_flow_list_and_missing_repos_key(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = in_git_dir / CONFIG
    path.write_text("repos: []  # nothing yet\n")
    assert _install(cli).code == 0
    assert "# nothing yet" in path.read_text()
    assert yaml.safe_load(path.read_text())["repos"][0]["repo"] == "local"
    path.write_text("# only a comment\nfail_fast: true\n")
    assert _install(cli).code == 0
    data = yaml.safe_load(path.read_text())
    assert data["fail_fast"] is True and data["repos"][0]["repo"] == "local"


def test_local_mode_mirrors_the_published_hooks(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from ggtest import REPO

    published = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    ids = sorted(published)
    args = [a for i in ids for a in ("--hook", i)]
    assert _install(cli, "--local", *args).code == 0
    (local,) = yaml.safe_load((in_git_dir / CONFIG).read_text())["repos"]
    assert local["repo"] == "local"
    for hook in local["hooks"]:
        expected = dict(published[hook["id"]], language="system")
        expected.pop("description")
        expected.pop("minimum_pre_commit_version")
        assert hook == expected


def test_repo_and_print_options(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("install", "--print", "--repo", "https://example.com/fork.git", "--rev", "abc123")
    assert r.code == 0
    assert "- repo: https://example.com/fork.git" in r.out and "rev: abc123" in r.out
    assert not (in_git_dir / CONFIG).exists()


def test_outside_a_git_repository(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    r = _install(cli)
    assert r.code == 2 and "not inside a git repository" in r.err
    assert not (tmp_path / CONFIG).exists()
    assert cli("uninstall").code == 2


def test_runs_pre_commit_install_when_asked(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("install", "--local", "--run-pre-commit-install")
    assert r.code == 0, r.err
    hook = in_git_dir / ".git" / "hooks" / "pre-commit"
    assert hook.is_file() and "pre-commit" in hook.read_text()
