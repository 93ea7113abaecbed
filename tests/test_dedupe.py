"""Deduplication: one problem reported by several engines is reported once, naming the others."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.dedupe import TOPICS, dedupe, topic
from gitops_guard.models import Finding, Severity


def f(
    scanner: str,
    tool: str,
    rule: str,
    sev: Severity = Severity.LOW,
    line: int = 3,
    path: str = "a.py",
    resource: str | None = None,
) -> Finding:
    return Finding(scanner, tool, rule, sev, "m", path, line, line, resource=resource)


def test_bandit_and_detect_secrets_on_one_line_are_one_finding() -> None:
    out = dedupe(
        [
            f("source", "bandit", "B105", Severity.LOW),
            f("secrets", "detect-secrets", "KeywordDetector", Severity.HIGH),
            f("secrets", "detect-secrets", "Base64HighEntropyString", Severity.HIGH),
        ]
    )
    assert len(out) == 1
    (one,) = out
    assert (one.tool, one.rule_id, one.severity) == (
        "detect-secrets",
        "Base64HighEntropyString",
        Severity.HIGH,
    )
    assert one.sources == ("bandit:B105", "detect-secrets:KeywordDetector")


def test_most_severe_wins_then_the_more_specific_engine() -> None:
    (one,) = dedupe(
        [
            f("source", "bandit", "B105", Severity.CRITICAL),
            f("secrets", "detect-secrets", "KeywordDetector", Severity.HIGH),
        ]
    )
    assert one.rule_id == "B105" and one.sources == ("detect-secrets:KeywordDetector",)
    (two,) = dedupe(
        [f("iac", "checkov", "CKV_K8S_14", line=1), f("gitops", "gitops-guard", "GG005", line=1)]
    )
    assert two.rule_id == "GG005" and two.sources == ("checkov:CKV_K8S_14",)


def test_different_lines_files_or_topics_stay_apart() -> None:
    findings = [
        f("source", "bandit", "B105", line=3),
        f("secrets", "detect-secrets", "KeywordDetector", line=4),
        f("secrets", "detect-secrets", "KeywordDetector", line=3, path="b.py"),
        f("source", "bandit", "B602", line=3),
    ]
    assert len(dedupe(findings)) == 4


def test_exact_duplicates_from_one_engine_collapse_without_sources() -> None:
    (one,) = dedupe(
        [
            f("iac", "checkov", "CKV_AWS_24", resource="r"),
            f("iac", "checkov", "CKV_AWS_24", resource="r"),
        ]
    )
    assert one.sources == ()
    # the same rule on two resources starting on the same line is two problems
    assert (
        len(
            dedupe(
                [
                    f("iac", "checkov", "CKV_AWS_24", resource="a"),
                    f("iac", "checkov", "CKV_AWS_24", resource="b"),
                ]
            )
        )
        == 2
    )


def test_checkov_credential_checks_join_the_secret_topic() -> None:
    for rule in ("CKV_AWS_41", "CKV_AWS_45", "CKV_AWS_46"):
        assert topic(f("iac", "checkov", rule)) == "hardcoded-secret"
    assert TOPICS["GG002"] == "hardcoded-secret"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.builds(
            f,
            st.sampled_from(["source", "secrets", "iac", "gitops"]),
            st.sampled_from(["bandit", "detect-secrets", "checkov", "gitops-guard"]),
            st.sampled_from(
                ["B105", "B602", "KeywordDetector", "CKV_K8S_14", "GG005", "CKV_AWS_24"]
            ),
            st.sampled_from(list(Severity)),
            st.integers(1, 4),
            st.sampled_from(["a.py", "b.tf"]),
        ),
        max_size=25,
    )
)
def test_dedupe_properties(findings: list[Finding]) -> None:
    out = dedupe(findings)
    # never more, never an invented place, never a lost worst severity per place
    assert len(out) <= len(findings)
    assert {(x.path, x.line) for x in out} == {(x.path, x.line) for x in findings}
    for path, line in {(x.path, x.line) for x in findings}:
        worst = max(x.severity.rank for x in findings if (x.path, x.line) == (path, line))
        assert max(x.severity.rank for x in out if (x.path, x.line) == (path, line)) == worst
    assert dedupe(out) == out or len(dedupe(out)) == len(out)


def test_end_to_end_one_secret_one_finding(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "settings.py").write_text('password = "Sup3r-S3cret-Value"\n')
    r = cli("scan", str(tmp_path), "--scanners", "source,secrets", "-f", "json")
    findings = r.json["findings"]
    assert len(findings) == 1, findings
    assert "bandit:B105" in findings[0]["sources"] or findings[0]["rule_id"] == "B105"


def test_survivor_does_not_depend_on_input_order() -> None:
    """Two findings of one rule on one line that differ only in what they flag (detect-secrets
    reports two keyword secrets on `secrets = "pkg.mod:Class"`, in hash-seed order): the same one
    survives whatever the order, so its fingerprint is stable across runs."""
    a = Finding(
        "secrets", "detect-secrets", "KeywordDetector", Severity.HIGH, "m", "p", 4, anchor="a"
    )
    b = Finding(
        "secrets", "detect-secrets", "KeywordDetector", Severity.HIGH, "m", "p", 4, anchor="b"
    )
    assert [x.fingerprint for x in dedupe([a, b])] == [x.fingerprint for x in dedupe([b, a])]
