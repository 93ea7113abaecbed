"""GitLab code quality: the fields GitLab reads, one distinct fingerprint per issue."""

from __future__ import annotations

import json

from gitops_guard.formats import RenderOptions, gitlab
from gitops_guard.models import Finding, Report, Severity


def test_fields(report: Report) -> None:
    issues = json.loads(gitlab.render(report, RenderOptions()))
    assert len(issues) == len(report.findings)
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_identical_findings_stay_distinct_and_survive_a_line_move() -> None:
    def two(offset: int) -> Report:
        return Report(
            findings=tuple(
                Finding("secrets", "ds", "K", Severity.HIGH, "m", "a.py", n + offset, anchor="x")
                for n in (1, 5)
            )
        )

    first = [i["fingerprint"] for i in json.loads(gitlab.render(two(0), RenderOptions()))]
    moved = [i["fingerprint"] for i in json.loads(gitlab.render(two(10), RenderOptions()))]
    assert len(set(first)) == 2 and first == moved
