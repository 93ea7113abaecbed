"""``scan --staged``: the content of the index, not the work tree.

The staged files (added, copied, modified, renamed: deleted files are not scanned, a renamed file
is scanned under its new name) are copied out of the index with one ``git cat-file --batch`` into
a private temporary directory (mode 0700) that mirrors the repository layout, so file names and
Terraform module folders look the same to every engine. Each :class:`~gitops_guard.targets.Target`
keeps its repository-relative ``path`` (what reports show) and reads from the copy (``abspath``).
The directory is removed when the scan ends, also on Ctrl-C or SIGTERM.

An index is data from the repository, and a planted one can name any path: every name is checked
the way git checks what it writes (:func:`gitops_guard.git.path_problem`: no ``..``, no absolute
path, no spelling of ``.git``) and each file is created by :class:`PrivateCopy` relative to the
copy's directory descriptor, one component at a time, never following a link and never replacing a
file. A refused name is an error (exit 3) that names the entry; nothing is written for it.

A staged ``.tf`` file brings the other ``.tf`` files of its folder, as staged, in as context: the
module is read whole, findings are reported for the staged files only. Likewise a staged file of a
Helm chart or of a Kustomize folder has the rest of that chart or folder copied from the index
next to it, so the chart or overlay can be rendered as it will be committed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import BinaryIO

from gitops_guard import git
from gitops_guard.models import ErrorKind, ScanError
from gitops_guard.targets import DEFAULT_MAX_BYTES, TargetSet, build_targets

_SYMLINK = "120000"
_GITLINK = "160000"
_KUSTOMIZATIONS = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})


def _is_terraform(path: str) -> bool:
    return path.endswith((".tf", ".tf.json"))


def under(path: str, prefixes: Sequence[str]) -> bool:
    """True when ``path`` is one of ``prefixes`` or inside one (``.`` covers everything)."""
    return any(p == "." or path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def relative_prefixes(top: Path, paths: Sequence[Path]) -> list[str] | None:
    """User paths as ``/``-separated prefixes relative to ``top`` (None: no restriction)."""
    if not paths:
        return None
    out = []
    for p in paths:
        full = Path(p).absolute().resolve()
        try:
            out.append(full.relative_to(top).as_posix() or ".")
        except ValueError:
            out.append(f"\0outside:{p}")  # matches nothing
    return out


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while the copy exists, so ``finally`` removes it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def private_tempdir(prefix: str = "gitops-guard-staged-") -> Iterator[Path]:
    """A fresh 0700 directory, removed on exit whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with _terminate_as_interrupt():
            yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


