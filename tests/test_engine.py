"""Engine-level behaviour with fake scanners: merging, ordering, fault isolation, cache."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from gitops_guard import engine, targets
from gitops_guard.cache import Cache
from gitops_guard.models import ErrorKind, Finding, ScanError, ScanResult, Severity
from gitops_guard.scanners.interface import ScanContext, Scanner, Unit
from gitops_guard.targets import Kind


class LineScanner(Scanner):
    """Reports every line containing 'BAD' in text files."""

    name = "fake"
    description = "fake"
    kinds = frozenset({Kind.TEXT})
    splittable = True
    calls_file: Path | None = None

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        if self.calls_file is not None:
            with self.calls_file.open("a") as fh:
                fh.write(f"{len(units)}\n")
        out = []
        for unit in units:
            for t in unit.files:
                for i, line in enumerate(t.abspath.read_text().splitlines(), 1):
                    if "BAD" in line:
                        out.append(
                            Finding("fake", "fake", "F1", Severity.HIGH, "bad", t.path, i, i)
                        )
        return ScanResult(tuple(out))


class Exploding(Scanner):
    name = "boom"
    description = "raises"
    kinds = frozenset({Kind.TEXT})

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        raise RuntimeError("engine exploded\nsecond line quoting file content")


class Sleeper(Scanner):
    name = "sleepy"
    description = "hangs"
    kinds = frozenset({Kind.TEXT})

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        time.sleep(60)
        return ScanResult()


class Crasher(Scanner):
    name = "crash"
    description = "dies"
    kinds = frozenset({Kind.TEXT})

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        os._exit(9)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    for i in range(12):
        (root / f"f{i:02}.txt").write_text("ok\n" * (i % 3) + "BAD\n" + "ok\n")
    return root


def _run(root: Path, scanners: list[Scanner], **kw: object) -> engine.Report:  # type: ignore[name-defined]
    ts = targets.discover([root], use_git=False)
    return engine.run(ts, scanners, engine.EngineOptions(**kw))  # type: ignore[arg-type]


def test_findings_are_merged_and_sorted_independently_of_jobs(tree: Path) -> None:
    one = _run(tree, [LineScanner()], jobs=1)
    two = _run(tree, [LineScanner()], jobs=2)
    assert len(one.findings) == 12
    assert one.findings == two.findings
    assert [f.path for f in one.findings] == sorted(f.path for f in one.findings)


def test_a_failing_scanner_is_an_error_and_others_still_report(tree: Path) -> None:
    report = _run(tree, [LineScanner(), Exploding()], jobs=2)
    assert len(report.findings) == 12
    errors = [e for e in report.errors if e.scanner == "boom"]
    assert errors and errors[0].kind is ErrorKind.ERROR
    assert "engine exploded" in errors[0].message
    assert "second line" not in errors[0].message  # only the first line of engine messages
    assert report.failed


def test_timeout_stops_a_hung_scanner(tree: Path) -> None:
    start = time.monotonic()
    report = _run(tree, [LineScanner(), Sleeper()], jobs=2, timeout=1.0)
    assert time.monotonic() - start < 30
    assert any(e.scanner == "sleepy" and "timed out" in e.message for e in report.errors)
    assert len(report.findings) == 12


def test_a_crashing_worker_is_reported(tree: Path) -> None:
    report = _run(tree, [Crasher(), LineScanner()], jobs=1)
    assert any(e.scanner == "crash" and "died" in e.message for e in report.errors)
    assert len(report.findings) == 12


def test_fingerprints_ignore_line_moves(tree: Path) -> None:
    before = _run(tree, [LineScanner()], jobs=1)
    target = tree / "f00.txt"
    target.write_text("\n" * 10 + target.read_text())
    after = _run(tree, [LineScanner()], jobs=1)
    fp_before = {f.fingerprint for f in before.findings if f.path == "f00.txt"}
    moved = [f for f in after.findings if f.path == "f00.txt"]
    assert moved[0].line == 11
    assert {f.fingerprint for f in moved} == fp_before


def test_warm_cache_answers_without_running_the_scanner(tree: Path, tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    scanner = LineScanner()
    scanner.calls_file = calls
    cold = _run(tree, [scanner], jobs=1, cache=Cache(tmp_path / "c"))
    assert calls.read_text().split() == ["12"]
    warm_cache = Cache(tmp_path / "c")
    warm = _run(tree, [scanner], jobs=1, cache=warm_cache)
    assert calls.read_text().split() == ["12"]  # not called again
    assert warm.findings == cold.findings
    assert warm_cache.hits >= 1 and warm_cache.misses == 0  # one entry holds the whole result
    (tree / "f03.txt").write_text("BAD\nBAD\n")
    _run(tree, [scanner], jobs=1, cache=Cache(tmp_path / "c"))
    assert calls.read_text().split() == ["12", "1"]  # only the changed file


class Editor(LineScanner):
    """Reads every file, then saves another version of it, as an editor would mid-scan."""

    name = "editor"
    new_text: str | None = None

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        result = super().scan(units, ctx)
        for unit in units:
            for t in unit.files:
                if self.new_text is not None:
                    t.abspath.write_text(self.new_text)
        return result


@pytest.mark.parametrize("before, after", [("BAD\n", "ok\n"), ("ok\n", "BAD\n")])
def test_a_file_saved_during_the_scan_is_never_cached_under_its_old_bytes(
    tmp_path: Path, before: str, after: str
) -> None:
    """A secret written then replaced by a clean version (or the reverse) mid-scan: the run
    says so (exit 3) and caches nothing, so the next run scans what is on disk."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.txt").write_text(before)
    editor = Editor()
    editor.new_text = after
    first = _run(root, [editor], jobs=1, cache=Cache(tmp_path / "c"))
    assert [e.message.split(";")[0] for e in first.errors] == ["changed while it was being scanned"]
    assert first.failed
    second = _run(root, [Editor()], jobs=1, cache=Cache(tmp_path / "c"))  # same scanner, no edit
    direct = _run(root, [Editor()], jobs=1)  # no cache at all
    assert [f.line for f in second.findings] == [f.line for f in direct.findings]
    assert bool(direct.findings) == ("BAD" in after)


