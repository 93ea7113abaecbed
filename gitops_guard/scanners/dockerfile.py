"""``dockerfile``: Dockerfiles and Containerfiles through two engines, Checkov and hadolint.

One unit per file. Checkov's runner only accepts names matching its own ``Dockerfile`` mask, so a
file it would ignore (``Containerfile``) is handed to it through a link named ``Dockerfile``.
hadolint (:mod:`gitops_guard.scanners.hadolint`) gets every file of the call in one process,
started before Checkov runs and collected after it; ``hadolint = false`` in
``[tool.gitops-guard.scanners.dockerfile]`` leaves Checkov alone.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gitops_guard.models import ScanResult
from gitops_guard.scanners import hadolint
from gitops_guard.scanners.checkov_common import CheckovScanner, Job, link_as
from gitops_guard.scanners.interface import Rule, ScanContext, Unit
from gitops_guard.targets import Kind

#: Checkov's ``checkov.common.util.dockerfile.DOCKERFILE_MASK`` (copied: reading it would import
#: Checkov just to decide whether a link is needed).
_CHECKOV_MASK = re.compile(r"^(?:.+\.)?[Dd]ockerfile(?:\..+)?$(?<!\.[Dd]ockerignore)")


class DockerfileScanner(CheckovScanner):
    name = "dockerfile"
    description = "Dockerfile best practices and security (Checkov and hadolint with ShellCheck)"
    kinds = frozenset({Kind.DOCKERFILE})
    frameworks = ("dockerfile",)

    def engine_version(self) -> str:
        return f"{super().engine_version()} + {hadolint.HADOLINT.signature()}"

    def engine_label(self) -> str:
        """Checkov's version and the version the hadolint binary reports when run (raises
        :class:`~gitops_guard.scanners._binary.BinaryError` when it does not run)."""
        version = hadolint.HADOLINT.version().split()[-1]
        return f"checkov {super().engine_version()} + hadolint {version}"

    def rules(self) -> Sequence[Rule]:
        return [*super().rules(), *hadolint.rules()]

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        if ctx.options.get("hadolint") is False:
            return super().scan(units, ctx)
        with tempfile.TemporaryDirectory(prefix="gitops-guard-hadolint-") as tmp:
            targets = [t for u in units for t in u.files]
            run = hadolint.start(targets, ctx.options, Path(tmp))
            checkov = super().scan(units, ctx)
            findings, errors = hadolint.collect(run)
        return ScanResult(
            tuple(sorted({*checkov.findings, *findings}, key=lambda f: f.sort_key)),
            (*checkov.errors, *errors),
        )

    def jobs(self, units: Sequence[Unit], ctx: ScanContext, workdir: Path) -> list[Job]:
        if not units:
            return []
        job = Job(framework="dockerfile", module="dockerfile", units=list(units))
        for unit in units:
            for target in unit.files:
                if _CHECKOV_MASK.match(target.abspath.name):
                    job.files.append(os.path.abspath(target.abspath))
                else:
                    link = link_as(target, "Dockerfile", workdir)
                    job.files.append(link)
                    job.aliases[link] = target
        return [job]
