"""``gitops-guard scan``: run the scanners and print one merged report."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path

import click

from gitops_guard import baseline as baseline_mod
from gitops_guard import config as config_mod
from gitops_guard import engine, output, scope, targets, triage
from gitops_guard.cache import Cache
from gitops_guard.commands.common import UsageError, scanner_names_option, select_scanners
from gitops_guard.exit_codes import decide
from gitops_guard.formats import Format
from gitops_guard.models import ScanError, Severity

SEVERITIES = [s.value for s in Severity]


def _severity(value: str | None) -> Severity | None:
    return None if value is None else Severity.parse(value)


def _baseline(
    cfg: config_mod.Config, given: Path | None, disabled: bool
) -> baseline_mod.Baseline | None:
    """The baseline to apply: ``--baseline FILE``, else the configured one, unless disabled."""
    path = None if disabled else given or cfg.baseline
    if path is None:
        return None
    try:
        return baseline_mod.load(path)
    except baseline_mod.BaselineError as exc:
        raise UsageError(str(exc)) from None


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@scanner_names_option
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT",
    help=f"Output format to standard output, repeatable: {', '.join(f.value for f in Format)}. "
    "Default: table on a terminal, json otherwise. At most one of json, sarif, junit, gitlab "
    "on standard output.",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="[FORMAT:]FILE",
    help="Write a report to FILE, atomically, once the scan is complete. FORMAT:FILE for any "
    "format (repeatable); a bare FILE takes the last --format off standard output, or without "
    "--format the one its extension names (.sarif, .json, .xml = junit). See docs/ci.md.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES, case_sensitive=False),
    default=None,
    help="Exit 1 only for findings at or above this severity. Default: low.",
)
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES, case_sensitive=False),
    default=None,
    help="Show only findings at or above this severity. Default: info (all).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes. Default: the number of cores.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds each scanner may run before it is stopped.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option(
    "--max-file-size",
    type=click.IntRange(min=0),
    default=None,
    metavar="BYTES",
    help="Skip (with a notice) files larger than this. Default: max-file-size from the "
    "configuration, else 2 MiB.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: .gitops-guard.toml or pyproject.toml, found "
    "from the scanned root upward).",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Hide the findings recorded in this baseline file (see `gitops-guard baseline`). "
    "Default: the `baseline` configuration key.",
)
@click.option(
    "--no-baseline", is_flag=True, help="Ignore the configured baseline: report everything."
)
@click.option(
    "--staged",
    is_flag=True,
    help="Scan the content staged in the git index (not the work tree), staged files only.",
)
@click.option(
    "--diff-base",
    metavar="REF",
    help="Scan only files changed since merge-base(REF, HEAD), in the work tree, plus "
    "untracked files.",
)
@click.option(
    "--diff-lines",
    is_flag=True,
    help="With --staged or --diff-base: report only findings on changed lines.",
)
def scan(
    paths: tuple[Path, ...],
    scanner_names: str | None,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    fail_on: str | None,
    min_severity: str | None,
    jobs: int | None,
    timeout: float,
    no_cache: bool,
    max_file_size: int | None,
    config_file: Path | None,
    staged: bool = False,
    diff_base: str | None = None,
    diff_lines: bool = False,
    baseline_file: Path | None = None,
    no_baseline: bool = False,
) -> int:
    """Scan PATHS (default: the current directory) with every installed scanner.

    Inside a git work tree a directory covers tracked files plus untracked files that
    .gitignore does not ignore. Named files (as pre-commit passes them) are scanned exactly.
    """
    tty = sys.stdout.isatty()
    default_format = Format.TABLE if tty else Format.JSON
    try:
        dests = output.plan(formats, outputs, default_format)
    except output.OutputSpecError as exc:
        raise UsageError(str(exc)) from None
    if config_file is not None and not config_file.is_file():
        raise UsageError(f"--config {config_file}: no such file")
    start = list(paths) or [Path(".")]
    try:
        cfg = config_mod.load(
            targets.scan_root([p for p in start if p.exists()] or [Path(".")]), config_file
        )
    except config_mod.ConfigError as exc:
        raise UsageError(str(exc)) from None
    load_errors: list[ScanError] = []
    chosen = select_scanners(
        scanner_names, list(cfg.scanners) if cfg.scanners else None, load_errors
    )
    baseline = _baseline(cfg, baseline_file, no_baseline)
    try:
        chosen_scope = click.get_current_context().with_resource(
            scope.select(
                paths,
                staged_only=staged,
                diff_base=diff_base,
                diff_lines=diff_lines,
                max_bytes=cfg.max_file_size if max_file_size is None else max_file_size,
            )
        )
    except scope.ScopeError as exc:
        raise UsageError(str(exc)) from None
    ts = config_mod.exclude_targets(
        chosen_scope.targets, cfg, also=(None if no_baseline else baseline_file or cfg.baseline,)
    )
    cache = None if no_cache else Cache()
    report = engine.run(
        ts,
        chosen,
        engine.EngineOptions(
            jobs=jobs or engine.cores(),
            timeout=timeout,
            cache=cache,
            scanner_options=cfg.scanner_options,
        ),
    )
    report = chosen_scope.restrict(report)
    if load_errors:
        report = dataclasses.replace(report, errors=(*load_errors, *report.errors))
    report = triage.apply(
        report,
        cfg,
        baseline=baseline,
        min_severity=_severity(min_severity) or cfg.min_severity,
        files={t.path: t.abspath for t in ts.targets},
        root=ts.root,
    )
    width = shutil.get_terminal_size((120, 24)).columns if tty else 120
    output.emit(report, dests, color=tty and "NO_COLOR" not in os.environ, width=width)
    return int(decide(report, _severity(fail_on) or cfg.fail_on))
