"""What one ``scan`` covers: paths, the staged index, or the files changed since a revision.

* plain: :func:`gitops_guard.targets.discover` over PATHS (named files are scanned exactly);
* ``--staged``: the index content of the staged files (:mod:`gitops_guard.staged`);
* ``--diff-base REF``: the files that differ between merge-base(REF, HEAD) and the work tree -
  committed, staged or not - plus untracked files .gitignore does not ignore; deleted files are
  not scanned. They are scanned as they are in the work tree.

``--diff-lines`` then keeps only findings on changed lines (:mod:`gitops_guard.diff`): against
HEAD for ``--staged``, against the merge-base for ``--diff-base``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from gitops_guard import diff, git, history, staged, targets
from gitops_guard.errors import UsageError
from gitops_guard.history import History
from gitops_guard.models import Report, ScanError
from gitops_guard.targets import TargetSet


class ScopeError(UsageError):
    """The requested scope cannot be computed (outside git, a bad revision): a usage error."""


@dataclass(frozen=True)
class Scope:
    targets: TargetSet
    changed: diff.ChangedLines | None = None
    """Set with ``--diff-lines``: findings are kept only on these lines."""
    history: History | None = None
    """Set with ``--history``: the blobs' real paths and commits."""

    def restrict(self, report: Report) -> Report:
        if self.history is not None:
            report = self.history.restore(report)
        return report if self.changed is None else diff.restrict(report, self.changed)

    def files(self) -> dict[str, Path]:
        """Where each finding's scanned content is, for triage (by ``history.source_key``)."""
        if self.history is not None:
            return self.history.files()
        return {t.path: t.abspath for t in self.targets.targets}


def _top(paths: Sequence[Path], flag: str) -> Path:
    start = next((p for p in paths if p.exists()), Path("."))
    top = git.toplevel(start.absolute())
    if top is None:
        raise ScopeError(f"{flag} needs a git repository, and {start} is not inside one")
    return top.resolve()


@contextlib.contextmanager
def select(
    paths: Sequence[Path],
    *,
    staged_only: bool = False,
    diff_base: str | None = None,
    diff_lines: bool = False,
    max_bytes: int = targets.DEFAULT_MAX_BYTES,
    history_revisions: list[str] | None = None,
    excluded: Callable[[str], bool] = lambda _: False,
) -> Iterator[Scope]:
    """The targets of one run (and the changed lines with ``diff_lines``)."""
    if history_revisions is not None:
        if staged_only or diff_base is not None or diff_lines:
            raise ScopeError(
                "--history cannot be combined with --staged, --diff-base or --diff-lines"
            )
        top = _top(paths, "--history")
        try:
            for rev in history_revisions:
                if not rev.startswith("-"):
                    git.verify_commit(top, rev.split("..")[0] or "HEAD")
            with history.history_targets(
                top, history_revisions, max_bytes=max_bytes, excluded=excluded
            ) as found:
                yield Scope(found.targets, history=found)
        except git.GitError as exc:
            raise ScopeError(f"--history: {exc}") from None
        return
    if staged_only and diff_base is not None:
        raise ScopeError("--staged and --diff-base cannot be combined")
    if diff_lines and not staged_only and diff_base is None:
        raise ScopeError("--diff-lines needs --staged or --diff-base REF")
    if staged_only:
        top = _top(paths, "--staged")
        changed = None
        try:
            if diff_lines:
                base = git.head_commit(top) or git.EMPTY_TREE
                changed = diff.parse_patch(git.diff_patch(top, base, cached=True))
            with staged.staged_targets(top, paths, max_bytes=max_bytes) as ts:
                yield Scope(ts, changed)
        except git.GitError as exc:
            raise ScopeError(f"--staged: {exc}") from None
        return
    if diff_base is not None:
        top = _top(paths, "--diff-base")
        try:
            base = git.merge_base(top, diff_base)
            names = git.diff_names(top, base)
            untracked = git.untracked_files(top)
            changed = None
            if diff_lines:
                changed = diff.parse_patch(git.diff_patch(top, base)).with_new_files(untracked)
        except git.GitError as exc:
            raise ScopeError(f"--diff-base {diff_base}: {exc}") from None
        prefixes = staged.relative_prefixes(top, paths)
        listed = {n for n in {*names, *untracked} if prefixes is None or staged.under(n, prefixes)}
        refused = tuple(
            ScanError("gitops-guard", f"name refused ({problem}); not read", n)
            for n in sorted(listed)
            if (problem := git.path_problem(n)) is not None
        )
        chosen = sorted(
            n
            for n in listed
            if git.path_problem(n) is None and ((top / n).exists() or (top / n).is_symlink())
        )
        if chosen:
            ts = targets.discover(
                [top / n for n in chosen], root=top, explicit_files=True, max_bytes=max_bytes
            )
        else:
            ts = TargetSet(root=top, targets=(), explicit=True)
        yield Scope(replace(ts, errors=(*refused, *ts.errors)), changed)
        return
    yield Scope(
        targets.discover(list(paths) or [Path(".")], max_bytes=max_bytes, user_named=bool(paths))
    )
