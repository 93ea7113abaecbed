"""Our hooks through real pre-commit in real git repositories.

Most tests use ``repo: local`` hooks (``gitops-guard install --local``) running the gitops-guard
of this environment: no network, no hook environment to build. The two ``slow`` tests go through
the published ``.pre-commit-hooks.yaml`` exactly as users do (``pre-commit try-repo`` and a pinned
``rev:``); pre-commit then pip-installs this package into a fresh hook environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gitops_guard.hooks import HOOKS
from gitops_guard.targets import Kind, classify

from ggtest import REPO, git

AWS_KEY = "AKIA" + "Q7ZLR4KXW2NMP8TB"  # assembled so this file trips no secret scanner
VULN_PY = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
CLEAN_PY = "def add(a, b):\n    return a + b\n"
DIGEST = "sha256:" + "2b0079146a74e23bb4ae8f6b1be3f2b6fe7e6e1e8d7ec7a5a2e2dc0e8a2f5b1c"
CLEAN_DOCKERFILE = (
    f"FROM python:3.12-slim@{DIGEST}\nRUN useradd --create-home app\nUSER app\n"
    'HEALTHCHECK CMD ["python", "-c", "print(1)"]\nCMD ["python", "-m", "http.server"]\n'
)
ROOT_DOCKERFILE = f'FROM python:3.12-slim@{DIGEST}\nUSER root\nHEALTHCHECK CMD true\nCMD ["sh"]\n'


# -- the manifest ----------------------------------------------------------------------------


def test_published_manifest_is_the_hooks_module() -> None:
    published = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert published == [h.manifest() for h in HOOKS]


def _hook_filter(hook_id: str) -> re.Pattern[str]:
    (hook,) = [h for h in HOOKS if h.id == hook_id]
    assert hook.files is not None
    return re.compile(hook.files)


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile",
        "Containerfile",
        "Dockerfile.prod",
        "svc/Dockerfile.dev",
        "build/api.Dockerfile",
        "api.dockerfile",
        "Dockerfiles/readme.md",
        "notDockerfile",
        "docs/Dockerfile.md/x",
        "app.py",
    ],
)
def test_dockerfile_filter_agrees_with_the_classifier(name: str) -> None:
    passed = _hook_filter("gitops-guard-dockerfile").search(name) is not None
    assert passed == (Kind.DOCKERFILE in classify(name, b"FROM x\n"))


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("k8s/deploy.yaml", b"apiVersion: v1\nkind: Pod\n"),
        ("infra/main.tf", b'resource "x" "y" {}\n'),
        ("infra/main.tf.json", b'{"resource": {}}\n'),
        ("cfn/stack.template", b"AWSTemplateFormatVersion: 2010-09-09\n"),
        ("cfn/stack.json", b'{"AWSTemplateFormatVersion": "2010-09-09"}\n'),
        (".github/workflows/ci.yml", b"on: push\n"),
        (".gitlab-ci.yml", b"stages: [a]\n"),
        ("overlays/prod/Kustomization", b"resources: []\n"),
        ("chart/templates/deploy.yaml", b"kind: {{ .Values.kind }}\n"),
    ],
)
def test_iac_filter_passes_every_file_the_iac_scanner_reads(name: str, head: bytes) -> None:
    from gitops_guard.scanners.iac import IacScanner

    assert IacScanner.kinds & classify(name, head, frozenset({"chart"}))
    assert _hook_filter("gitops-guard-iac").search(name)


# -- real pre-commit, local hooks ------------------------------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    """gitops-guard of this environment first on PATH; pre-commit's store in tmp_path."""
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
    }


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
    )


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return _run(repo, env, "git", "commit", "-m", message)


