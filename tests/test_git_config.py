"""A repository's own git configuration starts no program, in any mode.

Each test plants configuration keys that make git run a command (each command creates a marker
file named after its key), then runs gitops-guard as a user would, in a subprocess, in every mode
that calls git: tree discovery (``git ls-files``), ``--staged`` (``git diff --staged``,
``ls-files --stage``, ``cat-file --batch``), ``--diff-base`` (``git diff`` against the work tree)
and both with ``--diff-lines`` (``git diff -U0``). No marker may appear.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gitplant
import pytest

from ggtest import git

SOURCE = ("--scanners", "source")
MODES = [
    [],
    ["--staged"],
    ["--staged", "--diff-lines"],
    ["--diff-base", "main"],
    ["--diff-base", "main", "--diff-lines"],
]

#: Keys whose value is a command git may run, planted directly in .git/config.
PROGRAM_KEYS = [
    "core.fsmonitor",
    "core.pager",
    "core.editor",
    "core.sshCommand",
    "core.askPass",
    "core.gitProxy",
    "core.alternateRefsCommand",
    "sequence.editor",
    "diff.external",
    "diff.evil.textconv",
    "diff.evil.command",
    "filter.evil.clean",
    "filter.evil.smudge",
    "filter.evil.process",
    "merge.evil.driver",
    "pager.diff",
    "pager.ls-files",
    "pager.cat-file",
    "credential.helper",
    "gpg.program",
    "gpg.ssh.program",
    "uploadpack.packObjectsHook",
    "remote.origin.uploadpack",
]

#: Hooks git runs around index and ref updates (and every other name, to be sure).
HOOKS = [
    "post-index-change",
    "reference-transaction",
    "fsmonitor-watchman",
    "post-checkout",
    "pre-auto-gc",
    "pre-commit",
]

#: Environment a user may have for their own git, which must not reach ours.
PROGRAM_ENV = {
    "GIT_EXTERNAL_DIFF": "env-external-diff",
    "GIT_PAGER": "env-pager",
    "PAGER": "env-pager2",
    "GIT_EDITOR": "env-editor",
    "GIT_SSH_COMMAND": "env-ssh",
    "GIT_ASKPASS": "env-askpass",
}


def _marker_program(tmp_path: Path) -> tuple[Path, Path]:
    ran = tmp_path / "ran"
    ran.mkdir()
    prog = tmp_path / "prog.sh"
    prog.write_text(f'#!/bin/sh\ntouch "{ran}/$1"\nexit 0\n')
    prog.chmod(0o755)
    return prog, ran


def _booby_trapped_repo(repo: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repository with a base commit, then committed, staged, unstaged and untracked changes
    to files routed to filter and diff drivers defined in .git/config, in an included file, in
    a conditionally included file and in .git/info/attributes; and every program key planted."""
    prog, ran = _marker_program(tmp_path)
    names = {"a.py": "evil", "b.txt": "inc", "c.md": "cond", "d.cfg": "hidden"}
    for name in names:
        (repo / name).write_text("x = 1\n")
    (repo / ".gitattributes").write_text(
        "".join(f"{n} filter={d} diff={d} merge={d}\n" for n, d in names.items() if d != "hidden")
    )
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "feature")
    for name in names:
        (repo / name).write_text("x = 2\n")
    git(repo, "add", ".")
    for name in names:  # the work tree now differs from the index and from the base
        (repo / name).write_text("x = 3\n")
    (repo / "untracked.py").write_text("y = 1\n")

    def plant(file: Path, keys: dict[str, str]) -> None:
        for key, value in keys.items():
            git(repo, "config", "--file", str(file), key, value)

    config = repo / ".git" / "config"
    plant(config, {k: f"{prog} {k}" for k in PROGRAM_KEYS})
    plant(config, {"filter.evil.required": "true", "remote.origin.url": "ext::sh -c true"})
    plant(config, {"protocol.ext.allow": "always", "protocol.allow": "always"})
    included = tmp_path / "included.gitconfig"
    plant(included, {f"filter.inc.{v}": f"{prog} include-{v}" for v in ("clean", "process")})
    plant(included, {"diff.inc.textconv": f"{prog} include-textconv"})
    conditional = tmp_path / "conditional.gitconfig"
    plant(conditional, {f"filter.cond.{v}": f"{prog} includeif-{v}" for v in ("clean", "process")})
    plant(config, {"include.path": str(included)})
    plant(config, {f"includeIf.gitdir:{repo}/.git.path": str(conditional)})
    info = repo / ".git" / "info"
    info.mkdir(exist_ok=True)
    (info / "attributes").write_text("d.cfg filter=hidden diff=hidden\n")
    plant(config, {"filter.hidden.clean": f"{prog} info-attributes-clean"})
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for hook in HOOKS:
        (hooks / hook).write_text(f'#!/bin/sh\ntouch "{ran}/hook-{hook}"\n')
        (hooks / hook).chmod(0o755)
    env = {k: f"{prog} {v}" for k, v in PROGRAM_ENV.items()}
    env.update(
        {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "core.fsmonitor",
            "GIT_CONFIG_VALUE_0": f"{prog} env-config-count",
            "GIT_CONFIG_PARAMETERS": f"'diff.external'='{prog} env-config-parameters'",
        }
    )
    return ran, env


