"""The ``iac`` scanner: real Checkov on real files, with ``checkov -d`` as the parity oracle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gitops_guard.models import ErrorKind, ScanResult, Severity
from gitops_guard.scanners import checkov_common
from gitops_guard.scanners.dockerfile import DockerfileScanner
from gitops_guard.scanners.iac import IacScanner
from gitops_guard.scanners.interface import ScanContext, Scanner
from gitops_guard.targets import discover

FIXTURES = Path(__file__).parents[1] / "fixtures"
CORPORA = Path(__file__).parents[2] / ".." / "shared" / "corpora"
CHECKOV = shutil.which("checkov", path=os.path.dirname(sys.executable)) or shutil.which("checkov")


def run(scanner: Scanner, *paths: Path, root: Path | None = None, **options: object) -> ScanResult:
    ts = discover(list(paths), root=root, use_git=False)
    mine = [t for t in ts.targets if scanner.applies(t)]
    ctx = ScanContext(root=ts.root, options=options)
    return scanner.scan(scanner.units(mine, ts.explicit), ctx)


def pairs(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.rule_id, f.path) for f in result.findings}


@pytest.fixture
def iac_tree(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "iac", tmp_path / "iac")
    return tmp_path / "iac"


def oracle(directory: Path) -> set[tuple[str, str]]:
    """(check_id, path) of every check ``checkov -d`` fails, secrets aside."""
    if CHECKOV is None:
        pytest.skip("the checkov CLI is not installed")
    proc = subprocess.run(
        [CHECKOV, "-d", str(directory), "-o", "json", "--quiet", "--skip-framework", "secrets"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    data = json.loads(proc.stdout or "[]")
    out: set[tuple[str, str]] = set()
    for report in data if isinstance(data, list) else [data]:
        for check in report["results"]["failed_checks"]:
            path = check["file_path"]
            if path.startswith(str(directory)):  # kustomize mixes absolute and relative paths
                path = path[len(str(directory)) :]
            out.add((check["check_id"], path.lstrip("/")))
    return out


# --- units ----------------------------------------------------------------------------------------
def test_a_whole_scan_reads_all_terraform_from_its_common_folder(iac_tree: Path) -> None:
    scanner = IacScanner()
    ts = discover([iac_tree], use_git=False)
    units = scanner.units([t for t in ts.targets if scanner.applies(t)], ts.explicit)
    tf = [u for u in units if u.key.startswith("terraform")]
    assert [u.key for u in tf] == ["terraform-tree:terraform"]
    assert {t.path for t in tf[0].files} >= {
        "terraform/main.tf",
        "terraform/locals.tf",
        "terraform/extra.tf",
    }
    assert not tf[0].report


@pytest.mark.slow
def test_local_module_is_evaluated_with_its_callers_arguments(tmp_path: Path) -> None:
    """As with `checkov -d`: a module called with acl = "public-read" is reported in the
    module's own file, although the module's default is private."""
    (tmp_path / "modules" / "bucket").mkdir(parents=True)
    (tmp_path / "main.tf").write_text(
        'module "logs" {\n  source = "./modules/bucket"\n  name   = "logs"\n'
        '  acl    = "public-read"\n}\n'
    )
    (tmp_path / "modules" / "bucket" / "main.tf").write_text(
        'variable "name" {}\nvariable "acl" {\n  default = "private"\n}\n'
        'resource "aws_s3_bucket" "this" {\n  bucket = var.name\n  acl    = var.acl\n}\n'
    )
    ours = pairs(run(IacScanner(), tmp_path))
    assert ("CKV_AWS_20", "modules/bucket/main.tf") in ours
    assert oracle(tmp_path) <= ours


def test_explicit_tf_file_brings_its_module_as_context(iac_tree: Path) -> None:
    scanner = IacScanner()
    ts = discover([iac_tree / "terraform" / "main.tf"], root=iac_tree, use_git=False)
    assert ts.explicit
    (unit,) = scanner.units([t for t in ts.targets if scanner.applies(t)], ts.explicit)
    assert {t.path for t in unit.files} == {
        "terraform/main.tf",
        "terraform/locals.tf",
        "terraform/extra.tf",
    }
    assert unit.report == {"terraform/main.tf"}


# --- findings -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_terraform_cross_file_reference_and_skip_comment(iac_tree: Path) -> None:
    result = run(IacScanner(), iac_tree)
    found = {(f.rule_id, f.resource) for f in result.findings}
    # acl = local.acl is only "public-read" once locals.tf is read with main.tf
    assert ("CKV_AWS_20", "aws_s3_bucket.data") in found
    # checkov:skip=CKV_AWS_18 on aws_s3_bucket.logs keeps working
    assert ("CKV_AWS_18", "aws_s3_bucket.data") in found
    assert ("CKV_AWS_18", "aws_s3_bucket.logs") not in found
    public = next(f for f in result.findings if f.rule_id == "CKV_AWS_20")
    assert public.tool == "checkov" and public.scanner == "iac"
    assert public.path == "terraform/main.tf"
    assert (public.line, public.end_line) == (3, 5)
    assert public.severity is Severity.HIGH
    assert not result.errors


@pytest.mark.slow
def test_explicit_run_reports_only_the_named_file(iac_tree: Path) -> None:
    result = run(IacScanner(), iac_tree / "terraform" / "main.tf", root=iac_tree)
    assert {f.path for f in result.findings} == {"terraform/main.tf"}
    assert ("CKV_AWS_20", "terraform/main.tf") in pairs(result)  # context still resolves


@pytest.mark.slow
def test_kubernetes_and_workflows(iac_tree: Path) -> None:
    result = run(IacScanner(), iac_tree)
    privileged = next(f for f in result.findings if f.rule_id == "CKV_K8S_16")
    assert privileged.path == "k8s/deployment.yaml"
    assert privileged.resource == "Deployment.default.web"
    assert privileged.severity is Severity.HIGH
    assert ("CKV2_GHA_1", ".github/workflows/ci.yml") in pairs(result)
    assert ("CKV_GITLABCI_2", ".gitlab-ci.yml") in pairs(result)


@pytest.mark.slow
def test_unparsable_files_fail_the_run_templates_are_notices(tmp_path: Path) -> None:
    """Not checked is not clean: a file Checkov cannot parse is an error naming the way out.
    A template for a renderer we do not run (``{{ }}``) is a notice."""
    (tmp_path / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n')
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n")
    (tmp_path / "tpl.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ name }}\n  labels: {{ labels }}: x\n"
    )
    result = run(IacScanner(), tmp_path)
    kinds = {(e.path, e.kind) for e in result.errors}
    assert ("broken.tf", ErrorKind.ERROR) in kinds
    assert ("pod.yaml", ErrorKind.ERROR) in kinds
    assert ("tpl.yaml", ErrorKind.SKIPPED) in kinds
    for e in result.errors:
        if e.kind is ErrorKind.ERROR:
            assert "not checked" in e.message and "exclude" in e.message


def test_checkov_exception_is_an_error_naming_the_framework(
    iac_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Exploding:
        def run(self, **kwargs: object) -> None:
            raise RuntimeError("boom")

    monkeypatch.setattr(checkov_common, "import_runner", lambda module: Exploding)
    result = run(IacScanner(), iac_tree / "k8s")
    (error,) = result.errors
    assert error.kind is ErrorKind.ERROR
    assert "kubernetes" in error.message and "boom" in error.message
    assert "Traceback" not in error.message


@pytest.mark.skipif(shutil.which("helm") is not None, reason="helm is installed here")
def test_helm_chart_without_helm_fails_unless_accepted(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n"
    )
    result = run(IacScanner(), tmp_path)
    assert [(e.path, e.kind) for e in result.errors] == [("chart", ErrorKind.ERROR)]
    assert "helm is not installed" in result.errors[0].message
    assert "unrendered to notice" in result.errors[0].message
    accepted = run(IacScanner(), tmp_path, unrendered="notice")
    assert [(e.path, e.kind) for e in accepted.errors] == [("chart", ErrorKind.SKIPPED)]


def test_kustomize_remote_base_is_never_fetched(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - https://github.com/example/repo//base?ref=main\n"
    )
    result = run(IacScanner(), tmp_path)
    # Never fetched, and not silent: the overlay is not rendered, so the run fails (exit 3).
    assert [(e.path, e.kind) for e in result.errors] == [(".", ErrorKind.ERROR)]
    assert "never fetches" in result.errors[0].message


@pytest.mark.slow
def test_checkov_prints_nothing(iac_tree: Path, capfd: pytest.CaptureFixture[str]) -> None:
    run(IacScanner(), iac_tree)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_a_run_without_checkov_targets_never_imports_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from gitops_guard.scanners.iac import IacScanner
        from gitops_guard.scanners.dockerfile import DockerfileScanner
        from gitops_guard.scanners.interface import ScanContext
        from gitops_guard.targets import discover
        ts = discover([Path({str(tmp_path)!r})], use_git=False)
        for s in (IacScanner(), DockerfileScanner()):
            mine = [t for t in ts.targets if s.applies(t)]
            s.scan(s.units(mine, ts.explicit), ScanContext(root=ts.root))
        print(sorted(m for m in sys.modules if m.split(".")[0] == "checkov"))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- offline --------------------------------------------------------------------------------------
_SCAN_JSON = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    attempts = []
    sys.addaudithook(lambda event, args: attempts.append(event)
                     if event in ("socket.connect", "socket.getaddrinfo") else None)
    from gitops_guard.scanners.iac import IacScanner
    from gitops_guard.scanners.dockerfile import DockerfileScanner
    from gitops_guard.scanners.interface import ScanContext
    from gitops_guard.targets import discover
    ts = discover([Path(p) for p in sys.argv[1:]], use_git=False)
    out = []
    for s in (IacScanner(), DockerfileScanner()):
        mine = [t for t in ts.targets if s.applies(t)]
        r = s.scan(s.units(mine, ts.explicit), ScanContext(root=ts.root))
        out += [f.to_dict() for f in r.findings] + [e.to_dict() for e in r.errors]
    print(json.dumps({"results": out, "network": attempts}, sort_keys=True))
    """
)


