"""Twins of hadolint / zizmor and Checkov: one problem reported by two engines is one finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_guard.dedupe import topics
from gitops_guard.models import Finding, Severity
from gitops_guard.scanners import hadolint_rules, zizmor_audits
from gitops_guard.scanners.checkov_severity import severity_table

_NEW_ENGINES = set(hadolint_rules.RULES) | set(zizmor_audits.AUDITS)


def _in_topics() -> dict[str, set[str]]:
    """``tool:rule`` -> topics, as the curated table lists them."""
    out: dict[str, set[str]] = {}
    for name, (_, _, rules) in severity_table().topics.items():
        for rule in rules:
            out.setdefault(rule, set()).add(name)
    return out


def test_every_twin_names_a_rule_that_exists() -> None:
    listed = _in_topics()
    ours = {r.split(":", 1)[1] for r in listed if r.startswith(("hadolint:", "zizmor:"))}
    assert {"DL3020", "DL3002", "DL3006", "DL3007", "template-injection"} <= ours
    assert ours <= _NEW_ENGINES


@pytest.mark.parametrize(
    ("ours", "checkov"),
    [
        ("hadolint:DL3020", "CKV_DOCKER_4"),
        ("hadolint:DL3002", "CKV_DOCKER_8"),
        ("hadolint:DL3000", "CKV_DOCKER_10"),
        ("hadolint:DL3024", "CKV_DOCKER_11"),
        ("hadolint:DL4000", "CKV_DOCKER_6"),
        ("hadolint:DL3027", "CKV_DOCKER_9"),
        ("hadolint:DL3004", "CKV2_DOCKER_1"),
        ("hadolint:DL3057", "CKV_DOCKER_2"),
        ("hadolint:DL3007", "CKV_DOCKER_7"),
        ("zizmor:template-injection", "CKV_GHA_2"),
        ("zizmor:excessive-permissions", "CKV2_GHA_1"),
        ("zizmor:insecure-commands", "CKV_GHA_1"),
    ],
)
def test_twins_share_a_topic(ours: str, checkov: str) -> None:
    tool, rule = ours.split(":", 1)
    mine = topics(Finding("x", tool, rule, Severity.LOW, "m", "p", 1))
    theirs = topics(Finding("x", "checkov", checkov, Severity.LOW, "m", "p", 1))
    assert mine & theirs, (ours, checkov)


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


def test_a_twin_ranks_as_its_problem_class() -> None:
    """hadolint's own table agrees with the curated classes on every problem they share."""
    table = severity_table().topics
    for rule, names in _in_topics().items():
        tool, rid = rule.split(":", 1)
        if tool != "hadolint":
            continue
        cap = max((table[n][0] for n in names), key=lambda s: s.rank)
        assert hadolint_rules.RULES[rid][1].rank <= cap.rank, (rid, names)
