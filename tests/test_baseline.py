"""Baselines: occurrence counting, survival of edits, no secret in the file, create/update, bad
files, and property-based round trips and fuzzing."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.baseline import Baseline, BaselineError, Entry, loads
from gitops_guard.models import FINGERPRINT_VERSION, Finding, Severity

# A realistic AWS secret key shape, built here so that this file holds no credential literal.
SECRET = "q8Kf2LmZ0vT9xRb7" + "Wn4Yc1Hd6Ps3Ja5Ge0Uo8Ni2"
APP = f"""
import subprocess

AWS_SECRET_ACCESS_KEY = "{SECRET}"


def run(arg):
    return subprocess.call("ls " + arg, shell=True)
"""


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def scan(cli, *extra: str):  # type: ignore[no-untyped-def]
    return cli("scan", "--scanners", "source,secrets", "-f", "json", *extra)


def rules(result) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return sorted((f["path"], f["rule_id"], f["line"]) for f in result.json["findings"])


# ---- the judged behaviour, through the CLI ----------------------------------------------------


def test_baseline_hides_exactly_the_recorded_findings(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "app.py", APP)
    before = scan(cli)
    assert before.code == 1 and before.json["findings"]
    r = cli("baseline", "create", "--scanners", "source,secrets")
    assert r.code == 0, r.err
    base = in_git_dir / ".gitops-guard-baseline.json"
    text = base.read_text()
    assert SECRET not in text and SECRET[:8] not in text and "subprocess" not in text
    doc = json.loads(text)
    assert doc["version"] == 1 and doc["fingerprint_version"] == FINGERPRINT_VERSION
    assert all(
        set(e) == {"fingerprint", "path", "rule_id", "scanner", "count"} for e in doc["findings"]
    )

    r = scan(cli, "--baseline", str(base))
    assert r.code == 0 and r.json["findings"] == []
    assert r.json["summary"]["suppressed"] == len(before.json["findings"])

    # ten lines inserted above: still hidden
    write(in_git_dir, "app.py", "# filler\n" * 10 + textwrap.dedent(APP).lstrip("\n"))
    r = scan(cli, "--baseline", str(base))
    assert r.code == 0 and r.json["findings"] == [], r.out

    # a second identical occurrence in the same file is new: one finding names line 9 (the
    # repeated value is one finding with its further lines in occurrences)
    write(in_git_dir, "app.py", APP + '\nAWS_SECRET_ACCESS_KEY = "' + SECRET + '"\n')
    r = scan(cli, "--baseline", str(base))
    (again,) = r.json["findings"]
    assert again["path"] == "app.py" and 9 in [again["line"], *again["occurrences"]]

    # the same problem in another file is new
    write(in_git_dir, "app.py", APP)
    write(in_git_dir, "copy.py", APP)
    r = scan(cli, "--baseline", str(base))
    assert {p for p, _, _ in rules(r)} == {"copy.py"}
    assert len(r.json["findings"]) == len(before.json["findings"])
    assert r.code == 1


def test_baseline_from_config_and_no_baseline(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "app.py", APP)
    write(in_git_dir, ".gitops-guard.toml", 'baseline = "security/baseline.json"\n')
    assert cli("baseline", "create", "--scanners", "source,secrets").code == 0
    assert (in_git_dir / "security" / "baseline.json").is_file()
    assert scan(cli).json["findings"] == []
    assert scan(cli, "--no-baseline").json["findings"]


@pytest.fixture
def broken_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real installed distribution whose scanner entry point cannot be imported."""
    site = tmp_path / "site"
    info = site / "gg_broken_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gg-broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[gitops_guard.scanners]\nbroken = gg_no_such_module:Scanner\n"
    )
    monkeypatch.syspath_prepend(str(site))
    return "broken"


def test_baseline_create_fails_when_a_scanner_cannot_load(  # type: ignore[no-untyped-def]
    cli, in_git_dir: Path, broken_plugin: str
) -> None:
    write(in_git_dir, "app.py", APP)
    r = cli("baseline", "create", "--scanners", f"source,{broken_plugin}")
    assert r.code == 3, r.err
    assert "baseline was not written" in r.err and broken_plugin in r.err
    assert not (in_git_dir / ".gitops-guard-baseline.json").exists()
    assert scan(cli, "--scanners", f"source,{broken_plugin}").code == 3


