"""``[tool.gitops-guard.suppressions] report-unused = true``: a rule id of an inline suppression
that hides nothing is a low finding (``GG-SUPPRESS-UNUSED``), judged only in complete runs.
Real engines (Bandit, detect-secrets) on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_guard.suppress import UNUSED_RULE_ID

AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"  # assembled so this file trips no secret scanner

APP = """\
import subprocess  # gitops-guard: ignore[B404] the deploy runner shells out by design


def run(cmd):
    # gitops-guard: ignore[B602,B603] cmd is one of three literals, checked above
    subprocess.call(cmd, shell=True)


def fixed():
    # gitops-guard: ignore[B602] this call no longer uses a shell
    subprocess.call(["/bin/ls"])  # gitops-guard: ignore[B603] argv is fixed
"""
CONFIG = "[suppressions]\nreport-unused = true\n"


def _scan(cli, *args: str):  # type: ignore[no-untyped-def]
    r = cli("scan", "-f", "json", "--no-cache", *args)
    assert r.code in (0, 1), r.err
    return r


def _unused(r) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    return sorted(
        (f["path"], f["line"], f["message"].split(" finding")[0].rsplit(" ", 1)[-1])
        for f in r.json["findings"]
        if f["rule_id"] == UNUSED_RULE_ID
    )


@pytest.fixture
def repo(in_git_dir: Path) -> Path:
    (in_git_dir / "app.py").write_text(APP)
    (in_git_dir / "README.md").write_text("# gitops-guard: ignore[B602] quoting the syntax\n")
    return in_git_dir


def test_off_by_default(repo: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = _scan(cli)
    assert _unused(r) == []
    assert r.code == 0 and r.json["summary"]["suppressed"] == 3


def test_each_id_that_hid_nothing_is_reported_once(repo: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (repo / ".gitops-guard.toml").write_text(CONFIG)
    r = _scan(cli)
    # B404 and B602 (line 5) hid Bandit's findings, and so does B603 on line 11 (Bandit flags a
    # call without a shell); B603 on line 5 (a shell call) and B602 on line 10 (the call no
    # longer uses a shell) hide nothing.
    found = _unused(r)
    assert found == [("app.py", 5, "B603"), ("app.py", 10, "B602")]
    (f,) = [x for x in r.json["findings"] if x["line"] == 10 and x["rule_id"] == UNUSED_RULE_ID]
    assert f["severity"] == "low" and f["scanner"] == "gitops-guard"
    assert r.code == 1  # low fails the default fail-on, like an invalid suppression
    r2 = _scan(cli)
    assert [x["fingerprint"] for x in r2.json["findings"]] == [
        x["fingerprint"] for x in r.json["findings"]
    ]


def test_only_complete_runs_judge(repo: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A run that did not look for a rule cannot say its suppression is unused."""
    (repo / ".gitops-guard.toml").write_text(CONFIG)
    assert _unused(_scan(cli, "--scanners", "secrets")) == []
    assert _unused(_scan(cli, "--scanners", "source,secrets,dockerfile,iac,gitops")) == []
    r = _scan(cli, "--skip", "B603")
    assert not [u for u in _unused(r) if u[2] == "B603"]  # skipped: not judged
    assert [u for u in _unused(r) if u[2] == "B602"]


def test_the_id_of_a_merged_engine_counts_as_used(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / ".gitops-guard.toml").write_text(CONFIG)
    (in_git_dir / "settings.py").write_text(
        f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"  # gitops-guard: ignore[AWSKeyDetector] test fixture\n'
        "password = 'hunter2hunter2'  # gitops-guard: ignore[B105] a placeholder, not a secret\n"
    )
    r = _scan(cli)
    assert _unused(r) == [], r.json["findings"]


def test_severity_override_skip_and_baseline_apply(repo: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (repo / ".gitops-guard.toml").write_text(CONFIG + f'[severity]\n"{UNUSED_RULE_ID}" = "info"\n')
    r = _scan(cli)
    assert {f["severity"] for f in r.json["findings"] if f["rule_id"] == UNUSED_RULE_ID} == {"info"}
    (repo / ".gitops-guard.toml").write_text(f'skip-rules = ["{UNUSED_RULE_ID}"]\n' + CONFIG)
    assert _unused(_scan(cli)) == []
    (repo / ".gitops-guard.toml").write_text(CONFIG)
    assert cli("baseline", "create", "--no-cache").code == 0
    r = _scan(cli, "--baseline", ".gitops-guard-baseline.json")
    assert _unused(r) == [] and r.code == 0
