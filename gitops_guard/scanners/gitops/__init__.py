"""The ``gitops`` scanner: our own GitOps policy pack (GG001-GG013).

Every rule implements one contract (:class:`._rule.GitopsRule`: an id, the kinds of files it
reads, one ``check(file, run)``) over one index per run (:class:`._run.RunIndex`: each file read
and parsed once through :mod:`gitops_guard.safeyaml`, the Kustomize index, the CI index, the
script follower). :func:`registered` lists the rules; the scanner calls each the same way on every
reported file of its kinds. Rules such as GG006 look across every Kubernetes file of the run
(``ScanContext.all_targets``), so the scanner is ``cross_file``. docs/rules/ documents each rule;
docs/architecture.md says how to add one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from gitops_guard.models import Finding, ScanError, ScanResult
from gitops_guard.scanners.checkov_severity import capped
from gitops_guard.scanners.gitops._common import RULES, SCANNER
from gitops_guard.scanners.interface import Rule, ScanContext, Scanner, Unit
from gitops_guard.targets import Kind

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._rule import GitopsRule


def registered() -> tuple[GitopsRule, ...]:
    """Every GitOps rule, by id (imported on first use: listing rules imports none of them)."""
    from gitops_guard.scanners.gitops import (
        argocd,
        branch_protection,
        ci,
        flux,
        images,
        netpol,
        secrets,
    )
    from gitops_guard.scanners.gitops.gitlab import exposure, includes, injection
    from gitops_guard.scanners.gitops.gitlab import images as gitlab_images

    rules: list[GitopsRule] = [
        ci.RULE,
        secrets.RULE,
        argocd.RULE,
        flux.RULE,
        images.RULE,
        netpol.RULE,
        branch_protection.RULE,
        includes.REMOTE,
        includes.PINNED,
        gitlab_images.RULE,
        injection.RULE,
        exposure.ARTIFACTS,
        exposure.MR_CREDENTIALS,
    ]
    return tuple(sorted(rules, key=lambda r: r.id))


class GitopsScanner(Scanner):
    """GitOps practices: CI stays out of the cluster, no plaintext secrets, pinned images..."""

    name: ClassVar[str] = "gitops"
    description: ClassVar[str] = (
        "GitOps policies GG001-GG013: CI never reaches the cluster, plaintext secrets, Argo CD "
        "and Flux hygiene, immutable images, network isolation, branch protection as code, "
        "GitLab CI supply chain (includes, images, injection, artifacts, merge request pipelines)"
    )
    kinds: ClassVar[frozenset[str]] = frozenset(
        {
            Kind.CI,
            Kind.GITHUB_ACTIONS,
            Kind.GITLAB_CI,
            Kind.KUBERNETES,
            Kind.KUSTOMIZE,
            Kind.HELM_VALUES,
            Kind.DOCKERFILE,
            Kind.GITHUB_SETTINGS,
        }
    )
    distribution: ClassVar[str | None] = None
    cross_file: ClassVar[bool] = True
    startup_seconds: ClassVar[float] = 0.1
    seconds_per_mib: ClassVar[float] = 0.5
    tool: ClassVar[str] = "gitops-guard"

    def rules(self) -> Sequence[Rule]:
        return RULES

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        from gitops_guard.scanners.gitops._run import RunIndex

        rules = registered()
        reported = [t for u in units for t in u.files if u.reports(t.path) and self.applies(t)]
        run = RunIndex((*ctx.all_targets, *(t for u in units for t in u.files)), reported)
        findings: list[Finding] = []
        for file in run.reported_files():
            if file.unusable:
                continue
            for rule in rules:
                if not file.target.kinds & rule.kinds:
                    continue
                try:
                    findings.extend(rule.check(file, run))
                except RecursionError:
                    message = "input nested too deeply; not checked"
                    run.errors.append(ScanError(SCANNER, message, file.path, lasting=True))
                    break
        findings.sort(key=lambda f: f.sort_key)
        # No GG rule ranks a problem above the class other engines give it (mutable-image...).
        return ScanResult(tuple(capped(f) for f in findings), tuple(run.errors))
