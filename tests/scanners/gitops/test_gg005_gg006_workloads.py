"""GG005 (immutable images) and GG006 (NetworkPolicy per namespace, across files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gg_helpers import line_of, of, scan_files, scan_path

from gitops_guard.models import Severity
from gitops_guard.scanners.gitops.images import judge_image

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("ref", "severity"),
    [
        ("nginx", Severity.HIGH),
        ("nginx:latest", Severity.HIGH),
        ("ghcr.io/org/web", Severity.HIGH),
        ("nginx:1.27", Severity.MEDIUM),
        ("registry.local:5000/web:2.0", Severity.MEDIUM),
        ("registry.local:5000/web", Severity.HIGH),
        (f"nginx:1.27@{DIGEST}", None),
        (f"nginx@{DIGEST}", None),
        ("{{ .Values.image }}", None),
        ("${IMAGE}", None),
        ("", None),
    ],
)
def test_judge_image(ref: str, severity: Severity | None) -> None:
    verdict = judge_image(ref)
    assert (verdict[0] if verdict else None) is severity


def deployment(image: str, init: str = "", ns: str = "web", labels: str = "app: web") -> str:
    init_block = (
        f"      initContainers:\n        - name: init\n          image: {init}\n" if init else ""
    )
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
spec:
  selector:
    matchLabels: {{{labels}}}
  template:
    metadata:
      labels: {{{labels}}}
    spec:
{init_block}      containers:
        - name: web
          image: {image}
"""


def test_workload_images(tmp_path: Path) -> None:
    files = {"deploy.yaml": deployment("nginx:1.27", init="busybox")}
    found = of(scan_files(tmp_path, files), "GG005")
    assert [(f.line, f.severity) for f in found] == [
        (line_of(tmp_path, "deploy.yaml", "image: busybox"), Severity.HIGH),
        (line_of(tmp_path, "deploy.yaml", "image: nginx"), Severity.MEDIUM),
    ]


def test_cronjob_and_pinned_images(tmp_path: Path) -> None:
    text = f"""
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: backup
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: backup
                  image: ghcr.io/org/backup:1.0@{DIGEST}
                - name: sidecar
                  image: ghcr.io/org/sidecar:latest
    """
    found = of(scan_files(tmp_path, {"cron.yaml": text}), "GG005")
    assert len(found) == 1 and found[0].severity is Severity.HIGH and "sidecar" in found[0].message


def test_kustomize_images_digest_pins_the_base(tmp_path: Path) -> None:
    files = {
        "base/deploy.yaml": deployment("ghcr.io/org/web:1.0"),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml": (
            f"resources: [../../base]\nimages:\n  - name: ghcr.io/org/web\n    digest: {DIGEST}\n"
        ),
    }
    assert of(scan_files(tmp_path, files), "GG005") == []


def test_dockerfile_from(tmp_path: Path) -> None:
    text = f"""
    # syntax=docker/dockerfile:1
    ARG GO_VERSION=1.22
    ARG BASE
    FROM golang:${{GO_VERSION}} AS build
    RUN go build -o /app .
    FROM --platform=$BUILDPLATFORM node:20@{DIGEST} AS assets
    FROM $BASE
    FROM build AS test
    FROM scratch
    COPY --from=build /app /app
    FROM ubuntu
    """
    found = of(scan_files(tmp_path, {"Dockerfile": text}), "GG005")
    assert [(f.line, f.severity) for f in found] == [
        (line_of(tmp_path, "Dockerfile", "FROM golang"), Severity.MEDIUM),
        (line_of(tmp_path, "Dockerfile", "FROM ubuntu"), Severity.HIGH),
    ]
    assert "golang:1.22" in found[0].message


def test_helm_values_image_tags(tmp_path: Path) -> None:
    values = f"""
    image:
      repository: ghcr.io/org/web
      tag: "1.2.3"
      pullPolicy: IfNotPresent
    sidecar:
      image:
        repository: ghcr.io/org/sidecar
        tag: latest
    pinned:
      image:
        repository: ghcr.io/org/pinned
        tag: "1.0"
        digest: {DIGEST}
    defaulted:
      image:
        repository: ghcr.io/org/default
        tag: ""
    """
    files = {"chart/Chart.yaml": "name: web\nversion: 1.0.0\n", "chart/values.yaml": values}
    found = of(scan_files(tmp_path, files), "GG005")
    assert [(f.line, f.severity) for f in found] == [
        (line_of(tmp_path, "chart/values.yaml", 'tag: "1.2.3"'), Severity.MEDIUM),
        (line_of(tmp_path, "chart/values.yaml", "tag: latest"), Severity.HIGH),
    ]


