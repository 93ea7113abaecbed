"""``gitops-guard config``: the effective configuration and where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gitops_guard import config as config_mod
from gitops_guard import targets
from gitops_guard.commands.common import UsageError, parse_scanner_names, scanner_names_option
from gitops_guard.models import Severity

SEVERITIES = [s.value for s in Severity]


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
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of annotated TOML.")
def config(
    path: Path | None,
    config_file: Path | None,
    scanner_names: str | None,
    fail_on: str | None,
    min_severity: str | None,
    baseline_file: Path | None,
    as_json: bool,
) -> int:
    """Print the effective configuration for a scan of PATH (default: the current directory)
    and where each value came from: default, a file, or the command line (the options here
    mirror `scan`'s, so you can see what a given command line would use)."""
    if config_file is not None and not config_file.is_file():
        raise UsageError(f"--config {config_file}: no such file")
    root = targets.scan_root([path or Path(".")])
    try:
        cfg = config_mod.load(root, config_file)
    except config_mod.ConfigError as exc:
        raise UsageError(str(exc)) from None
    names = parse_scanner_names(scanner_names)
    cfg = cfg.override(
        scanners=tuple(names) if names else None,
        fail_on=Severity.parse(fail_on) if fail_on else None,
        min_severity=Severity.parse(min_severity) if min_severity else None,
        baseline=baseline_file.resolve() if baseline_file else None,
    )
    rows = cfg.describe()
    if as_json:
        doc = {
            "root": str(root),
            "file": str(cfg.source) if cfg.source else None,
            "settings": [{"key": k, "value": v, "origin": o} for k, v, o in rows],
        }
        click.echo(json.dumps(doc, indent=2, default=str))
        return 0
    click.echo(f"# scan root: {root}")
    click.echo(f"# configuration file: {cfg.source or '(none found; defaults)'}")
    width = max(len(k) for k, _, _ in rows)
    for key, value, origin in rows:
        click.echo(f"{key:<{width}} = {_toml(value)}  # {origin}")
    return 0