_DIR_FLAGS = (
    os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
_FILE_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class PrivateCopy:
    """Files created under one directory and nowhere else: each component of a name is opened
    relative to its parent's descriptor with ``O_NOFOLLOW`` (a link, even one made by an earlier
    entry, is never followed) and the file itself with ``O_EXCL`` (nothing is overwritten)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._fd = os.open(root, _DIR_FLAGS)

    def close(self) -> None:
        os.close(self._fd)

    def create(self, name: str) -> BinaryIO:
        """A new file at ``name`` (``/``-separated, checked by :func:`git.path_problem`)."""
        problem = git.path_problem(name)
        if problem is not None:
            raise OSError(f"refused name: {problem}")
        *folders, leaf = name.split("/")
        fd = os.dup(self._fd)
        try:
            for folder in folders:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(folder, 0o700, dir_fd=fd)
                child = os.open(folder, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
            return os.fdopen(os.open(leaf, _FILE_FLAGS, 0o600, dir_fd=fd), "wb")
        finally:
            os.close(fd)


def copy_into(
    top: Path, tmp: Path, blobs: dict[str, str], max_bytes: int
) -> tuple[dict[str, int], dict[str, str]]:
    """Write each blob (name -> object id) under ``tmp`` through :class:`PrivateCopy`; the
    sizes, and the names that could not be created with the reason."""
    copy = PrivateCopy(tmp)
    try:
        return git.copy_blobs(top, blobs, max_bytes, copy.create)
    finally:
        copy.close()


def _bundles(wanted: dict[str, str], merged: dict[str, git.IndexEntry]) -> list[str]:
    """Folders rendered as a whole (Helm charts, Kustomize folders) holding a staged file."""
    charts = {str(PurePosixPath(p).parent) for p in merged if PurePosixPath(p).name == "Chart.yaml"}
    kustomize = {
        str(PurePosixPath(p).parent) for p in merged if PurePosixPath(p).name in _KUSTOMIZATIONS
    }
    out: set[str] = set()
    for name in wanted:
        parents = [str(p) for p in PurePosixPath(name).parents]
        chart = next((p for p in parents if p in charts), None)
        if chart is not None:
            out.add(chart)
        if parents[0] in kustomize:
            out.add(parents[0])
    return sorted(out)


@contextlib.contextmanager
def staged_targets(
    top: Path, paths: Sequence[Path] = (), *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[TargetSet]:
    """The staged files under ``paths`` (all when empty) as targets read from a temporary copy
    of the index; usable only inside the ``with`` block."""
    top = top.resolve()
    prefixes = relative_prefixes(top, paths)
    names = [n for n in git.staged_files(top) if prefixes is None or under(n, prefixes)]
    entries = git.index_entries(top)
    merged = {e.path: e for e in entries if e.stage == 0}
    conflicted = {e.path for e in entries if e.stage != 0}
    errors: list[ScanError] = []
    wanted: dict[str, str] = {}
    refused = {e.path: p for e in entries if (p := git.path_problem(e.path)) is not None}
    merged = {p: e for p, e in merged.items() if p not in refused}
    for name in names:
        if name in refused:
            errors.append(
                ScanError(
                    "gitops-guard",
                    f"index entry name refused ({refused[name]}); nothing written or scanned",
                    name,
                )
            )
            continue
        entry = merged.get(name)
        if entry is None:
            if name in conflicted:
                errors.append(
                    ScanError(
                        "gitops-guard",
                        "unresolved merge conflict; not scanned",
                        name,
                        ErrorKind.SKIPPED,
                    )
                )
            continue
        if entry.mode == _GITLINK:
            continue
        if entry.mode == _SYMLINK:
            errors.append(
                ScanError(
                    "gitops-guard",
                    "staged symlink; not followed (its target is scanned when staged)",
                    name,
                    ErrorKind.SKIPPED,
                )
            )
            continue
        wanted[name] = entry.object
    # Terraform: the rest of each staged file's module, as staged, is read as context.
    modules = {str(PurePosixPath(n).parent) for n in wanted if _is_terraform(n)}
    context_names = {
        e.path: e.object
        for e in merged.values()
        if e.path not in wanted
        and e.mode not in (_SYMLINK, _GITLINK)
        and _is_terraform(e.path)
        and str(PurePosixPath(e.path).parent) in modules
    }
    bundles = _bundles(wanted, merged)
    rendered_with = {
        e.path: e.object
        for e in merged.values()
        if e.path not in wanted
        and e.path not in context_names
        and e.mode not in (_SYMLINK, _GITLINK)
        and under(e.path, bundles)
    }
    with private_tempdir() as tmp:
        everything = {**rendered_with, **wanted, **context_names}
        sizes, failures = copy_into(top, tmp, everything, max_bytes)
        candidates: dict[str, Path] = {}
        context_candidates: dict[str, Path] = {}
        for name in sorted({**wanted, **context_names}):
            dest = tmp / name
            if name in failures:
                if name in wanted:
                    errors.append(
                        ScanError(
                            "gitops-guard",
                            f"cannot copy the index entry ({failures[name]}); not scanned",
                            name,
                        )
                    )
                continue
            if sizes.get(name, 0) > max_bytes:
                if name in wanted:
                    errors.append(
                        ScanError(
                            "gitops-guard",
                            f"larger than the {max_bytes}-byte limit (max-file-size); not scanned",
                            name,
                            ErrorKind.SKIPPED,
                        )
                    )
                continue
            (candidates if name in wanted else context_candidates)[name] = dest
        found, errs = build_targets(candidates, top, max_bytes=max_bytes, fence=tmp)
        context, _ = build_targets(context_candidates, top, max_bytes=max_bytes, fence=tmp)
        errors.extend(errs)
        yield TargetSet(
            root=top, targets=found, errors=tuple(errors), explicit=True, context=context
        )
