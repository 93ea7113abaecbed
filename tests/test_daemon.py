"""The optional warm background process: same output and exit code as a local run, only the
environment a scan reads handed over, Ctrl-C passed on over the connection, never used once the
engines were upgraded, and never started in a folder that is not the user's own."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemontest import (
    RISKY,
    FakeGit,
    cli_env,
    gg,
    ran_locally,
    run_client,
    scan,
    start_client,
    start_daemon,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the daemon is used on Linux only"
)
ROOT = os.geteuid() == 0


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = cli_env(tmp_path / "cache")
    yield env
    gg(env, tmp_path, "daemon", "stop")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "app.py").write_text(RISKY)
    (work / "clean.py").write_text("x = 1\n")
    return work


def test_scan_through_the_daemon_matches_a_local_scan(env: dict[str, str], work: Path) -> None:
    (work / "Dockerfile").write_text("FROM python:3.12\nRUN pip install flask\n")
    start_daemon(env, work)
    assert gg(env, work, "daemon", "status").returncode == 0

    remote = scan(env, work, "app.py", "Dockerfile")
    local = scan({**env, "GITOPS_GUARD_DAEMON": "0"}, work, "app.py", "Dockerfile")
    assert remote.returncode == local.returncode == 1
    assert json.loads(remote.stdout)["findings"] == json.loads(local.stdout)["findings"]
    assert json.loads(remote.stdout)["findings"]

    clean = scan(env, work, "clean.py")
    assert clean.returncode == 0 and json.loads(clean.stdout)["findings"] == []
    usage = scan(env, work, "--no-such-option")
    assert usage.returncode == 2 and "no-such-option" in usage.stderr

    assert "stopped" in gg(env, work, "daemon", "stop").stdout
    assert gg(env, work, "daemon", "status").returncode == 1


def test_without_a_daemon_scan_runs_locally(env: dict[str, str], work: Path) -> None:
    sock = Path(env["GITOPS_GUARD_CACHE_DIR"]) / "daemon" / f"{os.getuid()}.sock"
    sock.parent.mkdir(parents=True, mode=0o700)
    sock.write_text("")  # a stale entry where no server listens
    proc = scan(env, work, "clean.py")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"] == []


def test_a_client_of_other_code_is_refused_and_the_daemon_stays(
    env: dict[str, str], work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pre-commit hook environment (another installation) must not stop the user's daemon."""
    from gitops_guard import daemon

    monkeypatch.setenv("GITOPS_GUARD_CACHE_DIR", env["GITOPS_GUARD_CACHE_DIR"])
    start_daemon(env, work)
    assert daemon.current(daemon.running())
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(str(daemon.socket_path()))
    with open(os.devnull, "rb") as null:
        fd = null.fileno()
        daemon._send(conn, {"argv": ["scan"], "cwd": "/", "env": {}, "code": "other"}, [fd, fd, fd])
        reply, _ = daemon._recv(conn)
    conn.close()
    assert reply == {"status": "stale"}
    assert daemon.current(daemon.running())


def test_only_the_environment_a_scan_reads_reaches_the_daemon(
    env: dict[str, str], work: Path, tmp_path: Path
) -> None:
    """A real server and a real client: git, run by the scan in the daemon, sees the client's
    PATH and GITOPS_GUARD_* settings but none of its credentials (a local run's git sees them:
    the check is not vacuous)."""
    git = FakeGit(tmp_path / "bin")
    secrets = {
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI",
        "GITHUB_TOKEN": "ghp_x",
        "CKV_GITHUB_TOKEN": "ghp_y",
        "SSH_AUTH_SOCK": "/tmp/agent",
    }
    env = {**env, "PATH": git.path(env), "GITOPS_GUARD_SOMETHING": "kept", **secrets}
    start_daemon(env, work)
    git.runs()  # the server's own (Checkov asks git its version as it loads)
    remote, client = run_client(env, work, "app.py")
    assert remote.returncode == 1, remote.stderr
    runs = git.runs()
    assert not ran_locally(runs, client)
    for run in runs:
        assert run.env["GITOPS_GUARD_SOMETHING"] == "kept"
        assert not set(secrets) & set(run.env), sorted(run.env)
    local, client = run_client({**env, "GITOPS_GUARD_DAEMON": "0"}, work, "app.py")
    runs = git.runs()
    assert ran_locally(runs, client)
    assert all(run.env["AWS_SECRET_ACCESS_KEY"] == "wJalrXUtnFEMI" for run in runs)
    assert json.loads(local.stdout)["findings"] == json.loads(remote.stdout)["findings"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_ctrl_c_in_the_client_stops_the_run_in_the_daemon(
    env: dict[str, str], work: Path, tmp_path: Path
) -> None:
    """A real Ctrl-C (SIGINT to the client's process group) while the daemon's child is stuck in
    git: the client exits 130 with the child's message, the child's git is killed, and
    the daemon stays for the next scan."""
    git = FakeGit(tmp_path / "bin")
    env = {**env, "PATH": git.path(env)}
    start_daemon(env, work)
    git.runs()
    git.hang.touch()
    proc = start_client(env, work, "app.py")
    try:
        deadline = time.monotonic() + 60
        while not git.hung.exists() or not git.hung.read_text().strip():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "git never ran"
            time.sleep(0.05)
        assert not ran_locally(git.runs(), proc.pid)
        stuck = int(git.hung.read_text())
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert stderr.strip() in ("Aborted.", "Interrupted."), stderr  # what a local run says
    deadline = time.monotonic() + 10
    while _alive(stuck) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(stuck), "the interrupted run left its git running"
    git.hang.unlink()
    again, client = run_client(env, work, "app.py")
    assert again.returncode == 1 and not ran_locally(git.runs(), client)


def test_a_daemon_started_before_an_engine_upgrade_is_not_used(
    env: dict[str, str], work: Path, tmp_path: Path
) -> None:
    """Checkov "upgraded" after the daemon started (a newer checkov's metadata first on the
    client's path): the client scans itself, and `daemon start` replaces the stale server."""
    from importlib import metadata

    git = FakeGit(tmp_path / "bin")
    env = {**env, "PATH": git.path(env)}
    start_daemon(env, work)
    git.runs()
    upgraded = tmp_path / "upgraded"
    info = upgraded / f"checkov-{metadata.version('checkov')}.post99.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: checkov\nVersion: {metadata.version('checkov')}.post99\n"
    )
    newer = {**env, "PYTHONPATH": f"{env['PYTHONPATH']}{os.pathsep}{upgraded}"}
    proc, client = run_client(newer, work, "app.py")
    assert proc.returncode == 1, proc.stderr
    assert ran_locally(git.runs(), client)
    proc, client = run_client(env, work, "app.py")  # the old environment still uses it
    assert proc.returncode == 1 and not ran_locally(git.runs(), client)

    restarted = gg(newer, work, "daemon", "start", "--idle", "300", timeout=120)
    assert restarted.returncode == 0 and "started" in restarted.stdout, restarted.stdout
    git.runs()
    proc, client = run_client(newer, work, "app.py")
    assert proc.returncode == 1 and not ran_locally(git.runs(), client)


