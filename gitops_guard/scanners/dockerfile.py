"""``dockerfile``: Dockerfiles and Containerfiles through Checkov's dockerfile runner.

One unit per file. Checkov's runner only accepts names matching its own ``Dockerfile`` mask, so a
file it would ignore (``Containerfile``) is handed to it through a link named ``Dockerfile``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from gitops_guard.scanners.checkov_common import CheckovScanner, Job, link_as
from gitops_guard.scanners.interface import ScanContext, Unit
from gitops_guard.targets import Kind

#: Checkov's ``checkov.common.util.dockerfile.DOCKERFILE_MASK`` (copied: reading it would import
#: Checkov just to decide whether a link is needed).
_CHECKOV_MASK = re.compile(r"^(?:.+\.)?[Dd]ockerfile(?:\..+)?$(?<!\.[Dd]ockerignore)")


class DockerfileScanner(CheckovScanner):
    name = "dockerfile"
    description = "Dockerfile best practices and security (Checkov dockerfile checks)"
    kinds = frozenset({Kind.DOCKERFILE})
    frameworks = ("dockerfile",)

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
