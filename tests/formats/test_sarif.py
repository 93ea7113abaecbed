"""SARIF: valid against the official 2.1.0 schema and shaped the way GitHub code scanning reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.formats import RenderOptions, sarif
from gitops_guard.models import FINGERPRINT_VERSION, Finding, Report, Severity

#: ../shared/schemas beside the repository (never copied into it).
SCHEMA = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"
)


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not available at {SCHEMA}")
    schema = json.loads(SCHEMA.read_text("utf-8"))
    return jsonschema.Draft4Validator(schema)


def _log(report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(sarif.render(report, RenderOptions()))
    return doc


def check_github_shape(doc: dict[str, Any]) -> None:
    """What GitHub needs beyond the schema: one run, every result's rule in the rules array at
    its ruleIndex, a versioned partial fingerprint, relative URIs under %SRCROOT%, lines >= 1,
    and security-severity as a number in a string."""
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
        assert isinstance(rule["properties"]["security-severity"], str)
        assert "security" in rule["properties"]["tags"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    used = set()
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        fp = result["partialFingerprints"][f"gitopsGuard/v{FINGERPRINT_VERSION}"]
        assert fp.startswith(f"{FINGERPRINT_VERSION}:")
        (loc,) = result["locations"]
        artifact = loc["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith(("/", "file:")) and ":" not in artifact["uri"]
        region = loc["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["endLine"] >= region["startLine"]
        used.add(result["ruleId"])
    assert used == set(ids), "every rule listed has a result"


def test_sample_report_validates(report: Report, validator: Any) -> None:
    doc = _log(report)
    validator.validate(doc)
    check_github_shape(doc)


def test_empty_report_validates_with_an_empty_run(validator: Any) -> None:
    doc = _log(Report(findings=(), scanners=("source",)))
    validator.validate(doc)
    (run,) = doc["runs"]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert run["invocations"][0]["executionSuccessful"] is True


def test_fingerprint_is_the_baseline_fingerprint_and_ignores_lines(report: Report) -> None:
    doc = _log(report)
    prints = [r["partialFingerprints"] for r in doc["runs"][0]["results"]]
    assert [p[sarif.FINGERPRINT_KEY] for p in prints] == [f.fingerprint for f in report.findings]
    moved = Report(findings=tuple(_shift(f, 40) for f in report.findings))
    assert [r["partialFingerprints"] for r in _log(moved)["runs"][0]["results"]] == prints


def _shift(f: Finding, n: int) -> Finding:
    from dataclasses import replace

    return replace(f, line=f.line + n if f.line else 0, end_line=f.end_line + n)


def test_whole_file_finding_points_at_line_one(report: Report) -> None:
    results = _log(report)["runs"][0]["results"]
    docker = next(r for r in results if r["ruleId"] == "CKV_DOCKER_3")
    assert docker["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_levels_and_security_severity_follow_severity() -> None:
    findings = tuple(
        Finding("s", "t", f"R{i}", sev, "m", "a.py", i + 1, anchor=str(i))
        for i, sev in enumerate(Severity)
    )
    doc = _log(Report(findings=findings))
    levels = {r["ruleId"]: r["level"] for r in doc["runs"][0]["results"]}
    assert levels == {"R0": "error", "R1": "error", "R2": "warning", "R3": "note", "R4": "note"}
    scores = {
        r["id"]: float(r["properties"]["security-severity"])
        for r in doc["runs"][0]["tool"]["driver"]["rules"]
    }
    assert scores["R0"] >= 9.0 and 7.0 <= scores["R1"] < 9.0 and 4.0 <= scores["R2"] < 7.0
    assert 0.0 < scores["R3"] < 4.0


def test_rule_takes_the_worst_severity_of_its_results() -> None:
    findings = (
        Finding("s", "t", "R", Severity.LOW, "m", "a.py", 1, anchor="1"),
        Finding("s", "t", "R", Severity.HIGH, "m", "b.py", 1, anchor="2"),
    )
    (rule,) = _log(Report(findings=findings))["runs"][0]["tool"]["driver"]["rules"]
    assert rule["defaultConfiguration"]["level"] == "error"


def test_uris_are_percent_encoded(report: Report) -> None:
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in _log(report)["runs"][0]["results"]
    }
    assert "conf/dir,%20with%3A%20odd%25chars/settings%20%3Cprod%3E.py" in uris


def test_scanner_errors_are_tool_execution_notifications(report: Report) -> None:
    (invocation,) = _log(report)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    levels = [n["level"] for n in invocation["toolExecutionNotifications"]]
    assert sorted(levels) == ["error", "note"]


def test_no_engine_is_imported() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from gitops_guard.formats import sarif\n"
        "from gitops_guard.models import Report\n"
        "sarif.render(Report(findings=()), None)\n"
        "bad = [m for m in ('bandit', 'detect_secrets', 'checkov', 'rich') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_end_to_end_scan_validates(
    tmp_path: Path, validator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python, secret and Dockerfile findings from the real engines, through the CLI."""
    from gitops_guard.cli import main

    (tmp_path / "app.py").write_text(
        "import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
    )
    (tmp_path / "settings.py").write_text('AWS_ACCESS_KEY_ID = "AKIAQ7ZL3XAMPL3K3Y9Z"\n')
    (tmp_path / "Dockerfile").write_text("FROM python:latest\nRUN pip install flask\n")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" / "report.sarif"
    code = main(["scan", "--no-cache", "-j", "1", "--format", "sarif", "--output", str(out), "."])
    assert code == 1
    doc = json.loads(out.read_text("utf-8"))
    validator.validate(doc)
    check_github_shape(doc)
    engines = {r["properties"]["engine"] for r in doc["runs"][0]["results"]}
    scanners = {r["properties"]["scanner"] for r in doc["runs"][0]["results"]}
    assert {"source", "secrets"} <= scanners
    if "dockerfile" in doc["runs"][0]["properties"]["scanners"]:
        assert "dockerfile" in scanners
    assert {"bandit", "gitops-guard"} <= engines  # the secrets catalogue names the AWS key
