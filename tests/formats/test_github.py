"""GitHub Actions workflow commands: levels, properties, and escaping as @actions/core does."""

from __future__ import annotations

import re

from gitops_guard.formats import RenderOptions, github
from gitops_guard.models import Finding, Report, Severity

COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")


def _unescape_property(v: str) -> str:
    for k, c in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        v = v.replace(k, c)
    return v


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """The runner's parser: split properties on ``,`` and ``=``, then unescape."""
    m = COMMAND.match(line)
    assert m, line
    props = {}
    for pair in (m.group(2) or "").strip().split(","):
        if pair:
            key, _, value = pair.partition("=")
            props[key] = _unescape_property(value)
    data = m.group(3).replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    return m.group(1), props, data


def test_levels_follow_severity() -> None:
    findings = tuple(
        Finding("s", "t", f"R{i}", sev, "m", "a.py", i + 1, anchor=str(i))
        for i, sev in enumerate(Severity)
    )
    lines = github.render(Report(findings=findings), RenderOptions()).splitlines()
    assert [parse(line)[0] for line in lines[:-1]] == [
        "error",
        "error",
        "warning",
        "notice",
        "notice",
    ]


def test_properties_and_data_round_trip() -> None:
    path = "dir, with: odd%chars/a b.py"
    message = "50% done\r\nnext line ::error::injected, a=b"
    f = Finding("source", "bandit", "B1", Severity.HIGH, message, path, 3, 5, column=7)
    line = github.render(Report(findings=(f,)), RenderOptions()).splitlines()[0]
    assert "\n" not in line and "\r" not in line
    level, props, data = parse(line)
    assert level == "error"
    assert props == {
        "file": path,
        "line": "3",
        "endLine": "5",
        "col": "7",
        "title": "source/B1 (high)",
    }
    assert data == message
    # The injected "::error::" stays inside the data of the one command.
    assert line.count("::error ") == 1


def test_whole_file_finding_has_no_line() -> None:
    f = Finding("dockerfile", "checkov", "CKV_DOCKER_3", Severity.MEDIUM, "m", "Dockerfile", 0)
    _, props, _ = parse(github.render(Report(findings=(f,)), RenderOptions()).splitlines()[0])
    assert props["file"] == "Dockerfile" and "line" not in props


def test_control_characters_cannot_reach_the_log() -> None:
    f = Finding("s", "t", "R", Severity.LOW, "evil \x1b[2J\x07 bell", "a.py", 1)
    text = github.render(Report(findings=(f,)), RenderOptions())
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[2J\\x07" in text


def test_summary_line_is_not_a_command(report: Report) -> None:
    last = github.render(report, RenderOptions()).splitlines()[-1]
    assert not last.startswith("::")
    assert last.startswith("gitops-guard: 6 findings")
