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
        ("nginx", Severity.MEDIUM),
        ("nginx:latest", Severity.MEDIUM),
        ("ghcr.io/org/web", Severity.MEDIUM),
        ("nginx:1.27", Severity.LOW),
        ("registry.local:5000/web:2.0", Severity.LOW),
        ("registry.local:5000/web", Severity.MEDIUM),
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
        (line_of(tmp_path, "deploy.yaml", "image: busybox"), Severity.MEDIUM),
        (line_of(tmp_path, "deploy.yaml", "image: nginx"), Severity.LOW),
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
    assert (
        len(found) == 1 and found[0].severity is Severity.MEDIUM and "sidecar" in found[0].message
    )


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
        (line_of(tmp_path, "Dockerfile", "FROM golang"), Severity.LOW),
        (line_of(tmp_path, "Dockerfile", "FROM ubuntu"), Severity.MEDIUM),
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
        (line_of(tmp_path, "chart/values.yaml", 'tag: "1.2.3"'), Severity.LOW),
        (line_of(tmp_path, "chart/values.yaml", "tag: latest"), Severity.MEDIUM),
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


# -- images a build tool replaces, tags a kustomization sets (issue 15) -------------------------

SKAFFOLD = """
apiVersion: skaffold/v4beta11
kind: Config
build:
  artifacts:
    - image: ghcr.io/org/web
      docker: {dockerfile: Dockerfile}
profiles:
  - name: ci
    build:
      artifacts:
        - image: ghcr.io/org/worker
manifests:
  rawYaml: [k8s/*.yaml]
"""


def gg005(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, Severity, str]]:
    return [
        (f.message.split("'")[5], f.severity, f.fix or "")
        for f in of(scan_files(tmp_path, files), "GG005")
    ]


def test_images_skaffold_builds_are_low_not_high(tmp_path: Path) -> None:
    worker = deployment("ghcr.io/org/worker", init="redis").replace("name: web\n", "name: w\n", 1)
    files = {"skaffold.yaml": SKAFFOLD, "k8s/web.yaml": deployment("ghcr.io/org/web")}
    files["k8s/worker.yaml"] = worker
    found = gg005(tmp_path, files)
    assert sorted((ref, sev) for ref, sev, _ in found) == [
        ("ghcr.io/org/web", Severity.LOW),
        ("ghcr.io/org/worker", Severity.LOW),
        ("redis", Severity.MEDIUM),  # not built by skaffold: pulls latest
    ]
    messages = [f.message for f in of(scan_files(tmp_path, {}), "GG005")]
    line = line_of(tmp_path, "skaffold.yaml", "image: ghcr.io/org/web")
    assert any(f"skaffold (skaffold.yaml:{line})" in m for m in messages)


def test_without_the_build_tool_the_same_image_is_high(tmp_path: Path) -> None:
    found = gg005(tmp_path, {"k8s/web.yaml": deployment("ghcr.io/org/web")})
    assert [(ref, sev) for ref, sev, _ in found] == [("ghcr.io/org/web", Severity.MEDIUM)]


def test_tilt_and_ko_images_are_low(tmp_path: Path) -> None:
    tiltfile = "k8s_yaml('k8s/api.yaml')\ndocker_build('ghcr.io/org/api', '.')\n"
    files = {
        "Tiltfile": tiltfile,
        "k8s/api.yaml": deployment("ghcr.io/org/api:dev"),
        "k8s/ko.yaml": deployment("ko://github.com/org/app/cmd/app").replace(
            "name: web\n", "name: app\n", 1
        ),
    }
    found = sorted(gg005(tmp_path, files))
    assert [(ref, sev) for ref, sev, _ in found] == [
        ("ghcr.io/org/api:dev", Severity.LOW),
        ("ko://github.com/org/app/cmd/app", Severity.LOW),
    ]
    assert all("pin the image by digest" in fix for _, _, fix in found)


def test_a_tag_set_by_kustomize_images_is_the_one_judged(tmp_path: Path) -> None:
    files = {
        "base/deploy.yaml": deployment("ghcr.io/org/web"),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml": (
            "resources: [../../base]\nimages:\n  - name: ghcr.io/org/web\n    newTag: 1.4.2\n"
        ),
    }
    found = of(scan_files(tmp_path, files), "GG005")
    assert [f.severity for f in found] == [Severity.LOW]
    assert (
        "'1.4.2'" in found[0].message and "overlays/prod/kustomization.yaml:4" in found[0].message
    )
    assert found[0].fix and "digest" in found[0].fix
    latest = files["overlays/prod/kustomization.yaml"].replace("1.4.2", "latest")
    found = of(scan_files(tmp_path, {"overlays/prod/kustomization.yaml": latest}), "GG005")
    assert [f.severity for f in found] == [Severity.MEDIUM]


def test_every_gg005_finding_says_how_to_pin(tmp_path: Path) -> None:
    files = {
        "deploy.yaml": deployment("nginx:1.27"),
        "Dockerfile": "FROM python:3.12-slim\n",
        "chart/Chart.yaml": "name: c\nversion: 1.0.0\n",
        "chart/values.yaml": "image:\n  repository: ghcr.io/org/c\n  tag: 2.0.0\n",
    }
    found = of(scan_files(tmp_path, files), "GG005")
    fixes = {f.path: f.fix for f in found}
    assert fixes["deploy.yaml"] == "pin by digest: nginx:1.27@sha256:..."
    assert fixes["Dockerfile"] and "FROM python:3.12-slim@sha256:" in fixes["Dockerfile"]
    assert fixes["chart/values.yaml"] and "digest" in fixes["chart/values.yaml"]


# -- GG006: Kustomize components (issue 15) -------------------------------------------------------

COMPONENT = (
    "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [deny.yaml]\n"
)


def test_a_component_no_overlay_includes_is_not_coverage(tmp_path: Path) -> None:
    files = {
        "base/deploy.yaml": deployment("nginx:1.27"),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml": "resources: [../../base]\n",
        "components/netpol/kustomization.yaml": COMPONENT,
        "components/netpol/deny.yaml": DENY_ALL.format(ns="web"),
    }
    found = of(scan_files(tmp_path, files), "GG006")
    assert [f.resource for f in found] == ["Namespace.web"]


def test_a_component_an_overlay_includes_is_coverage(tmp_path: Path) -> None:
    files = {
        "base/deploy.yaml": deployment("nginx:1.27"),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml": (
            "resources: [../../base]\ncomponents: [../../components/netpol]\n"
        ),
        "components/netpol/kustomization.yaml": COMPONENT,
        "components/netpol/deny.yaml": DENY_ALL.format(ns="web"),
    }
    assert of(scan_files(tmp_path, files), "GG006") == []


def test_an_object_with_generate_name_is_named_by_it(tmp_path: Path) -> None:
    job = """
    apiVersion: batch/v1
    kind: Job
    metadata:
      generateName: db-migrate-
      namespace: web
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: migrate, image: "ghcr.io/org/migrate:1.0"}]
    """
    result = scan_files(tmp_path, {"job.yaml": job})
    for finding in [*of(result, "GG005"), *of(result, "GG006")]:
        assert "db-migrate-*" in finding.message and "''" not in finding.message
    assert [f.resource for f in of(result, "GG005")] == ["Job.web.db-migrate-*"]
