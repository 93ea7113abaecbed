"""``--skip RULE``, ``--exclude GLOB`` and ``--exit-zero``: merged with the configuration, shown by
``gitops-guard config``, real engines on real files (hook ``args:`` are in test_precommit.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

VULN_PY = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"


def _rules(r) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return sorted((f["path"], f["rule_id"]) for f in r.json["findings"])


@pytest.fixture
def tree(in_git_dir: Path) -> Path:
    (in_git_dir / "app.py").write_text(VULN_PY)
    (in_git_dir / "legacy").mkdir()
    (in_git_dir / "legacy" / "old.py").write_text(VULN_PY)
    (in_git_dir / "legacy" / "keep.py").write_text(VULN_PY)
    return in_git_dir


def _scan(cli, *args: str):  # type: ignore[no-untyped-def]
    return cli("scan", "-f", "json", "--no-cache", "--scanners", "source", *args)


def test_skip_is_repeatable_comma_separated_and_takes_globs(tree: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = _scan(cli, "app.py")
    assert r.code == 1 and {rule for _, rule in _rules(r)} == {"B404", "B602"}
    r = _scan(cli, "--skip", "B602", "--skip", "B404", "app.py")
    assert r.code == 0 and r.json["findings"] == []
    r = _scan(cli, "--skip", "B602,B404", "app.py")
    assert r.code == 0 and r.json["findings"] == []
    r = _scan(cli, "--skip", "B6*", "app.py")
    assert {rule for _, rule in _rules(r)} == {"B404"}
    r = cli("scan", "--skip", "B602,,B404", "app.py")
    assert r.code == 2 and "empty rule id" in r.err


def test_skip_adds_to_the_configuration_and_wins_over_enable_rules(tree: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (tree / ".gitops-guard.toml").write_text('skip-rules = ["B*"]\nenable-rules = ["B602"]\n')
    r = _scan(cli, "app.py")
    assert {rule for _, rule in _rules(r)} == {"B602"}  # the file's exception holds
    r = _scan(cli, "--skip", "B602", "app.py")
    assert r.code == 0 and r.json["findings"] == []  # the command line has the last word
    r = cli("config", "--json", "--skip", "B602")
    rows = {row["key"]: row for row in r.json["settings"]}
    assert rows["skip-rules"]["value"] == ["B*", "B602"]
    assert rows["skip-rules"]["origin"] == f"{tree / '.gitops-guard.toml'} + command line"


def test_exclude_is_gitignore_syntax_relative_to_the_root_and_applies_to_named_files(
    tree: Path,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    r = _scan(cli, "--exclude", "legacy/")
    assert {p for p, _ in _rules(r)} == {"app.py"}
    r = _scan(cli, "--exclude", "legacy/*.py", "--exclude", "!keep.py")
    assert {p for p, _ in _rules(r)} == {"app.py", "legacy/keep.py"}
    r = _scan(cli, "--exclude", "*.py", "app.py", "legacy/old.py")  # named, as pre-commit does
    assert r.code == 0 and r.json["summary"]["files_scanned"] == 0
    monkeypatch.chdir(tree / "legacy")  # patterns are relative to the scan root, not the cwd
    r = _scan(cli, "--exclude", "/legacy/old.py", ".")
    assert {p for p, _ in _rules(r)} == {"legacy/keep.py"}


def test_exclude_adds_to_the_configuration(tree: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (tree / "pyproject.toml").write_text('[tool.gitops-guard]\nexclude = ["legacy/old.py"]\n')
    r = _scan(cli, "--exclude", "app.py")
    assert {p for p, _ in _rules(r)} == {"legacy/keep.py"}
    r = cli("config", "--exclude", "app.py")
    assert r.code == 0
    (line,) = [x for x in r.out.splitlines() if x.startswith("exclude ")]
    assert '["legacy/old.py", "app.py"]' in line
    assert line.endswith(f"# {tree / 'pyproject.toml'} + command line")
    r = cli("scan", "--exclude", "\\", "app.py")
    assert r.code == 2 and "--exclude" in r.err and "gitignore" in r.err


def test_exit_zero_passes_findings_but_never_a_failed_scan(
    tree: Path,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    r = _scan(cli, "--exit-zero", "app.py")
    assert r.code == 0 and len(r.json["findings"]) == 2  # still reported in full
    r = cli("config", "--json", "--exit-zero")
    rows = {row["key"]: row for row in r.json["settings"]}
    assert rows["exit-zero"] == {"key": "exit-zero", "value": True, "origin": "command line"}
    r = cli("config", "--json")
    assert {row["key"]: row for row in r.json["settings"]}["exit-zero"]["value"] is False

    from gitops_guard import scanners

    monkeypatch.setattr(
        scanners, "load", lambda names=None: ([], [scanners.LoadFailure("source", "ImportError")])
    )
    r = _scan(cli, "--exit-zero", "app.py")
    assert r.code == 3  # exit 0 is a promise: an incomplete scan still fails


def test_exit_zero_is_not_a_configuration_key(tree: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A file in the scanned repository must not be able to turn a failing gate green."""
    (tree / ".gitops-guard.toml").write_text("exit-zero = true\n")
    r = _scan(cli, "app.py")
    assert r.code == 2 and "exit-zero" in r.err


def test_config_json_lists_the_new_keys(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("config", "--json")
    keys = [row["key"] for row in r.json["settings"]]
    assert keys[:7] == [
        "scanners",
        "exclude",
        "fail-on",
        "exit-zero",
        "min-severity",
        "skip-rules",
        "enable-rules",
    ]
    json.dumps(r.json)
