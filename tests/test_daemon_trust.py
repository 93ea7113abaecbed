"""The daemon client trusts only the user's own server: a fake server (tests/fakedaemon.py) that
records everything sent to it, answering as a real one would, behind a socket or folder that is
not the user's own private one, gets nothing, and the scan runs locally with its findings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from daemontest import RISKY, cli_env, events, fake_server, scan

from gitops_guard import daemon_trust
from gitops_guard.identity import code_version

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the daemon is used on Linux only"
)
ROOT = os.geteuid() == 0
NAME = f"{os.geteuid()}.sock"
needs_root = pytest.mark.skipif(not ROOT, reason="needs root to act as another user")


def _identity(**changes: object) -> dict[str, object]:
    """What a current server answers a ping with (no engines: nothing to compare)."""
    return {"status": "pong", "code": code_version(), "engines": {}, **changes}


def _messages(record: Path) -> list[dict[str, object]]:
    return [e for e in events(record) if e["event"] == "message"]


def _hostile(how: str, cache: Path, tmp_path: Path) -> tuple[Path, int | None]:
    """Set up ``cache`` as ``how`` says; the folder the fake server listens in, and the user it
    runs as."""
    folder = cache / "daemon"
    cache.mkdir(mode=0o700)
    if how in ("symlinked-folder", "symlinked-socket"):
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        if how == "symlinked-folder":
            folder.symlink_to(elsewhere)
        else:
            folder.mkdir(mode=0o700)
            (folder / NAME).symlink_to(elsewhere / NAME)
        return elsewhere, None
    folder.mkdir(mode=0o700)
    if how == "peer-of-another-user":
        return folder, 65534
    return folder, None


def _after_listen(how: str, cache: Path) -> None:
    folder = cache / "daemon"
    if how == "folder-0755":
        folder.chmod(0o755)
    elif how == "folder-0777":
        folder.chmod(0o777)
    elif how == "cache-0777":
        cache.chmod(0o777)
    elif how == "socket-0666":
        (folder / NAME).chmod(0o666)
    elif how == "socket-of-another-user":
        os.chown(folder / NAME, 65534, 65534)
    elif how == "folder-of-another-user":
        os.chown(folder, 65534, 65534)


HOSTILE = [
    "symlinked-folder",
    "symlinked-socket",
    "folder-0755",
    "folder-0777",
    "cache-0777",
    "socket-0666",
    pytest.param("socket-of-another-user", marks=needs_root),
    pytest.param("folder-of-another-user", marks=needs_root),
    pytest.param("peer-of-another-user", marks=needs_root),
]


@pytest.mark.parametrize("how", HOSTILE)
def test_a_server_that_is_not_the_users_own_gets_nothing(how: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder, uid = _hostile(how, cache, tmp_path)
    (tmp_path / "app.py").write_text(RISKY)
    record = tmp_path / "record.jsonl"
    with fake_server(folder, NAME, record, _identity(), uid=uid):
        _after_listen(how, cache)
        proc = scan(cli_env(cache), tmp_path, "app.py")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["findings"], "the scan did not run locally"
    assert "Traceback" not in proc.stderr
    assert _messages(record) == [], "the client talked to a server it must not trust"


def test_a_socket_that_is_a_regular_file_is_never_used(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "daemon").mkdir(parents=True, mode=0o700)
    (cache / "daemon").chmod(0o700)
    (cache / "daemon" / NAME).write_text("")
    (tmp_path / "app.py").write_text(RISKY)
    proc = scan(cli_env(cache), tmp_path, "app.py")
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"], proc.stderr


def _trusted(tmp_path: Path) -> tuple[Path, Path]:
    cache = tmp_path / "cache"
    folder = cache / "daemon"
    folder.mkdir(parents=True, mode=0o700)
    cache.chmod(0o700)
    (tmp_path / "app.py").write_text(RISKY)
    return cache, folder


def test_the_users_own_server_gets_only_the_environment_a_scan_reads(tmp_path: Path) -> None:
    """The harness is not vacuous: the user's own server does get the request, with the scan's
    environment and not a credential."""
    cache, folder = _trusted(tmp_path)
    record = tmp_path / "record.jsonl"
    secrets = {"AWS_SECRET_ACCESS_KEY": "x", "GH_TOKEN": "y", "CHECKOV_API_TOKEN": "z"}
    env = cli_env(cache, GITOPS_GUARD_FOO="1", CHECKOV_OUTPUT_CODE_LINE_LIMIT="5", **secrets)
    with fake_server(folder, NAME, record, _identity()):
        proc = scan(env, tmp_path, "app.py")
    assert proc.returncode == 0 and proc.stdout == "", record.read_text()
    requests = [m["payload"] for m in _messages(record) if "argv" in m["payload"]]  # type: ignore[operator]
    assert len(requests) == 1
    sent = requests[0]["env"]  # type: ignore[index]
    assert sent["GITOPS_GUARD_FOO"] == "1" and sent["CHECKOV_OUTPUT_CODE_LINE_LIMIT"] == "5"
    assert not set(secrets) & set(sent)
    assert sent == daemon_trust.forwarded_env(env)
    assert set(sent) <= set(env) and "PATH" in sent and "HOME" in sent


@pytest.mark.parametrize(
    "identity", [{"code": "other"}, {"engines": {"checkov": "0.0.1"}}], ids=["code", "engine"]
)
def test_a_server_of_other_code_or_engines_gets_no_request(
    identity: dict[str, object], tmp_path: Path
) -> None:
    """A server started before an upgrade (of gitops-guard or of an engine) answers its ping
    with what it has loaded: the client sends it nothing more and scans itself."""
    cache, folder = _trusted(tmp_path)
    record = tmp_path / "record.jsonl"
    with fake_server(folder, NAME, record, _identity(**identity)):
        proc = scan(cli_env(cache), tmp_path, "app.py")
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"], proc.stderr
    assert [m["payload"] for m in _messages(record)] == [{"ping": True}]


def test_ctrl_c_never_signals_a_pid_the_server_names(tmp_path: Path) -> None:
    """The server's 'ok' names a pid (an innocent process of the user's): Ctrl-C in the client
    reaches the server as a message over the connection, and that process lives on."""
    cache, folder = _trusted(tmp_path)
    record = tmp_path / "record.jsonl"
    victim = subprocess.Popen(
        [sys.executable, "-c", "import signal, time; signal.pause()"],
        start_new_session=True,
    )
    try:
        with fake_server(folder, NAME, record, _identity(), victim=victim.pid):
            client = subprocess.Popen(
                [sys.executable, "-m", "gitops_guard", "scan", "app.py"],
                env=cli_env(cache),
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            deadline = time.monotonic() + 60
            while not any("argv" in m["payload"] for m in _messages(record)):  # type: ignore[operator]
                assert client.poll() is None, client.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.05)
            os.killpg(client.pid, signal.SIGINT)
            _, stderr = client.communicate(timeout=30)
            assert client.returncode == 130, stderr
            assert {"interrupt": True} in [m["payload"] for m in _messages(record)]
        time.sleep(0.2)
        assert victim.poll() is None, "the client signalled the pid the server named"
    finally:
        victim.kill()
        victim.wait()


def test_a_group_writable_cache_directory_keeps_the_daemon(tmp_path: Path) -> None:
    """A cache directory made under umask 002 (0775): a group can only remove the daemon's
    folder, not put one of the user's in its place, so the daemon is still used."""
    cache, folder = _trusted(tmp_path)
    cache.chmod(0o775)
    record = tmp_path / "record.jsonl"
    with fake_server(folder, NAME, record, _identity()):
        proc = scan(cli_env(cache), tmp_path, "app.py")
    assert proc.returncode == 0 and proc.stdout == "", proc.stderr
    assert any("argv" in m["payload"] for m in _messages(record))  # type: ignore[operator]