def test_baseline_records_exactly_what_scan_reports(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "app.py", APP)
    write(in_git_dir, "sub/other.py", APP)
    write(in_git_dir, ".gitops-guard.toml", 'skip-rules = ["B602"]\n')
    reported = scan(cli).json["findings"]
    assert cli("baseline", "create", "--scanners", "source,secrets").code == 0
    doc = json.loads((in_git_dir / ".gitops-guard-baseline.json").read_text())
    recorded = sorted((e["fingerprint"], e["count"]) for e in doc["findings"])
    counts: dict[str, int] = {}
    for f in reported:
        every = [f["fingerprint"]] * (1 + len(f["occurrences"])) + f["merged_fingerprints"]
        for fp in every:
            counts[fp] = counts.get(fp, 0) + 1
    assert recorded == sorted(counts.items())
    # the baseline file itself (fingerprints: hex strings) is never scanned
    again = scan(cli, "--no-baseline").json["findings"]
    assert sorted(f["fingerprint"] for f in again) == sorted(f["fingerprint"] for f in reported)


def test_create_refuses_to_overwrite(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "app.py", APP)
    base = write(in_git_dir, ".gitops-guard-baseline.json", "precious")
    r = cli("baseline", "create", "--scanners", "source")
    assert r.code == 2 and "already exists" in r.err
    assert base.read_text() == "precious"
    assert cli("baseline", "create", "--scanners", "source", "--force").code == 0
    assert json.loads(base.read_text())["findings"]


def test_update_drops_fixed_keeps_out_of_scope_and_adds_only_on_request(
    cli, in_git_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "a/app.py", APP)
    write(in_git_dir, "b/app.py", APP)
    assert cli("baseline", "create", "--scanners", "source").code == 0
    base = in_git_dir / ".gitops-guard-baseline.json"
    start = json.loads(base.read_text())["findings"]
    assert {e["path"] for e in start} == {"a/app.py", "b/app.py"}

    # fix a/app.py's shell call, add a new problem to b/app.py
    write(in_git_dir, "a/app.py", "import subprocess\n")
    write(in_git_dir, "b/app.py", APP + "\nimport pickle\n")
    # updating only b/ keeps a/'s entries even though they are fixed
    r = cli("baseline", "update", "b", "--scanners", "source")
    assert r.code == 0, r.err
    assert json.loads(base.read_text())["findings"] == start

    r = cli("baseline", "update", "--scanners", "source")
    assert "2 dropped" in r.out  # B602 and B105
    entries = json.loads(base.read_text())["findings"]
    assert ("a/app.py", "B602") not in {(e["path"], e["rule_id"]) for e in entries}
    assert ("b/app.py", "B403") not in {(e["path"], e["rule_id"]) for e in entries}

    r = cli("baseline", "update", "--scanners", "source", "--add-new")
    entries = json.loads(base.read_text())["findings"]
    assert ("b/app.py", "B403") in {(e["path"], e["rule_id"]) for e in entries}
    assert "1 added" in r.out
    # entries of a scanner that did not run are kept
    before = base.read_text()
    cli("baseline", "update", "--scanners", "secrets")
    assert base.read_text() == before


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"version": 2, "fingerprint_version": 1, "findings": []}',
        '{"version": 1, "fingerprint_version": 99, "findings": []}',
        '{"version": 1, "fingerprint_version": 1, "findings": {}}',
        '{"version": 1, "fingerprint_version": 1, "findings": [{"fingerprint": "x"}]}',
    ],
)
def test_bad_baseline_exits_2(cli, in_git_dir: Path, text: str) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "app.py", "x = 1\n")
    base = write(in_git_dir, "b.json", text)
    r = cli("scan", "--scanners", "source", "--baseline", str(base))
    assert r.code == 2 and "b.json" in r.err and "Traceback" not in r.err
    r = cli("scan", "--scanners", "source", "--baseline", str(in_git_dir / "missing.json"))
    assert r.code == 2 and "no such baseline file" in r.err


# ---- properties -------------------------------------------------------------------------------


def mk(path: str, rule: str, anchor: str, line: int = 1) -> Finding:
    return Finding("source", "bandit", rule, Severity.LOW, "msg", path, line, anchor=anchor)