class Unparsable(LineScanner):
    """A file holding 'BROKEN' cannot be parsed (a lasting error); 'FLAKY' makes the engine
    fail in this run only."""

    name = "parser"

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        result = super().scan(units, ctx)
        errors = []
        for unit in units:
            for t in unit.files:
                content = t.abspath.read_text()
                if "BROKEN" in content:
                    errors.append(ScanError(self.name, "cannot parse", t.path, lasting=True))
                if "FLAKY" in content:
                    errors.append(ScanError(self.name, "engine crashed", t.path))
        return ScanResult(result.findings, tuple(errors))


def test_a_lasting_error_is_cached_a_passing_one_never(tree: Path, tmp_path: Path) -> None:
    """A file no engine can parse fails every run, warm ones too, without rescanning; a crash
    is never cached, so the next run scans again."""
    (tree / "f00.txt").write_text("BROKEN\n")
    calls = tmp_path / "calls"
    scanner = Unparsable()
    scanner.calls_file = calls
    cold = _run(tree, [scanner], jobs=1, cache=Cache(tmp_path / "c"))
    warm = _run(tree, [scanner], jobs=1, cache=Cache(tmp_path / "c"))
    assert calls.read_text().split() == ["12"]  # answered from the cache
    assert cold.failed and warm.failed
    assert [(e.path, e.message) for e in warm.errors] == [("f00.txt", "cannot parse")]
    assert warm.findings == cold.findings
    (tree / "f01.txt").write_text("FLAKY\n")
    _run(tree, [scanner], jobs=1, cache=Cache(tmp_path / "c"))
    again = _run(tree, [scanner], jobs=1, cache=Cache(tmp_path / "c"))
    assert calls.read_text().split()[-2:] == ["1", "1"]  # the crashed file is scanned again
    assert again.failed


