"""What every GitOps rule module shares: the rule catalogue, the kinds of files, parsed files and
the Kubernetes objects in them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from yaml.nodes import Node

from gitops_guard.models import Severity
from gitops_guard.project import rule_doc_url
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.interface import Rule
from gitops_guard.targets import Kind, Target

SCANNER = "gitops"
TOOL = "gitops-guard"

RULES: tuple[Rule, ...] = (
    Rule(
        "GG001",
        "ci-reaches-cluster",
        "A CI pipeline deploys to, mutates or holds credentials for a Kubernetes cluster; in "
        "GitOps, CI pushes to git or a registry and a controller in the cluster pulls.",
        Severity.HIGH,
        rule_doc_url("GG001"),
    ),
    Rule(
        "GG002",
        "plaintext-secret",
        "A Kubernetes Secret, a kustomize secretGenerator or a Helm values file carries a "
        "credential in plaintext (not SealedSecret, SOPS, ExternalSecret or a reference).",
        Severity.HIGH,
        rule_doc_url("GG002"),
    ),
    Rule(
        "GG003",
        "argocd-hygiene",
        "Argo CD: an AppProject allows any source, destination or cluster resource; a "
        "production Application tracks a moving revision, targets the in-cluster destination "
        "from a non-admin project, or syncs automatically without prune and selfHeal.",
        Severity.MEDIUM,
        rule_doc_url("GG003"),
    ),
    Rule(
        "GG004",
        "flux-hygiene",
        "Flux: a source over plain HTTP or marked insecure, a Git/OCI source without "
        "signature verification, a Kustomization with prune disabled, or a HelmRelease / "
        "OCIRepository with an unpinned chart version.",
        Severity.MEDIUM,
        rule_doc_url("GG004"),
    ),
    Rule(
        "GG005",
        "mutable-image",
        "An image is referenced by tag without a digest (workloads, Dockerfile FROM, Helm "
        "values); 'latest' or no tag at all is worse.",
        Severity.MEDIUM,
        rule_doc_url("GG005"),
    ),
    Rule(
        "GG006",
        "namespace-without-networkpolicy",
        "A namespace runs workloads but no NetworkPolicy in the scanned manifests selects "
        "them for ingress (no default-deny).",
        Severity.MEDIUM,
        rule_doc_url("GG006"),
    ),
    Rule(
        "GG007",
        "weak-branch-protection",
        "Branch protection managed as code (Terraform, .github/settings.yml) lets the trunk "
        "be force-pushed or deleted, requires no review, or lets admins bypass it.",
        Severity.HIGH,
        rule_doc_url("GG007"),
    ),
    Rule(
        "GG008",
        "gitlab-remote-include",
        "A GitLab pipeline includes a remote file (include: remote, or a URL) without integrity: "
        "its jobs run with the project's variables, whoever controls that server.",
        Severity.HIGH,
        rule_doc_url("GG008"),
    ),
    Rule(
        "GG009",
        "gitlab-unpinned-include",
        "A GitLab pipeline includes another project's file or a CI/CD component at a branch, no "
        "ref, ~latest or a partial version instead of a commit SHA or a full release.",
        Severity.MEDIUM,
        rule_doc_url("GG009"),
    ),
    Rule(
        "GG010",
        "gitlab-unpinned-image",
        "A GitLab CI job image or service is referenced by tag without a digest; 'latest' or no "
        "tag at all is worse.",
        Severity.MEDIUM,
        rule_doc_url("GG010"),
    ),
    Rule(
        "GG011",
        "gitlab-script-injection",
        "A GitLab CI script runs a variable that a commit, branch, tag or merge request author "
        "chooses (CI_COMMIT_MESSAGE, CI_MERGE_REQUEST_TITLE...) as code: eval, sh -c, a pipe to "
        "a shell.",
        Severity.HIGH,
        rule_doc_url("GG011"),
    ),
    Rule(
        "GG012",
        "gitlab-artifact-credentials",
        "GitLab CI artifacts capture the whole workspace, .git (the job's repository "
        "credentials), a credential file, or every untracked file.",
        Severity.HIGH,
        rule_doc_url("GG012"),
    ),
    Rule(
        "GG013",
        "gitlab-mr-pipeline-credentials",
        "A GitLab CI job that runs in merge request pipelines holds id_tokens or secrets, so the "
        "merge request's code (a fork's, when run in the parent project) runs with them.",
        Severity.MEDIUM,
        rule_doc_url("GG013"),
    ),
)
RULE_BY_ID = {r.id: r for r in RULES}

#: Files read as CI pipelines (GG001 and the GitLab rules).
CI_KINDS = frozenset({Kind.CI, Kind.GITHUB_ACTIONS, Kind.GITLAB_CI})
#: Files whose text is parsed as YAML (besides any ``*.yml`` / ``*.yaml`` file).
YAML_KINDS = frozenset({Kind.KUBERNETES, Kind.HELM_VALUES, Kind.KUSTOMIZE, Kind.YAML})


@dataclass
class Parsed:
    """One file, read and parsed once per run."""

    target: Target
    text: str
    docs: tuple[Node, ...] = ()
    problem: str | None = None
    _objects: list[K8sObject] | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        return self.target.path

    @property
    def unusable(self) -> bool:
        """YAML that gave no document at all (refused or unparsable): nothing to check."""
        return self.problem is not None and not self.docs

    def objects(self) -> list[K8sObject]:
        """The Kubernetes-shaped documents (``kind`` + ``apiVersion``), ``List`` items expanded."""
        if self._objects is None:
            out: list[K8sObject] = []
            for doc in self.docs:
                out.extend(_objects_of(doc))
            self._objects = out
        return self._objects


@dataclass(frozen=True)
class K8sObject:
    """A Kubernetes object as a node, with the fields every rule wants."""

    node: Node
    api_version: str
    kind: str
    name: str
    namespace: str | None

    @property
    def line(self) -> int:
        return y.line(self.node)

    @property
    def group(self) -> str:
        return self.api_version.split("/", 1)[0] if "/" in self.api_version else ""

    def ref(self) -> str:
        ns = self.namespace or ""
        return f"{self.kind}.{ns}.{self.name}" if ns else f"{self.kind}.{self.name}"


def is_yaml(target: Target) -> bool:
    """True for files parsed as YAML: by kind, or by a ``.yml`` / ``.yaml`` name."""
    name = target.path.rsplit("/", 1)[-1]
    return bool(target.kinds & YAML_KINDS) or name.lower().endswith((".yml", ".yaml"))


def _name(doc: Node) -> str:
    """``metadata.name``; for an object named by the API server, its ``generateName`` prefix
    followed by ``*`` (``db-migrate-*``)."""
    name = y.text(y.get(doc, "metadata", "name"))
    if name:
        return name
    prefix = y.text(y.get(doc, "metadata", "generateName"))
    return f"{prefix}*" if prefix else ""


def _objects_of(doc: Node) -> Iterator[K8sObject]:
    kind = y.text(y.get(doc, "kind"))
    api = y.text(y.get(doc, "apiVersion"))
    if not kind or api is None:
        return
    if kind.endswith("List") and y.get(doc, "items") is not None:
        for item in y.items(y.get(doc, "items")):
            yield from _objects_of(item)
        return
    yield K8sObject(
        node=doc,
        api_version=api,
        kind=kind,
        name=_name(doc),
        namespace=y.text(y.get(doc, "metadata", "namespace")),
    )


_PROD_RE = re.compile(r"(?:^|[^a-z0-9])(prod|production|prd)(?:$|[^a-z0-9])", re.I)


def is_production(*values: str | None) -> bool:
    """True when any value has a word ``prod``, ``production`` or ``prd`` (docs/rules/GG003.md)."""
    return any(v and _PROD_RE.search(v) for v in values)
