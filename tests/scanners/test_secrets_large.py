"""Large text is scanned to its end in bounded pieces (a 2.2 MB SQL dump with a key at its end),
with the line numbers of the whole file, and a secret cut by a piece boundary is still whole."""

from __future__ import annotations

import random
import string
import tracemalloc
from pathlib import Path

import pytest

from gitops_guard import engine, targets
from gitops_guard.scanners import secrets
from gitops_guard.scanners.secrets import stream
from gitops_guard.targets import Kind, Target


def _token(seed: int) -> str:
    rng = random.Random(seed)
    return "sk_live_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))


def _key(seed: int) -> str:
    rng = random.Random(seed)
    body = "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(64 * 20))
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return "-----BEGIN RSA " + "PRIVATE KEY-----\n" + lines + "\n-----END RSA PRIVATE KEY-----\n"


def _dump(path: Path, rows: int, tail: str) -> int:
    """A SQL dump of ``rows`` inserts, then ``tail``; returns the line ``tail`` starts on."""
    with path.open("w") as fh:
        fh.write("-- dump\n")
        for i in range(rows):
            fh.write(f"INSERT INTO items VALUES ({i}, 'item number {i}', 'lorem ipsum dolor');\n")
        fh.write(tail)
    return rows + 2


def _scan(root: Path) -> engine.Report:
    ts = targets.discover([root], use_git=False, max_bytes=1 << 40)
    return engine.run(ts, [secrets.SecretsScanner()], engine.EngineOptions(jobs=1))


def test_a_key_at_the_end_of_a_22_mb_sql_dump(tmp_path: Path) -> None:
    line = _dump(tmp_path / "dump.sql", 36_000, f"UPDATE config SET v = '{_token(1)}';\n")
    assert (tmp_path / "dump.sql").stat().st_size > 2_200_000
    report = _scan(tmp_path)
    assert [(f.rule_id, f.line) for f in report.findings] == [("stripe-secret-key", line)]


def test_pieces_keep_line_numbers_and_secrets_cut_by_a_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "WHOLE", 64 << 10)
    monkeypatch.setattr(stream, "PIECE", 32 << 10)
    monkeypatch.setattr(stream, "OVERLAP", 8 << 10)
    rows = 3000
    line = _dump(tmp_path / "big.sql", rows, _key(2) + f"-- {_token(3)}\n")
    report = _scan(tmp_path)
    got = sorted((f.rule_id, f.line, f.end_line) for f in report.findings)
    assert ("private-key", line, line + 21) in got
    assert ("stripe-secret-key", line + 22, line + 22) in got
    # Every piece boundary was crossed: the same token planted in the middle is reported once.
    text = (tmp_path / "big.sql").read_text().splitlines(keepends=True)
    middle = len(text) // 2
    text.insert(middle, f"-- {_token(4)}\n")
    (tmp_path / "big.sql").write_text("".join(text))
    report = _scan(tmp_path)
    middles = [f for f in report.findings if f.line == middle + 1]
    assert len(middles) == 1 and middles[0].rule_id == "stripe-secret-key"


def test_pieces_cover_the_file_exactly_once_past_their_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "WHOLE", 0)
    monkeypatch.setattr(stream, "PIECE", 1000)
    monkeypatch.setattr(stream, "OVERLAP", 300)
    text = "".join(f"line {i} " + "x" * (i % 50) + "\n" for i in range(2000))
    text += "y" * 5000  # one long last line, cut anyway
    path = tmp_path / "f.txt"
    path.write_text(text)
    rebuilt = ""
    line = 1
    for piece in stream.pieces(path, path.stat().st_size):
        assert piece.first_line == line - piece.text[: piece.seen].count("\n")
        rebuilt += piece.text[piece.seen :]
        line += piece.text[piece.seen :].count("\n")
    assert rebuilt == text


def test_memory_stays_bounded_on_a_large_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 34 MB file is read 1 MiB at a time: peak memory is a few pieces, not the file."""
    path = tmp_path / "huge.log"
    with path.open("w") as fh:
        for i in range(900_000):
            fh.write(f"2024-01-01 GET /items/{i} 200 {i * 7 % 1000}ms\n")
    size = path.stat().st_size
    assert size > 32 << 20
    target = Target(path="huge.log", abspath=path, kinds=frozenset({Kind.TEXT}), size=size)
    cat = secrets.catalogue.load()
    with secrets.upstream.Engine() as upstream:
        small = tmp_path / "small.log"
        small.write_text("password = 'x'\n" * 1000)
        warm = Target(
            path="small.log", abspath=small, kinds=target.kinds, size=small.stat().st_size
        )
        secrets.SecretsScanner()._scan_file(warm, cat, upstream)  # imports and compiles
        tracemalloc.start()
        found, _ = secrets.SecretsScanner()._scan_file(target, cat, upstream)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert found == []
    assert peak < size // 2, peak  # a few pieces of 1 MiB and their indexes, whatever the size
