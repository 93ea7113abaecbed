"""`gitops-guard drift` end to end: exit codes and output, in-process through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "k8s" / "manifests", tmp_path / "manifests")
    shutil.copy(FIXTURES / "k8s" / "live.yaml", tmp_path / "live.yaml")
    for name in ("refresh_only.json", "no_drift.json"):
        shutil.copy(FIXTURES / "terraform" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_plan_with_an_opened_security_group_exits_1(cli, work: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("drift", "--plan", "refresh_only.json", "-f", "json")
    assert r.code == 1, r.err
    findings = r.json["findings"]
    sg = next(f for f in findings if f["resource"] == "aws_security_group.web")
    assert (sg["rule_id"], sg["severity"], sg["path"]) == (
        "DRIFT-TF-UPDATE",
        "high",
        "refresh_only.json",
    )


def test_plan_without_drift_exits_0(cli, work: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("drift", "--plan", "no_drift.json", "-f", "json")
    assert r.code == 0, r.err
    assert r.json["findings"] == []


def test_fail_on_threshold(cli, work: Path) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli("drift", "--plan", "refresh_only.json", "-f", "json", "--fail-on", "critical").code == 0
    )


def test_kubernetes_server_fields_only_exits_0_and_replicas_exit_1(cli, work: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("drift", "--manifests", "manifests", "--live", "live.yaml", "-f", "json")
    assert r.code == 0, r.err
    live = work / "live.yaml"
    live.write_text(
        live.read_text().replace(
            "    replicas: 3\n    revisionHistoryLimit", "    replicas: 5\n    revisionHistoryLimit"
        )
    )
    r = cli("drift", "--manifests", "manifests", "--live", "live.yaml", "-f", "compact")
    assert r.code == 1, r.err
    assert "spec.replicas: 3 -> 5" in r.out


def test_unreadable_input_exits_3_without_traceback(cli, work: Path) -> None:  # type: ignore[no-untyped-def]
    (work / "bad.json").write_text("{not json")
    r = cli("drift", "--plan", "bad.json")
    assert r.code == 3
    assert "bad.json is not valid JSON" in r.err
    assert "Traceback" not in r.err + r.out
    r = cli("drift", "--manifests", "manifests", "--live", "missing.yaml")
    assert r.code == 3 and "missing.yaml does not exist" in r.err


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--manifests", "manifests"),
        ("--live", "live.yaml"),
        ("--plan", "no_drift.json", "-f", "yaml"),
        ("--no-such-option",),
    ],
)
def test_usage_errors_exit_2(cli, work: Path, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    assert cli("drift", *args).code == 2


def test_both_inputs_in_one_report(cli, work: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli(
        "drift",
        "--plan",
        "refresh_only.json",
        "--manifests",
        "manifests",
        "--live",
        "live.yaml",
        "-f",
        "json",
    )
    assert r.code == 1
    assert len(r.json["findings"]) == 2
    assert [f["rule_id"] for f in r.json["findings"]].count("DRIFT-TF-UPDATE") == 2
