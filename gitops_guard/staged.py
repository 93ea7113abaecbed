"""``scan --staged``: the content of the index, not the work tree.

The staged files (added, copied, modified, renamed: deleted files are not scanned, a renamed file
is scanned under its new name) are copied out of the index with one ``git cat-file --batch`` into
a private temporary directory (mode 0700) that mirrors the repository layout, so file names and
Terraform module folders look the same to every engine. Each :class:`~gitops_guard.targets.Target`
keeps its repository-relative ``path`` (what reports show) and reads from the copy (``abspath``).
The directory is removed when the scan ends, also on Ctrl-C or SIGTERM.

A staged ``.tf`` file brings the other ``.tf`` files of its folder, as staged, in as context: the
module is read whole, findings are reported for the staged files only. Likewise a staged file of a
Helm chart or of a Kustomize folder has the rest of that chart or folder copied from the index
next to it, so the chart or overlay can be rendered as it will be committed.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from types import FrameType

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
    for name in names:
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
        copies = {tmp / name: obj for name, obj in everything.items()}
        sizes = git.copy_blobs(top, copies, max_bytes)
        candidates: dict[str, Path] = {}
        context_candidates: dict[str, Path] = {}
        for name in sorted({**wanted, **context_names}):
            dest = tmp / name
            if sizes.get(dest, 0) > max_bytes:
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
        found, errs = build_targets(candidates, top, max_bytes=max_bytes)
        context, _ = build_targets(context_candidates, top, max_bytes=max_bytes)
        errors.extend(errs)
        yield TargetSet(
            root=top, targets=found, errors=tuple(errors), explicit=True, context=context
        )
