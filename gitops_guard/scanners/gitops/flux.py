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

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import K8sObject, Parsed, finding

RULE = "GG004"
_SOURCES = frozenset({"GitRepository", "HelmRepository", "OCIRepository", "Bucket"})
_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.\-]+)?(?:\+[0-9A-Za-z.\-]+)?$")


def _source(p: Parsed, obj: K8sObject) -> list[Finding]:
    out: list[Finding] = []
    spec = y.get(obj.node, "spec")
    url_node = y.get(spec, "url") or y.get(spec, "endpoint")
    url = (y.text(url_node) or "").strip()
    if url.lower().startswith("http://"):
        out.append(
            finding(
                RULE,
                Severity.HIGH,
                f"{obj.kind} '{obj.name}' fetches over plain http; use https (or ssh/oci) so the "
                "source cannot be tampered with in transit.",
                p.path,
                y.line(url_node),
                resource=obj.ref(),
                anchor=(obj.ref(), "http"),
            )
        )
    insecure = y.get(spec, "insecure")
    if y.boolean(insecure) is True:
        out.append(
            finding(
                RULE,
                Severity.HIGH,
                f"{obj.kind} '{obj.name}' sets insecure: true (no TLS verification); remove it.",
                p.path,
                y.line(insecure),
                resource=obj.ref(),
                anchor=(obj.ref(), "insecure"),
            )
        )
    if (
        obj.kind in ("GitRepository", "OCIRepository")
        and y.get(spec, "verify") is None
        and (spec is not None and url)
    ):
        out.append(
            finding(
                RULE,
                Severity.LOW,
                f"{obj.kind} '{obj.name}' does not verify "
                f"{'commit' if obj.kind == 'GitRepository' else 'artifact'} signatures; add "
                "spec.verify so only signed revisions are deployed.",
                p.path,
                obj.line,
                resource=obj.ref(),
                anchor=(obj.ref(), "verify"),
            )
        )
    if obj.kind == "OCIRepository":
        ref = y.get(spec, "ref")
        semver = y.get(ref, "semver")
        tag = y.text(y.get(ref, "tag"))
        pinned = y.get(ref, "digest") is not None or semver is not None
        if url and not pinned and (tag is None or tag == "latest"):
            at = y.get(ref, "tag") or y.key_node(spec, "url") or obj.node
            out.append(
                finding(
                    RULE,
                    Severity.MEDIUM,
                    f"OCIRepository '{obj.name}' follows the 'latest' tag; pin a tag or digest "
                    "and bump it in git.",
                    p.path,
                    y.line(at),
                    resource=obj.ref(),
                    anchor=(obj.ref(), "latest"),
                )
            )
        if y.get(ref, "digest") is None and semver is not None:
            value = y.text(semver) or ""
            if not _EXACT_VERSION.match(value):
                out.append(
                    finding(
                        RULE,
                        Severity.MEDIUM,
                        f"OCIRepository '{obj.name}' follows the semver range '{value}'; pin a tag "
                        "or digest and bump it in git.",
                        p.path,
                        y.line(semver),
                        resource=obj.ref(),
                        anchor=(obj.ref(), "semver"),
                    )
                )
    return out


def _kustomization(p: Parsed, obj: K8sObject) -> list[Finding]:
    prune = y.get(obj.node, "spec", "prune")
    if y.boolean(prune) is False:
        return [
            finding(
                RULE,
                Severity.MEDIUM,
                f"Kustomization '{obj.name}' has prune: false; objects deleted from git keep "
                "running in the cluster. Set prune: true.",
                p.path,
                y.line(prune),
                resource=obj.ref(),
                anchor=(obj.ref(), "prune"),
            )
        ]
    return []


def _helmrelease(p: Parsed, obj: K8sObject) -> list[Finding]:
    chart = y.get(obj.node, "spec", "chart", "spec")
    if chart is None:
        return []
    version = y.get(chart, "version")
    value = (y.text(version) or "").strip()
    if version is None:
        if not y.text(y.get(chart, "chart")):
            return []  # a patch that does not set the chart
        why, at = "sets no chart version (latest)", y.get(chart, "chart")
    elif "${" in value or "{{" in value or _EXACT_VERSION.match(value):
        return []
    else:
        why, at = f"follows the chart version range '{value}'", version
    return [
        finding(
            RULE,
            Severity.MEDIUM,
            f"HelmRelease '{obj.name}' {why}; pin an exact version and let a bot propose upgrades.",
            p.path,
            y.line(at),
            resource=obj.ref(),
            anchor=(obj.ref(), "version"),
        )
    ]


def check(p: Parsed) -> list[Finding]:
    out: list[Finding] = []
    for obj in p.objects():
        group = obj.group
        if not group.endswith("toolkit.fluxcd.io"):
            continue
        if obj.kind in _SOURCES and group.startswith("source."):
            out.extend(_source(p, obj))
        elif obj.kind == "Kustomization" and group.startswith("kustomize."):
            out.extend(_kustomization(p, obj))
        elif obj.kind == "HelmRelease" and group.startswith("helm."):
            out.extend(_helmrelease(p, obj))
    return out
