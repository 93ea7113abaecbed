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
  itself. MEDIUM. Admin projects: ``default``, ``admin``, ``argocd``, ``platform``, ``system``,
  ``infra``, ``infrastructure``, ``cluster-admin``, ``bootstrap``, ``cluster-addons``.
* A production ``Application`` with automated sync but ``prune`` or ``selfHeal`` not ``true``:
  without selfHeal a manual change in the cluster (drift) stays until the next commit; without
  prune a resource deleted from git keeps running. Git stops being the source of truth. MEDIUM.

*Production* means a word ``prod``, ``production`` or ``prd`` in the destination (name,
namespace, server), the application's name or namespace, its project, or the file's path.
"""

from __future__ import annotations

import re

from yaml.nodes import Node

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import K8sObject, Parsed, finding, is_production

RULE = "GG003"
IN_CLUSTER = ("https://kubernetes.default.svc", "https://kubernetes.default.svc/")
ADMIN_PROJECTS = frozenset(
    {
        "default",
        "admin",
        "argocd",
        "argo-cd",
        "platform",
        "system",
        "infra",
        "infrastructure",
        "cluster-admin",
        "bootstrap",
        "cluster-addons",
        "admins",
        "platform-team",
        "core",
    }
)
_PINNED_GIT = re.compile(r"^(?:[0-9a-f]{7,40}|v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.\-]+)?)$")
_PINNED_CHART = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.\-]+)?$")


def _project(p: Parsed, obj: K8sObject) -> list[Finding]:
    out: list[Finding] = []
    spec = y.get(obj.node, "spec")
    for repo in y.items(y.get(spec, "sourceRepos")):
        if y.text(repo) == "*":
            out.append(
                finding(
                    RULE,
                    Severity.MEDIUM,
                    f"AppProject '{obj.name}' allows every source repository ('*'); list the "
                    "repositories its applications may deploy from.",
                    p.path,
                    y.line(repo),
                    resource=obj.ref(),
                    anchor=(obj.ref(), "sourceRepos"),
                )
            )
            break
    for dest in y.items(y.get(spec, "destinations")):
        wild = [k for k in ("server", "name", "namespace") if y.text(y.get(dest, k)) == "*"]
        if wild:
            out.append(
                finding(
                    RULE,
                    Severity.HIGH,
                    f"AppProject '{obj.name}' allows any destination {'/'.join(wild)} ('*'); name "
                    "the clusters and namespaces the project may deploy to.",
                    p.path,
                    y.line(dest),
                    resource=obj.ref(),
                    anchor=(obj.ref(), "destinations", *wild),
                )
            )
            break
    for res in y.items(y.get(spec, "clusterResourceWhitelist")):
        if y.text(y.get(res, "group")) == "*" and y.text(y.get(res, "kind")) == "*":
            out.append(
                finding(
                    RULE,
                    Severity.HIGH,
                    f"AppProject '{obj.name}' allows every cluster-scoped resource (group '*', "
                    "kind '*'); whitelist only the kinds its applications need.",
                    p.path,
                    y.line(res),
                    resource=obj.ref(),
                    anchor=(obj.ref(), "clusterResourceWhitelist"),
                )
            )
            break
    return out


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


def _application(p: Parsed, obj: K8sObject, spec: Node | None, name: str) -> list[Finding]:
    out: list[Finding] = []
    dest = y.get(spec, "destination")
    server = y.text(y.get(dest, "server")) or ""
    dest_name = y.text(y.get(dest, "name")) or ""
    namespace = y.text(y.get(dest, "namespace")) or ""
    project = y.text(y.get(spec, "project")) or "default"
    prod = is_production(server, dest_name, namespace, name, obj.namespace, project, p.path)
    kind = obj.kind
    if prod:
        sources = [y.get(spec, "source"), *y.items(y.get(spec, "sources"))]
        for source in sources:
            why = _moving(source)
            if why is None or source is None:
                continue
            at: Node | None = y.get(source, "targetRevision") or source
            out.append(
                finding(
                    RULE,
                    Severity.MEDIUM,
                    f"{kind} '{name}' deploys to production from a moving revision ({why}); pin "
                    "targetRevision to a tag or commit and promote by changing it in git.",
                    p.path,
                    y.line(at),
                    resource=obj.ref(),
                    anchor=(obj.ref(), "targetRevision"),
                )
            )
            break
    if (server in IN_CLUSTER or dest_name == "in-cluster") and project not in ADMIN_PROJECTS:
        at = y.get(dest, "server") or y.get(dest, "name") or dest
        out.append(
            finding(
                RULE,
                Severity.MEDIUM,
                f"{kind} '{name}' of project '{project}' deploys to the in-cluster destination (the"
                " cluster running Argo CD); keep tenant projects off the control-plane cluster.",
                p.path,
                y.line(at),
                resource=obj.ref(),
                anchor=(obj.ref(), "in-cluster"),
            )
        )
    automated_key = y.key_node(y.get(spec, "syncPolicy"), "automated")
    automated = y.get(spec, "syncPolicy", "automated")
    if prod and automated_key is not None and y.boolean(y.get(automated, "enabled")) is not False:
        off = [k for k in ("prune", "selfHeal") if y.boolean(y.get(automated, k)) is not True]
        if off:
            out.append(
                finding(
                    RULE,
                    Severity.MEDIUM,
                    f"{kind} '{name}' syncs production automatically without {' and '.join(off)}; "
                    "without selfHeal manual drift stays, without prune deleted resources keep "
                    "running. Set both to true.",
                    p.path,
                    y.line(automated_key),
                    resource=obj.ref(),
                    anchor=(obj.ref(), "automated", *off),
                )
            )
    return out


def check(p: Parsed) -> list[Finding]:
    out: list[Finding] = []
    for obj in p.objects():
        if not obj.group.startswith("argoproj.io"):
            continue
        if obj.kind == "AppProject":
            out.extend(_project(p, obj))
        elif obj.kind == "Application":
            out.extend(_application(p, obj, y.get(obj.node, "spec"), obj.name))
        elif obj.kind == "ApplicationSet":
            template = y.get(obj.node, "spec", "template")
            name = y.text(y.get(template, "metadata", "name")) or obj.name
            out.extend(_application(p, obj, y.get(template, "spec"), name))
    return out
