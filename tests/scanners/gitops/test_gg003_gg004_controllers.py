"""GG003 (Argo CD) and GG004 (Flux) hygiene."""

from __future__ import annotations

from pathlib import Path

import pytest
from gg_helpers import line_of, of, scan_files, scan_path

from gitops_guard.models import Severity


def findings(tmp_path: Path, rule: str, text: str, name: str = "app.yaml") -> list[str]:
    result = scan_files(tmp_path, {name: text})
    return [f"{f.line}:{f.severity.value}:{f.message}" for f in of(result, rule)]


PROJECT_WIDE = """
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: team-a
  namespace: argocd
spec:
  sourceRepos:
    - '*'
  destinations:
    - server: '*'
      namespace: '*'
  clusterResourceWhitelist:
    - group: '*'
      kind: '*'
"""

PROJECT_TIGHT = """
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: team-a
spec:
  sourceRepos:
    - https://github.com/org/team-a-config
  destinations:
    - server: https://prod.example.com
      namespace: team-a
  clusterResourceWhitelist:
    - group: ''
      kind: Namespace
"""


def test_appproject_wildcards(tmp_path: Path) -> None:
    found = findings(tmp_path, "GG003", PROJECT_WIDE)
    assert len(found) == 3
    assert found[0].startswith(f"{line_of(tmp_path, 'app.yaml', chr(39) + '*')}:medium")
    assert ":high:" in found[1] and ":high:" in found[2]


def test_tight_appproject_is_clean(tmp_path: Path) -> None:
    assert findings(tmp_path, "GG003", PROJECT_TIGHT) == []


def app(
    revision: str,
    dest_ns: str = "web-prod",
    project: str = "team-a",
    sync: str = "",
    server: str = "https://prod.example.com",
) -> str:
    return f"""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: {project}
  source:
    repoURL: https://github.com/org/config
    path: apps/web
    targetRevision: {revision}
  destination:
    server: {server}
    namespace: {dest_ns}
{sync}"""


@pytest.mark.parametrize("revision", ["HEAD", "main", "release-branch", "''"])
def test_production_app_on_a_moving_revision(tmp_path: Path, revision: str) -> None:
    found = findings(tmp_path, "GG003", app(revision))
    assert len(found) == 1 and "moving revision" in found[0]
    assert found[0].startswith(f"{line_of(tmp_path, 'app.yaml', 'targetRevision')}:")


@pytest.mark.parametrize("revision", ["v1.4.2", "1.4.2", "3f2a9c1", "3f2a9c1d" * 5])
def test_production_app_pinned(tmp_path: Path, revision: str) -> None:
    assert findings(tmp_path, "GG003", app(revision)) == []


def test_non_production_app_may_track_a_branch(tmp_path: Path) -> None:
    text = app("main", dest_ns="web-staging", server="https://staging.example.com")
    assert findings(tmp_path, "GG003", text) == []


def test_helm_chart_version_ranges(tmp_path: Path) -> None:
    text = app("'*'").replace("path: apps/web", "chart: web")
    assert len(findings(tmp_path, "GG003", text)) == 1
    pinned = app("1.2.3").replace("path: apps/web", "chart: web")
    assert findings(tmp_path / "b", "GG003", pinned) == []


def test_in_cluster_destination_from_a_tenant_project(tmp_path: Path) -> None:
    text = app("v1.0.0", dest_ns="team-a", server="https://kubernetes.default.svc")
    found = findings(tmp_path, "GG003", text)
    assert len(found) == 1 and "in-cluster" in found[0]
    admin = app(
        "v1.0.0", dest_ns="team-a", project="platform", server="https://kubernetes.default.svc"
    )
    assert findings(tmp_path / "b", "GG003", admin) == []


# -- project: default is Argo CD's open catch-all, not an admin project (issue 15) -------------

OPEN_DEFAULT = """
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: default, namespace: argocd}
spec:
  sourceRepos: ['*']
  destinations: [{server: '*', namespace: '*'}]
"""
RESTRICTED_DEFAULT = """
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: default, namespace: argocd}
spec:
  sourceRepos: [https://github.com/org/config]
  destinations: [{server: https://kubernetes.default.svc, namespace: team-a}]
"""


def test_the_default_project_on_the_in_cluster_destination_is_one_finding(tmp_path: Path) -> None:
    text = app(
        "v1.0.0", dest_ns="team-a", project="default", server="https://kubernetes.default.svc"
    )
    found = findings(tmp_path, "GG003", text)
    assert len(found) == 1
    assert found[0].startswith(f"{line_of(tmp_path, 'app.yaml', 'project: default')}:medium:")
    assert "'default' project" in found[0] and "in-cluster" in found[0]


def test_the_default_project_in_production_is_flagged_elsewhere_not(tmp_path: Path) -> None:
    prod = findings(tmp_path, "GG003", app("v1.0.0", project="default"))
    assert len(prod) == 1 and "in production" in prod[0]
    dev = app("v1.0.0", dest_ns="web-dev", project="default", server="https://dev.example.com")
    assert findings(tmp_path / "b", "GG003", dev) == []


def test_an_open_default_project_in_the_repository_is_still_open(tmp_path: Path) -> None:
    files = {"app.yaml": app("v1.0.0", project="default"), "project.yaml": OPEN_DEFAULT}
    messages = [f.message for f in of(scan_files(tmp_path, files), "GG003") if f.path == "app.yaml"]
    assert len(messages) == 1 and "as defined in this repository" in messages[0]


