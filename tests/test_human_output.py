"""The human formats as a user and a CI log see them, through the real command: the table's width
(terminal, ``COLUMNS``, unlimited), no trailing blanks, identifiers never split, honest counts;
hostile file names that try to inject GitHub workflow commands; a reader that closes the pipe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_guard.formats import Format, RenderOptions, render
from gitops_guard.formats.table import LEGEND
from gitops_guard.models import Finding, Report, Severity

AWS_KEY = "AKIA" + "Q7ZLR4KXW2NMP8TB"  # assembled so this file trips no secret scanner
VULN_PY = (
    "import subprocess\n\n\ndef run(cmd):\n"
    "    # a comment long enough that nothing about this line is short, for the wrapping\n"
    "    subprocess.call(cmd, shell=True)\n"
)
#: Names that try to start a workflow command, stop them, or use the legacy syntax.
HOSTILE = ["::stop-commands::tok.py", " ::error::x.py", "a##[error]b.py", "ok::warning::c.py"]


def _gg(cwd: Path, *args: str, env: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    streams = kw or {"capture_output": True}
    return subprocess.run(
        [sys.executable, "-m", "gitops_guard", *args],
        cwd=cwd,
        env={**base, "GITOPS_GUARD_DAEMON": "0", **(env or {})},
        text=True,
        check=False,
        timeout=300,
        **streams,  # type: ignore[arg-type]
    )


@pytest.fixture
def tree(in_git_dir: Path) -> Path:
    deep = in_git_dir / "services" / "payments" / "internal" / "handlers"
    deep.mkdir(parents=True)
    (deep / "refund_processing_with_a_rather_long_module_name.py").write_text(VULN_PY)
    (in_git_dir / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    (in_git_dir / "clean.py").write_text("x = 1\n")
    return in_git_dir


def _table(tree: Path, columns: str | None) -> list[str]:
    env = {"COLUMNS": columns} if columns is not None else {}
    proc = _gg(tree, "scan", "--no-cache", "-f", "table", "--scanners", "source,secrets", env=env)
    assert proc.returncode == 1, proc.stderr
    assert AWS_KEY not in proc.stdout
    return proc.stdout.splitlines()


@pytest.mark.parametrize("columns", ["90", "60", "40"])
def test_piped_table_takes_columns_and_never_splits_an_identifier(tree: Path, columns: str) -> None:
    lines = _table(tree, columns)
    assert max(map(len, lines)) <= int(columns)
    assert not [x for x in lines if x != x.rstrip()]
    text = "\n".join(lines)
    for rule in ("source/B602", "source/B404", "secrets/aws-access-key-id"):
        assert re.search(rf"(^|\s){re.escape(rule)}(\s|$)", text, re.M), rule
    # A path wraps only after a "/", and each piece is whole.
    head = next(x for x in lines if x.startswith("services/"))
    assert head.endswith("/") or head.endswith(".py")


def test_piped_table_without_columns_is_not_wrapped(tree: Path) -> None:
    lines = _table(tree, None)
    (row,) = [x for x in lines if "source/B602" in x]
    assert row.rstrip().endswith("subprocess call with shell=True identified, security issue.")
    assert (
        "services/payments/internal/handlers/refund_processing_with_a_rather_long_module_name.py"
        in lines
    )
    assert not [x for x in lines if x != x.rstrip()]


def test_summary_counts_files_with_findings_and_files_scanned(tree: Path) -> None:
    lines = _table(tree, None)
    assert lines[-1].startswith("next: ")  # what to do about the findings, last
    summary = lines[-2]
    assert re.match(r"3 findings \(2 high, 1 low\) in 2 files; 3 files scanned; ", summary), summary
    proc = _gg(tree, "scan", "--no-cache", "-f", "compact", "--scanners", "source,secrets")
    assert "in 2 files; 3 files scanned" in proc.stdout.splitlines()[-1]


def test_merged_counts_are_explained() -> None:
    f = Finding("secrets", "detect-secrets", "AWSKeyDetector", Severity.HIGH, "key", "a.py", 1)
    merged = Finding(**{**f.__dict__, "sources": ("bandit:B105",)})
    assert LEGEND not in render(Format.TABLE, Report((f,)), RenderOptions())
    text = render(Format.TABLE, Report((merged,)), RenderOptions())
    assert "secrets/AWSKeyDetector (+1)" in text and LEGEND in text


def _commands(lines: list[str]) -> list[str]:
    """Lines a GitHub runner would take as workflow commands (the modern and legacy syntax)."""
    return [x for x in lines if x.lstrip().startswith("::") or "##[" in x]


def test_hostile_file_names_cannot_inject_workflow_commands(in_git_dir: Path) -> None:
    for name in HOSTILE:
        (in_git_dir / name).write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    (in_git_dir / "esc\x1b[31mred.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    args = ["scan", "--no-cache", "--scanners", "secrets"]
    for fmt in ("table", "compact"):
        for columns in ("100", "30"):
            proc = _gg(in_git_dir, *args, "-f", fmt, env={"COLUMNS": columns})
            lines = proc.stdout.splitlines()
            assert proc.returncode == 1, proc.stderr
            assert len([x for x in lines if "aws-access-key-id" in x]) == 5, proc.stdout
            assert _commands(lines) == [], (fmt, columns, _commands(lines))
            assert "\x1b" not in proc.stdout
            assert "./::stop-commands::tok.py" in proc.stdout
    proc = _gg(in_git_dir, *args, "-f", "table", "-f", "github", env={"COLUMNS": "100"})
    lines = proc.stdout.splitlines()
    ours = [x for x in lines if re.match(r"::(error|warning|notice) ", x)]
    assert len(ours) == 5
    assert _commands(lines) == ours  # only the annotations we mean to emit
    for line in ours:
        props, _, data = line[2:].partition("::")
        assert "::" not in props.split(" ", 1)[1]  # file names are escaped (@actions/core)
        assert "\n" not in data and "\x1b" not in line


def _closed_pipe_run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run with standard output a pipe whose reader is already gone."""
    r, w = os.pipe()
    os.close(r)
    try:
        return _gg(cwd, *args, stdout=w, stderr=subprocess.PIPE)
    finally:
        os.close(w)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("rules",), 0),
        (("scanners",), 0),
        (("config",), 0),
        (("--help",), 0),
        (("scan", "--no-cache", "-f", "table", "--scanners", "source", "app.py"), 1),
        (("scan", "--no-cache", "-f", "json", "--scanners", "source", "app.py"), 1),
    ],
    ids=["rules", "scanners", "config", "help", "scan-table", "scan-json"],
)
def test_a_closed_pipe_exits_quietly(in_git_dir: Path, args: tuple[str, ...], code: int) -> None:
    (in_git_dir / "app.py").write_text(VULN_PY)
    proc = _closed_pipe_run(in_git_dir, *args)
    assert proc.stderr == ""
    assert proc.returncode == code  # a scan's verdict stands: the reader went, the findings did not


