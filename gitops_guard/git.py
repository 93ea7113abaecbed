"""The few git queries gitops-guard needs, run with real ``git`` (NUL-separated, rename-aware)."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

K = TypeVar("K")


class GitError(Exception):
    """A git command failed; the message is git's own stderr, one line."""


#: A scanned repository's own .git/config may name commands git runs while *reading* (a
#: ``core.fsmonitor`` hook runs on ``ls-files --others`` and ``diff``): never let it.
SAFE_CONFIG = ("-c", "core.fsmonitor=false")


def _run(args: Sequence[str], cwd: Path, *, text: bool = False) -> bytes:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            ["git", *SAFE_CONFIG, *args],
            cwd=cwd,
            capture_output=True,
            env=env,
            check=False,
            timeout=120,
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
    return _toplevel(start.resolve())


@functools.lru_cache(maxsize=64)
def _toplevel(start: Path) -> Path | None:
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


#: The object name of the empty tree: the "before" of a repository without commits.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass(frozen=True)
class IndexEntry:
    """One entry of ``git ls-files --stage``."""

    mode: str
    """Octal mode: ``100644``/``100755`` files, ``120000`` symlinks, ``160000`` submodules."""
    object: str
    """The blob's object name."""
    stage: int
    """0 normally; 1-3 while a merge conflict is unresolved."""
    path: str
    """Relative to the work tree, ``/``-separated."""


def index_entries(top: Path) -> list[IndexEntry]:
    """Every entry of the index (``git ls-files --stage -z``)."""
    out: list[IndexEntry] = []
    for record in _run(["ls-files", "--stage", "-z"], top).split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, obj, stage = meta.decode("ascii").split()
        out.append(IndexEntry(mode, obj, int(stage), os.fsdecode(path)))
    return out


#: Code points HFS+ ignores in file names: ``.g\u200cit`` is ``.git`` there.
_HFS_IGNORED = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")
_DRIVE = re.compile(r"^[A-Za-z]:")


def _names_git_dir(component: str) -> bool:
    """True when a file system could take ``component`` for ``.git``: any case (``.GIT``),
    HFS+ ignored code points, NTFS trailing dots and spaces (``.git. ``), an NTFS alternate data
    stream (``.git::$INDEX_ALLOCATION``) or its 8.3 short name (``git~1``)."""
    name = _HFS_IGNORED.sub("", component).lower()
    return name.split(":", 1)[0].rstrip(". ") in (".git", "git~1")


def path_problem(name: str) -> str | None:
    """Why ``name`` is not a path git would write into a work tree (its ``verify_path`` rules,
    with the NTFS and HFS+ spellings of ``.git`` refused everywhere), or None when it is one.

    A planted index or tree can hold any bytes as a name; only names that pass here are joined
    to a directory. Backslashes count as separators for the check (Windows reads them so)."""
    if not name:
        return "empty name"
    if "\0" in name:
        return "NUL byte in the name"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "absolute path"
    for component in re.split(r"[/\\]", name):
        if component in ("", ".", ".."):
            return f"{component!r} path component" if component else "empty path component"
        if _names_git_dir(component):
            return f"{component!r} names the .git folder"
    return None


def copy_blobs(
    top: Path,
    wanted: Mapping[K, str],
    max_bytes: int,
    open_dest: Callable[[K], BinaryIO],
) -> tuple[dict[K, int], dict[K, str]]:
    """Write each blob (object name) to the file ``open_dest(key)`` opens, with one
    ``git cat-file --batch``.

    Raw content, no filters: no smudge (git-lfs never reaches the network), no textconv. A blob
    larger than ``max_bytes`` is not written. Returns every key's blob size, and the keys whose
    destination could not be created (``open_dest`` raised ``OSError``) with the reason.
    """
    order = list(wanted.items())
    if not order:
        return {}, {}
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=top,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    request = b"".join(obj.encode("ascii") + b"\n" for _, obj in order)

    def feed() -> None:
        assert proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(request)
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    sizes: dict[K, int] = {}
    failures: dict[K, str] = {}
    try:
        for dest, obj in order:
            header = proc.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise GitError(f"cannot read object {obj} from the index")
            size = int(header[2])
            sizes[dest] = size
            remaining = size
            fh = None
            if size <= max_bytes:
                try:
                    fh = open_dest(dest)
                except OSError as exc:
                    failures[dest] = exc.strerror or str(exc)
            try:
                while remaining:
                    chunk = proc.stdout.read(min(remaining, 1 << 16))
                    if not chunk:
                        raise GitError("git cat-file ended early")
                    remaining -= len(chunk)
                    if fh is not None:
                        fh.write(chunk)
            finally:
                if fh is not None:
                    fh.close()
            proc.stdout.read(1)  # the newline after each object
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        writer.join(5)
    return sizes, failures


def verify_commit(top: Path, ref: str) -> str:
    """The commit ``ref`` names; GitError with a readable message if it names none."""
    if ref.startswith("-"):
        raise GitError(f"not a valid revision: {ref!r}")
    try:
        return (
            _run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top)
            .decode()
            .strip()
        )
    except GitError:
        raise GitError(f"not a valid revision: {ref!r}") from None


def head_commit(top: Path) -> str | None:
    """HEAD's commit, or None in a repository without commits yet."""
    try:
        return _run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], top).decode().strip()
    except GitError:
        return None


def merge_base(top: Path, ref: str) -> str:
    """The merge-base of ``ref`` and HEAD (GitError with a readable message if there is none)."""
    commit = verify_commit(top, ref)
    if head_commit(top) is None:
        raise GitError("HEAD has no commit yet; nothing to compare with")
    try:
        return _run(["merge-base", commit, "HEAD"], top).decode().strip()
    except GitError:
        raise GitError(f"{ref!r} and HEAD have no common ancestor") from None


def diff_names(top: Path, base: str, *, cached: bool = False) -> list[str]:
    """Files added, copied, modified or renamed (new name) between ``base`` and the index
    (``cached``) or the work tree; deleted files are left out."""
    args = ["diff", "--name-only", "-z", "--no-ext-diff", "-M", "--diff-filter=ACMRTUXB"]
    args += ["--cached"] if cached else []
    return _split_z(_run([*args, base, "--"], top))


def untracked_files(top: Path) -> list[str]:
    """Untracked files .gitignore does not ignore."""
    return _split_z(_run(["ls-files", "-z", "--others", "--exclude-standard"], top))


def diff_patch(top: Path, base: str, *, cached: bool = False) -> bytes:
    """The zero-context patch from ``base`` to the index (``cached``) or the work tree, in a
    fixed shape whatever the user's configuration (prefixes, colour, external diff, textconv)."""
    args = [
        "diff",
        "-U0",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--diff-filter=ACMRTUXB",
    ]
    args += ["--cached"] if cached else []
    return _run([*args, base, "--"], top)