@pytest.fixture
def hooked(in_git_dir: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repository whose commits go through pre-commit and our all-scanners hook."""
    env = _env(tmp_path)
    gg = [sys.executable, "-m", "gitops_guard"]
    proc = _run(in_git_dir, env, *gg, "install", "--local", "--run-pre-commit-install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    git(in_git_dir, "add", ".pre-commit-config.yaml")
    assert _commit(in_git_dir, env, "adopt gitops-guard").returncode == 0
    return in_git_dir, env


def test_a_clean_commit_passes(hooked: tuple[Path, dict[str, str]]) -> None:
    repo, env = hooked
    (repo / "app.py").write_text(CLEAN_PY)
    (repo / "Dockerfile").write_text(CLEAN_DOCKERFILE)
    (repo / "README.md").write_text("# hello\n")
    git(repo, "add", ".")
    proc = _commit(repo, env, "clean")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr  # git shows hook output on stderr
    assert re.search(r"gitops-guard \(all scanners\)\.+Passed", out)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "settings.py",
            f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n',
            "settings.py:1:22: high: aws-access-key-id AWS access key ID",
        ),
        ("app.py", VULN_PY, "app.py:5:5: high: B602 subprocess call with shell=True"),
        (
            "Dockerfile",
            ROOT_DOCKERFILE,
            "Dockerfile:2:1: medium: DL3002 Last USER should not be root "
            "(also: checkov:CKV_DOCKER_8",
        ),
    ],
    ids=["secret", "shell-true", "root-dockerfile"],
)
def test_a_bad_commit_is_blocked_with_a_readable_message(
    hooked: tuple[Path, dict[str, str]], name: str, content: str, expected: str
) -> None:
    repo, env = hooked
    (repo / name).write_text(content)
    git(repo, "add", name)
    proc = _commit(repo, env, "bad")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "gitops-guard (all scanners)" in out and "Failed" in out
    assert expected in out
    assert AWS_KEY not in out
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"  # nothing was committed


def test_only_the_staged_content_decides(hooked: tuple[Path, dict[str, str]]) -> None:
    repo, env = hooked
    (repo / "app.py").write_text(CLEAN_PY)
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(VULN_PY)  # not staged: pre-commit stashes it
    proc = _commit(repo, env, "clean part")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo / "app.py").read_text() == VULN_PY  # the user's edit is back
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(CLEAN_PY)  # fixed in the work tree, but not staged
    proc = _commit(repo, env, "vulnerable part")
    assert proc.returncode != 0 and "B602" in proc.stderr


def test_only_passed_files_are_scanned(hooked: tuple[Path, dict[str, str]]) -> None:
    repo, env = hooked
    (repo / "legacy.py").write_text(VULN_PY)
    git(repo, "add", "legacy.py")
    git(repo, "commit", "-qm", "legacy", "--no-verify")
    (repo / "new.py").write_text(CLEAN_PY)
    git(repo, "add", "new.py")
    proc = _commit(repo, env, "new file only")
    assert proc.returncode == 0, proc.stdout
    proc = _run(repo, env, sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert proc.returncode == 1 and "legacy.py:5:5: high: B602" in proc.stdout


def test_per_scanner_hooks_and_skip(in_git_dir: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    hooks = ["gitops-guard-source", "gitops-guard-secrets", "gitops-guard-dockerfile"]
    args = [a for h in hooks for a in ("--hook", h)]
    gg = [sys.executable, "-m", "gitops_guard"]
    proc = _run(in_git_dir, env, *gg, "install", "--local", "--no-run-pre-commit-install", *args)
    assert proc.returncode == 0, proc.stderr
    (in_git_dir / "Dockerfile").write_text(ROOT_DOCKERFILE)
    (in_git_dir / "app.py").write_text(CLEAN_PY)
    git(in_git_dir, "add", ".")
    proc = _run(in_git_dir, env, sys.executable, "-m", "pre_commit", "run")
    assert proc.returncode == 1
    assert re.search(r"gitops-guard source \(Bandit\)\.+Passed", proc.stdout)
    assert re.search(r"gitops-guard dockerfile \(Checkov, hadolint\)\.+Failed", proc.stdout)
    proc = _run(
        in_git_dir,
        {**env, "SKIP": "gitops-guard-dockerfile"},
        sys.executable,
        "-m",
        "pre_commit",
        "run",
    )
    assert proc.returncode == 0, proc.stdout
    assert re.search(r"gitops-guard dockerfile \(Checkov, hadolint\)\.+Skipped", proc.stdout)


def _local_config(args: str, extra: str = "") -> str:
    return (
        "repos:\n  - repo: local\n    hooks:\n      - id: gitops-guard\n"
        "        name: gitops-guard (all scanners)\n"
        "        entry: gitops-guard scan --format compact\n"
        "        language: system\n        types: [text]\n        require_serial: true\n"
        f"        args: {args}\n{extra}"
    )


def test_skip_exclude_and_exit_zero_work_as_hook_args(in_git_dir: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    config = in_git_dir / ".pre-commit-config.yaml"
    config.write_text(_local_config("[--skip, B602, --skip, 'B404', --exclude, 'vendor/']"))
    (in_git_dir / "app.py").write_text(VULN_PY)
    (in_git_dir / "vendor").mkdir()
    (in_git_dir / "vendor" / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    git(in_git_dir, "add", ".")
    proc = _run(in_git_dir, env, sys.executable, "-m", "pre_commit", "run")
    assert proc.returncode == 0, proc.stdout
    (in_git_dir / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    git(in_git_dir, "add", "settings.py")
    proc = _run(in_git_dir, env, sys.executable, "-m", "pre_commit", "run")
    assert proc.returncode == 1  # only vendor/ is excluded, and only B602/B404 are skipped
    assert "settings.py:1:22: high: aws-access-key-id" in proc.stdout
    assert "vendor/settings.py" not in proc.stdout and "B602" not in proc.stdout
    config.write_text(_local_config("[--exit-zero]", "        verbose: true\n"))
    git(in_git_dir, "add", ".")
    proc = _run(in_git_dir, env, sys.executable, "-m", "pre_commit", "run")
    assert proc.returncode == 0, proc.stdout  # reported, not blocking
    assert "app.py:5:5: high: B602" in proc.stdout
    assert "vendor/settings.py:1:22: high: aws-access-key-id" in proc.stdout
    assert AWS_KEY not in proc.stdout


# -- as written: a fresh repository, `gitops-guard install`, `pre-commit install`, offline -----


def _offline() -> list[str]:
    """A command prefix that runs without any network (a new, empty network namespace), or []
    where that is not permitted; the environment of :func:`_no_network_env` then still makes any
    download fail."""
    try:
        ok = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    except OSError:
        return []
    return ["unshare", "-rn"] if ok.returncode == 0 else []


def _no_network_env(tmp_path: Path) -> dict[str, str]:
    unreachable = "http://127.0.0.1:9"
    return {
        **_env(tmp_path),
        "http_proxy": unreachable,
        "https_proxy": unreachable,
        "HTTP_PROXY": unreachable,
        "HTTPS_PROXY": unreachable,
        "ALL_PROXY": unreachable,
        "PIP_NO_INDEX": "1",
        "GIT_ALLOW_PROTOCOL": "file",
    }


def _clones(env: dict[str, str]) -> list[str]:
    """What pre-commit cloned or built into its store (nothing, for local hooks)."""
    store = Path(env["PRE_COMMIT_HOME"])
    return sorted(p.name for p in store.iterdir() if p.is_dir()) if store.is_dir() else []


@pytest.mark.slow
def test_install_as_written_works_offline_on_a_fresh_repository(
    in_git_dir: Path, tmp_path: Path
) -> None:
    """The README's path, with no option and no edit by hand: the first commit (the new
    .pre-commit-config.yaml itself) passes, a staged AWS key is blocked, nothing is cloned."""
    env = _no_network_env(tmp_path)
    net = _offline()
    proc = _run(in_git_dir, env, *net, "gitops-guard", "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _run(in_git_dir, env, *net, "pre-commit", "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (in_git_dir / "README.md").write_text("# demo\n")
    git(in_git_dir, "add", ".")
    assert git(in_git_dir, "status", "--porcelain") == "A  .pre-commit-config.yaml\nA  README.md\n"
    proc = _run(in_git_dir, env, *net, "git", "commit", "-m", "first")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"gitops-guard \(all scanners\)\.+Passed", out)
    (in_git_dir / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    git(in_git_dir, "add", "settings.py")
    proc = _run(in_git_dir, env, *net, "git", "commit", "-m", "leak")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "settings.py:1:22: high: aws-access-key-id" in out
    assert AWS_KEY not in out
    assert git(in_git_dir, "rev-list", "--count", "HEAD").strip() == "1"
    assert _clones(env) == []


def _hook_repo(tmp_path: Path) -> tuple[Path, str]:
    """A published hook repository on disk (a `pygrep` hook: no environment to build), and its
    HEAD commit id."""
    repo = tmp_path / "hooks-repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".pre-commit-hooks.yaml").write_text(
        "- id: no-merge-markers\n  name: no merge markers\n  entry: '^<<<<<<< '\n"
        "  language: pygrep\n"
    )
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "hooks")
    return repo, git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.slow
def test_a_config_pinned_to_commits_passes_its_first_commit(
    in_git_dir: Path, tmp_path: Path
) -> None:
    """`rev: <40 hex>`, as `pre-commit autoupdate --freeze` writes it (with and without the
    `# frozen:` comment), is a pin, not a secret: the commit that adds the config passes."""
    env = _no_network_env(tmp_path)
    net = _offline()
    hooks, sha = _hook_repo(tmp_path)
    git(hooks, "commit", "-q", "--allow-empty", "-m", "v1.0.0")
    frozen = git(hooks, "rev-parse", "HEAD").strip()
    assert re.fullmatch(r"[0-9a-f]{40}", sha) and re.fullmatch(r"[0-9a-f]{40}", frozen)
    (in_git_dir / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hooks}\n"
        f"    rev: {sha}\n"
        "    hooks:\n"
        "      - id: no-merge-markers\n"
        f"  - repo: {hooks}\n"
        f"    rev: {frozen}  # frozen: v1.0.0\n"
        "    hooks:\n"
        "      - id: no-merge-markers\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: gitops-guard\n"
        "        name: gitops-guard (all scanners)\n"
        "        entry: gitops-guard scan --format compact\n"
        "        language: system\n"
        "        types: [text]\n"
        "        require_serial: true\n"
    )
    proc = _run(in_git_dir, env, *net, "pre-commit", "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    git(in_git_dir, "add", ".")
    proc = _run(in_git_dir, env, *net, "git", "commit", "-m", "adopt pre-commit, pinned")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"gitops-guard \(all scanners\)\.+Passed", out)


FROZEN_CONFIG = """\
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: cef0300fd0fc4d2a87a85fa2093c6b283ea36f4b  # frozen: v5.0.0
    hooks:
      - id: check-yaml
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: 8983acb92ee4b01924893632cf90af926fa608f0
    hooks:
      - id: ruff
  - repo: https://github.com/psf/black-pre-commit-mirror
    rev: 'a4920527036bb9a3f3e6055d595849d67d0da066'
    hooks:
      - id: black
