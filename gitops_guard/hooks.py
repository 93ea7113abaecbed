"""Our pre-commit hooks, as data: what ``.pre-commit-hooks.yaml`` publishes (a test keeps the two
equal) and what ``gitops-guard install`` writes as ``repo: local`` hooks."""

from __future__ import annotations

from dataclasses import dataclass

MINIMUM_PRE_COMMIT_VERSION = "3.5.0"

_DOCKERFILE_NAMES = r"(Dockerfile|Containerfile)(\.[^/]+)?|[^/]+\.[Dd]ockerfile"


@dataclass(frozen=True)
class Hook:
    """One hook of ``.pre-commit-hooks.yaml``."""

    id: str
    name: str
    description: str
    scanners: str | None
    """``--scanners`` value, None for every scanner."""
    types: tuple[str, ...] = ("text",)
    """pre-commit ``types`` (identify tags, all must match)."""
    files: str | None = None
    """pre-commit ``files`` regex, None for every file of ``types``."""
    extra: str = ""
    """More ``scan`` options (``--history --pre-push``)."""
    stages: tuple[str, ...] = ()
    """pre-commit ``stages``; empty for pre-commit's default (the commit)."""

    @property
    def entry(self) -> str:
        base = "gitops-guard scan --format compact" + (f" {self.extra}" if self.extra else "")
        return base if self.scanners is None else f"{base} --scanners {self.scanners}"

    def manifest(self, *, language: str = "python") -> dict[str, object]:
        """The hook as pre-commit reads it, in the order the manifest file lists keys."""
        out: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "entry": self.entry,
            "language": language,
        }
        if self.files is not None:
            out["files"] = self.files
        out["types"] = list(self.types)
        if self.stages:
            # A history scan reads commits, not the files pre-commit would pass.
            out["stages"] = list(self.stages)
            out["pass_filenames"] = False
            out["always_run"] = True
        out["require_serial"] = True
        out["minimum_pre_commit_version"] = MINIMUM_PRE_COMMIT_VERSION
        return out


HOOKS: tuple[Hook, ...] = (
    Hook(
        "gitops-guard",
        "gitops-guard (all scanners)",
        "Secrets, Python, Dockerfile, IaC, GitHub Actions and GitOps checks in one merged report.",
        None,
    ),
    Hook(
        "gitops-guard-source",
        "gitops-guard source (Bandit)",
        "Python source code through Bandit.",
        "source",
        types=("python",),
    ),
    Hook(
        "gitops-guard-secrets",
        "gitops-guard secrets (detect-secrets)",
        "Hard-coded secrets in any text file through detect-secrets.",
        "secrets",
    ),
    Hook(
        "gitops-guard-dockerfile",
        "gitops-guard dockerfile (Checkov, hadolint)",
        "Dockerfile and Containerfile checks through Checkov and hadolint (with ShellCheck).",
        "dockerfile",
        files=rf"(^|/)({_DOCKERFILE_NAMES})$",
    ),
    Hook(
        "gitops-guard-iac",
        "gitops-guard iac (Checkov)",
        "Terraform, CloudFormation, Kubernetes, Kustomize, Helm and CI workflows through Checkov.",
        "iac",
        files=r"(\.(ya?ml|json|tf|template)|(^|/)Kustomization)$",
    ),
    Hook(
        "gitops-guard-actions",
        "gitops-guard actions (zizmor)",
        "GitHub Actions workflows, action.yml, Dependabot and pre-commit configuration through"
        " zizmor, offline.",
        "actions",
        files=r"(^|/)(\.github/workflows/[^/]+|action|\.github/dependabot"
        r"|\.pre-commit-(config|hooks))\.ya?ml$",
    ),
    Hook(
        "gitops-guard-gitops",
        "gitops-guard gitops (GitOps policies)",
        "GitOps practices - CI never reaches the cluster, no plaintext secrets, pinned images.",
        "gitops",
        files=rf"(\.(ya?ml|json|tf)|(^|/)(Jenkinsfile[^/]*|{_DOCKERFILE_NAMES}|Kustomization))$",
    ),
)

HOOKS += (
    Hook(
        "gitops-guard-history",
        "gitops-guard history (secrets in the pushed commits)",
        "Secrets in every file version of the commits being pushed, each blob once (pre-push).",
        "secrets",
        extra="--history --pre-push",
        stages=("pre-push",),
    ),
)

BY_ID = {h.id: h for h in HOOKS}
