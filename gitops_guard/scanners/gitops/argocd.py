"""GG003 - Argo CD hygiene.

* ``AppProject`` allowing every source repository (``sourceRepos: ['*']``), every destination
  (server/name/namespace ``'*'``) or every cluster-scoped resource (``group: '*'`` and
  ``kind: '*'`` in ``clusterResourceWhitelist``): a tenant of the project can then deploy
  anything anywhere, which defeats the project boundary. HIGH for destinations and cluster
  resources, MEDIUM for source repositories.
* A *production* ``Application`` (or ``ApplicationSet`` template) that tracks a moving revision
  (``HEAD``, an empty revision, a branch name, a Helm version range): what runs in production
  changes without a reviewed change of the manifest. MEDIUM.
* An ``Application`` targeting the in-cluster destination (``https://kubernetes.default.svc`` or
  ``in-cluster``) from a non-admin project: tenant apps then land in the cluster that runs Argo CD
  itself. MEDIUM. Admin projects: ``admin``, ``argocd``, ``platform``, ``system``, ``infra``,
  ``infrastructure``, ``cluster-admin``, ``bootstrap``, ``cluster-addons``, ``core``.
* An ``Application`` in Argo CD's ``default`` project, unless an ``AppProject`` named ``default``
  in the scan restricts it (no wildcard): Argo CD creates that project open (every repository,
  destination and cluster-scoped resource), so the application has no project boundary at all.
  Flagged (MEDIUM) in production or on the in-cluster destination (one finding, which says
  which). A restricted ``default`` project is judged like any tenant project.
* A production ``Application`` with automated sync but ``prune`` or ``selfHeal`` not ``true``:
  without selfHeal a manual change in the cluster (drift) stays until the next commit; without
  prune a resource deleted from git keeps running. Git stops being the source of truth. MEDIUM.

*Production* means a word ``prod``, ``production`` or ``prd`` in the destination (name,
namespace, server), the application's name or namespace, its project, or the file's path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from yaml.nodes import Node

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import K8sObject, Parsed, is_production
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.targets import Kind

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

ID = "GG003"
IN_CLUSTER = ("https://kubernetes.default.svc", "https://kubernetes.default.svc/")
#: Project names that mean "the platform team's own project" (docs/rules/GG003.md).
ADMIN_PROJECT = re.compile(
    r"^(?:admins?|argo-?cd|platform(?:-team)?|system|infra(?:structure)?|"
    r"cluster-(?:admin|addons)|bootstrap|core)$"
)
_PINNED_GIT = re.compile(r"^(?:[0-9a-f]{7,40}|v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.\-]+)?)$")
_PINNED_CHART = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.\-]+)?$")


def _wild_destination(dest: Node) -> tuple[str, ...] | None:
    wild = tuple(k for k in ("server", "name", "namespace") if y.text(y.get(dest, k)) == "*")
    return wild or None


def _wild_resource(res: Node) -> tuple[str, ...] | None:
    both = y.text(y.get(res, "group")) == "*" and y.text(y.get(res, "kind")) == "*"
    return () if both else None


#: AppProject wildcards: the list field, which entry is wild (and the wild keys), the severity,
#: the message after "AppProject 'name' " ({wild}: the wild keys) and the fix.
_PROJECT_WILDCARDS: tuple[
    tuple[str, Callable[[Node], tuple[str, ...] | None], Severity, str, str], ...
]
_PROJECT_WILDCARDS = (
    (
        "sourceRepos",
        lambda repo: () if y.text(repo) == "*" else None,
        Severity.MEDIUM,
        "allows every source repository ('*'); list the repositories its applications may "
        "deploy from.",
        "list the allowed repositories in spec.sourceRepos",
    ),
    (
        "destinations",
        _wild_destination,
        Severity.HIGH,
        "allows any destination {wild} ('*'); name the clusters and namespaces the project may "
        "deploy to.",
        "list the allowed server and namespace pairs in spec.destinations",
    ),
    (
        "clusterResourceWhitelist",
        _wild_resource,
        Severity.HIGH,
        "allows every cluster-scoped resource (group '*', kind '*'); whitelist only the kinds "
        "its applications need.",
        "list only the cluster-scoped kinds the project needs in spec.clusterResourceWhitelist",
    ),
)


def _project(out: Findings, obj: K8sObject) -> None:
    spec = y.get(obj.node, "spec")
    for key, wild_of, severity, message, fix in _PROJECT_WILDCARDS:
        for entry in y.items(y.get(spec, key)):
            wild = wild_of(entry)
            if wild is not None:
                out.add(
                    severity,
                    f"AppProject '{obj.name}' " + message.format(wild="/".join(wild)),
                    entry,
                    resource=obj.ref(),
                    anchor=(obj.ref(), key, *wild),
                    fix=fix,
                )
                break


def _moving(source: Node | None) -> str | None:
    """Why a source's revision moves, or None when it is pinned."""
    if source is None:
        return None
    rev_node = y.get(source, "targetRevision")
    rev = (y.text(rev_node) or "").strip()
    if "{{" in rev:
        return None
    if y.text(y.get(source, "chart")):
        if not rev:
            return "no chart version (latest)"
        return None if _PINNED_CHART.match(rev) else f"chart version range '{rev}'"
    if not rev or rev.upper() == "HEAD":
        return "HEAD"
    if _PINNED_GIT.match(rev):
        return None
    return f"branch '{rev}'"


