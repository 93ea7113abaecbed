"""Deduplication: one problem reported by several engines is reported once, naming the others."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.dedupe import dedupe, topic
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
    assert topic(f("gitops", "gitops-guard", "GG002")) == "hardcoded-secret"


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


def span(
    scanner: str,
    tool: str,
    rule: str,
    line: int,
    end: int,
    sev: Severity = Severity.MEDIUM,
    resource: str | None = None,
    path: str = "deploy.yaml",
) -> Finding:
    return Finding(scanner, tool, rule, sev, rule, path, line, end, resource=resource)


def test_twins_merge_by_line_range_not_line_alone() -> None:
    """GG005 on the image line inside the Deployment that CKV_K8S_43 reports (lines 1-22)."""
    gg = span("gitops", "gitops-guard", "GG005", 21, 21, resource="nginx:alpine")
    ckv = span("iac", "checkov", "CKV_K8S_43", 1, 22, resource="Deployment.ns.web")
    (one,) = dedupe([ckv, gg])
    assert one.rule_id == "GG005" and one.sources == ("checkov:CKV_K8S_43",)
    assert one.merged == (ckv.fingerprint,)
    # the survivor carries the highest severity of the group
    (high,) = dedupe([replace(ckv, severity=Severity.HIGH), gg])
    assert high.severity is Severity.HIGH


def test_one_finding_per_image_and_the_object_check_joins_once() -> None:
    ckv = span("iac", "checkov", "CKV_K8S_43", 1, 40, resource="Deployment.ns.web")
    a = span("gitops", "gitops-guard", "GG005", 20, 20, resource="nginx:alpine")
    b = span("gitops", "gitops-guard", "GG005", 30, 30, resource="redis:7")
    out = dedupe([ckv, a, b])
    assert sorted(f.line for f in out) == [20, 30]
    assert sum("checkov:CKV_K8S_43" in f.sources for f in out) == 1


def test_same_rule_on_one_line_for_different_objects_stays_apart() -> None:
    """Twelve unpinned images in one kustomization's `images:` are twelve findings."""
    images = [
        span("gitops", "gitops-guard", "GG005", 5, 5, resource=f"img{i}:latest") for i in range(12)
    ]
    assert len(dedupe(images)) == 12


def test_two_objects_of_one_engine_never_merge() -> None:
    a = span("iac", "checkov", "CKV_K8S_14", 1, 30, resource="Deployment.ns.a")
    b = span("iac", "checkov", "CKV_K8S_43", 10, 20, resource="Deployment.ns.b")
    assert len(dedupe([a, b])) == 2


def test_gitops_rule_beats_a_generic_secret_detector_of_equal_severity() -> None:
    gg = span("gitops", "gitops-guard", "GG002", 8, 8, Severity.HIGH, "Secret.ns.db")
    kw = span("secrets", "detect-secrets", "KeywordDetector", 8, 8, Severity.HIGH)
    (one,) = dedupe([kw, gg])
    assert one.rule_id == "GG002" and one.sources == ("detect-secrets:KeywordDetector",)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            span,
            st.sampled_from(["secrets", "iac", "gitops", "source"]),
            st.sampled_from(["detect-secrets", "checkov", "gitops-guard", "bandit"]),
            st.sampled_from(["KeywordDetector", "CKV_K8S_43", "GG005", "GG002", "B105"]),
            st.integers(1, 6),
            st.integers(1, 9),
            st.sampled_from(list(Severity)),
            st.sampled_from([None, "a", "b"]),
        ),
        max_size=20,
    )
)
def test_merging_keeps_every_fingerprint_and_is_order_independent(findings: list[Finding]) -> None:
    out = dedupe(findings)
    kept = sorted(fp for f in out for fp in (f.fingerprint, *f.merged))
    assert set(kept) == {f.fingerprint for f in findings}
    assert sorted(x.fingerprint for x in dedupe(list(reversed(findings)))) == sorted(
        x.fingerprint for x in out
    )
    assert len(dedupe(out)) == len(out)
