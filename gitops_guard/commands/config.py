"""``gitops-guard config``: the effective configuration and where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gitops_guard import pipeline
from gitops_guard.commands.common import (
    SEVERITIES,
    scanner_names_option,
    severity,
    triage_options,
)
from gitops_guard.exit_codes import ExitCode


def _toml(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str) and value == "all installed":
        return value
    return json.dumps(value)


@click.command("config")
@click.argument("path", required=False, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: found from PATH upward, as `scan` does).",
)
@scanner_names_option
@click.option("--fail-on", type=click.Choice(SEVERITIES, case_sensitive=False), default=None)
@click.option("--min-severity", type=click.Choice(SEVERITIES, case_sensitive=False), default=None)
@click.option("--baseline", "baseline_file", type=click.Path(path_type=Path, dir_okay=False))
@triage_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of annotated TOML.")
def config(
    path: Path | None,
    config_file: Path | None,
    scanner_names: str | None,
    fail_on: str | None,
    min_severity: str | None,
    baseline_file: Path | None,
    skip_rules: tuple[str, ...],
    exclude: tuple[str, ...],
    exit_zero: bool,
    as_json: bool,
) -> int:
    """Print the effective configuration for a scan of PATH (default: the current directory)
    and where each value came from: default, a file, or the command line (the options here
    mirror `scan`'s, so you can see what a given command line would use)."""
    root, cfg = pipeline.load_config(
        pipeline.ScanRequest(
            paths=(path,) if path else (),
            scanners=pipeline.parse_scanner_names(scanner_names),
            config_file=config_file,
            baseline_file=baseline_file.resolve() if baseline_file else None,
            min_severity=severity(min_severity),
            skip_rules=skip_rules,
            exclude=exclude,
            exit_zero=exit_zero,
        )
    )
    cfg = cfg.override(fail_on=severity(fail_on))
    rows = cfg.describe()
    if as_json:
        doc = {
            "root": str(root),
            "file": str(cfg.source) if cfg.source else None,
            "settings": [{"key": k, "value": v, "origin": o} for k, v, o in rows],
        }
        click.echo(json.dumps(doc, indent=2, default=str))
        return ExitCode.OK
    click.echo(f"# scan root: {root}")
    click.echo(f"# configuration file: {cfg.source or '(none found; defaults)'}")
    width = max(len(k) for k, _, _ in rows)
    for key, value, origin in rows:
        click.echo(f"{key:<{width}} = {_toml(value)}  # {origin}")
    return ExitCode.OK
