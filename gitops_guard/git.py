"""The few git queries gitops-guard needs, run with real ``git`` (NUL-separated, rename-aware)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path


class GitError(Exception):
    """A git command failed; the message is git's own stderr, one line."""


def _run(args: Sequence[str], cwd: Path, *, text: bool = False) -> bytes:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, env=env, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:  # git missing or hung
        raise GitError(f"git {args[0]} failed: {exc}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(msg[-1] if msg else f"git {args[0]} exited {proc.returncode}")
    return proc.stdout


def toplevel(path: Path) -> Path | None:
    """The work tree containing ``path``, or None outside git (or without git installed)."""
    start = path if path.is_dir() else path.parent
    try:
        out = _run(["rev-parse", "--show-toplevel"], start)
    except GitError:
        return None
    return Path(os.fsdecode(out.rstrip(b"\n")))


def _split_z(out: bytes) -> list[str]:
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def ls_files(top: Path, pathspec: Sequence[str] = ()) -> list[str]:
    """Tracked files plus untracked files not ignored by .gitignore, relative to ``top``."""
    args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *pathspec]
    return sorted(set(_split_z(_run(args, top))))


def staged_files(top: Path) -> list[str]:
    """Files added, copied, modified or renamed in the index (pre-commit's own filter)."""
    out = _run(["diff", "--staged", "--name-only", "-z", "--diff-filter=ACMRTUXB"], top)
    return _split_z(out)


def changed_files(top: Path, base: str) -> list[str]:
    """Files changed between the merge-base of ``base`` and HEAD, plus the work tree's changes."""
    merge_base = _run(["merge-base", base, "HEAD"], top).decode().strip()
    out = _run(["diff", "--name-only", "-z", "--diff-filter=ACMRTUXB", merge_base], top)
    return _split_z(out)


def show_index_blob(top: Path, path: str) -> bytes:
    """Content of ``path`` as staged in the index."""
    return _run(["show", f":{path}"], top)
