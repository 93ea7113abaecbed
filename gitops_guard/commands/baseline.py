"""``gitops-guard baseline create|update|audit``: record accepted findings, and review them.

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
from gitops_guard import pipeline
from gitops_guard.commands.common import recording_options, shown
from gitops_guard.errors import UsageError
from gitops_guard.exit_codes import ExitCode


@click.group("baseline")
def baseline() -> None:
    """Record accepted findings so that `scan --baseline FILE` reports only new ones."""


@baseline.command("create")
@click.option("--force", is_flag=True, help="Replace an existing baseline file.")
@recording_options
def create(request: pipeline.ScanRequest, force: bool) -> int:
    """Scan PATHS (default: the current directory) and record every finding as accepted."""
    given = request.baseline_file
    if given is not None and given.exists() and not force:
        raise UsageError(_exists(given))
    outcome = pipeline.record(request)
    findings, dest = outcome.report.findings, outcome.baseline_path
    if dest.exists() and not force:
        raise UsageError(_exists(dest))
    data = baseline_mod.Baseline.from_findings(findings)
    baseline_mod.write(dest, data)
    click.echo(
        f"wrote {shown(dest)}: {len(findings)} finding(s), {len(data)} fingerprint(s); "
        f"use it with `gitops-guard scan --baseline {shown(dest)}` or `baseline = ...` "
        "in the configuration"
    )
    return ExitCode.OK


def _exists(path: Path) -> str:
    return (
        f"{shown(path)} already exists; use `gitops-guard baseline update` to refresh it, "
        "or `baseline create --force` to replace it"
    )


@baseline.command("update")
@click.option(
    "--add-new", is_flag=True, help="Also record findings that are not in the baseline yet."
)
@recording_options
def update(request: pipeline.ScanRequest, add_new: bool) -> int:
    """Re-scan PATHS and drop baseline entries that no longer occur (fixed findings).

    Entries for files outside PATHS, or of scanners that did not run, are kept as they are.
    """
    given = request.baseline_file
    if given is not None and not given.exists():
        raise UsageError(f"{shown(given)}: no such baseline file")
    outcome = pipeline.record(request)
    report, findings, dest, ts = (
        outcome.report,
        outcome.report.findings,
        outcome.baseline_path,
        outcome.targets,
    )
    old = baseline_mod.load(dest)
    scanned = {t.path for t in ts.targets}
    prefixes = []
    for p in request.paths or (Path("."),):
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
        f"updated {shown(dest)}: {stats.kept} kept, {stats.dropped} dropped, "
        f"{stats.added} added ({len(new)} fingerprint(s))"
    )
    return ExitCode.OK


from gitops_guard.commands.audit import audit  # noqa: E402  (a subcommand of its own module)

baseline.add_command(audit)
