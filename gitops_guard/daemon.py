"""An optional warm background process that makes a small scan start with the engines loaded.

``gitops-guard daemon start`` launches a server that imports Bandit and Checkov's runners once and
listens on a Unix socket in a 0700 folder of the user's cache directory. ``gitops-guard scan``
then sends its arguments, working directory, environment and standard streams (the file
descriptors themselves, over the socket) to the server, which forks a child that runs the very
same ``main()`` with those streams: the output, exit code and files written are those of a local
run, only without paying for the imports. Ctrl-C in the client is passed on to the child.

Whenever anything is off — no server, a server started from other code (the client compares a
code fingerprint), a refused connection — the client silently runs the scan itself. The server
exits after ``idle`` seconds without a request. Set ``GITOPS_GUARD_DAEMON=0`` to never use it.
Unix only (``AF_UNIX`` and ``fork``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from gitops_guard.identity import code_version

#: What the server runs for a client: the CLI's ``main(argv) -> exit code``, passed in by the
#: command that starts the server (this module imports no CLI code).
Entry = Callable[[list[str]], int]

DEFAULT_IDLE = 1800.0
#: Checkov runner modules imported ahead (what a typical commit needs).
PRELOAD_RUNNERS = ("dockerfile", "kubernetes", "terraform", "cloudformation", "github_actions")
_HEADER = struct.Struct("!I")


def socket_path() -> Path:
    from gitops_guard.cache import default_dir

    return default_dir() / "daemon" / f"{os.getuid()}.sock"


def _send(conn: socket.socket, payload: dict[str, object], fds: Sequence[int] = ()) -> None:
    data = json.dumps(payload).encode()
    if fds:
        socket.send_fds(conn, [_HEADER.pack(len(data)) + data], list(fds))
    else:
        conn.sendall(_HEADER.pack(len(data)) + data)


def _recv(conn: socket.socket, nfds: int = 0) -> tuple[dict[str, object], list[int]]:
    msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, nfds)
    if len(msg) < _HEADER.size:
        raise ConnectionError("short message")
    (size,) = _HEADER.unpack(msg[: _HEADER.size])
    data = msg[_HEADER.size :]
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise ConnectionError("bad message")
    return payload, fds


# --- client -------------------------------------------------------------------------------


def try_remote(argv: Sequence[str]) -> int | None:
    """Run ``gitops-guard ARGV`` in the daemon; None when it is not available (run locally)."""
    if os.environ.get("GITOPS_GUARD_DAEMON", "1") == "0" or not hasattr(socket, "AF_UNIX"):
        return None
    path = socket_path()
    if not path.exists():
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(2.0)
        conn.connect(str(path))
        _send(
            conn,
            {
                "argv": list(argv),
                "cwd": os.getcwd(),
                "env": dict(os.environ),
                "code": code_version(),
            },
            [0, 1, 2],
        )
        ack, _ = _recv(conn)
        if ack.get("status") != "ok":
            return None
        child = int(str(ack["pid"]))
        conn.settimeout(None)
        try:
            done, _ = _recv(conn)
        except KeyboardInterrupt:
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGINT)
            done, _ = _recv(conn)
        return int(str(done["code"]))
    except (OSError, ValueError, KeyError, ConnectionError):
        return None
    finally:
        conn.close()


def _request(payload: dict[str, object], timeout: float) -> dict[str, object] | None:
    """Send one control message; the reply ({} when none is expected), or None when no server
    answered."""
    path = socket_path()
    if not path.exists():
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(timeout)
        conn.connect(str(path))
        _send(conn, payload)
        return {} if payload.get("stop") else _recv(conn)[0]
    except (OSError, ValueError, ConnectionError):
        return None
    finally:
        conn.close()


def stop() -> bool:
    """Ask a running server to exit; True when one was running."""
    if _request({"stop": True}, 2.0) is not None:
        return True
    with contextlib.suppress(OSError):
        socket_path().unlink()  # a stale socket of a server that is gone
    return False


def running() -> str | None:
    """The code fingerprint of the running server, or None when none answers."""
    reply = _request({"ping": True}, 1.0)
    if reply is None or reply.get("status") != "pong":
        return None
    return str(reply.get("code", ""))


# --- server -------------------------------------------------------------------------------


def _preload() -> None:
    """Import what a scan's workers would otherwise import every time."""
    import gitops_guard.pipeline  # noqa: F401
    from gitops_guard import scanners

    loaded, _ = scanners.load()
    with contextlib.suppress(Exception):
        from bandit.core import extension_loader, manager  # noqa: F401

        extension_loader.MANAGER.plugins  # noqa: B018  (loads the plugin entry points)
    with contextlib.suppress(Exception):
        from gitops_guard.scanners import checkov_common

        checkov_common.prepare_environment()
        for module in PRELOAD_RUNNERS:
            checkov_common.import_runner(module)
    code_version()
    del loaded


def _serve_one(conn: socket.socket, code: str, listener: socket.socket, entry: Entry) -> bool:
    """Handle one connection; returns False when the server should exit."""
    try:
        request, fds = _recv(conn, 3)
    except (OSError, ValueError, ConnectionError):
        return True
    if request.get("ping"):
        _send(conn, {"status": "pong", "code": code})
        return True
    if request.get("stop"):
        return False
    if request.get("code") != code or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        _send(conn, {"status": "stale"})
        # Another installation (say, a pre-commit hook environment) runs locally; this server
        # stays for its own clients. `daemon start` of newer code replaces it.
        return True
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        return True
    # The child: become the client's process for the length of one run.
    code_ = 3
    try:
        listener.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # our workers must be waitable
        os.chdir(str(request["cwd"]))
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
        _send(conn, {"status": "ok", "pid": os.getpid()})
        argv = [str(a) for a in request["argv"]]  # type: ignore[attr-defined]
        code_ = entry(argv)
    except BaseException:  # the client falls back to nothing: report a failure, never hang
        code_ = 3
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(Exception):
            _send(conn, {"code": code_})
        os._exit(0)


def serve(entry: Entry, idle: float = DEFAULT_IDLE) -> None:
    """Run the server in this process until stopped or idle for ``idle`` seconds."""
    path = socket_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    _preload()
    code = code_version()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(16)
    listener.settimeout(idle)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                break
            with conn:
                conn.settimeout(10.0)
                if not _serve_one(conn, code, listener, entry):
                    break
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def start(entry: Entry, idle: float = DEFAULT_IDLE) -> int:
    """Start the server detached from the terminal; returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    try:
        serve(entry, idle)
    finally:
        os._exit(0)
