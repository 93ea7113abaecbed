"""``gitops-guard baseline audit``, driven through a real process with real answers on standard
input: verdicts and reasons land in the baseline, a secret's value is never shown, ``real``
entries are reported again, Ctrl-C writes nothing, ``--list`` asks nothing."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitops_guard import baseline as baseline_mod

AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"  # assembled so this file trips no secret scanner
BASELINE = ".gitops-guard-baseline.json"


def _env() -> dict[str, str]:
    return {**os.environ, "GITOPS_GUARD_DAEMON": "0", "NO_COLOR": "1"}


def _gg(cwd: Path, *args: str, answers: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitops_guard", *args],
        cwd=cwd,
        env=_env(),
        input=answers,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def repo(in_git_dir: Path) -> Path:
    (in_git_dir / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    (in_git_dir / "app.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
    )
    proc = _gg(in_git_dir, "baseline", "create", "--scanners", "source,secrets")
    assert proc.returncode == 0, proc.stderr
    return in_git_dir


def _entries(repo: Path) -> dict[str, dict[str, object]]:
    doc = json.loads((repo / BASELINE).read_text())
    return {str(e["rule_id"]): e for e in doc["findings"]}


def test_walks_every_entry_and_records_verdicts_and_reasons(repo: Path) -> None:
    # Entries come sorted by path and rule: app.py B404, app.py B602, settings.py AWSKeyDetector.
    answers = "a\n\n  the deploy runner   shells out by design \nr\nuse an argv list\nx\ns\n"
    proc = _gg(repo, "baseline", "audit", answers=answers)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert AWS_KEY not in out and AWS_KEY not in (repo / BASELINE).read_text()
    assert '     1 | AWS_ACCESS_KEY_ID = "***"' in out  # the flagged line, its value masked
    assert "[3/3] secrets/AWSKeyDetector  settings.py:1" in out
    assert out.count("reason it is acceptable (required):") == 2  # an empty reason is refused
    assert "please answer one of: a, r, s, q" in out
    assert "2 verdict(s) recorded" in out
    entries = _entries(repo)
    assert entries["B404"]["verdict"] == "accepted"
    assert entries["B404"]["reason"] == "the deploy runner shells out by design"
    assert entries["B602"] == {**entries["B602"], "verdict": "real", "reason": "use an argv list"}
    assert "verdict" not in entries["AWSKeyDetector"]  # skipped

    # A real problem is no longer hidden; an accepted one and an unaudited one still are.
    proc = _gg(
        repo, "scan", "-f", "compact", "--scanners", "source,secrets", "--baseline", BASELINE
    )
    assert proc.returncode == 1
    assert "app.py:5:5: high: B602" in proc.stdout
    assert "B404" not in proc.stdout and "AWSKeyDetector" not in proc.stdout

    # Audited entries are not asked again; --all asks for every one.
    proc = _gg(repo, "baseline", "audit", answers="a\nfixture key, revoked in 2023\n")
    assert "[1/1] secrets/AWSKeyDetector" in proc.stdout
    assert _entries(repo)["AWSKeyDetector"]["verdict"] == "accepted"
    proc = _gg(repo, "baseline", "audit")
    assert "every entry has a verdict" in proc.stdout
    proc = _gg(repo, "baseline", "audit", "--all", answers="q\n")
    assert "[1/3]" in proc.stdout and "0 verdict(s) recorded" in proc.stdout


def test_list_asks_nothing_and_shows_verdicts(repo: Path) -> None:
    _gg(repo, "baseline", "audit", answers="a\nok for now\n")
    proc = subprocess.run(
        [sys.executable, "-m", "gitops_guard", "baseline", "audit", "--list"],
        cwd=repo,
        env=_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[a] accept" not in proc.stdout
    assert proc.stdout.count("/3] ") == 3
    assert "verdict: accepted - ok for now" in proc.stdout
    assert "3 entries: 1 accepted, 0 real (reported by scan until fixed), 2 not audited" in (
        proc.stdout
    )
    assert AWS_KEY not in proc.stdout


def test_end_of_input_saves_what_was_decided(repo: Path) -> None:
    proc = _gg(repo, "baseline", "audit", answers="r\n\n")  # then stdin ends
    assert proc.returncode == 0
    entries = _entries(repo)
    assert entries["B404"]["verdict"] == "real" and "reason" not in entries["B404"]
    assert "verdict" not in entries["B602"]


def _read_until(proc: subprocess.Popen[bytes], marker: bytes, timeout: float = 120) -> bytes:
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no {marker!r} in {seen!r}"
        chunk = os.read(proc.stdout.fileno(), 4096)
        assert chunk, seen
        seen += chunk
    return seen


def test_ctrl_c_leaves_the_baseline_as_it_was(repo: Path) -> None:
    before = (repo / BASELINE).read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitops_guard", "baseline", "audit"],
        cwd=repo,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    _read_until(proc, b"save and quit: ")
    proc.stdin.write(b"a\nreviewed\n")
    proc.stdin.flush()
    _read_until(proc, b"[2/3]")
    _read_until(proc, b"save and quit: ")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    assert (repo / BASELINE).read_bytes() == before


def test_the_baseline_file_keeps_its_contract(repo: Path) -> None:
    """Verdicts are optional fields: files without them load, `update` keeps them, bad ones are
    refused with a clear message."""
    _gg(repo, "baseline", "audit", answers="a\nreviewed\n")
    proc = _gg(repo, "baseline", "update", "--scanners", "source,secrets")
    assert proc.returncode == 0, proc.stderr
    assert _entries(repo)["B404"]["reason"] == "reviewed"
    doc = json.loads((repo / BASELINE).read_text())
    doc["findings"][0]["verdict"] = "maybe"
    (repo / BASELINE).write_text(json.dumps(doc))
    proc = _gg(repo, "scan", "--baseline", BASELINE)
    assert proc.returncode == 2 and "'verdict' must be one of accepted, real" in proc.stderr
    for item in doc["findings"]:
        item.pop("verdict", None)
        item.pop("reason", None)
    loaded = baseline_mod.loads(json.dumps(doc))
    assert all(e.verdict is None and e.reason is None for e in loaded.entries)
    assert "verdict" not in loaded.dumps()


@pytest.mark.parametrize(
    ("line", "secret", "hidden"),
    [
        (f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"', True, AWS_KEY),
        ("password: hunter2", True, "hunter2"),
        ("db = postgres://bob:correcthorse@db.example.com/x", True, "correcthorse"),
        ("ghp_" + "0123456789abcdefghijABCDEFGHIJ012345", True, "0123456789abcdef"),
        ("export TOKEN=plainwordsonly", True, "plainwordsonly"),
        (f'requests.get(url, auth=("bob", "{AWS_KEY}"))', False, AWS_KEY),
        ("key = sk_live_51Habcdefghijklmnop", False, "51Habcdefghijklmnop"),
    ],
)
def test_mask_line_never_shows_a_value(line: str, secret: bool, hidden: str) -> None:
    from gitops_guard.redact import mask_line

    shown = mask_line(line, secret=secret)
    assert hidden not in shown and "***" in shown


def test_mask_line_keeps_code_readable() -> None:
    from gitops_guard.redact import mask_line

    code = "    subprocess.call(cmd, shell=True)"
    assert mask_line(code, secret=False) == "subprocess.call(cmd, shell=True)"
    assert mask_line("AWS_ACCESS_KEY_ID = 'x'", secret=True).startswith("AWS_ACCESS_KEY_ID =")
