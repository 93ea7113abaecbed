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


#: Programs git could start from configuration, set to values that start nothing. Git reads the
#: scanned repository's own .git/config (and whatever it includes); these ``-c`` settings come
#: last and win. Drivers named per repository (``filter.<name>.clean``...) are added by
#: :func:`_overrides` for every name the effective configuration defines.
FIXED_CONFIG: dict[str, str] = {
    "core.fsmonitor": "false",  # a hook run by ls-files --others, diff, status
    "core.usebuiltinfsmonitor": "false",
    "core.hookspath": os.devnull,  # no hook is found (post-index-change, reference-transaction)
    "core.pager": "",  # no pager (and --no-pager)
    "core.editor": ":",
    "sequence.editor": ":",
    "core.sshcommand": "",
    "core.gitproxy": "",
    "core.askpass": "",
    "core.alternaterefscommand": "",
    "core.usereplacerefs": "false",  # refs/replace/ must not swap the blob we read
    "credential.helper": "",  # an empty value clears the list of helpers
    "diff.external": "",
    "diff.ignoresubmodules": "all",  # no `git status` inside a submodule with its own config
    "submodule.recurse": "false",
    "protocol.allow": "never",  # no transport at all: no lazy fetch of a partial clone
    "uploadpack.packobjectshook": "",
    "gpg.program": "/nonexistent/gitops-guard-disabled",
    "log.showsignature": "false",
    "gc.auto": "0",
    "maintenance.auto": "false",
}
#: Per-name settings that name a program: section -> variable -> neutral value.
NAMED_CONFIG: dict[str, dict[str, str]] = {
    "filter": {"clean": "", "smudge": "", "process": "", "required": "false"},
    "diff": {"command": "", "textconv": "", "cachetextconv": "false"},
    "merge": {"driver": ""},
    "difftool": {"cmd": ""},
    "mergetool": {"cmd": ""},
    "protocol": {"allow": "never"},
    "credential": {"helper": ""},
    "remote": {
        "uploadpack": "git-upload-pack",
        "receivepack": "git-receive-pack",
        "vcs": "",
        "promisor": "false",
    },
    "gpg": {"program": "/nonexistent/gitops-guard-disabled"},
}
#: Environment that locates the repository (a hook's GIT_INDEX_FILE); every other GIT_* variable
#: of the caller is dropped (GIT_CONFIG_PARAMETERS, GIT_EXTERNAL_DIFF, GIT_PAGER, GIT_SSH_...).
LOCATION_ENV = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_EXEC_PATH",
    }
)
_DROPPED_ENV = frozenset({"PAGER", "EDITOR", "VISUAL", "SSH_ASKPASS", "LESSOPEN", "LESSCLOSE"})
_FORCED_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",  # never write the index
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_ALLOW_PROTOCOL": "",  # an empty list of allowed transports
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_LITERAL_PATHSPECS": "1",  # a path is a path, never a pattern
    "LC_ALL": "C",
}
#: The only git commands gitops-guard runs: each reads, none writes.
READ_ONLY = frozenset(
    {
        "rev-parse",
        "ls-files",
        "diff",
        "diff-index",
        "cat-file",
        "merge-base",
        "config",
        "ls-tree",
        "log",
    }
)


def environment() -> dict[str, str]:
    """The caller's environment without what could make git start a program."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _DROPPED_ENV and (not k.startswith("GIT_") or k in LOCATION_ENV)
    }
    return {**env, **_FORCED_ENV}


def _command(args: Sequence[str], overrides: Mapping[str, str]) -> list[str]:
    if args[0] not in READ_ONLY:
        raise GitError(f"git {args[0]} is not a read-only command")
    config = [arg for k, v in {**overrides, **FIXED_CONFIG}.items() for arg in ("-c", f"{k}={v}")]
    return ["git", "--no-pager", "--no-replace-objects", *config, *args]


def _config_signature(top: Path) -> tuple[int, ...] | None:
    """Changes whenever the repository's own configuration files change (None: not cached)."""
    folder = top / ".git"
    if not folder.is_dir() or folder.is_symlink():
        return None
    out: list[int] = []
    for name in ("config", "config.worktree"):
        try:
            st = (folder / name).stat()
        except OSError:
            out += [0, 0, 0]
        else:
            out += [st.st_ino, st.st_size, st.st_mtime_ns]
    return tuple(out)


_OVERRIDES: dict[Path, tuple[tuple[int, ...], dict[str, str]]] = {}


def _overrides(top: Path) -> dict[str, str]:
    """Neutral values for every program-running setting the effective configuration of ``top``
    defines per name (all scopes, includes followed: what git itself would read there)."""
    signature = _config_signature(top)
    cached = _OVERRIDES.get(top)
    if signature is not None and cached is not None and cached[0] == signature:
        return cached[1]
    listing = _execute(["config", "-z", "--list"], top, {})
    out: dict[str, str] = {}
    for record in listing.split(b"\0"):
        key = os.fsdecode(record.partition(b"\n")[0])
        section, _, rest = key.partition(".")
        section = section.lower()
        subsection = rest.rpartition(".")[0]
        if section == "pager" and not subsection:
            out[key] = "false"
        if section not in NAMED_CONFIG or not subsection:
            continue
        if "=" in subsection:
            raise GitError(
                f"git configuration {key!r}: a driver name with '=' cannot be neutralised; "
                "refusing to run git in this repository"
            )
        for name, value in NAMED_CONFIG[section].items():
            out[f"{section}.{subsection}.{name}"] = value
    if signature is not None:
        _OVERRIDES[top] = (signature, out)
    return out