"""


def test_frozen_revs_of_well_known_hook_repositories_are_not_findings(
    in_git_dir: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / ".pre-commit-config.yaml").write_text(FROZEN_CONFIG)
    r = cli("scan", "-f", "json", "--no-cache", ".pre-commit-config.yaml")
    assert r.json["findings"] == [] and r.code == 0


# -- real pre-commit, the published hooks (pip-installs this package) ------------------------


def _require_git_checkout() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("needs this project as a git checkout")


@pytest.mark.slow
def test_try_repo_with_the_published_hooks(in_git_dir: Path, tmp_path: Path) -> None:
    """What a user evaluating the hooks runs: ``pre-commit try-repo`` against this checkout."""
    _require_git_checkout()
    env = _env(tmp_path)
    env["PATH"] = os.pathsep.join(  # the hook must come from its own environment, not ours
        p for p in env["PATH"].split(os.pathsep) if p != str(Path(sys.executable).parent)
    )
    (in_git_dir / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    (in_git_dir / "app.py").write_text(VULN_PY)
    (in_git_dir / "Dockerfile").write_text(ROOT_DOCKERFILE)
    (in_git_dir / "ok.py").write_text(CLEAN_PY)
    git(in_git_dir, "add", ".")
    proc = _run(
        in_git_dir, env, sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "gitops-guard"
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"gitops-guard \(all scanners\)\.+Failed", out)
    assert "settings.py:1:22: high: aws-access-key-id" in out
    assert "app.py:5:5: high: B602" in out
    assert (
        "Dockerfile:2:1: medium: DL3002 Last USER should not be root (also: checkov:CKV_DOCKER_8)"
        in out
    )
    assert "ok.py" not in out
    assert AWS_KEY not in out


@pytest.mark.slow
def test_pinned_remote_hooks_through_install(in_git_dir: Path, tmp_path: Path) -> None:
    """``gitops-guard install`` with a pinned rev, then commits through ``pre-commit install``."""
    _require_git_checkout()
    env = _env(tmp_path)
    head = _run(REPO, env, "git", "rev-parse", "HEAD").stdout.strip()
    gg = [sys.executable, "-m", "gitops_guard"]
    proc = _run(
        in_git_dir,
        env,
        *gg,
        "install",
        "--repo",
        str(REPO),
        "--rev",
        head,
        "--hook",
        "gitops-guard-source",
        "--hook",
        "gitops-guard-secrets",
        "--run-pre-commit-install",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (in_git_dir / "app.py").write_text(CLEAN_PY)
    git(in_git_dir, "add", ".")
    proc = _commit(in_git_dir, env, "clean")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (in_git_dir / "app.py").write_text(VULN_PY)
    git(in_git_dir, "add", "app.py")
    proc = _commit(in_git_dir, env, "bad")
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert re.search(r"gitops-guard source \(Bandit\)\.+Failed", out)
    assert re.search(r"gitops-guard secrets \(detect-secrets\)\.+Passed", out)


def test_a_scanner_that_cannot_load_fails_the_hook(
    in_git_dir: Path,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pre-commit hides the output of a passing hook: a broken install must not pass silently."""
    from gitops_guard import scanners

    monkeypatch.setattr(
        scanners, "load", lambda names=None: ([], [scanners.LoadFailure("iac", "ImportError: x")])
    )
    (in_git_dir / "deploy.yaml").write_text("apiVersion: v1\nkind: Pod\n")
    r = cli("scan", "--format", "compact", "--scanners", "iac", "deploy.yaml")
    assert r.code == 3
    assert "gitops-guard: error: [iac] scanner failed to load: ImportError: x" in r.out
