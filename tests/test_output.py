"""--format/--output planning, atomic writes, and the exit code of every format."""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gitops_guard import output
from gitops_guard.formats import Format
from gitops_guard.output import Destination, OutputSpecError, plan


def _plan(formats: list[str], outputs: list[str], default: str = "table") -> list[tuple[str, str]]:
    return [
        (d.format.value, "-" if d.path is None else str(d.path))
        for d in plan(formats, outputs, Format(default))
    ]


def test_plan_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _plan([], []) == [("table", "-")]
    assert _plan([], [], "json") == [("json", "-")]
    assert _plan(["sarif"], []) == [("sarif", "-")]
    # A bare FILE moves the last --format off standard output.
    assert _plan(["table", "sarif"], ["r.sarif"]) == [("table", "-"), ("sarif", "r.sarif")]
    assert _plan(["sarif"], ["r.out"]) == [("sarif", "r.out")]
    # FORMAT:FILE, repeatable, standard output keeps the default or the --format list.
    assert _plan([], ["sarif:a.sarif", "JUNIT:out/j.xml"]) == [
        ("table", "-"),
        ("sarif", "a.sarif"),
        ("junit", "out/j.xml"),
    ]
    # Without --format, a bare FILE's extension names its format.
    assert _plan([], ["x.sarif"]) == [("table", "-"), ("sarif", "x.sarif")]
    assert _plan([], ["x.xml"]) == [("table", "-"), ("junit", "x.xml")]
    # Text formats may share standard output (a CI log with a table and annotations).
    assert _plan(["table", "github"], []) == [("table", "-"), ("github", "-")]
    # Paths whose head is not a word are files, not formats.
    assert _plan(["json"], ["./odd:name"]) == [("json", "odd:name")]


@pytest.mark.parametrize(
    ("formats", "outputs", "message"),
    [
        (["yaml"], [], "unknown format 'yaml'"),
        ([], ["sarf:x.sarif"], "unknown format 'sarf'"),
        ([], ["sarif:"], "missing file name"),
        (["json"], ["a", "b"], "only one --output FILE"),
        ([], ["report.txt"], "cannot tell the format"),
        (["json", "sarif"], [], "cannot share standard output"),
        ([], ["sarif:r.sarif", "json:r.sarif"], "named twice"),
        ([], ["sarif:."], "is a directory"),
    ],
)
def test_plan_errors(formats: list[str], outputs: list[str], message: str, tmp_path: Path) -> None:
    os.chdir(tmp_path)
    with pytest.raises(OutputSpecError, match=message):
        plan(formats, outputs, Format.TABLE)


def test_plan_rejects_an_unwritable_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputSpecError, match="not a directory"):
        plan([], [f"sarif:{tmp_path / 'file' / 'r.sarif'}"], Format.TABLE)
    if sys.platform != "win32" and os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(OutputSpecError, match="not writable"):
            plan([], [f"sarif:{locked / 'sub' / 'r.sarif'}"], Format.TABLE)


def test_emit_writes_atomically_and_creates_directories(tmp_path: Path) -> None:
    from gitops_guard.models import Report

    target = tmp_path / "deep" / "er" / "r.json"
    output.emit(Report(findings=()), [Destination(Format.JSON, target)], color=False, width=80)
    assert json.loads(target.read_text())["findings"] == []
    assert [p.name for p in target.parent.iterdir()] == ["r.json"], "no temp file left behind"


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "bad.py").write_text("import subprocess\nsubprocess.call(x, shell=True)\n")
    return root


@pytest.mark.parametrize("fmt", [f.value for f in Format])
def test_every_format_exits_1_on_findings(cli, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    root = _tree(tmp_path)
    r = cli("scan", str(root), "--scanners", "source", "-f", fmt)
    assert r.code == 1, r.err
    assert "B602" in r.out
    out = tmp_path / f"report.{fmt}"
    r = cli("scan", str(root), "--scanners", "source", "-f", "table", "-o", f"{fmt}:{out}")
    assert r.code == 1, r.err
    assert "B602" in out.read_text("utf-8")


def test_every_format_exits_0_on_a_clean_tree(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ok.py").write_text("x = 1\n")
    args = [f"{f.value}:{tmp_path / ('out.' + f.value)}" for f in Format]
    r = cli(
        "scan",
        str(tmp_path / "ok.py"),
        "--scanners",
        "source",
        *[x for a in args for x in ("-o", a)],
    )
    assert r.code == 0, r.err
    ET.fromstring((tmp_path / "out.junit").read_bytes())
    assert json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"] == []


def test_bad_output_spec_exits_2_before_scanning(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from gitops_guard import engine

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("the scan must not start")

    monkeypatch.setattr(engine, "run", boom)
    (tmp_path / "f").write_text("x")
    for spec in ("sarf:x.sarif", f"sarif:{tmp_path / 'f' / 'x.sarif'}", "report.txt"):
        r = cli("scan", str(tmp_path), "-o", spec)
        assert r.code == 2, (spec, r.err)
        assert "--output" in r.err or "format" in r.err
        assert "Traceback" not in r.err


def test_interrupted_scan_writes_nothing(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from gitops_guard import engine

    def interrupted(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "run", interrupted)
    root = _tree(tmp_path)
    old = tmp_path / "old.sarif"
    old.write_text("previous report\n")
    r = cli("scan", str(root), "-o", f"sarif:{old}", "-o", f"json:{tmp_path / 'new.json'}")
    assert r.code == 130
    assert old.read_text() == "previous report\n"
    assert not (tmp_path / "new.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.sarif", "tree"]


def test_failed_render_writes_nothing(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from gitops_guard.formats import sarif

    def broken(*a: object) -> str:
        raise RuntimeError("formatter bug")

    monkeypatch.setattr(sarif, "render", broken)
    root = _tree(tmp_path)
    r = cli(
        "scan",
        str(root),
        "--scanners",
        "source",
        "-o",
        f"json:{tmp_path / 'a.json'}",
        "-o",
        f"sarif:{tmp_path / 'b.sarif'}",
    )
    assert r.code == 3
    assert not (tmp_path / "a.json").exists() and not (tmp_path / "b.sarif").exists()
    assert r.out == ""


def test_write_failure_after_the_scan_is_one_line_exit_2(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    def full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "atomic_write", full)
    root = _tree(tmp_path)
    r = cli(
        "scan",
        str(root),
        "--scanners",
        "source",
        "-f",
        "json",
        "-o",
        f"sarif:{tmp_path / 'r.sarif'}",
    )
    assert r.code == 2
    assert "cannot write sarif report to" in r.err and "No space left on device" in r.err
    assert "Traceback" not in r.err
