"""The command line end to end: version, help, exit codes, the JSON contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ggtest import REPO


def test_version_and_help(cli) -> None:  # type: ignore[no-untyped-def]
    from gitops_guard import __version__

    r = cli("--version")
    assert r.code == 0 and __version__ in r.out
    r = cli("--help")
    assert r.code == 0 and "scan" in r.out and "Exit codes" in r.out


def test_python_dash_m_works() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gitops_guard", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "gitops-guard" in proc.stdout


def test_exit_0_on_a_clean_tree(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ok.py").write_text("def add(a, b):\n    return a + b\n")
    r = cli("scan", str(tmp_path), "--scanners", "source,secrets", "-f", "json")
    assert r.code == 0, r.out + r.err
    assert r.json["findings"] == []


def test_exit_1_on_a_finding(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.py").write_text("import subprocess\nsubprocess.call(x, shell=True)\n")
    r = cli("scan", str(tmp_path), "--scanners", "source", "-f", "json")
    assert r.code == 1
    assert {f["rule_id"] for f in r.json["findings"]} >= {"B602"}


def test_exit_2_on_usage_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("scan", "--no-such-option").code == 2
    r = cli("scan", str(tmp_path), "--scanners", "sorce")
    assert r.code == 2 and "did you mean 'source'" in r.err
    assert cli("scan", str(tmp_path), "-f", "yaml").code == 2
    assert cli("no-such-command").code == 2


@pytest.mark.parametrize("command", [["scan"], ["baseline", "create"]])
def test_a_path_that_does_not_exist_is_a_usage_error(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "real.py").write_text("x = 1\n")
    r = cli(*command, str(tmp_path / "real.py"), str(tmp_path / "missing.py"))
    assert r.code == 2, r.out
    assert "missing.py" in r.err
    assert "no such file or directory" in r.err or "does not exist" in r.err
    assert "Traceback" not in r.err


def test_json_contract_shape(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.py").write_text("import pickle\npickle.loads(data)\n")
    r = cli("scan", str(tmp_path), "--scanners", "source", "-f", "json")
    doc = r.json
    assert set(doc) == {"version", "findings", "errors", "summary"}
    finding = doc["findings"][0]
    assert set(finding) >= {
        "scanner",
        "tool",
        "rule_id",
        "severity",
        "message",
        "path",
        "line",
        "end_line",
        "fingerprint",
        "confidence",
        "resource",
        "help_url",
    }
    assert finding["path"] == "bad.py" or finding["path"].endswith("/bad.py")
    assert finding["fingerprint"].startswith("1:")
    assert doc["summary"]["findings"] == len(doc["findings"])


def test_unparsable_python_is_listed_in_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken.py").write_text("def (:\n")
    r = cli("scan", str(tmp_path), "--scanners", "source", "-f", "json")
    assert any(e["path"].endswith("broken.py") for e in r.json["errors"])
    assert r.code in (0, 1, 3)


def test_example_repository_is_flagged(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("scan", str(REPO / "examples"), "--scanners", "source,secrets", "-f", "json")
    assert r.code == 1
    rules = {f["rule_id"] for f in r.json["findings"]}
    assert {"B602", "AWSKeyDetector"} <= rules


def test_rules_lists_every_scanner(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("rules")
    assert r.code == 0
    by_scanner: dict[str, set[str]] = {}
    for line in r.out.splitlines():
        scanner, rule_id = line.split()[:2]
        by_scanner.setdefault(scanner, set()).add(rule_id)
    assert {"B602", "B105"} <= by_scanner["source"]
    assert "AWSKeyDetector" in by_scanner["secrets"]
    assert {"CKV_DOCKER_2", "CKV2_DOCKER_3"} <= by_scanner["dockerfile"]
    assert {"CKV_K8S_20", "CKV_AWS_20", "CKV2_AWS_69", "CKV_GHA_1"} <= by_scanner["iac"]
    assert {f"GG00{i}" for i in range(1, 8)} <= by_scanner["gitops"]
    assert {"DRIFT-TF-UPDATE", "DRIFT-K8S-CHANGED", "DRIFT-K8S-UNMANAGED"} <= by_scanner["drift"]
