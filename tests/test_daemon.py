"""The optional warm background process: same output and exit code as a local run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or shutil.which("gitops-guard") is None,
    reason="needs Unix sockets and the installed console script",
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "GITOPS_GUARD_CACHE_DIR": str(tmp_path / "cache")}
    yield env
    subprocess.run(["gitops-guard", "daemon", "stop"], env=env, capture_output=True, check=False)


def _scan(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["gitops-guard", "scan", "-f", "json", "--no-cache", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_scan_through_the_daemon_matches_a_local_scan(env: dict[str, str], tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "app.py").write_text("import subprocess\nsubprocess.call(cmd, shell=True)\n")
    (work / "Dockerfile").write_text("FROM python:3.12\nRUN pip install flask\n")
    (work / "clean.py").write_text("x = 1\n")
    started = subprocess.run(
        ["gitops-guard", "daemon", "start", "--idle", "120"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    status = subprocess.run(
        ["gitops-guard", "daemon", "status"], env=env, capture_output=True, text=True, check=False
    )
    assert status.returncode == 0

    remote = _scan(env, work, "app.py", "Dockerfile")
    local = _scan({**env, "GITOPS_GUARD_DAEMON": "0"}, work, "app.py", "Dockerfile")
    assert remote.returncode == local.returncode == 1
    assert json.loads(remote.stdout)["findings"] == json.loads(local.stdout)["findings"]
    assert json.loads(remote.stdout)["findings"]

    clean = _scan(env, work, "clean.py")
    assert clean.returncode == 0 and json.loads(clean.stdout)["findings"] == []
    usage = _scan(env, work, "--no-such-option")
    assert usage.returncode == 2 and "no-such-option" in usage.stderr

    stopped = subprocess.run(
        ["gitops-guard", "daemon", "stop"], env=env, capture_output=True, text=True, check=False
    )
    assert "stopped" in stopped.stdout
    after = subprocess.run(
        ["gitops-guard", "daemon", "status"], env=env, capture_output=True, text=True, check=False
    )
    assert after.returncode == 1


def test_without_a_daemon_scan_runs_locally(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    sock = Path(env["GITOPS_GUARD_CACHE_DIR"]) / "daemon" / f"{os.getuid()}.sock"
    sock.parent.mkdir(parents=True)
    sock.write_text("")  # a stale entry where no server listens
    proc = _scan(env, tmp_path, "a.py")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"] == []


def test_a_client_of_other_code_is_refused_and_the_daemon_stays(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pre-commit hook environment (another installation) must not stop the user's daemon."""
    import socket

    from gitops_guard import daemon

    monkeypatch.setenv("GITOPS_GUARD_CACHE_DIR", env["GITOPS_GUARD_CACHE_DIR"])
    started = subprocess.run(
        ["gitops-guard", "daemon", "start", "--idle", "120"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    assert daemon.running() == daemon.code_version()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(str(daemon.socket_path()))
    with open(os.devnull, "rb") as null:
        fd = null.fileno()
        daemon._send(conn, {"argv": ["scan"], "cwd": "/", "env": {}, "code": "other"}, [fd, fd, fd])
        reply, _ = daemon._recv(conn)
    conn.close()
    assert reply == {"status": "stale"}
    assert daemon.running() == daemon.code_version()