findings_st = st.lists(
    st.builds(
        mk,
        st.sampled_from(["a.py", "b/c.py", "d.tf"]),
        st.sampled_from(["B602", "B105", "CKV_AWS_24"]),
        st.sampled_from(["x", "y", "z"]),
        st.integers(1, 500),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(findings_st)
def test_round_trip_and_counts(findings: list[Finding]) -> None:
    base = Baseline.from_findings(findings)
    text = base.dumps()
    again = loads(text)
    assert again == base and again.dumps() == text
    assert sum(e.count for e in again.entries) == len(findings)
    kept, hidden = again.filter(findings)
    assert kept == [] and hidden == len(findings)
    # one more of anything already present is reported, exactly once
    if findings:
        extra = findings[0]
        kept, hidden = again.filter([*findings, extra])
        assert len(kept) == 1 and kept[0].fingerprint == extra.fingerprint


@settings(max_examples=100, deadline=None)
@given(findings_st, st.integers(1, 50))
def test_fingerprints_ignore_line_numbers(findings: list[Finding], shift: int) -> None:
    from dataclasses import replace

    base = Baseline.from_findings(findings)
    moved = [replace(f, line=f.line + shift, end_line=f.line + shift) for f in findings]
    assert base.filter(moved) == ([], len(findings))


@settings(max_examples=100, deadline=None)
@given(findings_st, findings_st)
def test_update_never_grows_without_add_new(old: list[Finding], now: list[Finding]) -> None:
    base = Baseline.from_findings(old)
    new, stats = base.update(now, lambda e: True)
    assert {e.fingerprint for e in new.entries} <= {e.fingerprint for e in base.entries}
    assert stats.added == 0 and stats.kept + stats.dropped == len(base)
    grown, _ = base.update(now, lambda e: True, add_new=True)
    assert grown == Baseline.from_findings(now)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(_json_values)
def test_loads_raises_only_baseline_error(value: object) -> None:
    for doc in (value, {"version": 1, "fingerprint_version": 1, "findings": value}):
        with contextlib.suppress(BaselineError):
            loads(json.dumps(doc))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=100))
def test_loads_arbitrary_text(text: str) -> None:
    with contextlib.suppress(BaselineError):
        loads(text)


def test_duplicate_entries_take_the_larger_count() -> None:
    fp = mk("a.py", "B1", "x").fingerprint
    entry = {"fingerprint": fp, "path": "a.py", "rule_id": "B1", "scanner": "source"}
    doc = {
        "version": 1,
        "fingerprint_version": 1,
        "findings": [{**entry, "count": 2}, {**entry, "count": 1}],
    }
    assert loads(json.dumps(doc)).entries == (Entry(fp, "a.py", "B1", "source", 2),)


def test_a_merged_finding_is_hidden_only_when_every_merged_problem_is_accepted() -> None:
    """A token added to an already-baselined line merges with the old finding: still new."""
    from gitops_guard.dedupe import dedupe

    old = dataclasses.replace(mk("app.py", "B105", "old-token", line=4), tool="bandit")
    new = mk("app.py", "GitHubTokenDetector", "new-token", line=4)
    new = dataclasses.replace(new, scanner="secrets")
    accepted = Baseline.from_findings(dedupe([old]))
    (merged,) = dedupe([old, new])
    assert set(merged.merged) | {merged.fingerprint} == {old.fingerprint, new.fingerprint}
    kept, hidden = accepted.filter([merged])
    assert kept == [merged] and hidden == 0
    # once both are accepted, the merged finding is hidden; the baseline records both
    both = Baseline.from_findings([merged])
    assert {e.fingerprint for e in both.entries} == {old.fingerprint, new.fingerprint}
    assert both.filter([merged]) == ([], 1)


def test_a_repeated_finding_counts_every_occurrence() -> None:
    one = dataclasses.replace(mk("app.py", "KeywordDetector", "tok", line=3), occurrences=(9, 12))
    base = Baseline.from_findings([one])
    assert [(e.fingerprint, e.count) for e in base.entries] == [(one.fingerprint, 3)]
    assert Baseline.from_findings([dataclasses.replace(one, occurrences=(9,))]).filter([one]) == (
        [one],
        0,
    )


def test_a_fingerprint_key_makes_fingerprints_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A published report is no oracle: without the key, a guessed secret's fingerprint cannot
    be recomputed (docs/security.md, "Fingerprints")."""
    f = mk("app.env", "KeywordDetector", "anchor-of-a-short-secret")
    public = f.fingerprint
    monkeypatch.setenv("GITOPS_GUARD_FINGERPRINT_KEY", "team-secret")
    keyed = f.fingerprint
    assert keyed != public and keyed.startswith(f"{FINGERPRINT_VERSION}:")
    monkeypatch.setenv("GITOPS_GUARD_FINGERPRINT_KEY", "another")
    assert f.fingerprint not in (public, keyed)
    # a baseline made with one key hides nothing under another: fail closed, never open
    monkeypatch.setenv("GITOPS_GUARD_FINGERPRINT_KEY", "team-secret")
    base = Baseline.from_findings([f])
    monkeypatch.setenv("GITOPS_GUARD_FINGERPRINT_KEY", "another")
    assert base.filter([f]) == ([f], 0)