def _scan_in_subprocess(prefix: list[str], *paths: Path) -> dict[str, object]:
    proc = subprocess.run(
        [*prefix, sys.executable, "-c", _SCAN_JSON, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


@pytest.mark.slow
def test_checkov_never_tries_the_network(iac_tree: Path, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "dockerfile", tmp_path / "docker")
    normal = _scan_in_subprocess([], iac_tree, tmp_path / "docker")
    assert normal["network"] == []  # not one connect or DNS lookup
    assert normal["results"]
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -n is not available here")
    isolated = _scan_in_subprocess(["unshare", "-n"], iac_tree, tmp_path / "docker")
    assert isolated == normal


# --- parity with `checkov -d` ---------------------------------------------------------------------
@pytest.mark.slow
def test_parity_on_own_fixtures(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "iac", tmp_path / "iac")
    shutil.copytree(FIXTURES / "dockerfile", tmp_path / "dockerfile")
    expected = oracle(tmp_path)
    assert expected
    ours = pairs(run(IacScanner(), tmp_path)) | pairs(run(DockerfileScanner(), tmp_path))
    assert expected <= ours


#: Each framework's fixture folder (tests/fixtures/frameworks/<framework>) and the check-id prefix
#: `checkov -d` must fail there, so that a test never passes on an empty oracle.
FRAMEWORK_CHECKS = {
    "openapi": "CKV_OPENAPI_",
    "azure_pipelines": "CKV_AZUREPIPELINES_",
    "circleci_pipelines": "CKV_CIRCLECIPIPELINES_",
    "bitbucket_pipelines": "CKV_BITBUCKETPIPELINES_",
    "argo_workflows": "CKV_ARGO_",
    "serverless": "CKV_AWS_",
    "arm": "CKV_AZURE_",
    "bicep": "CKV_AZURE_",
    "ansible": "CKV_ANSIBLE_",
}


@pytest.mark.slow
@pytest.mark.parametrize("framework", sorted(FRAMEWORK_CHECKS))
def test_parity_per_framework(framework: str, tmp_path: Path) -> None:
    """A small vulnerable file of each framework that `checkov -d` picks by name or content."""
    shutil.copytree(FIXTURES / "frameworks" / framework, tmp_path / "repo")
    directory = tmp_path / "repo"
    expected = oracle(directory)
    assert any(check.startswith(FRAMEWORK_CHECKS[framework]) for check, _ in expected)
    result = run(IacScanner(), directory)
    assert sorted(expected - pairs(result)) == []
    assert not result.errors


def test_rules_list_the_new_frameworks_checks() -> None:
    ids = {rule.id for rule in IacScanner().rules()}
    for prefix in set(FRAMEWORK_CHECKS.values()):
        assert any(i.startswith(prefix) for i in ids), prefix


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["cfngoat", "kustomizegoat", "flux2-kustomize-helm-example"])
def test_parity_on_public_corpora(corpus: str) -> None:
    directory = (CORPORA / corpus).resolve()
    if not directory.is_dir():
        pytest.skip(f"{corpus} corpus not present")
    if corpus == "kustomizegoat" and not (shutil.which("kubectl") or shutil.which("kustomize")):
        pytest.skip("Kustomize parity needs kubectl or kustomize")
    expected = oracle(directory)
    iac, docker = run(IacScanner(), directory), run(DockerfileScanner(), directory)
    ours = pairs(iac) | pairs(docker)
    assert sorted(expected - ours) == []
    assert not [e for e in (*iac.errors, *docker.errors) if e.kind is ErrorKind.ERROR]


def _kustomize_tree(root: Path, privileged: str) -> None:
    (root / "base").mkdir(parents=True, exist_ok=True)
    (root / "overlays" / "prod").mkdir(parents=True, exist_ok=True)
    (root / "base" / "kustomization.yaml").write_text("resources:\n  - deployment.yaml\n")
    (root / "base" / "deployment.yaml").write_text(
        textwrap.dedent(
            f"""\
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              selector:
                matchLabels: {{app: web}}
              template:
                metadata:
                  labels: {{app: web}}
                spec:
                  containers:
                    - name: web
                      image: nginx:1.27
                      securityContext:
                        privileged: {privileged}
            """
        )
    )
    (root / "overlays" / "prod" / "kustomization.yaml").write_text(
        "resources:\n  - ../../base\nnamePrefix: prod-\n"
    )


def test_a_kustomize_overlay_depends_on_its_bases(tmp_path: Path) -> None:
    _kustomize_tree(tmp_path, "true")
    ts = discover([tmp_path], use_git=False)
    scanner = IacScanner()
    units = {u.key: u for u in scanner.units([t for t in ts.targets if scanner.applies(t)], False)}
    overlay = units["kustomize:overlays/prod"]
    assert {t.path for t in overlay.context} >= {"base/deployment.yaml", "base/kustomization.yaml"}


@pytest.mark.slow
def test_editing_a_base_invalidates_its_overlays_cached_result(tmp_path: Path) -> None:
    if not (shutil.which("kubectl") or shutil.which("kustomize")):
        pytest.skip("needs kubectl or kustomize")
    from gitops_guard import engine
    from gitops_guard.cache import Cache

    tree = tmp_path / "tree"
    _kustomize_tree(tree, "true")

    def overlay_rules() -> set[str]:
        ts = discover([tree], use_git=False)
        report = engine.run(ts, [IacScanner()], engine.EngineOptions(cache=Cache(tmp_path / "c")))
        # A render folds into the base manifest's finding, naming the overlay in also_in.
        return {
            f.rule_id
            for f in report.findings
            if f.path.startswith("overlays/") or any(a.startswith("overlays/") for a in f.also_in)
        }

    assert "CKV_K8S_16" in overlay_rules()  # privileged container, seen through the overlay
    _kustomize_tree(tree, "false")
    assert "CKV_K8S_16" not in overlay_rules()


@pytest.mark.slow
def test_cached_kubernetes_results_follow_the_other_manifests(tmp_path: Path) -> None:
    """CKV2_K8S_6 on a Deployment depends on a NetworkPolicy in another file: deleting (or
    adding) the policy changes the cached result exactly as `--no-cache` would."""
    from gitops_guard import engine
    from gitops_guard.cache import Cache

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
        "spec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
        "      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n"
        "          image: nginx:1.25\n"
    )
    policy = tree / "netpol.yaml"
    policy_text = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n"
        "  namespace: shop\nspec:\n  podSelector:\n    matchLabels: {app: web}\n"
        "  policyTypes: [Ingress]\n"
    )
    policy.write_text(policy_text)

    def rules(cache: bool) -> set[str]:
        ts = discover([tree], use_git=False)
        opts = engine.EngineOptions(cache=Cache(tmp_path / "c") if cache else None)
        return {f.rule_id for f in engine.run(ts, [IacScanner()], opts).findings}

    assert "CKV2_K8S_6" not in rules(cache=True)
    policy.unlink()
    assert "CKV2_K8S_6" in rules(cache=True)
    assert rules(cache=True) == rules(cache=False)
    policy.write_text(policy_text)
    assert "CKV2_K8S_6" not in rules(cache=True)


