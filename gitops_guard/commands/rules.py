"""``gitops-guard rules``: every rule of every scanner."""

from __future__ import annotations

from collections.abc import Iterable

import click

from gitops_guard import pipeline
from gitops_guard import scanners as registry
from gitops_guard.commands.common import scanner_names_option
from gitops_guard.drift import rules as drift_rules
from gitops_guard.exit_codes import ExitCode
from gitops_guard.scanners.interface import Rule


def _show(group: str, items: Iterable[Rule]) -> None:
    for rule in items:
        click.echo(f"{group:<10}  {rule.id:<28}  {rule.severity.value:<8}  {rule.name}")


@click.command("rules")
@scanner_names_option
def rules(scanner_names: str | None) -> int:
    """List every rule of every installed scanner (id, severity, name), then the rules of
    `gitops-guard drift` (without --scanners)."""
    names = pipeline.parse_scanner_names(scanner_names)
    chosen, failures = registry.load(list(names) if names else None)
    for failure in failures:
        click.echo(
            f"gitops-guard: scanner {failure.name!r} failed to load: {failure.error}", err=True
        )
    for scanner in chosen:
        try:
            items = scanner.rules()
        except Exception as exc:  # an engine that is not installed, or broken
            click.echo(f"{scanner.name}: cannot list rules: {exc}", err=True)
            continue
        _show(scanner.name, items)
    if names is None:
        _show("drift", drift_rules())
    return ExitCode.OK
