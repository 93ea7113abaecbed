"""GitLab CI supply-chain rules (zizmor covers GitHub Actions only): what a pipeline pulls in
(GG008 remote includes, GG009 unpinned project and component includes, GG010 images without a
digest) and how it exposes itself (GG011 user-controlled variables run as code, GG012 artifacts
that capture credentials or ``.git``, GG013 merge request pipelines holding credentials).

Every rule reads the resolved view of :class:`..ci.gitlab.Pipeline` (``extends``, ``default:``,
``!reference`` and local includes), built once per file; a finding is reported in the file that
holds the offending line. The vocabulary is data (``vocabulary.toml``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops.ci import platform_of
from gitops_guard.scanners.gitops.ci.gitlab import Pipeline

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex


def pipelines(file: Parsed, run: RunIndex) -> list[Pipeline]:
    """The GitLab pipelines of ``file`` (one per document), none for other CI files."""
    if platform_of(file) != "GitLab CI":
        return []
    index = run.ci_context.index
    return run.memo(
        f"gitlab:{file.path}", lambda: [Pipeline.read(file, doc, index) for doc in file.docs]
    )
