"""``gitops-guard baseline create|update``: record today's findings as accepted.

``create`` scans PATHS and writes every finding left after severity overrides, skip-rules and
inline suppressions (``min-severity`` does not apply: a baseline records everything) - it refuses
to replace an existing file without ``--force``. ``update`` re-scans and drops entries that no
longer occur (lowering counts), keeping entries outside what it scanned; it adds new findings only
with ``--add-new``, so accepting new problems is always a deliberate act.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from gitops_guard import baseline as baseline_mod
from gitops_guard import config as config_mod
from gitops_guard import engine, targets, triage
from gitops_guard.cache import Cache
from gitops_guard.commands.common import UsageError, scanner_names_option, select_scanners
from gitops_guard.exit_codes import ExitCode
from gitops_guard.models import Finding, Report, Severity


class ScanFailed(click.ClickException):
    exit_code = int(ExitCode.SCANNER_FAILED)


def _options(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")(f)
    f = click.option("-j", "--jobs", type=click.IntRange(min=1), default=None)(f)
    f = click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Configuration file (default: found from the scanned root upward).",
    )(f)
    f = click.option(
        "--file",
        "baseline_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"Baseline file. Default: the `baseline` configuration key, else "
        f"{baseline_mod.DEFAULT_NAME} in the scan root.",
    )(f)
    f = scanner_names_option(f)
    f = click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))(f)
    return f


@click.group("baseline")
def baseline() -> None:
    """Record accepted findings so that `scan --baseline FILE` reports only new ones."""


def _scan(
    paths: tuple[Path, ...],
    scanner_names: str | None,
    config_file: Path | None,
    baseline_file: Path | None,
    jobs: int | None,
    no_cache: bool,
) -> tuple[Report, list[Finding], Path, targets.TargetSet]:
    if config_file is not None and not config_file.is_file():
        raise UsageError(f"--config {config_file}: no such file")
    start = list(paths) or [Path(".")]
    root = targets.scan_root(start)
    try:
        cfg = config_mod.load(root, config_file)
    except config_mod.ConfigError as exc:
        raise UsageError(str(exc)) from None
    dest = (baseline_file or cfg.baseline or root / baseline_mod.DEFAULT_NAME).absolute()
    chosen = select_scanners(scanner_names, list(cfg.scanners) if cfg.scanners else None)
    ts = targets.discover(start, root=root, max_bytes=cfg.max_file_size)
    ts = config_mod.exclude_targets(ts, cfg, also=(dest,))
    report = engine.run(
        ts,
        chosen,
        engine.EngineOptions(
            jobs=jobs or engine.cores(),
            cache=None if no_cache else Cache(),
            scanner_options=cfg.scanner_options,
        ),
    )
    if report.failed:
        failed = sorted({e.scanner for e in report.errors if e.kind.value == "error"})
        raise ScanFailed(
            f"scanner(s) failed: {', '.join(failed)}; the baseline was not written "
            "(run `gitops-guard scan` to see why)"
        )
    triaged = triage.apply(
        report,
        cfg,
        min_severity=Severity.INFO,
        files={t.path: t.abspath for t in ts.targets},
        root=ts.root,
    )
    return report, list(triaged.findings), dest, ts


def _shown(path: Path) -> str:
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else str(path)


@baseline.command("create")
@_options
@click.option("--force", is_flag=True, help="Replace an existing baseline file.")
def create(
    paths: tuple[Path, ...],
    scanner_names: str | None,
    config_file: Path | None,
    baseline_file: Path | None,
    jobs: int | None,
    no_cache: bool,
    force: bool,
) -> int:
    """Scan PATHS (default: the current directory) and record every finding as accepted."""
    if baseline_file is not None and baseline_file.exists() and not force:
        raise UsageError(_exists(baseline_file))
    _, findings, dest, _ = _scan(paths, scanner_names, config_file, baseline_file, jobs, no_cache)
    if dest.exists() and not force:
        raise UsageError(_exists(dest))
    data = baseline_mod.Baseline.from_findings(findings)
    baseline_mod.write(dest, data)
    click.echo(
        f"wrote {_shown(dest)}: {len(findings)} finding(s), {len(data)} fingerprint(s); "
        f"use it with `gitops-guard scan --baseline {_shown(dest)}` or `baseline = ...` "
        "in the configuration"
    )
    return 0


def _exists(path: Path) -> str:
    return (
        f"{_shown(path)} already exists; use `gitops-guard baseline update` to refresh it, "
        "or `baseline create --force` to replace it"
    )


@baseline.command("update")
@_options
@click.option(
    "--add-new", is_flag=True, help="Also record findings that are not in the baseline yet."
)
def update(
    paths: tuple[Path, ...],
    scanner_names: str | None,
    config_file: Path | None,
    baseline_file: Path | None,
    jobs: int | None,
    no_cache: bool,
    add_new: bool,
) -> int:
    """Re-scan PATHS and drop baseline entries that no longer occur (fixed findings).

    Entries for files outside PATHS, or of scanners that did not run, are kept as they are.
    """
    if baseline_file is not None and not baseline_file.exists():
        raise UsageError(f"{_shown(baseline_file)}: no such baseline file")
    report, findings, dest, ts = _scan(
        paths, scanner_names, config_file, baseline_file, jobs, no_cache
    )
    try:
        old = baseline_mod.load(dest)
    except baseline_mod.BaselineError as exc:
        raise UsageError(str(exc)) from None
    scanned = {t.path for t in ts.targets}
    prefixes = []
    for p in paths or (Path("."),):
        rel = os.path.relpath(p.resolve(), ts.root).replace(os.sep, "/")
        prefixes.append("" if rel == "." else rel.rstrip("/") + "/")
    ran = set(report.scanners) | {"gitops-guard"}

    def in_scope(entry: baseline_mod.Entry) -> bool:
        if entry.scanner not in ran:
            return False
        return entry.path in scanned or any(
            entry.path.startswith(p) or entry.path + "/" == p for p in prefixes
        )

    new, stats = old.update(findings, in_scope, add_new=add_new)
    if new != old:
        baseline_mod.write(dest, new)
    click.echo(
        f"updated {_shown(dest)}: {stats.kept} kept, {stats.dropped} dropped, "
        f"{stats.added} added ({len(new)} fingerprint(s))"
    )
    return 0
