"""The ``gitops`` scanner: our own GitOps policy pack, rules GG001..GG007.

One module per rule family (``ci``, ``secrets``, ``argocd``, ``flux``, ``images``,
``netpol``, ``branch_protection``); every file is read and parsed once per run, by the safe,
line-aware loader of :mod:`._yaml`. Rule GG006 looks across every Kubernetes file of the run
(``ScanContext.all_targets``), so the scanner is ``cross_file``. docs/rules/ documents each rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from gitops_guard.models import ErrorKind, Finding, ScanError, ScanResult
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import RULES, SCANNER, Parsed
from gitops_guard.scanners.interface import Rule, ScanContext, Scanner, Unit
from gitops_guard.targets import Kind, Target

_YAML_KINDS = frozenset({Kind.KUBERNETES, Kind.HELM_VALUES, Kind.KUSTOMIZE, Kind.YAML})
_CI_KINDS = frozenset({Kind.CI, Kind.GITHUB_ACTIONS, Kind.GITLAB_CI})


class GitopsScanner(Scanner):
    """GitOps practices: CI stays out of the cluster, no plaintext secrets, pinned images..."""

    name: ClassVar[str] = "gitops"
    description: ClassVar[str] = (
        "GitOps policies GG001-GG007: CI never reaches the cluster, plaintext secrets, Argo CD "
        "and Flux hygiene, immutable images, network isolation, branch protection as code"
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
        from gitops_guard.scanners.gitops import (
            _follow,
            argocd,
            branch_protection,
            ci,
            flux,
            images,
            netpol,
            secrets,
        )

        cache: dict[str, Parsed] = {}
        errors: list[ScanError] = []
        findings: list[Finding] = []

        def parse(target: Target) -> Parsed | None:
            if target.path in cache:
                return cache[target.path]
            try:
                text = y.read_text(target.abspath)
            except OSError as exc:
                errors.append(
                    ScanError(
                        SCANNER,
                        f"cannot read: {exc.strerror or exc}",
                        target.path,
                        ErrorKind.SKIPPED,
                    )
                )
                return None
            parsed = Parsed(target, text)
            if _is_yaml(target):
                loaded = y.load(text)
                parsed.docs = loaded.docs
                parsed.problem = loaded.problem
                if loaded.problem and target.path in wanted:
                    errors.append(
                        ScanError(SCANNER, loaded.problem, target.path, ErrorKind.SKIPPED)
                    )
            cache[target.path] = parsed
            return parsed

        wanted = {t.path for u in units for t in u.files if u.reports(t.path) and self.applies(t)}
        reported: list[Parsed] = []
        for unit in units:
            for target in unit.files:
                if not unit.reports(target.path) or not self.applies(target):
                    continue
                parsed = parse(target)
                if parsed is not None:
                    reported.append(parsed)

        context_targets = [
            t
            for t in (ctx.all_targets or tuple(t for u in units for t in u.files))
            if t.kinds & {Kind.KUBERNETES, Kind.KUSTOMIZE}
        ]
        context = [p for t in context_targets if (p := parse(t)) is not None]
        kustomize = images.KustomizeIndex.build(context)

        everything = ctx.all_targets or tuple(t for u in units for t in u.files)
        by_path = {t.path: t for t in everything if t.kinds & _CI_KINDS or _is_yaml(t)}
        ci_index = ci.CiIndex(
            lambda path: parse(by_path[path]) if path in by_path else None,
            sorted(p for p, t in by_path.items() if Kind.GITHUB_ACTIONS in t.kinds),
            sorted(by_path),
        )
        texts = {t.path: t for t in everything}
        texts_read: dict[str, str | None] = {}

        def read(path: str) -> str | None:
            if path not in texts_read:
                target = texts.get(path)
                try:
                    texts_read[path] = None if target is None else y.read_text(target.abspath)
                except OSError:
                    texts_read[path] = None
            return texts_read[path]

        follower = _follow.Follower(read)
        checks: list[tuple[frozenset[str], Callable[[Parsed], list[Finding]]]] = [
            (_CI_KINDS, lambda p: ci.check(p, ci_index, follower)),
            (frozenset({Kind.KUBERNETES, Kind.HELM_VALUES, Kind.KUSTOMIZE}), secrets.check),
            (frozenset({Kind.KUBERNETES}), argocd.check),
            (frozenset({Kind.KUBERNETES}), flux.check),
            (frozenset({Kind.GITHUB_SETTINGS}), branch_protection.check),
        ]
        for parsed in reported:
            for kinds, check in checks:
                if parsed.target.kinds & kinds and not (
                    parsed.problem and not parsed.docs and _is_yaml(parsed.target)
                ):
                    try:
                        findings.extend(check(parsed))
                    except RecursionError:
                        errors.append(
                            ScanError(
                                SCANNER, "input nested too deeply", parsed.path, ErrorKind.SKIPPED
                            )
                        )
            findings.extend(images.check(parsed, kustomize))
        report_paths = {p.path for p in reported}
        findings.extend(netpol.check(context, kustomize, report_paths))
        findings.sort(key=lambda f: f.sort_key)
        return ScanResult(tuple(findings), tuple(errors))


def _is_yaml(target: Target) -> bool:
    name = target.path.rsplit("/", 1)[-1]
    return bool(target.kinds & _YAML_KINDS) or name.lower().endswith((".yml", ".yaml"))