@pytest.mark.slow
def test_a_chart_template_without_template_syntax_is_scanned_without_helm(tmp_path: Path) -> None:
    """checkov -d reads it as a manifest; so do we, whether or not helm can render the chart."""
    (tmp_path / "chart" / "templates").mkdir(parents=True)
    (tmp_path / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / "chart" / "templates" / "role.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: all\n"
        'rules:\n  - apiGroups: ["*"]\n    resources: ["*"]\n    verbs: ["*"]\n'
    )
    result = run(IacScanner(), tmp_path)
    assert "CKV_K8S_49" in {f.rule_id for f in result.findings if f.path.endswith("role.yaml")}


@pytest.mark.slow
def test_a_worker_without_terraform_reports_what_a_full_checkov_does(tmp_path: Path) -> None:
    """A worker whose run holds no Terraform (or other framework needing them) imports Checkov
    without its Terraform checks; on a real Kubernetes, Kustomize and Dockerfile corpus it reports
    exactly the (check, path) pairs of the full import in this process."""
    directory = (CORPORA / "kustomizegoat").resolve()
    if not directory.is_dir():
        pytest.skip("kustomizegoat corpus not present")
    from gitops_guard import engine
    from gitops_guard.scanners.dockerfile import DockerfileScanner as Docker

    ts = discover([directory], use_git=False)
    assert not any(t.kinds & checkov_common.NEEDS_TERRAFORM_CHECKS for t in ts.targets)
    in_worker = engine.run(ts, [IacScanner(), Docker()], engine.EngineOptions(jobs=1))
    full = run(IacScanner(), directory), run(Docker(), directory)
    expected = {(f.rule_id, f.path) for r in full for f in r.findings}
    got = {(f.rule_id, f.path) for f in in_worker.findings}
    got |= {(s.split(":", 1)[1], f.path) for f in in_worker.findings for s in f.sources}
    got |= {(f.rule_id, a.rsplit(":", 1)[0]) for f in in_worker.findings for a in f.also_in}
    assert expected <= got


def test_an_excluded_file_checkov_reads_beside_ours_is_not_our_failure(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checkov reads a Terraform folder whole: a file the user excluded that it cannot parse is
    not a file we were asked to check (excluding is the documented way to accept it)."""
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (tmp_path / "broken.tf").write_text('resource "aws_s3_bucket" "c" {\n  bucket = = "c"\n}\n')
    monkeypatch.chdir(tmp_path)
    args = ("scan", "--scanners", "iac", "--no-cache", "-f", "json", ".")
    whole = cli(*args)
    assert whole.code == 3
    assert [e["path"] for e in whole.json["errors"]] == ["broken.tf"]
    accepted = cli(*args, "--exclude", "broken.tf")
    assert accepted.code == 1, accepted.out
    assert accepted.json["errors"] == [] and accepted.json["findings"]
