"""GG004 - Flux hygiene.

* Sources (``GitRepository``, ``HelmRepository``, ``OCIRepository``, ``Bucket``) fetched over
  plain ``http://`` or with ``insecure: true``: anyone on the path can change what gets deployed.
  HIGH.
* ``GitRepository`` and ``OCIRepository`` without ``spec.verify`` (commit / artifact signature
  verification, which both support): the controller deploys whatever the remote serves. LOW.
* ``Kustomization`` with ``prune: false``: resources removed from git keep running. MEDIUM.
* ``HelmRelease`` with no chart version (latest) or a version range (``>=1.0.0``, ``1.x``, ``*``,
  ``^1.2``, ``~1.2``) and ``OCIRepository`` following a semver range or the ``latest`` tag (no
  ``ref``, or ``ref.tag: latest``): an upstream release is deployed without a reviewed change in
  git. MEDIUM.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import K8sObject, Parsed
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.targets import Kind

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

ID = "GG004"
_SOURCES = frozenset({"GitRepository", "HelmRepository", "OCIRepository", "Bucket"})
_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.\-]+)?(?:\+[0-9A-Za-z.\-]+)?$")


def _transport(out: Findings, obj: K8sObject) -> None:
    """Plain http, or TLS verification switched off."""
    spec = y.get(obj.node, "spec")
    url_node = y.get(spec, "url") or y.get(spec, "endpoint")
    insecure = y.get(spec, "insecure")
    for bad, at, key, what, fix in (
        (
            (y.text(url_node) or "").strip().lower().startswith("http://"),
            url_node,
            "http",
            "fetches over plain http; use https (or ssh/oci) so the source cannot be tampered "
            "with in transit.",
            "use an https://, ssh:// or oci:// URL",
        ),
        (
            y.boolean(insecure) is True,
            insecure,
            "insecure",
            "sets insecure: true (no TLS verification); remove it.",
            "remove insecure: true and trust the server's CA through spec.certSecretRef",
        ),
    ):
        if bad:
            out.add(
                Severity.HIGH,
                f"{obj.kind} '{obj.name}' {what}",
                at,
                resource=obj.ref(),
                anchor=(obj.ref(), key),
                fix=fix,
            )


def _source(out: Findings, obj: K8sObject) -> None:
    _transport(out, obj)
    spec = y.get(obj.node, "spec")
    url = (y.text(y.get(spec, "url") or y.get(spec, "endpoint")) or "").strip()
    if obj.kind in ("GitRepository", "OCIRepository") and y.get(spec, "verify") is None and url:
        signed = "commit" if obj.kind == "GitRepository" else "artifact"
        out.add(
            Severity.LOW,
            f"{obj.kind} '{obj.name}' does not verify {signed} signatures; add spec.verify so "
            "only signed revisions are deployed.",
            obj.line,
            resource=obj.ref(),
            anchor=(obj.ref(), "verify"),
            fix="add spec.verify (cosign for OCI artifacts, the OpenPGP keys that sign the "
            "commits for Git)",
        )
    if obj.kind != "OCIRepository":
        return
    ref = y.get(spec, "ref")
    semver = y.get(ref, "semver")
    tag = y.text(y.get(ref, "tag"))
    digest = y.get(ref, "digest") is not None
    if url and not digest and semver is None and (tag is None or tag == "latest"):
        why, at, key = "the 'latest' tag", y.get(ref, "tag") or y.key_node(spec, "url"), "latest"
        fix = "set spec.ref.tag to a release, or spec.ref.digest"
    elif not digest and semver is not None and not _EXACT_VERSION.match(y.text(semver) or ""):
        why, at, key = f"the semver range '{y.text(semver) or ''}'", semver, "semver"
        fix = "pin spec.ref.semver to one version, or use spec.ref.digest"
    else:
        return
    out.add(
        Severity.MEDIUM,
        f"OCIRepository '{obj.name}' follows {why}; pin a tag or digest and bump it in git.",
        at or obj.node,
        resource=obj.ref(),
        anchor=(obj.ref(), key),
        fix=fix,
    )


def _kustomization(out: Findings, obj: K8sObject) -> None:
    prune = y.get(obj.node, "spec", "prune")
    if y.boolean(prune) is False:
        out.add(
            Severity.MEDIUM,
            f"Kustomization '{obj.name}' has prune: false; objects deleted from git keep "
            "running in the cluster. Set prune: true.",
            prune,
            resource=obj.ref(),
            anchor=(obj.ref(), "prune"),
            fix="set spec.prune: true",
        )


def _helmrelease(out: Findings, obj: K8sObject) -> None:
    chart = y.get(obj.node, "spec", "chart", "spec")
    if chart is None:
        return
    version = y.get(chart, "version")
    value = (y.text(version) or "").strip()
    if version is None:
        if not y.text(y.get(chart, "chart")):
            return  # a patch that does not set the chart
        why, at = "sets no chart version (latest)", y.get(chart, "chart")
    elif "${" in value or "{{" in value or _EXACT_VERSION.match(value):
        return
    else:
        why, at = f"follows the chart version range '{value}'", version
    out.add(
        Severity.MEDIUM,
        f"HelmRelease '{obj.name}' {why}; pin an exact version and let a bot propose upgrades.",
        at,
        resource=obj.ref(),
        anchor=(obj.ref(), "version"),
        fix="pin spec.chart.spec.version to an exact version and let Renovate propose upgrades",
    )


def check(p: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings(ID, p.path)
    for obj in p.objects():
        group = obj.group
        if not group.endswith("toolkit.fluxcd.io"):
            continue
        if obj.kind in _SOURCES and group.startswith("source."):
            _source(out, obj)
        elif obj.kind == "Kustomization" and group.startswith("kustomize."):
            _kustomization(out, obj)
        elif obj.kind == "HelmRelease" and group.startswith("helm."):
            _helmrelease(out, obj)
    return out.findings


RULE = Check(ID, frozenset({Kind.KUBERNETES}), check)
