"""``scan --history``: secrets anywhere in the history, each blob once, fingerprints equal to the
work tree's (baselines and suppressions apply), git configuration never runs a program, and the
pre-push hook through real pre-commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ggtest import git

KEY = "AKIAIOSFODNN7EXAMPLQ"


def commit(repo: Path, message: str, files: dict[str, str | None]) -> str:
    for rel, body in files.items():
        path = repo / rel
        if body is None:
            git(repo, "rm", "-q", rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def history(cli, *extra: str):  # type: ignore[no-untyped-def]
    return cli("scan", "--history", "-f", "json", *extra)


def test_a_removed_secret_is_found_with_its_commit(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    commit(in_git_dir, "start", {"app.py": "x = 1\n"})
    leaked = commit(in_git_dir, "leak", {"deploy.env": f"AWS_ACCESS_KEY_ID={KEY}\n"})
    commit(in_git_dir, "remove", {"deploy.env": None})
    assert cli("scan", "-f", "json", "--scanners", "secrets").code == 0  # the tree is clean
    r = history(cli)
    assert r.code == 1, r.out
    (found,) = r.json["findings"]
    assert (found["path"], found["line"]) == ("deploy.env", 1)
    short, date = found["commit"].split()
    assert leaked.startswith(short) and date.startswith("20")
    assert "rewriting the history" in found["fix"]
    assert KEY not in r.out
    # --since bounds it: the commits after the leak hold no secret
    assert history(cli, "--since", leaked).code == 0
    assert history(cli, "--since", f"{leaked}~1").code == 1


def test_each_blob_once_and_fingerprints_as_in_the_tree(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    body = f"AWS_ACCESS_KEY_ID={KEY}\n"
    commit(in_git_dir, "one", {"a.env": body})
    commit(in_git_dir, "two", {"other.txt": "unrelated\n"})  # a.env unchanged: same blob
    tree = cli("scan", "-f", "json", "--scanners", "secrets").json["findings"]
    past = history(cli).json["findings"]
    assert len(past) == 1 and [f["fingerprint"] for f in past] == [f["fingerprint"] for f in tree]
    # so the work tree's baseline hides it in history too
    assert cli("baseline", "create", "--scanners", "secrets").code == 0
    r = history(cli, "--baseline", ".gitops-guard-baseline.json")
    assert r.code == 0 and r.json["summary"]["suppressed"] == 1


def test_a_second_history_scan_is_answered_from_the_cache(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    commit(in_git_dir, "one", {"a.env": f"AWS_ACCESS_KEY_ID={KEY}\n", "b.txt": "b\n"})
    history(cli)
    again = history(cli).json["summary"]
    assert again["cache_misses"] == 0 and again["cache_hits"] >= 1


def test_inline_suppressions_in_an_old_version_apply(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    line = f"AWS_ACCESS_KEY_ID={KEY}  # gitops-guard: ignore[AWSKeyDetector] test fixture key\n"
    commit(in_git_dir, "one", {"fixture.env": line})
    commit(in_git_dir, "two", {"fixture.env": line + "\n"})
    r = history(cli)
    assert r.code == 0, r.out
    assert r.json["summary"]["suppressed"] == 2  # one per version (blob)


def test_repository_configuration_runs_nothing(cli, in_git_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "pwned"
    program = f"sh -c 'touch {marker}; cat'"
    for key in ("filter.x.clean", "filter.x.smudge", "filter.x.process", "diff.x.textconv"):
        git(in_git_dir, "config", key, program)
    git(in_git_dir, "config", "diff.external", program)
    git(in_git_dir, "config", "core.pager", program)
    (in_git_dir / ".gitattributes").write_text("* filter=x diff=x\n")
    commit(in_git_dir, "one", {"a.env": f"AWS_ACCESS_KEY_ID={KEY}\n"})
    marker.unlink(missing_ok=True)  # our own `git add` above may have run the filter
    assert history(cli).code == 1
    assert not marker.exists()


def test_history_outside_git_is_a_usage_error(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    r = cli("scan", "--history")
    assert r.code == 2 and "git repository" in r.err
    assert cli("scan", "--since", "HEAD").code == 2


@pytest.mark.slow
def test_pre_push_hook_blocks_a_secret_removed_before_the_push(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "remote", "add", "origin", str(remote))
    config = (
        "repos:\n  - repo: local\n    hooks:\n      - id: gitops-guard-history\n"
        "        name: history\n"
        "        entry: gitops-guard scan --format compact --history --pre-push"
        " --scanners secrets\n"
        "        language: system\n        stages: [pre-push]\n        pass_filenames: false\n"
        "        always_run: true\n"
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["GITOPS_GUARD_DAEMON"] = "0"
    pc = [sys.executable, "-m", "pre_commit"]
    subprocess.run([*pc, "install", "-t", "pre-push"], cwd=repo, env=env, check=True)
    commit(repo, "start", {".pre-commit-config.yaml": config})
    ok = subprocess.run(
        ["git", "push", "-q", "origin", "main"], cwd=repo, env=env, capture_output=True
    )
    assert ok.returncode == 0, ok.stderr
    commit(repo, "leak", {"deploy.env": f"AWS_ACCESS_KEY_ID={KEY}\n"})
    commit(repo, "hide it", {"deploy.env": None})
    blocked = subprocess.run(
        ["git", "push", "-q", "origin", "main"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert blocked.returncode != 0
    assert "deploy.env:1" in blocked.stdout + blocked.stderr
    assert KEY not in blocked.stdout + blocked.stderr
