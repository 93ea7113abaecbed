"""Twins of hadolint / zizmor and Checkov: one problem reported by two engines is one finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_guard.dedupe import TOPICS
from gitops_guard.scanners import hadolint_rules, zizmor_audits
from gitops_guard.scanners.dockerfile import DockerfileScanner
from gitops_guard.scanners.iac import IacScanner

_NEW_ENGINES = set(hadolint_rules.RULES) | set(zizmor_audits.AUDITS)


def test_every_twin_names_a_rule_that_exists() -> None:
    ours = {rid for rid in TOPICS if rid in _NEW_ENGINES}
    assert {"DL3020", "DL3002", "DL3006", "DL3007", "template-injection"} <= ours
    for rid in ours:  # each of our ids has a partner of another engine in its topic
        partners = {other for other, t in TOPICS.items() if t == TOPICS[rid] and other != rid}
        assert partners - _NEW_ENGINES, rid


@pytest.mark.slow
def test_checkov_twins_exist_in_the_pinned_checkov() -> None:
    checkov = {r.id for r in DockerfileScanner().rules()} | {r.id for r in IacScanner().rules()}
    for rid, topic in TOPICS.items():
        if rid.startswith(("CKV_DOCKER", "CKV2_DOCKER", "CKV_GHA", "CKV2_GHA")):
            assert rid in checkov, (rid, topic)


@pytest.mark.slow
def test_dockerfile_line_flagged_by_both_engines_is_one_finding(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:12\nADD app.py /app/\nWORKDIR app\nUSER root\nMAINTAINER me@example.org\n"
    )
    result = cli("scan", "--no-cache", "--scanners", "dockerfile", "-f", "json", str(tmp_path))
    by_line: dict[int, list[dict[str, object]]] = {}
    for f in result.json["findings"]:
        by_line.setdefault(f["line"], []).append(f)
    for line, hadolint_id, checkov_id in (
        (2, "DL3020", "CKV_DOCKER_4"),
        (3, "DL3000", "CKV_DOCKER_10"),
        (4, "DL3002", "CKV_DOCKER_8"),
        (5, "DL4000", "CKV_DOCKER_6"),
    ):
        twins = [f for f in by_line[line] if f["rule_id"] in (hadolint_id, checkov_id)]
        assert len(twins) == 1, twins
        (merged,) = twins
        # hadolint, the engine dedicated to Dockerfiles, survives ties and names Checkov.
        assert merged["rule_id"] == hadolint_id and merged["tool"] == "hadolint"
        assert merged["sources"] == [f"checkov:{checkov_id}"]
