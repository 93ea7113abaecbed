"""The application layer: one scan, from a frozen request to one outcome.

Every command that scans (``scan``, ``baseline create|update``, the daemon through ``scan``) goes
through :func:`run`, so each step of the pipeline is written once::

    request -> config -> scanners -> scope (paths / staged / diff) -> exclude -> engine
            -> restrict to changed lines -> triage -> outcome

Nothing here prints or exits: problems are raised as :mod:`gitops_guard.errors` exceptions that
carry their exit code, or recorded in the report as :class:`~gitops_guard.models.ScanError`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from pathlib import Path

from gitops_guard import baseline as baseline_mod
from gitops_guard import config as config_mod
from gitops_guard import engine, history, scope, targets, triage
from gitops_guard import scanners as registry
from gitops_guard.cache import Cache
from gitops_guard.config_model import compile_patterns
from gitops_guard.errors import ScanFailed, UsageError
from gitops_guard.models import ErrorKind, Report, ScanError, Severity
from gitops_guard.scanners.interface import Scanner
from gitops_guard.targets import TargetSet


class Mode(str, enum.Enum):
    """What a scan covers."""

    TREE = "tree"
    """The named paths (default: the current directory), as they are on disk."""
    STAGED = "staged"
    """What the next commit holds: the index content of the staged files."""
    DIFF = "diff"
    """The files changed since merge-base(REF, HEAD), as they are in the work tree."""
    HISTORY = "history"
    """Every blob the commits reachable from HEAD (after ``since``, or of a push) brought in."""


@dataclass(frozen=True)
class ScanRequest:
    """Everything a scan depends on besides the files themselves."""

    paths: tuple[Path, ...] = ()
    """What the user named; empty for the current directory."""
    mode: Mode = Mode.TREE
    diff_base: str | None = None
    """The revision of :attr:`Mode.DIFF`."""
    diff_lines: bool = False
    """Keep only findings on changed lines (:attr:`Mode.STAGED` and :attr:`Mode.DIFF`)."""
    since: str | None = None
    """:attr:`Mode.HISTORY`: only the commits after this one (``git log SINCE..HEAD``)."""
    pushed: tuple[str, str] | None = None
    """:attr:`Mode.HISTORY` in a pre-push hook: the (old, new) commits of the pushed ref."""
    scanners: tuple[str, ...] | None = None
    """Scanner names from the command line; None for the configured (or every) scanner."""
    config_file: Path | None = None
    baseline_file: Path | None = None
    """The baseline to hide accepted findings with, else the configured one."""
    use_baseline: bool = True
    """False to report everything (``--no-baseline``, and when recording a baseline)."""
    min_severity: Severity | None = None
    """Show only findings at or above this; None for the configured threshold."""
    jobs: int | None = None
    timeout: float | None = 600.0
    use_cache: bool = True
    max_file_size: int | None = None
    """None for the configured limit."""
    skip_rules: tuple[str, ...] = ()
    """``--skip``: rule ids (globs) dropped on top of the configured ``skip-rules``."""
    exclude: tuple[str, ...] = ()
    """``--exclude``: gitignore-style patterns (relative to the scan root) on top of ``exclude``."""
    exit_zero: bool = False
    """``--exit-zero``: findings do not fail the run."""


@dataclass(frozen=True)
class Outcome:
    """What one scan produced."""

    report: Report
    """Triaged: overrides, skip-rules, suppressions, baseline and min-severity applied."""
    targets: TargetSet
    """What was scanned (after excludes)."""
    config: config_mod.Config
    """The configuration used, with the request's overrides."""
    baseline_path: Path
    """The baseline file of this scan: given, configured, or the default name in the root."""
    load_failures: tuple[registry.LoadFailure, ...] = field(default=())
    """Scanners that could not be loaded (also errors of :attr:`report`)."""


def parse_scanner_names(value: str | None) -> tuple[str, ...] | None:
    """``--scanners a,b`` as names, each checked against the installed scanners."""
    if value is None:
        return None
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    known = sorted(registry.available())
    for n in names:
        if n not in known:
            raise UsageError(f"unknown scanner {n!r}{config_mod.suggest(n, known)}")
    if not names:
        raise UsageError("--scanners needs at least one scanner name")
    return names


