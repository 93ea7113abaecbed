"""``gitops-guard drift``: report changes made outside git, from a plan or a kubectl export.

The logic lives in :mod:`gitops_guard.drift`; this command only checks the options, calls it,
prints the report in the chosen formats and returns the exit code (docs/drift.md).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from gitops_guard import output
from gitops_guard.commands.common import UsageError
from gitops_guard.drift import DriftInputError, combine, drift_from_manifests, drift_from_plan
from gitops_guard.exit_codes import ExitCode, decide
from gitops_guard.formats import Format
from gitops_guard.models import Report, Severity


class DriftInputFailure(click.ClickException):
    """An input that cannot be used: one clear line, exit 3."""

    exit_code = int(ExitCode.SCANNER_FAILED)


@click.command("drift")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    metavar="PLAN.json",
    help="`terraform show -json` of a plan, typically `terraform plan -refresh-only`.",
)
@click.option(
    "--manifests",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Kubernetes manifests: a directory of YAML, or one file such as `kustomize build` "
    "output. Needs --live.",
)
@click.option(
    "--live",
    "live_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Live objects from `kubectl get ... -o yaml`. Needs --manifests.",
)
@click.option(
    "--namespace",
    default="default",
    show_default=True,
    help="Namespace of manifests that set none (as with `kubectl apply -n`).",
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT",
    help=f"Output format to standard output, repeatable: {', '.join(f.value for f in Format)}. "
    "Default: table on a terminal, json otherwise.",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="[FORMAT:]FILE",
    help="Write a report to FILE as with `gitops-guard scan`.",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity], case_sensitive=False),
    default="low",
    show_default=True,
    help="Exit 1 only for drift at or above this severity.",
)
def drift(
    plan_file: Path | None,
    manifests: Path | None,
    live_file: Path | None,
    namespace: str,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    fail_on: str,
) -> int:
    """Detect drift offline: changes made to the environment outside git.

    \b
    gitops-guard drift --plan drift.json
    gitops-guard drift --manifests k8s/ --live live.yaml

    Never contacts a cluster or a cloud: the inputs come from your own terraform and
    kubectl (see docs/drift.md). Exit 0 no drift, 1 drift, 2 usage, 3 unreadable input.
    """
    if (manifests is None) != (live_file is None):
        raise UsageError("--manifests and --live go together")
    if plan_file is None and manifests is None:
        raise UsageError("give --plan PLAN.json, or --manifests DIR --live FILE")
    tty = sys.stdout.isatty()
    try:
        dests = output.plan(formats, outputs, Format.TABLE if tty else Format.JSON)
    except output.OutputSpecError as exc:
        raise UsageError(str(exc)) from None
    reports: list[Report] = []
    try:
        if plan_file is not None:
            reports.append(drift_from_plan(plan_file))
        if manifests is not None and live_file is not None:
            reports.append(drift_from_manifests(manifests, live_file, default_namespace=namespace))
    except DriftInputError as exc:
        raise DriftInputFailure(str(exc)) from None
    report = combine(reports)
    width = shutil.get_terminal_size((120, 24)).columns if tty else 120
    output.emit(report, dests, color=tty and "NO_COLOR" not in os.environ, width=width)
    return int(decide(report, Severity.parse(fail_on)))
