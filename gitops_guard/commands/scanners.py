"""``gitops-guard scanners``: what is installed and which engine version each wraps."""

from __future__ import annotations

import click

from gitops_guard import scanners as registry
from gitops_guard.exit_codes import ExitCode


@click.command("scanners")
def scanners() -> int:
    """List installed scanners and the engine version each wraps."""
    loaded, failures = registry.load()
    width = max([len(s.name) for s in loaded] + [len(f.name) for f in failures] + [4])
    for s in loaded:
        click.echo(f"{s.name:<{width}}  {s.engine_label():<38}  {s.description}")
    for f in failures:
        click.echo(f"{f.name:<{width}}  failed to load: {f.error}")
    return ExitCode.SCANNER_FAILED if failures else ExitCode.OK
