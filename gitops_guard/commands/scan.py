"""``gitops-guard scan``: run the scanners and print one merged report."""

from __future__ import annotations

import os
from pathlib import Path

import click

from gitops_guard import pipeline
from gitops_guard.commands.common import (
    SEVERITIES,
    config_option,
    emit,
    fail_on_option,
    format_options,
    jobs_option,
    no_cache_option,
    plan_outputs,
    scanner_names_option,
    severity,
    triage_options,
)
from gitops_guard.errors import UsageError
from gitops_guard.exit_codes import ExitCode, decide
from gitops_guard.formats import GROUPINGS


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@scanner_names_option
@format_options
@fail_on_option()
@triage_options
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES, case_sensitive=False),
    default=None,
    help="Show only findings at or above this severity. Default: info (all).",
)
@jobs_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds each scanner may run before it is stopped.",
)
@no_cache_option
@click.option(
    "--max-file-size",
    type=click.IntRange(min=0),
    default=None,
    metavar="BYTES",
    help="Skip (with a notice) files larger than this. Default: max-file-size from the "
    "configuration, else no limit.",
)
@config_option
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
@click.option(
    "--group-by",
    type=click.Choice(GROUPINGS),
    default="file",
    show_default=True,
    help="How the table groups findings: by file, by rule (one row per rule: count, files, "
    "first places) or by severity.",
)
@click.option(
    "--history",
    is_flag=True,
    help="Scan every file version in the commits reachable from HEAD (each blob once), with "
    "the secrets scanner unless --scanners or the configuration name others.",
)
@click.option(
    "--since",
    metavar="REF",
    help="With --history: only the commits after REF (git log REF..HEAD).",
)
@click.option(
    "--pre-push",
    is_flag=True,
    help="With --history, in a pre-commit pre-push hook: only the commits being pushed "
    "(PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF, or what no remote has).",
)
def scan(
    paths: tuple[Path, ...],
    scanner_names: str | None,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    fail_on: str | None,
    skip_rules: tuple[str, ...],
    exclude: tuple[str, ...],
    exit_zero: bool,
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
    group_by: str = "file",
    history: bool = False,
    since: str | None = None,
    pre_push: bool = False,
) -> int:
    """Scan PATHS (default: the current directory) with every installed scanner.

    Inside a git work tree a directory covers tracked files plus untracked files that
    .gitignore does not ignore. Named files (as pre-commit passes them) are scanned exactly.
    """
    dests = plan_outputs(formats, outputs)
    if staged and diff_base is not None:
        raise UsageError("--staged and --diff-base cannot be combined")
    if (since or pre_push) and not history:
        raise UsageError("--since and --pre-push go with --history")
    if history and (staged or diff_base is not None):
        raise UsageError("--history cannot be combined with --staged or --diff-base")
    mode = (
        pipeline.Mode.HISTORY
        if history
        else pipeline.Mode.STAGED
        if staged
        else pipeline.Mode.DIFF
        if diff_base is not None
        else pipeline.Mode.TREE
    )
    outcome = pipeline.run(
        pipeline.ScanRequest(
            paths=paths,
            mode=mode,
            diff_base=diff_base,
            diff_lines=diff_lines,
            since=since,
            pushed=_pushed() if pre_push else None,
            scanners=pipeline.parse_scanner_names(scanner_names),
            config_file=config_file,
            baseline_file=baseline_file,
            use_baseline=not no_baseline,
            min_severity=severity(min_severity),
            jobs=jobs,
            timeout=timeout,
            use_cache=not no_cache,
            max_file_size=max_file_size,
            skip_rules=skip_rules,
            exclude=exclude,
            exit_zero=exit_zero,
        )
    )
    for failure in outcome.load_failures:
        click.echo(
            f"gitops-guard: scanner {failure.name!r} failed to load: {failure.error}", err=True
        )
    emit(outcome.report, dests, group_by)
    code = decide(outcome.report, severity(fail_on) or outcome.config.fail_on)
    if code is ExitCode.FINDINGS and outcome.config.exit_zero:
        return int(ExitCode.OK)
    return int(code)


def _pushed() -> tuple[str, str]:
    """The (old, new) commits pre-commit's pre-push stage passes (old empty: what no remote
    has, as when a repository is pushed for the first time)."""
    old = os.environ.get("PRE_COMMIT_FROM_REF", "")
    new = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
    return (old, new or "HEAD")