def _open(project: K8sObject) -> bool:
    """An AppProject with a wildcard source, destination or cluster-scoped resource."""
    spec = y.get(project.node, "spec")
    return any(
        wild_of(entry) is not None
        for key, wild_of, *_ in _PROJECT_WILDCARDS
        for entry in y.items(y.get(spec, key))
    )


def _projects(run: RunIndex) -> dict[str, K8sObject]:
    """The AppProjects of the run, by name."""
    return {
        obj.name: obj
        for p in run.manifests
        for obj in p.objects()
        if obj.kind == "AppProject" and obj.group.startswith("argoproj.io")
    }


def _default_project(
    out: Findings, obj: K8sObject, spec: Node | None, name: str, run: RunIndex, serious: str
) -> bool:
    """Report an application of an open ``default`` project; False when the project is
    restricted in the scan (then judged like any other)."""
    defined = run.memo("GG003.projects", lambda: _projects(run)).get("default")
    if not serious or (defined is not None and not _open(defined)):
        return False
    how = "as defined in this repository" if defined is not None else "unless restricted"
    out.add(
        Severity.MEDIUM,
        f"{obj.kind} '{name}' uses Argo CD's 'default' project, which {how} allows every source "
        f"repository, destination and cluster-scoped resource{serious}: the application has no "
        "project boundary.",
        y.get(spec, "project"),
        resource=obj.ref(),
        anchor=(obj.ref(), "default-project"),
        fix="create an AppProject with only the repositories and destinations the application "
        "needs, and set spec.project to it",
    )
    return True


def _application(
    out: Findings, obj: K8sObject, spec: Node | None, name: str, run: RunIndex
) -> None:
    dest = y.get(spec, "destination")
    server = y.text(y.get(dest, "server")) or ""
    dest_name = y.text(y.get(dest, "name")) or ""
    namespace = y.text(y.get(dest, "namespace")) or ""
    project = y.text(y.get(spec, "project")) or "default"
    prod = is_production(server, dest_name, namespace, name, obj.namespace, project, out.path)
    kind = obj.kind
    if prod:
        sources = [y.get(spec, "source"), *y.items(y.get(spec, "sources"))]
        for source in sources:
            why = _moving(source)
            if why is None or source is None:
                continue
            out.add(
                Severity.MEDIUM,
                f"{kind} '{name}' deploys to production from a moving revision ({why}); pin "
                "targetRevision to a tag or commit and promote by changing it in git.",
                y.get(source, "targetRevision") or source,
                resource=obj.ref(),
                anchor=(obj.ref(), "targetRevision"),
                fix="pin targetRevision to a release tag or a commit SHA",
            )
            break
    in_cluster = server in IN_CLUSTER or dest_name == "in-cluster"
    serious = (
        ", and it deploys to the in-cluster destination (the cluster running Argo CD)"
        if in_cluster
        else (", in production" if prod else "")
    )
    if y.text(y.get(spec, "project")) == "default" and _default_project(
        out, obj, spec, name, run, serious
    ):
        in_cluster = False  # said by the default-project finding
    if in_cluster and not ADMIN_PROJECT.match(project) and y.get(spec, "project") is not None:
        out.add(
            Severity.MEDIUM,
            f"{kind} '{name}' of project '{project}' deploys to the in-cluster destination (the"
            " cluster running Argo CD); keep tenant projects off the control-plane cluster.",
            y.get(dest, "server") or y.get(dest, "name") or dest,
            resource=obj.ref(),
            anchor=(obj.ref(), "in-cluster"),
            fix="deploy the application to a workload cluster, or move it to the platform "
            "team's project",
        )
    automated_key = y.key_node(y.get(spec, "syncPolicy"), "automated")
    automated = y.get(spec, "syncPolicy", "automated")
    if prod and automated_key is not None and y.boolean(y.get(automated, "enabled")) is not False:
        off = [k for k in ("prune", "selfHeal") if y.boolean(y.get(automated, k)) is not True]
        if off:
            out.add(
                Severity.MEDIUM,
                f"{kind} '{name}' syncs production automatically without {' and '.join(off)}; "
                "without selfHeal manual drift stays, without prune deleted resources keep "
                "running. Set both to true.",
                automated_key,
                resource=obj.ref(),
                anchor=(obj.ref(), "automated", *off),
                fix="set syncPolicy.automated.prune and syncPolicy.automated.selfHeal to true",
            )


def check(p: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings(ID, p.path)
    for obj in p.objects():
        if not obj.group.startswith("argoproj.io"):
            continue
        if obj.kind == "AppProject":
            _project(out, obj)
        elif obj.kind == "Application":
            _application(out, obj, y.get(obj.node, "spec"), obj.name, run)
        elif obj.kind == "ApplicationSet":
            template = y.get(obj.node, "spec", "template")
            name = y.text(y.get(template, "metadata", "name")) or obj.name
            _application(out, obj, y.get(template, "spec"), name, run)
    return out.findings


RULE = Check(ID, frozenset({Kind.KUBERNETES}), check)
