"""Which files a run covers, and what each of them is.

Discovery turns the user's paths into :class:`Target` objects relative to one scan root; each file
is classified once, by path and a peek at its content, into a set of kinds that the engine uses to
route it only to the scanners that apply.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from gitops_guard import git
from gitops_guard.classify import Kind, classify, is_binary
from gitops_guard.models import ErrorKind, ScanError

#: Folders never descended into outside git (inside git, .gitignore decides).
VENDORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".terraform",
        ".terragrunt-cache",
        ".serverless",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        ".direnv",
    }
)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
_PEEK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Target:
    """One file to scan."""

    path: str
    """Relative to the scan root, ``/``-separated: what reports show."""
    abspath: Path
    """Where to read it (a staged scan reads a materialised copy of the index)."""
    kinds: frozenset[str] = frozenset()
    size: int = 0

    @property
    def directory(self) -> str:
        """The containing folder relative to the root (``.`` at the top)."""
        parent = str(PurePosixPath(self.path).parent)
        return parent


@dataclass(frozen=True)
class TargetSet:
    """The outcome of discovery: the scan root, its files, and what was skipped and why."""

    root: Path
    targets: tuple[Target, ...]
    errors: tuple[ScanError, ...] = ()
    explicit: bool = False
    """True when the user named files (pre-commit): scanners report findings only for them."""
    context: tuple[Target, ...] = field(default=())
    """Extra files read only as context (a changed .tf brings its module's other .tf files)."""


__all__ = ["Kind", "Target", "TargetSet", "build_targets", "classify", "discover", "is_binary"]


def _peek(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(_PEEK_BYTES)


def scan_root(paths: Sequence[Path]) -> Path:
    """One root for all paths: their git work tree if they share one, else the current directory
    if every path is inside it, else the common ancestor."""
    resolved = [p.resolve() for p in paths]
    tops = {git.toplevel(p) for p in resolved}
    if len(tops) == 1 and (top := tops.pop()) is not None:
        return top
    cwd = Path.cwd().resolve()
    if all(p == cwd or cwd in p.parents for p in resolved):
        return cwd
    common = Path(os.path.commonpath([str(p) for p in resolved]))
    return common if common.is_dir() else common.parent


def _walk(directory: Path) -> Iterator[Path]:
    """Every entry under ``directory`` minus vendored folders; symlinked dirs are not entered."""
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in VENDORED_DIRS)
        base = Path(dirpath)
        for name in sorted(filenames):
            yield base / name
        for name in dirnames:
            if (base / name).is_symlink():
                yield base / name


def _stays_in(link: Path, folder: Path) -> bool:
    """True when ``link`` resolves inside ``folder`` (or cannot be resolved: a loop or a dangling
    link is reported by :func:`build_targets`)."""
    try:
        real = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return True
    return real == folder or folder in real.parents


def _relpath(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def discover(
    paths: Sequence[str | Path],
    *,
    root: Path | None = None,
    explicit_files: bool | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    use_git: bool = True,
) -> TargetSet:
    """Resolve user paths into classified targets.

    A directory inside a git work tree covers tracked plus untracked, non-ignored files; outside
    git, every regular file minus :data:`VENDORED_DIRS`. A file path is taken as given.
    """
    given = [Path(p) for p in (paths or ["."])]
    errors: list[ScanError] = []
    existing: list[Path] = []
    for p in given:
        if not p.exists() and not p.is_symlink():
            errors.append(ScanError("gitops-guard", f"no such file or directory: {p}", str(p)))
        else:
            existing.append(p)
    if not existing:
        return TargetSet(root=(root or Path.cwd()).resolve(), targets=(), errors=tuple(errors))
    root = (root or scan_root(existing)).resolve()
    top = git.toplevel(root) if use_git else None
    candidates: dict[str, Path] = {}
    only_files = all(p.is_file() or p.is_symlink() for p in existing if not p.is_dir())
    named_files = [p for p in existing if not p.is_dir()]
    for p in existing:
        ap = Path(os.path.abspath(p))
        if p.is_dir() and not p.is_symlink():
            if top is not None and (top == ap or top in ap.parents):
                for rel in git.ls_files(top, [str(ap.relative_to(top)) or "."]):
                    full = top / rel
                    if (r := _relpath(full, root)) is not None:
                        candidates[r] = full
            else:
                fence = ap.resolve()
                for full in _walk(ap):
                    if (r := _relpath(full, root)) is None:
                        continue
                    if full.is_symlink() and not _stays_in(full, fence):
                        # The root may be a parent (the current directory) of the folder the
                        # user named: a link never leads out of what was asked for.
                        errors.append(
                            ScanError(
                                "gitops-guard",
                                "symlink points outside the scan root; not followed",
                                r,
                                ErrorKind.SKIPPED,
                            )
                        )
                        continue
                    candidates[r] = full
        else:
            r = _relpath(ap, root)
            if r is None:
                errors.append(
                    ScanError("gitops-guard", "outside the scan root", str(p), ErrorKind.SKIPPED)
                )
            else:
                candidates[r] = ap
    explicit = bool(named_files) and only_files if explicit_files is None else explicit_files
    targets, errs = build_targets(candidates, root, max_bytes=max_bytes)
    errors.extend(errs)
    return TargetSet(root=root, targets=targets, errors=tuple(errors), explicit=explicit)


def _chart_roots(relpaths: Iterable[str], root: Path) -> frozenset[str]:
    """Helm chart folders (relative) holding any of ``relpaths``; ``root`` is where the files
    are read (the work tree, or a staged copy)."""
    charts = {
        str(PurePosixPath(r).parent) for r in relpaths if PurePosixPath(r).name == "Chart.yaml"
    }
    # A named file inside a chart whose Chart.yaml was not named (pre-commit) still belongs to it.
    for r in relpaths:
        for parent in PurePosixPath(r).parents:
            key = str(parent)
            if key in charts:
                break
            if (root / key / "Chart.yaml").is_file():
                charts.add(key)
                break
    return frozenset(charts)


def build_targets(
    candidates: dict[str, Path],
    root: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fence: Path | None = None,
) -> tuple[tuple[Target, ...], list[ScanError]]:
    """Check and classify candidate files (relative path -> where to read it); ``fence`` is the
    folder every file must really be in (``root`` unless the files are read from a copy)."""
    fence = root if fence is None else fence
    errors: list[ScanError] = []
    checked: list[tuple[str, Path, int]] = []
    for rel, full in sorted(candidates.items()):
        try:
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                real = full.resolve(strict=True)
                if real != fence and fence not in real.parents:
                    errors.append(
                        ScanError(
                            "gitops-guard",
                            "symlink points outside the scan root; not followed",
                            rel,
                            ErrorKind.SKIPPED,
                        )
                    )
                    continue
                st = real.stat()
                if stat.S_ISDIR(st.st_mode):
                    continue
            if not stat.S_ISREG(st.st_mode):
                errors.append(
                    ScanError(
                        "gitops-guard", "not a regular file; not opened", rel, ErrorKind.SKIPPED
                    )
                )
                continue
        except (OSError, RuntimeError) as exc:
            reason = (
                "symlink loop"
                if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
                else exc.strerror or str(exc)
            )
            errors.append(
                ScanError("gitops-guard", f"cannot read: {reason}", rel, ErrorKind.SKIPPED)
            )
            continue
        if st.st_size > max_bytes:
            errors.append(
                ScanError(
                    "gitops-guard",
                    f"larger than the {max_bytes}-byte limit (max-file-size); not scanned",
                    rel,
                    ErrorKind.SKIPPED,
                )
            )
            continue
        checked.append((rel, full, st.st_size))
    charts = _chart_roots([r for r, _, _ in checked], fence)
    targets: list[Target] = []
    for rel, full, size in checked:
        try:
            head = _peek(full)
        except OSError as exc:
            errors.append(
                ScanError(
                    "gitops-guard", f"cannot read: {exc.strerror or exc}", rel, ErrorKind.SKIPPED
                )
            )
            continue
        kinds = classify(rel, head, charts)
        if not kinds:
            errors.append(
                ScanError("gitops-guard", "binary file; not scanned", rel, ErrorKind.SKIPPED)
            )
            continue
        targets.append(Target(path=rel, abspath=full, kinds=kinds, size=size))
    return tuple(targets), errors
