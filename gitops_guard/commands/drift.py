"""``gitops-guard drift``: report changes made outside git, from a plan or a kubectl export.

The logic lives in :mod:`gitops_guard.drift`; this command only checks the options, calls it,
prints the report in the chosen formats and returns the exit code (docs/drift.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from gitops_guard.commands.common import emit, fail_on_option, format_options, plan_outputs
from gitops_guard.drift import combine, drift_from_manifests, drift_from_plan
from gitops_guard.errors import UsageError
from gitops_guard.exit_codes import decide
from gitops_guard.models import Report, Severity

F = TypeVar("F", bound=Callable[..., object])


def _input(flag: str, dest: str, metavar: str, help_text: str) -> Callable[[F], F]:
    return click.option(
        flag, dest, type=click.Path(path_type=Path), metavar=metavar, help=help_text
    )


@click.command("drift")
@_input(
    "--plan",
    "plan_file",
    "PLAN.json",
    "`terraform show -json` of a plan, typically `terraform plan -refresh-only`.",
)
@_input(
    "--manifests",
    "manifests",
    "DIR",
    "Kubernetes manifests: a directory of YAML, or one file such as `kustomize build` "
    "output. Needs --live.",
)
@_input(
    "--live", "live_file", "FILE", "Live objects from `kubectl get ... -o yaml`. Needs --manifests."
)
@click.option(
    "--namespace",
    default="default",
    show_default=True,
    help="Namespace of manifests that set none (as with `kubectl apply -n`).",
)
@format_options
@fail_on_option(default="low")
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
    dests = plan_outputs(formats, outputs)
    reports: list[Report] = []
    if plan_file is not None:
        reports.append(drift_from_plan(plan_file))
    if manifests is not None and live_file is not None:
        reports.append(drift_from_manifests(manifests, live_file, default_namespace=namespace))
    report = combine(reports)
    emit(report, dests)
    return decide(report, Severity.parse(fail_on))