def _execute(args: Sequence[str], cwd: Path, overrides: Mapping[str, str]) -> bytes:
    try:
        proc = subprocess.run(
            _command(args, overrides),
            cwd=cwd,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=environment(),
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:  # git missing or hung
        raise GitError(f"git {args[0]} failed: {exc}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(msg[-1] if msg else f"git {args[0]} exited {proc.returncode}")
    return proc.stdout


def _run(args: Sequence[str], cwd: Path) -> bytes:
    """``git ARGS`` in the work tree ``cwd`` with every program-running setting neutralised."""
    return _execute(args, cwd, _overrides(cwd))


def toplevel(path: Path) -> Path | None:
    """The work tree containing ``path``, or None outside git (or without git installed)."""
    start = path if path.is_dir() else path.parent
    return _toplevel(start.resolve())


@functools.lru_cache(maxsize=64)
def _toplevel(start: Path) -> Path | None:
    try:
        # Before the work tree is known: rev-parse reads no content, the fixed settings suffice.
        out = _execute(["rev-parse", "--show-toplevel"], start, {})
    except GitError:
        return None
    top = Path(os.fsdecode(out.rstrip(b"\n"))).resolve()
    # A repository's own core.worktree can name any folder ("/", a home directory): git then
    # lists and diffs files there. A work tree is used only when it holds the path and its
    # .git, unless the user's environment placed the repository (GIT_DIR, GIT_WORK_TREE).
    located_by_user = any(k in os.environ for k in ("GIT_DIR", "GIT_WORK_TREE"))
    if (start != top and top not in start.parents) or not (
        located_by_user or os.path.lexists(top / ".git")
    ):
        return None
    return top


def _split_z(out: bytes) -> list[str]:
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def ls_files(top: Path, pathspec: Sequence[str] = ()) -> list[str]:
    """Tracked files plus untracked files not ignored by .gitignore, relative to ``top``."""
    args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *pathspec]
    return sorted(set(_split_z(_run(args, top))))


#: Every ``git diff`` compares raw content: no external diff, no textconv, no submodule walk.
_DIFF_OPTIONS = ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all")


def staged_files(top: Path) -> list[str]:
    """Files added, copied, modified or renamed in the index (pre-commit's own filter)."""
    out = _run(
        ["diff", "--staged", *_DIFF_OPTIONS, "--name-only", "-z", "--diff-filter=ACMRTUXB"], top
    )
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
    proc = subprocess.Popen(
        _command(["cat-file", "--batch"], _overrides(top)),
        cwd=top,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environment(),
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
    args = ["diff", *_DIFF_OPTIONS, "--name-only", "-z", "-M", "--diff-filter=ACMRTUXB"]
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
        *_DIFF_OPTIONS,
        "-U0",
        "-M",
        "--no-color",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--diff-filter=ACMRTUXB",
    ]
    args += ["--cached"] if cached else []
    return _run([*args, base, "--"], top)


@dataclass(frozen=True)
class HistoryBlob:
    """A file version that entered history: its blob, where, and the commit that brought it."""

    blob: str
    path: str
    commit: str
    date: str
    """The commit's committer date, ISO 8601."""


_NULL_SHA = "0" * 40
#: Modes of regular files (symlinks and submodules hold no scannable content).
_FILE_MODES = ("100644", "100755", "100664")


def history_blobs(top: Path, revisions: Sequence[str]) -> list[HistoryBlob]:
    """Every blob added or changed by the commits ``revisions`` selects (``git log`` syntax:
    ``["HEAD"]``, ``["REF..HEAD"]``, ``["TO", "--not", "--remotes"]``), oldest first, each blob
    once (by object id) with the first commit that introduced it. A merge counts for what it
    changed against its first parent."""
    out = _run(
        [
            "log",
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "--no-textconv",
            "--no-ext-diff",
            "--diff-merges=first-parent",
            "--reverse",
            "-z",
            "--format=%x01%H %cI",
            *revisions,
            "--",
        ],
        top,
    )
    seen: set[str] = set()
    blobs: list[HistoryBlob] = []
    for chunk in out.split(b"\x01")[1:]:
        header, _, rest = chunk.partition(b"\0")
        commit, _, date = header.decode("ascii", "replace").partition(" ")
        fields = rest.lstrip(b"\n").split(b"\0")
        for meta, raw_path in zip(fields[0::2], fields[1::2], strict=False):
            parts = meta.decode("ascii", "replace").lstrip(":").split()
            if len(parts) < 5 or parts[1] not in _FILE_MODES or parts[3] == _NULL_SHA:
                continue
            blob = parts[3]
            if blob not in seen:
                seen.add(blob)
                blobs.append(HistoryBlob(blob, os.fsdecode(raw_path), commit, date.strip()))
    return blobs