def test_a_closed_pipe_still_writes_the_report_files(in_git_dir: Path) -> None:
    (in_git_dir / "app.py").write_text(VULN_PY)
    proc = _closed_pipe_run(
        in_git_dir, "scan", "--no-cache", "-f", "compact", "-o", "sarif:out.sarif", "app.py"
    )
    assert proc.stderr == "" and proc.returncode == 1
    assert '"ruleId": "B602"' in (in_git_dir / "out.sarif").read_text()


def test_readme_commands_can_be_pasted() -> None:
    """No `a | b` alternatives in a shell block of the README: pasted, they run as pipes."""
    from ggtest import REPO

    readme = (REPO / "README.md").read_text("utf-8")
    for block in re.findall(r"```(?:sh|console|bash)\n(.*?)```", readme, re.S):
        for line in block.splitlines():
            code = line.split("  #", 1)[0]
            assert not re.search(r"\s\|\s(?!head|less|jq|tee)", code), line


def test_the_fix_hint_is_shown_in_every_human_format() -> None:
    fix = "pin by digest: nginx:1.27@sha256:<digest>, and let Renovate move it"
    f = Finding(
        "gitops",
        "gitops-guard",
        "GG005",
        Severity.MEDIUM,
        "mutable tag",
        "k8s/web.yaml",
        7,
        fix=fix,
    )
    table = render(Format.TABLE, Report((f,)), RenderOptions(width=60))
    assert max(map(len, table.splitlines())) <= 60
    assert "fix: pin by digest:" in table and "Renovate move it" in table
    compact = render(Format.COMPACT, Report((f,)), RenderOptions())
    assert compact.splitlines()[0].endswith(f"mutable tag (fix: {fix}) (gitops)")
    github = render(Format.GITHUB, Report((f,)), RenderOptions())
    assert f"mutable tag%0AFix: {fix}" in github.splitlines()[0]