def test_a_restricted_default_project_is_judged_like_a_tenant(tmp_path: Path) -> None:
    text = app(
        "v1.0.0", dest_ns="team-a", project="default", server="https://kubernetes.default.svc"
    )
    files = {"app.yaml": text, "project.yaml": RESTRICTED_DEFAULT}
    found = of(scan_files(tmp_path, files), "GG003")
    assert [("in-cluster" in f.message, "'default' project" in f.message) for f in found] == [
        (True, False)
    ]
    pinned_prod = {"app.yaml": app("v1.0.0", project="default"), "project.yaml": RESTRICTED_DEFAULT}
    assert of(scan_files(tmp_path / "b", pinned_prod), "GG003") == []


AUTO = "  syncPolicy:\n    automated:\n      prune: {prune}\n      selfHeal: {heal}\n"


@pytest.mark.parametrize(
    ("prune", "heal", "flagged"),
    [
        ("true", "true", False),
        ("false", "true", True),
        ("true", "false", True),
    ],
)
def test_automated_sync_needs_prune_and_selfheal_in_production(
    tmp_path: Path, prune: str, heal: str, flagged: bool
) -> None:
    text = app("v1.0.0", sync=AUTO.format(prune=prune, heal=heal))
    found = findings(tmp_path, "GG003", text)
    assert bool(found) is flagged
    if flagged:
        assert found[0].startswith(f"{line_of(tmp_path, 'app.yaml', 'automated')}:")


def test_automated_empty_in_production_is_flagged(tmp_path: Path) -> None:
    text = app("v1.0.0", sync="  syncPolicy:\n    automated: {}\n")
    found = findings(tmp_path, "GG003", text)
    assert len(found) == 1 and "prune and selfHeal" in found[0]


def test_applicationset_template(tmp_path: Path) -> None:
    text = """
    apiVersion: argoproj.io/v1alpha1
    kind: ApplicationSet
    metadata:
      name: web
    spec:
      generators:
        - list:
            elements: [{cluster: prod}]
      template:
        metadata:
          name: 'web-{{cluster}}'
        spec:
          project: team-a
          source:
            repoURL: https://github.com/org/config
            targetRevision: HEAD
            path: apps/web
          destination:
            name: production
            namespace: web
    """
    assert len(findings(tmp_path, "GG003", text)) == 1


# -- Flux --------------------------------------------------------------------------------------


def test_flux_sources(tmp_path: Path) -> None:
    text = """
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: GitRepository
    metadata:
      name: app
    spec:
      url: http://git.example.com/org/app
      ref:
        branch: main
    ---
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: HelmRepository
    metadata:
      name: charts
    spec:
      url: https://charts.example.com
      insecure: true
    ---
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: GitRepository
    metadata:
      name: signed
    spec:
      url: ssh://git@github.com/org/fleet
      verify:
        mode: HEAD
        secretRef:
          name: pgp-public-keys
    """
    result = scan_files(tmp_path, {"sources.yaml": text})
    found = of(result, "GG004")
    assert [(f.severity, f.line) for f in found] == [
        (Severity.LOW, line_of(tmp_path, "sources.yaml", "kind: GitRepository") - 1),
        (Severity.HIGH, line_of(tmp_path, "sources.yaml", "http://")),
        (Severity.HIGH, line_of(tmp_path, "sources.yaml", "insecure")),
    ]


def test_flux_kustomization_prune_and_helmrelease_versions(tmp_path: Path) -> None:
    text = """
    apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: apps
    spec:
      prune: false
      path: ./apps
      sourceRef: {kind: GitRepository, name: flux-system}
    ---
    apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: infra
    spec:
      prune: true
      path: ./infra
    ---
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata:
      name: ranged
    spec:
      chart:
        spec:
          chart: podinfo
          version: ">=6.0.0"
    ---
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata:
      name: pinned
    spec:
      chart:
        spec:
          chart: podinfo
          version: 6.5.4
    ---
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata:
      name: latest
    spec:
      chart:
        spec:
          chart: podinfo
    """
    found = of(scan_files(tmp_path, {"flux.yaml": text}), "GG004")
    messages = [f.message for f in found]
    assert len(found) == 3
    assert "prune: false" in messages[0]
    assert "'>=6.0.0'" in messages[1]
    assert "latest" in messages[2]


def test_flux_example_corpus(corpora: Path) -> None:
    repo = corpora / "flux2-kustomize-helm-example"
    if not repo.is_dir():
        pytest.skip("flux2-kustomize-helm-example corpus is absent")
    result = scan_path(repo)
    assert not of(result, "GG003")
    gg004 = of(result, "GG004")
    # OCIRepository semver ranges and HelmRelease version ranges are real findings there.
    assert any("semver range" in f.message for f in gg004)
    assert not [e for e in result.errors if e.kind.value == "error"]


def test_oci_repository_following_latest(tmp_path: Path) -> None:
    text = """
    apiVersion: source.toolkit.fluxcd.io/v1beta2
    kind: OCIRepository
    metadata:
      name: manifests
    spec:
      url: oci://ghcr.io/org/manifests
      verify:
        provider: cosign
    ---
    apiVersion: source.toolkit.fluxcd.io/v1beta2
    kind: OCIRepository
    metadata:
      name: pinned
    spec:
      url: oci://ghcr.io/org/manifests
      ref:
        tag: 1.2.3
      verify:
        provider: cosign
    """
    found = of(scan_files(tmp_path, {"oci.yaml": text}), "GG004")
    assert [f.line for f in found] == [line_of(tmp_path, "oci.yaml", "url: oci")]