def test_corrupt_cache_entry_is_ignored_and_rewritten(tree: Path, tmp_path: Path) -> None:
    cold = _run(tree, [LineScanner()], jobs=1, cache=Cache(tmp_path / "c"))
    entries = sorted((tmp_path / "c").rglob("*.json"))
    assert len(entries) == 13  # one per file and one for the whole result
    for entry in entries:
        entry.write_text("{not json")
    again = _run(tree, [LineScanner()], jobs=1, cache=Cache(tmp_path / "c"))
    assert again.findings == cold.findings
    import json

    for entry in entries:  # each rewritten: its MAC line, then the JSON body
        mac, _, body = entry.read_text().partition("\n")
        assert len(mac) >= 32 and json.loads(body)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_cache_degrades_with_a_notice(tree: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        report = _run(tree, [LineScanner()], jobs=1, cache=Cache(ro))
    finally:
        ro.chmod(0o700)
    assert len(report.findings) == 12
    assert any("cache disabled" in e.message for e in report.errors)
    assert not report.failed


def test_unwritable_cache_path_degrades_with_a_notice(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    report = _run(tree, [LineScanner()], jobs=1, cache=Cache(blocker))
    assert len(report.findings) == 12
    assert any("cache disabled" in e.message for e in report.errors)
    assert not report.failed


class DirScanner(Scanner):
    """Two units over the same files (like Kustomize overlays sharing a base), each reporting
    under its own folder."""

    name = "dirs"
    description = "units sharing files"
    kinds = frozenset({Kind.TEXT})

    def units(self, targets: Sequence[targets.Target], explicit: bool) -> list[Unit]:
        files = tuple(targets)
        return [Unit(key="a", files=files), Unit(key="b", files=files)]

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        return ScanResult(
            tuple(
                Finding("dirs", "fake", "D1", Severity.LOW, f"from {u.key}", f"{u.key}/x", 1, 1)
                for u in units
            )
        )


def test_units_sharing_files_are_cached_separately(tree: Path, tmp_path: Path) -> None:
    cold = _run(tree, [DirScanner()], jobs=1, cache=Cache(tmp_path / "c"))
    warm = _run(tree, [DirScanner()], jobs=1, cache=Cache(tmp_path / "c"))
    assert {f.message for f in cold.findings} == {"from a", "from b"}
    assert warm.findings == cold.findings


class ReadsEverything(Scanner):
    """A cross-file scanner that reads a file outside its own kinds (like GG001 following a
    workflow into a shell script)."""

    name = "crossy"
    description = "reads beyond its targets"
    kinds = frozenset({Kind.PYTHON})
    cross_file = True

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        script = next(t for t in ctx.all_targets if t.path == "deploy.sh")
        flagged = "kubectl apply" in script.abspath.read_text()
        return ScanResult(
            (Finding("crossy", "fake", "X1", Severity.HIGH, "deploys", "main.py", 1, 1),)
            if flagged
            else ()
        )


def test_cross_file_results_follow_every_file_of_the_run(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "main.py").write_text("print(1)\n")
    (tree / "deploy.sh").write_text("kubectl apply -f x.yaml\n")
    assert _run(tree, [ReadsEverything()], jobs=1, cache=Cache(tmp_path / "c")).findings
    (tree / "deploy.sh").write_text("kubectl kustomize .\n")
    assert not _run(tree, [ReadsEverything()], jobs=1, cache=Cache(tmp_path / "c")).findings


def test_an_altered_cache_entry_is_never_trusted(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emptied by hand (the MAC no longer matches), or written under another key (a cache
    restored from elsewhere): a miss, and the findings come back from the engine."""
    import json

    from gitops_guard import cache as cache_mod

    cold = _run(tree, [LineScanner()], jobs=1, cache=Cache(tmp_path / "c"))
    for entry in (tmp_path / "c").rglob("*.json"):
        signature, _, text = entry.read_text().partition("\n")
        body = json.loads(text)
        body["findings"] = []
        entry.write_text(signature + "\n" + json.dumps(body, sort_keys=True))
    tampered = Cache(tmp_path / "c")
    again = _run(tree, [LineScanner()], jobs=1, cache=tampered)
    assert again.findings == cold.findings and tampered.hits == 0
    # a well-formed entry made with another key is no better
    monkeypatch.setenv(cache_mod.KEY_ENV, "someone else's key")
    cache_mod.signing_key.cache_clear()
    try:
        forged = Cache(tmp_path / "c")
        assert _run(tree, [LineScanner()], jobs=1, cache=forged).findings == cold.findings
        assert forged.hits == 0
    finally:
        cache_mod.signing_key.cache_clear()


def test_the_signing_key_lives_outside_the_cache_directory(tmp_path: Path) -> None:
    from gitops_guard import cache as cache_mod

    where = cache_mod.key_file().resolve()
    assert cache_mod.default_dir().resolve() not in where.parents


def test_a_cached_finding_keeps_every_field(tmp_path: Path) -> None:
    """What a scanner reports comes back from the cache unchanged (sources, merged fingerprints,
    occurrences, places, commit, fix), so a warm run says what the cold one said."""
    from gitops_guard.cache import Cache as C

    full = Finding(
        "secrets",
        "gitops-guard",
        "GitHubToken",
        Severity.HIGH,
        "m",
        "a.env",
        3,
        4,
        sources=("detect-secrets:KeywordDetector",),
        merged=("1:" + "a" * 32,),
        occurrences=(9,),
        also_in=("k/kustomization.yaml:2",),
        commit="abc 2026",
        fix="rotate",
        anchor="x",
        confidence="high",
        resource="r",
        help_url="u",
        column=2,
    )
    cache = C(tmp_path / "c")
    cache.put("k" * 64, ScanResult((full,)))
    hit = C(tmp_path / "c").get("k" * 64)
    assert hit is not None and hit.findings == (full,)


def test_parsed_package_data_is_kept_signed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table parsed once is read back from its JSON; an altered copy is never used."""
    import json

    from gitops_guard import datacache

    monkeypatch.setenv("GITOPS_GUARD_CACHE_DIR", str(tmp_path))
    text = 'a = { severity = "high" }\n'
    assert datacache.load_toml("t", text) == {"a": {"severity": "high"}}
    (entry,) = (tmp_path / "data").glob("t-*.json")
    envelope = json.loads(entry.read_text())
    envelope["body"] = json.dumps({"a": {"severity": "info"}})
    entry.write_text(json.dumps(envelope))
    assert datacache.load_toml("t", text) == {"a": {"severity": "high"}}