def load_config(request: ScanRequest) -> tuple[Path, config_mod.Config]:
    """The scan root and the configuration for ``request`` (the request's overrides applied)."""
    if request.config_file is not None and not request.config_file.is_file():
        raise UsageError(f"--config {request.config_file}: no such file")
    existing = [p for p in request.paths if p.exists() or p.is_symlink()]
    missing = [p for p in request.paths if p not in existing]
    if missing and request.mode is Mode.TREE:
        raise UsageError(f"no such file or directory: {missing[0]}")
    root = targets.scan_root(existing or [Path(".")])
    cfg = config_mod.load(root, request.config_file)
    if request.baseline_file is not None:
        config_mod.check_regular(request.baseline_file, "--baseline")
    for pattern in request.exclude:
        try:
            compile_patterns([pattern])
        except ValueError:
            raise UsageError(f"--exclude {pattern!r}: not a gitignore-style pattern") from None
    return root, cfg.override(
        scanners=request.scanners,
        min_severity=request.min_severity,
        max_file_size=request.max_file_size,
        baseline=None if request.baseline_file is None else request.baseline_file.absolute(),
        cli_exclude=request.exclude or None,
        cli_skip_rules=request.skip_rules or None,
        exit_zero=request.exit_zero or None,
    )


#: What ``--history`` runs unless scanners are named: secrets are what outlives a fix.
HISTORY_SCANNERS = ("secrets",)


def _scanners(
    cfg: config_mod.Config, mode: Mode
) -> tuple[list[Scanner], list[registry.LoadFailure]]:
    names = list(cfg.scanners) if cfg.scanners else None
    if mode is Mode.HISTORY and cfg.origin("scanners") == config_mod.DEFAULT:
        names = list(HISTORY_SCANNERS)
    return registry.load(names)


def _with_config_files(report: Report, cfg: config_mod.Config) -> Report:
    """The configuration file used (``summary.config_files``) and a notice for each one found
    but not obeyed (another user's file in a shared parent...)."""
    ignored = tuple(
        ScanError(
            "gitops-guard",
            f"configuration {path} ignored: {reason} (pass --config to use it)",
            None,
            ErrorKind.SKIPPED,
        )
        for path, reason in cfg.ignored_files
    )
    used = [str(cfg.source)] if cfg.source is not None else []
    extras = {**report.extras, "config_files": used}
    return replace(report, errors=(*ignored, *report.errors), extras=extras)


def _complete(request: ScanRequest, cfg: config_mod.Config) -> bool:
    """Every installed scanner reads whole files with its default rules: a suppression that hid
    nothing in such a run is unused (not merely outside what this run looked at)."""
    return cfg.scanners is None and not request.diff_lines and not any(cfg.scanner_options.values())


def run(request: ScanRequest) -> Outcome:
    """Scan what ``request`` names and triage the result; never raises for a scanner's failure
    (that is an error in the report), raises :class:`UsageError` for a request that cannot be
    carried out."""
    root, cfg = load_config(request)
    chosen, failures = _scanners(cfg, request.mode)
    baseline_path = cfg.baseline or root / baseline_mod.DEFAULT_NAME
    accepted = baseline_mod.load(cfg.baseline) if request.use_baseline and cfg.baseline else None
    with scope.select(
        request.paths,
        staged_only=request.mode is Mode.STAGED,
        diff_base=request.diff_base if request.mode is Mode.DIFF else None,
        diff_lines=request.diff_lines,
        max_bytes=targets.DEFAULT_MAX_BYTES if cfg.max_file_size is None else cfg.max_file_size,
        history_revisions=(
            history.revisions(request.since, request.pushed)
            if request.mode is Mode.HISTORY
            else None
        ),
        excluded=lambda path: cfg.excluded(root, path),
    ) as chosen_scope:
        # The baseline file holds fingerprints only; it is never worth scanning.
        ts = config_mod.exclude_targets(chosen_scope.targets, cfg, also=(baseline_path,))
        report = engine.run(
            ts,
            chosen,
            engine.EngineOptions(
                jobs=request.jobs or engine.cores(),
                timeout=request.timeout,
                cache=Cache() if request.use_cache else None,
                scanner_options=cfg.scanner_options,
            ),
        )
        report = chosen_scope.restrict(report)
        if failures:
            load_errors = tuple(
                ScanError(f.name, f"scanner failed to load: {f.error}") for f in failures
            )
            report = replace(report, errors=(*load_errors, *report.errors))
        report = _with_config_files(report, cfg)
        report = triage.apply(
            report,
            cfg,
            baseline=accepted,
            files=chosen_scope.files(),
            root=ts.root,
            complete=_complete(request, cfg) and not failures,
        )
    return Outcome(report, ts, cfg, baseline_path, tuple(failures))


def record(request: ScanRequest) -> Outcome:
    """The scan a baseline records (``baseline create|update|audit``): ``request`` with every
    severity and no baseline applied; an incomplete scan (a scanner failed, or failed to load)
    raises :class:`ScanFailed`, so nothing is written from it."""
    outcome = run(replace(request, use_baseline=False, min_severity=Severity.INFO))
    if outcome.report.failed:
        failed = sorted({e.scanner for e in outcome.report.errors if e.kind is ErrorKind.ERROR})
        raise ScanFailed(
            f"scanner(s) failed: {', '.join(failed)}; the baseline was not written "
            "(run `gitops-guard scan` to see why)"
        )
    return outcome