def test_kustomizegoat_corpus(corpora: Path) -> None:
    repo = corpora / "kustomizegoat"
    if not repo.is_dir():
        pytest.skip("kustomizegoat corpus is absent")
    result = scan_path(repo)
    gg005 = of(result, "GG005")
    assert {f.path for f in gg005} == {"Dockerfile", "kustomize/base/deployment.yaml"}
    # the prod overlay patch pins by digest: not flagged
    assert not [f for f in gg005 if "overlays" in f.path]
    namespaces = sorted(f.resource or "" for f in of(result, "GG006"))
    assert namespaces == [
        "Namespace.kustomizegoat",
        "Namespace.kustomizegoat-dev",
        "Namespace.kustomizegoat-prod",
    ]


# -- GG006 -------------------------------------------------------------------------------------

DENY_ALL = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: {ns}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
"""


def test_namespace_without_policy(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"web/deploy.yaml": deployment("nginx:1.27")})
    found = of(result, "GG006")
    assert len(found) == 1 and "'web'" in found[0].message and found[0].line == 1


def test_policy_in_another_file_covers_the_namespace(tmp_path: Path) -> None:
    files = {
        "web/deploy.yaml": deployment("nginx:1.27"),
        "policies/deny.yaml": DENY_ALL.format(ns="web"),
    }
    assert of(scan_files(tmp_path, files), "GG006") == []


def test_policy_in_another_namespace_does_not(tmp_path: Path) -> None:
    files = {
        "web/deploy.yaml": deployment("nginx:1.27"),
        "policies/deny.yaml": DENY_ALL.format(ns="other"),
    }
    assert len(of(scan_files(tmp_path, files), "GG006")) == 1


def test_default_namespace_when_unset(tmp_path: Path) -> None:
    files = {
        "deploy.yaml": deployment("nginx:1.27").replace("  namespace: web\n", ""),
        "deny.yaml": DENY_ALL.format(ns="default"),
    }
    assert of(scan_files(tmp_path, files), "GG006") == []


def test_selector_that_misses_a_workload(tmp_path: Path) -> None:
    policy = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: api-only
      namespace: web
    spec:
      podSelector:
        matchExpressions:
          - {key: app, operator: In, values: [api]}
    """
    files = {
        "deploy.yaml": deployment("nginx:1.27"),
        "api.yaml": deployment("nginx:1.27", labels="app: api").replace(
            "name: web\n", "name: api\n", 1
        ),
        "policy.yaml": policy,
    }
    found = of(scan_files(tmp_path, files), "GG006")
    assert len(found) == 1 and "Deployment 'web'" in found[0].message


def test_egress_only_policy_does_not_isolate_ingress(tmp_path: Path) -> None:
    files = {
        "deploy.yaml": deployment("nginx:1.27"),
        "deny.yaml": DENY_ALL.format(ns="web").replace("[Ingress, Egress]", "[Egress]"),
    }
    assert len(of(scan_files(tmp_path, files), "GG006")) == 1


def test_kustomize_namespace_applies_to_base_resources(tmp_path: Path) -> None:
    files = {
        "base/deploy.yaml": deployment("nginx:1.27").replace("  namespace: web\n", ""),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml": (
            "namespace: web-prod\nresources: [../../base, deny.yaml]\n"
        ),
        "overlays/prod/deny.yaml": DENY_ALL.format(ns="web-prod"),
    }
    assert of(scan_files(tmp_path, files), "GG006") == []


def test_clusterwide_policy_turns_the_rule_off(tmp_path: Path) -> None:
    files = {
        "deploy.yaml": deployment("nginx:1.27"),
        "ccnp.yaml": "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\n"
        "metadata:\n  name: deny\nspec:\n  endpointSelector: {}\n",
    }
    assert of(scan_files(tmp_path, files), "GG006") == []


def test_flux_corpus_namespaces_are_covered(corpora: Path) -> None:
    repo = corpora / "flux2-kustomize-helm-example"
    if not repo.is_dir():
        pytest.skip("flux2-kustomize-helm-example corpus is absent")
    assert of(scan_path(repo), "GG006") == []
