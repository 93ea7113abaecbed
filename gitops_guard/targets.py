"""Which files a run covers, and what each of them is.

Discovery turns the user's paths into :class:`Target` objects relative to one scan root; each file
is classified once, by path and a peek at its content, into a set of kinds that the engine uses to
route it only to the scanners that apply.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
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

#: No limit unless one is configured (``max-file-size``): what is not scanned is not clean.
DEFAULT_MAX_BYTES = sys.maxsize
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
    """The first bytes of the regular file ``path`` (never a FIFO or device, never a link)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        return fh.read(_PEEK_BYTES)


def inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies in it (both resolved)."""
    return path == folder or folder in path.parents


def locate(path: Path) -> tuple[Path, Path]:
    """Where a named path lies, and the longest prefix of it the scanned tree cannot move.

    Links in folders that are outside every repository and above the current directory belong
    to the user (a ``/home -> /usr/home``) and are followed. A link inside a repository or below
    the current directory is part of the scanned tree: it is kept as it is (the first value
    still goes through it) and the second value stops before it, so the scan root never moves
    where the tree's links lead."""
    lexical = Path(os.path.abspath(path))
    cwd = Path.cwd()
    current = Path(lexical.anchor)
    parts = lexical.parts[1:]
    for i, part in enumerate(parts):
        step = current / part
        if not step.is_symlink():
            current = step
            continue
        if inside(current, cwd) or git.toplevel(current) is not None:
            return current.joinpath(*parts[i:]), current
        current = Path(os.path.realpath(step))
    return current, current


def scan_root(paths: Sequence[Path]) -> Path:
    """One root for all paths: their git work tree if they share one, else the current directory
    if every path is inside it, else the common ancestor. A link inside the scanned tree never
    moves it (:func:`locate`)."""
    anchors = [locate(p)[1] for p in paths]
    tops = {git.toplevel(p) for p in anchors}
    if len(tops) == 1 and (top := tops.pop()) is not None:
        return top
    cwd = Path.cwd().resolve()
    if all(inside(p, cwd) for p in anchors):
        return cwd
    common = Path(os.path.commonpath([str(p) for p in anchors]))
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


def _refused(name: str, problem: str) -> ScanError:
    return ScanError("gitops-guard", f"name refused ({problem}); not read", name)


def discover(
    paths: Sequence[str | Path],
    *,
    root: Path | None = None,
    explicit_files: bool | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    use_git: bool = True,
    user_named: bool = False,
) -> TargetSet:
    """Resolve user paths into classified targets.

    A directory inside a git work tree covers tracked plus untracked, non-ignored files; outside
    git, every regular file minus :data:`VENDORED_DIRS`. A file path is taken as given. A named
    link to a folder inside the root covers that folder (reported under its real path). Nothing
    whose real path is outside the root is read, and what was not read is not clean: a named path
    that leads out, or a link beneath a named folder that does, is an error. With ``user_named``
    (the paths are what the user typed, not names git listed), a path that leads out of the root
    or holds no file at all is an error: the user asked for something that was not scanned.
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
        located = locate(p)[0]
        real = Path(os.path.realpath(located))  # every link followed, a named file's too
        if not inside(real, root) and (user_named or p.is_dir()):
            errors.append(
                ScanError("gitops-guard", "leads outside the scan root; not scanned", str(p))
            )
            continue
        before = len(candidates)
        if real.is_dir():
            if top is not None and inside(real, top):
                for rel in git.ls_files(top, [str(real.relative_to(top)) or "."]):
                    if (problem := git.path_problem(rel)) is not None:
                        errors.append(_refused(rel, problem))
                    elif (r := _relpath(top / rel, root)) is not None:
                        candidates[r] = top / rel
            else:
                for full in _walk(real):
                    if (r := _relpath(full, root)) is None:
                        continue
                    if full.is_symlink() and not _stays_in(full, real):
                        # The root may be a parent (the current directory) of the folder the
                        # user named: a link never leads out of what was asked for.
                        errors.append(_outside_link(r))
                        continue
                    candidates[r] = full
        elif (r := _relpath(located, root)) is None:
            errors.append(
                ScanError("gitops-guard", "outside the scan root", str(p), ErrorKind.SKIPPED)
            )
        else:
            candidates[r] = located
        if user_named and len(candidates) == before and real.is_dir():
            errors.append(ScanError("gitops-guard", "holds no file to scan", str(p)))
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
    # Each folder is looked at once, however many files it holds.
    looked: dict[str, bool] = {}
    for r in relpaths:
        for parent in PurePosixPath(r).parents:
            key = str(parent)
            if key in charts:
                break
            if key not in looked:
                looked[key] = os.path.isfile(os.path.join(root, key, "Chart.yaml"))
            if looked[key]:
                charts.add(key)
                break
    return frozenset(charts)


def _outside_link(rel: str) -> ScanError:
    """A link out of the root is never followed (nothing outside is read), and what it stands
    for was not scanned: an error until the user removes or excludes it."""
    return ScanError(
        "gitops-guard",
        "symlink points outside the scan root; not followed, not scanned (remove it, or exclude "
        "it to accept that)",
        rel,
    )


def _unreadable(rel: str, exc: OSError | RuntimeError) -> ScanError:
    """A link that leads nowhere (a loop, a missing target) holds nothing to scan: a notice. Any
    other read failure (permissions, I/O) leaves content unchecked: an error."""
    errno_ = getattr(exc, "errno", None)
    if isinstance(exc, RuntimeError) or errno_ == errno.ELOOP:
        return ScanError("gitops-guard", "cannot read: symlink loop", rel, ErrorKind.SKIPPED)
    reason = getattr(exc, "strerror", None) or str(exc)
    if errno_ == errno.ENOENT:
        return ScanError("gitops-guard", f"cannot read: {reason}", rel, ErrorKind.SKIPPED)
    return ScanError("gitops-guard", f"cannot read: {reason}; not scanned", rel)


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
    checked: list[tuple[str, Path, Path, int]] = []
    real_dirs: dict[Path, Path] = {}
    for rel, full in sorted(candidates.items()):
        try:
            # The real path, through every link of every component (the folder's once).
            if full.parent not in real_dirs:
                real_dirs[full.parent] = full.parent.resolve(strict=True)
            st = full.lstat()
            real = real_dirs[full.parent] / full.name
            if stat.S_ISLNK(st.st_mode):
                real = real.resolve(strict=True)
            if not inside(real, fence):
                errors.append(_outside_link(rel))
                continue
            if stat.S_ISLNK(st.st_mode):
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
            errors.append(_unreadable(rel, exc))
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
        checked.append((rel, full, real, st.st_size))
    charts = _chart_roots([r for r, _, _, _ in checked], fence)
    targets: list[Target] = []
    for rel, full, real, size in checked:
        try:
            head = _peek(real)
        except OSError as exc:
            errors.append(_unreadable(rel, exc))
            continue
        kinds = classify(rel, head, charts)
        if not kinds:
            errors.append(
                ScanError("gitops-guard", "binary file; not scanned", rel, ErrorKind.SKIPPED)
            )
            continue
        targets.append(Target(path=rel, abspath=full, kinds=kinds, size=size))
    return tuple(targets), errors
