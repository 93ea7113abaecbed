"""What every GitOps rule module shares: the rule catalogue, parsed files, finding construction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from yaml.nodes import Node

from gitops_guard.models import Finding, Severity, stable_hash
from gitops_guard.project import rule_doc_url
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.interface import Rule
from gitops_guard.targets import Target

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
)
RULE_BY_ID = {r.id: r for r in RULES}


def finding(
    rule_id: str,
    severity: Severity,
    message: str,
    path: str,
    line: int,
    *,
    resource: str | None = None,
    anchor: tuple[str, ...] = (),
    end_line: int = 0,
) -> Finding:
    """A finding of this scanner; ``anchor`` parts describe *what* is flagged (never a value)."""
    return Finding(
        scanner=SCANNER,
        tool=TOOL,
        rule_id=rule_id,
        severity=severity,
        message=message,
        path=path,
        line=line,
        end_line=end_line or line,
        resource=resource,
        help_url=RULE_BY_ID[rule_id].help_url,
        anchor=stable_hash("gitops-guard/gitops", rule_id, *anchor)[:24] if anchor else "",
        confidence="high",
    )


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
        name=y.text(y.get(doc, "metadata", "name")) or "",
        namespace=y.text(y.get(doc, "metadata", "namespace")),
    )


_PROD_RE = re.compile(r"(?:^|[^a-z0-9])(prod|production|prd)(?:$|[^a-z0-9])", re.I)


def is_production(*values: str | None) -> bool:
    """True when any value has a word ``prod``, ``production`` or ``prd`` (docs/rules/GG003.md)."""
    return any(v and _PROD_RE.search(v) for v in values)