def _scan(cwd: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitops_guard", "scan", "-f", "json", "--no-cache", *SOURCE, *args],
        cwd=cwd,
        env={**os.environ, "GITOPS_GUARD_DAEMON": "0", **env},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: " ".join(m) or "tree")
def test_repository_git_config_runs_nothing(
    mode: list[str], in_git_dir: Path, tmp_path: Path
) -> None:
    ran, env = _booby_trapped_repo(in_git_dir, tmp_path)
    proc = _scan(in_git_dir, mode, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in ran.iterdir()) == []
    report = json.loads(proc.stdout)
    assert report["summary"]["files_scanned"] >= 1


@pytest.mark.parametrize("mode", MODES[:3], ids=lambda m: " ".join(m) or "tree")
def test_a_missing_object_fetches_nothing_from_a_promisor_remote(
    mode: list[str], in_git_dir: Path, tmp_path: Path
) -> None:
    """A partial clone's promisor remote would be asked for an object missing locally: an
    ``ext::`` URL runs a command. No transport is allowed, so the object is simply missing."""
    prog, ran = _marker_program(tmp_path)
    (in_git_dir / "a.py").write_text("x = 1\n")
    git(in_git_dir, "add", "a.py")
    git(in_git_dir, "commit", "-qm", "base")
    missing = "0123456789abcdef0123456789abcdef01234567"
    gitplant.write_index(in_git_dir, [(gitplant.FILE, missing, "a.py")])
    for key, value in {
        "core.repositoryFormatVersion": "1",
        "extensions.partialClone": "origin",
        "remote.origin.promisor": "true",
        "remote.origin.url": f"ext::{prog} ext-transport",
        "protocol.ext.allow": "always",
        "protocol.allow": "always",
    }.items():
        git(in_git_dir, "config", key, value)
    proc = _scan(in_git_dir, mode, {})
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in ran.iterdir()) == []


def test_git_runs_only_read_only_commands() -> None:
    from gitops_guard import git as gitmod

    with pytest.raises(gitmod.GitError):
        gitmod._command(["commit", "-m", "x"], {})
    command = gitmod._command(["ls-files"], {"filter.x.clean": ""})
    assert command[:3] == ["git", "--no-pager", "--no-replace-objects"]
    assert "core.fsmonitor=false" in command and "filter.x.clean=" in command


def test_a_driver_name_that_cannot_be_neutralised_is_refused(in_git_dir: Path) -> None:
    from gitops_guard import git as gitmod

    (in_git_dir / "a.py").write_text("x = 1\n")
    git(in_git_dir, "config", "filter.a=b.clean", "touch x")
    with pytest.raises(gitmod.GitError, match="cannot be neutralised"):
        gitmod.ls_files(in_git_dir)
