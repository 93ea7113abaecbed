"""``--format compact`` against the editor recipes of docs/ide.md.

The patterns are read out of the page itself (the VS Code ``tasks.json`` problem matchers and the
JetBrains output filter), so the documentation and the output cannot drift apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gitops_guard.formats import Format, RenderOptions, render
from gitops_guard.models import Finding, Report, Severity

DOC = Path(__file__).resolve().parents[2] / "docs" / "ide.md"
#: Which VS Code matcher (by its "severity") must claim each of our severities.
EXPECTED = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "info",
    "info": "info",
}


def _matchers() -> list[tuple[str, re.Pattern[str], dict[str, int]]]:
    text = DOC.read_text("utf-8")
    section = text.split("## VS Code", 1)[1]
    block = re.search(r"```json\n(.*?)\n```", section, re.S)
    assert block is not None, "docs/ide.md lost its tasks.json example"
    tasks = json.loads(block.group(1))["tasks"]
    out = []
    for matcher in tasks[0]["problemMatcher"]:
        pattern = matcher["pattern"]
        groups = {k: v for k, v in pattern.items() if k != "regexp"}
        out.append((matcher["severity"], re.compile(pattern["regexp"]), groups))
    return out


def _jetbrains_filter() -> re.Pattern[str]:
    text = DOC.read_text("utf-8")
    block = re.search(r"Output filters.*?```\n(.*?)\n```", text, re.S)
    assert block is not None, "docs/ide.md lost its JetBrains output filter"
    spec = block.group(1).strip()
    assert spec in text.split("### File Watcher", 1)[1], "both recipes use the same filter"
    macros = {"$FILE_PATH$": "(?P<file>.+?)", "$LINE$": r"(?P<line>\d+)", "$COLUMN$": r"(\d+)"}
    regex = re.escape(spec)
    for macro, group in macros.items():
        regex = regex.replace(re.escape(macro), group)
    regex = regex.replace(re.escape(".*"), ".*")
    return re.compile(f"^{regex}$")


def _check(report: Report, text: str) -> None:
    matchers = _matchers()
    jetbrains = _jetbrains_filter()
    lines = text.splitlines()
    assert len(lines) >= len(report.findings)
    for finding, line in zip(report.findings, lines, strict=False):
        claimed = [(sev, m.match(line), g) for sev, m, g in matchers if m.match(line)]
        assert len(claimed) == 1, line
        severity, match, groups = claimed[0]
        assert match is not None
        assert severity == EXPECTED[finding.severity.value]
        assert match.group(groups["file"]) == finding.path
        assert int(match.group(groups["line"])) == max(finding.line, 1)
        assert int(match.group(groups["column"])) == max(finding.column, 1)
        assert match.group(groups["code"]) == finding.rule_id
        assert finding.message.split()[0] in match.group(groups["message"])
        jb = jetbrains.match(line)
        assert jb is not None and jb.group("file") == finding.path
    for line in lines[len(report.findings) :]:
        assert line.startswith("gitops-guard:")
        assert not any(m.match(line) for _, m, _ in matchers), line


def test_fixed_report_matches_the_documented_patterns(report: Report) -> None:
    _check(report, render(Format.COMPACT, report, RenderOptions()))


def test_one_line_per_finding_whatever_the_message() -> None:
    nasty = Finding(
        "gitops",
        "gitops-guard",
        "GG001",
        Severity.LOW,
        "first line\nsecond line\tand\x1b[31m colour",
        "dir: with colon/new\nline.yaml",
        0,
    )
    text = render(Format.COMPACT, Report(findings=(nasty,)), RenderOptions())
    first, summary = text.splitlines()
    assert first == (
        "dir: with colon/new\\nline.yaml:1:1: low: GG001 "
        "first line second line and\\x1b[31m colour (gitops)"
    )
    assert summary == "gitops-guard: 1 finding (1 low) in 1 file; 0 files scanned"


@pytest.mark.parametrize("severity", list(Severity), ids=lambda s: s.value)
def test_every_severity_is_claimed_by_one_matcher(severity: Severity) -> None:
    f = Finding("source", "bandit", "B101", severity, "m", "a.py", 3, column=7)
    _check(Report(findings=(f,)), render(Format.COMPACT, Report(findings=(f,)), RenderOptions()))


def test_real_scan_output_matches_the_documented_patterns(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "odd dir: x"
    folder.mkdir()
    (folder / "app server.py").write_text(
        "import subprocess\nimport yaml\n\n\ndef run(cmd):\n"
        "    subprocess.call(cmd, shell=True)\n    return yaml.load(cmd)\n"
    )
    (folder / "settings.py").write_text("PASSWORD = '" + "hunter2-" + "x9Kq27LmZ'\n")
    r = cli("scan", str(tmp_path), "--no-cache", "--scanners", "source,secrets", "-f", "json")
    report_paths = [(f["path"], f["rule_id"]) for f in r.json["findings"]]
    assert len(report_paths) >= 3
    r = cli("scan", str(tmp_path), "--no-cache", "--scanners", "source,secrets", "-f", "compact")
    assert r.code == 1
    matchers = _matchers()
    finding_lines = [line for line in r.out.splitlines() if not line.startswith("gitops-guard:")]
    assert len(finding_lines) == len(report_paths)
    for line, (path, rule) in zip(finding_lines, report_paths, strict=True):
        (match,) = [m.match(line) for _, m, _ in matchers if m.match(line)]
        assert match is not None
        assert (match.group(1), match.group(5)) == (path, rule)
        assert (tmp_path / match.group(1)).is_file()
    assert r.out.splitlines()[-1].startswith("gitops-guard: ")