def _make_unsafe(cache: Path, how: str, tmp_path: Path) -> None:
    folder = cache / "daemon"
    cache.mkdir(mode=0o700)
    if how == "symlinked-folder":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        folder.symlink_to(tmp_path / "elsewhere")
    elif how == "symlinked-cache":
        cache.rmdir()
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        cache.symlink_to(tmp_path / "elsewhere")
    elif how == "folder-0755":
        folder.mkdir()
        folder.chmod(0o755)
    elif how == "cache-0777":
        cache.chmod(0o777)
    elif how == "folder-of-another-user":
        folder.mkdir(mode=0o700)
        os.chown(folder, 65534, 65534)
    elif how == "folder-is-a-file":
        folder.write_text("")


UNSAFE = [
    "symlinked-folder",
    "symlinked-cache",
    "folder-0755",
    "cache-0777",
    pytest.param(
        "folder-of-another-user",
        marks=pytest.mark.skipif(not ROOT, reason="needs root to give a folder away"),
    ),
    "folder-is-a-file",
]


@pytest.mark.parametrize("how", UNSAFE)
def test_daemon_start_refuses_a_folder_that_is_not_the_users_own(
    how: str, env: dict[str, str], work: Path, tmp_path: Path
) -> None:
    cache = Path(env["GITOPS_GUARD_CACHE_DIR"])
    _make_unsafe(cache, how, tmp_path)
    for args in (["daemon", "start"], ["daemon", "start", "--foreground"]):
        proc = gg(env, work, *args, timeout=60)
        assert proc.returncode == 2, (proc.stdout, proc.stderr)
        assert "not starting the daemon" in proc.stderr and "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("*.sock"))
    assert gg(env, work, "daemon", "status").returncode == 1
    local = scan(env, work, "app.py")
    assert local.returncode == 1 and json.loads(local.stdout)["findings"]


def _ping_as(uid: int, sock: Path) -> bytes:
    """What the server answers a ping from a process of ``uid`` (a forked child of this one)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(10)
            conn.connect(str(sock))
            data = json.dumps({"ping": True}).encode()
            try:
                conn.sendall(struct.pack("!I", len(data)) + data)
                os.write(write, b"reply:" + conn.recv(1000))
            except (BrokenPipeError, ConnectionResetError):  # dropped before it was read
                os.write(write, b"reply:")
        except BaseException as exc:
            os.write(write, f"error: {exc!r}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        got = fh.read()
    os.waitpid(pid, 0)
    assert got.startswith(b"reply:"), got
    return got[len(b"reply:") :]


@pytest.mark.skipif(not ROOT, reason="needs root to connect as another user")
def test_the_daemon_drops_a_connection_from_another_user(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder and socket opened up after the server started: another user reaches the
    socket, but its ping gets no answer, and the server stays for its own user."""
    from gitops_guard import daemon

    base = Path(tempfile.mkdtemp())  # in /tmp: a folder another user can be let through
    cache = base / "cache"
    env = cli_env(cache)
    try:
        start_daemon(env, work)
        sock = cache / "daemon" / f"{os.getuid()}.sock"
        for path, mode in ((base, 0o711), (cache, 0o711), (sock.parent, 0o711), (sock, 0o666)):
            path.chmod(mode)
        assert _ping_as(65534, sock) == b""
        sock.chmod(0o600)
        sock.parent.chmod(0o700)
        monkeypatch.setenv("GITOPS_GUARD_CACHE_DIR", str(cache))
        assert daemon.current(daemon.running())
    finally:
        gg(env, work, "daemon", "stop")
        shutil.rmtree(base)
