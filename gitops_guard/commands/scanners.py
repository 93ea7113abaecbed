"""``gitops-guard scanners``: what is installed and which engine version each wraps."""

from __future__ import annotations

import click

from gitops_guard import scanners as registry
from gitops_guard.exit_codes import ExitCode


@click.command("scanners")
def scanners() -> int:
    """List installed scanners and the engine version each wraps (engine binaries are run to
    verify them; a broken one exits 3)."""
    loaded, failures = registry.load()
    width = max([len(s.name) for s in loaded] + [len(f.name) for f in failures] + [4])
    broken = False
    for s in loaded:
        try:  # an engine binary is run here to prove it works (hadolint, zizmor)
            label = s.engine_label()
        except Exception as exc:
            broken = True
            click.echo(f"{s.name:<{width}}  broken: {exc}")
            continue
        click.echo(f"{s.name:<{width}}  {label:<38}  {s.description}")
    for f in failures:
        click.echo(f"{f.name:<{width}}  failed to load: {f.error}")
    return ExitCode.SCANNER_FAILED if failures or broken else ExitCode.OK
