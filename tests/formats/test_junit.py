"""JUnit XML: well-formed, one test case per rule and file, errors as <error>."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gitops_guard.formats import RenderOptions, junit
from gitops_guard.models import Finding, Report, ScanError, Severity


def _parse(report: Report) -> ET.Element:
    return ET.fromstring(junit.render(report, RenderOptions()).encode("utf-8"))


def test_counts_and_grouping(report: Report) -> None:
    root = _parse(report)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert int(root.get("tests", "-1")) == len(cases)
    assert int(root.get("failures", "-1")) == len(root.findall(".//failure")) == 5
    assert int(root.get("errors", "-1")) == len(root.findall(".//error")) == 1
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests", "-1")) == len(suite.findall("testcase"))
    b602 = [c for c in cases if c.get("name") == "B602"]
    assert len(b602) == 1 and b602[0].get("classname") == "app/server.py"
    failure = b602[0].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("2 findings at lines 10, 20")
    assert (failure.text or "").count("app/server.py:") == 2


def test_control_characters_are_escaped_not_emitted() -> None:
    f = Finding("s", "t", "R", Severity.LOW, "bad \x00\x1b\x0c chars & <tags>", "a.py", 1)
    err = ScanError("s", "broken \x07", "b.py")
    text = junit.render(Report(findings=(f,), errors=(err,), scanners=("s",)), RenderOptions())
    root = ET.fromstring(text.encode("utf-8"))
    failure = root.find(".//failure")
    assert failure is not None
    assert "\\x00\\x1b\\x0c chars & <tags>" in failure.get("message", "")
    assert root.find(".//error") is not None


def test_clean_scan_is_green_per_scanner() -> None:
    root = _parse(Report(findings=(), scanners=("secrets", "source")))
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "gitops-guard.secrets",
        "gitops-guard.source",
    ]
    assert all(len(s.findall("testcase")) == 1 for s in root.findall("testsuite"))


def test_a_file_name_cannot_inject_workflow_commands() -> None:
    from gitops_guard.formats import Format, RenderOptions, render
    from gitops_guard.models import Finding, Report, Severity

    f = Finding("source", "bandit", "B602", Severity.HIGH, "m", "::stop-commands::x.py", 3, 3)
    g = Finding("source", "bandit", "B602", Severity.HIGH, "m", "::stop-commands::x.py", 9, 9)
    out = render(Format.JUNIT, Report(findings=(f, g)), RenderOptions(color=False, width=100))
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")]
