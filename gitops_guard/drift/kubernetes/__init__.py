"""Kubernetes drift: compare manifests from git with objects exported by ``kubectl get -o yaml``.

Objects are matched by API group, kind, namespace and name (:mod:`.load`); each matched object is
compared field by field (:mod:`.compare`) under the tables of :mod:`.policy`, which also say which
live objects belong to the system rather than to a user. docs/drift.md explains every table and
what is deliberately not drift.
"""

from __future__ import annotations

import os

from gitops_guard.drift.inputs import display_path
from gitops_guard.drift.kubernetes.compare import compare
from gitops_guard.drift.kubernetes.load import KubeObject, Notices, load_live, load_manifests
from gitops_guard.drift.kubernetes.policy import (
    MISSING_SEVERITY,
    UNMANAGED_SEVERITY,
    claimed_volume_prefixes,
    system_managed,
)
from gitops_guard.drift.report import build_report
from gitops_guard.drift.rules import finding
from gitops_guard.drift.values import summarize
from gitops_guard.models import Finding, Report, Severity, stable_hash


def drift_from_manifests(
    manifest_dir: str | os.PathLike[str],
    live_file: str | os.PathLike[str],
    *,
    default_namespace: str = "default",
) -> Report:
    """Compare the manifests under ``manifest_dir`` (a directory, or one file such as the output
    of ``kustomize build``) with the live objects in ``live_file``.

    ``default_namespace`` is where a namespaced manifest without ``metadata.namespace`` lives (as
    with ``kubectl apply -n NAMESPACE``).
    """
    live = load_live(live_file)
    notices = Notices()
    cluster_kinds = {(o.group, o.kind) for o in live if not o.namespace}
    manifests, files = load_manifests(manifest_dir, cluster_kinds, default_namespace, notices)
    desired: dict[tuple[str, str, str, str], KubeObject] = {}
    for obj in manifests:
        first = desired.setdefault(obj.key, obj)
        if first is not obj:
            notices.skip(
                f"{obj.resource} is defined twice ({first.path}:{first.line} and "
                f"{obj.path}:{obj.line}); the first definition is compared",
                obj.path,
            )
    live_by_key = {o.key: o for o in live}
    findings: list[Finding] = []
    uncovered: dict[str, int] = {}
    live_kinds = {(o.group, o.kind) for o in live}
    live_namespaces = {o.namespace for o in live if o.namespace}
    for key, obj in desired.items():
        actual = live_by_key.get(key)
        if actual is not None:
            finding = _changed(obj, actual)
            if finding is not None:
                findings.append(finding)
        elif (obj.group, obj.kind) not in live_kinds:
            uncovered[f"no {obj.kind} objects"] = uncovered.get(f"no {obj.kind} objects", 0) + 1
        elif obj.namespace and obj.namespace not in live_namespaces:
            what = f"no objects in namespace {obj.namespace}"
            uncovered[what] = uncovered.get(what, 0) + 1
        else:
            findings.append(_missing(obj))
    shown_live = display_path(live_file)
    for what, count in sorted(uncovered.items()):
        notices.skip(
            f"the live export has {what}: {count} manifest object(s) not compared "
            "(add them to the kubectl get command)",
            shown_live,
        )
    scope = {o.namespace for o in desired.values()} | {
        o.name for o in desired.values() if o.kind == "Namespace"
    }
    claims = claimed_volume_prefixes(desired.values())
    out_of_scope = 0
    for obj in live:
        if obj.key in desired or system_managed(obj, claims):
            continue
        if obj.namespace and obj.namespace not in scope:
            out_of_scope += 1
            continue
        findings.append(_unmanaged(obj))
    return build_report(
        findings,
        notices.errors,
        files=files + 1,
        live_objects=len(live),
        manifest_objects=len(desired),
        live_objects_out_of_scope=out_of_scope,
    )


def _changed(desired: KubeObject, live: KubeObject) -> Finding | None:
    drift = compare(desired.body, live.body, desired.kind)
    if not drift:
        return None
    severity = max((f.severity for f in drift), key=lambda s: s.rank)
    rendered = [f.render() for f in drift]
    message = f"{desired.resource} differs live (manifest -> live): {summarize(rendered)}"
    return _finding("DRIFT-K8S-CHANGED", severity, message, desired, "changed", *rendered)


def _missing(obj: KubeObject) -> Finding:
    severity = MISSING_SEVERITY.get(obj.kind, Severity.MEDIUM)
    message = f"{obj.resource} is in the manifests but not live (deleted, or never applied)"
    return _finding("DRIFT-K8S-MISSING", severity, message, obj, "missing", obj.group)


def _unmanaged(obj: KubeObject) -> Finding:
    severity = UNMANAGED_SEVERITY.get(obj.kind, Severity.MEDIUM)
    message = f"{obj.resource} exists live but in none of the manifests (created outside git)"
    return _finding("DRIFT-K8S-UNMANAGED", severity, message, obj, "unmanaged", obj.group)


def _finding(
    rule_id: str, severity: Severity, message: str, obj: KubeObject, *anchor: str
) -> Finding:
    return finding(
        rule_id,
        severity,
        message,
        path=obj.path,
        line=obj.line,
        end_line=obj.end_line,
        resource=obj.resource,
        anchor=stable_hash(*anchor),
    )
