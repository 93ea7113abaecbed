"""``scan --history``: every file version that entered the history, each blob scanned once.

The blobs the selected commits added or changed (:func:`gitops_guard.git.history_blobs`: oldest
first, each object id once, with the commit that introduced it) are copied raw - no filters, no
textconv - into a private temporary folder and scanned like files, each under a path of its own
(:data:`~gitops_guard.models.HISTORY_PREFIX` ``<blob>/<path>``), so that two versions of one
file never meet in the engine, and cached by content like any file. Findings are then put back
at their real path with the commit that brought them; fingerprints ignore the prefix, so they
are the work tree's: baselines and inline suppressions apply unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from gitops_guard import git
from gitops_guard.models import HISTORY_PREFIX, Finding, Report, ScanError
from gitops_guard.staged import copy_into, private_tempdir
from gitops_guard.targets import DEFAULT_MAX_BYTES, TargetSet, build_targets

ROTATE = (
    "rotate it first: it is in the git history (commit {commit}), and rewriting the history "
    "does not revoke it - every clone and fork keeps it"
)


def source_key(path: str, commit: str | None) -> str:
    """The key of a finding's scanned content: its path, and for history its commit."""
    return path if not commit else f"{path}@{commit}"


@dataclass(frozen=True)
class History:
    """The blob targets of one history scan and where each one really is."""

    targets: TargetSet
    origin: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Scanned path -> (path in the repository, ``<short id> <date>`` of the commit)."""

    def files(self) -> dict[str, Path]:
        """Scanned content by :func:`source_key` of the findings it will carry."""
        out: dict[str, Path] = {}
        for t in self.targets.targets:
            path, commit = self.origin[t.path]
            out[source_key(path, commit)] = t.abspath
        return out

    def restore(self, report: Report) -> Report:
        """Findings and notices at their real path, with their commit and the advice to rotate."""

        def finding(f: Finding) -> Finding:
            if f.path not in self.origin:
                return f
            path, commit = self.origin[f.path]
            fix = ROTATE.format(commit=commit.split()[0]) if f.scanner == "secrets" else f.fix
            return replace(f, path=path, commit=commit, fix=fix)

        def error(e: ScanError) -> ScanError:
            if e.path is None or e.path not in self.origin:
                return e
            path, commit = self.origin[e.path]
            return replace(e, path=path, message=f"{e.message} (commit {commit.split()[0]})")

        return replace(
            report,
            findings=tuple(sorted((finding(f) for f in report.findings), key=_order)),
            errors=tuple(error(e) for e in report.errors),
        )


def _order(f: Finding) -> tuple[str, int, str, str]:
    return (f.path, f.line, f.commit or "", f.rule_id)


def revisions(since: str | None, pushed: tuple[str, str] | None = None) -> list[str]:
    """``git log`` revisions: all of HEAD's history, the commits after ``since``, or what a push
    sends (``to`` minus what the remote has; a new branch: what no remote branch has)."""
    if pushed is not None:
        old, new = pushed
        if not old or set(old) == {"0"}:
            return [new, "--not", "--remotes"]
        return [f"{old}..{new}"]
    return [f"{since}..HEAD"] if since else ["HEAD"]


def _name(path: str) -> str:
    name = PurePosixPath(path).name
    return name if name not in ("", ".", "..") and "\0" not in name else "blob"


@contextlib.contextmanager
def history_targets(
    top: Path,
    revs: list[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    excluded: Callable[[str], bool] = lambda _: False,
) -> Iterator[History]:
    """The blobs ``revs`` brought into the history, as targets; usable inside the block."""
    top = top.resolve()
    blobs = [b for b in git.history_blobs(top, revs) if not excluded(b.path)]
    with private_tempdir("gitops-guard-history-") as tmp:
        copies = {f"{b.blob[:2]}/{b.blob}/{_name(b.path)}": b.blob for b in blobs}
        sizes, failures = copy_into(top, tmp, copies, max_bytes)
        candidates: dict[str, Path] = {}
        origin: dict[str, tuple[str, str]] = {}
        for b, name in zip(blobs, copies, strict=True):
            scanned = f"{HISTORY_PREFIX}{b.blob[:12]}/{b.path}"
            origin[scanned] = (b.path, f"{b.commit[:12]} {b.date}")
            if name not in failures and sizes.get(name, 0) <= max_bytes:
                candidates[scanned] = tmp / name
        found, errors = build_targets(candidates, top, max_bytes=max_bytes, fence=tmp)
        ts = TargetSet(root=top, targets=found, errors=tuple(errors), explicit=True)
        yield History(ts, origin)
