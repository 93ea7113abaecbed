"""Not scanned is not clean: a text file an engine could not (fully) scan fails the run (exit 3)
unless the user opts out by configuration (max-file-size) or path (exclude); binary content
stays a counted notice."""

from __future__ import annotations

from pathlib import Path

from ggtest import git

KEY = "AKIAIOSFODNN7EXAMPLQ"


def test_a_stray_nul_byte_does_not_hide_a_secret(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_bytes(f"AWS_ACCESS_KEY_ID={KEY}\nDEBUG=\0\n".encode())
    r = cli("scan", str(tmp_path), "--scanners", "secrets", "-f", "json", "--no-cache")
    assert r.code == 1, r.out
    assert [f["path"] for f in r.json["findings"]] == [".env"]


def test_binary_content_stays_a_counted_notice(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tmp_path / "ok.txt").write_text("nothing to see\n")
    r = cli("scan", str(tmp_path), "--scanners", "secrets", "-f", "json", "--no-cache")
    assert r.code == 0, r.out
    assert r.json["summary"]["skipped"] == 1


def test_a_python_file_bandit_cannot_read_fails_the_run(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "ok.py").write_text("import subprocess\nsubprocess.call(x, shell=True)\n")
    (in_git_dir / "hidden.py").write_bytes(b'import os\nos.system("rm -rf " + x)\n# \0\n')
    r = cli("scan", "--scanners", "source", "-f", "json", "--no-cache")
    assert r.code == 3, r.out
    (error,) = [e for e in r.json["errors"] if e["kind"] == "error"]
    assert error["path"] == "hidden.py" and "exclude it" in error["message"]
    assert {f["path"] for f in r.json["findings"]} == {"ok.py"}  # the other findings stay
    # opting out by path: an exclude accepts that the file is not scanned
    (in_git_dir / ".gitops-guard.toml").write_text('exclude = ["hidden.py"]\n')
    git(in_git_dir, "add", ".")
    assert cli("scan", "--scanners", "source", "-f", "json", "--no-cache").code == 1


def test_large_text_is_scanned_without_a_configured_limit(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"INSERT INTO t VALUES ({i}, 'user{i}');\n" for i in range(80_000))
    (tmp_path / "dump.sql").write_text(rows + f"-- {KEY}\n")
    assert (tmp_path / "dump.sql").stat().st_size > 2 * 1024 * 1024
    r = cli("scan", str(tmp_path), "--scanners", "secrets", "-f", "json", "--no-cache")
    assert r.code == 1, r.out
    assert [f["line"] for f in r.json["findings"]] == [80_001]
    # a configured limit is the opt-out: a counted notice, not a failure
    r = cli("scan", str(tmp_path), "--scanners", "secrets", "-f", "json", "--max-file-size", "1000")
    assert r.code == 0 and r.json["summary"]["skipped"] == 1
