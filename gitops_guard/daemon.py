"""An optional warm background process that makes a small scan start with the engines loaded.

``gitops-guard daemon start`` launches a server that imports Bandit and Checkov's runners once and
listens on a Unix socket in a 0700 folder of the user's cache directory. ``gitops-guard scan``
then sends its arguments, working directory, the part of its environment a scan reads
(:data:`~gitops_guard.daemon_trust.FORWARDED_ENV`) and its standard streams (the file descriptors
themselves, over the socket) to the server, which forks a child that runs the very same
``main()`` with those streams: the output, exit code and files written are those of a local run,
only without paying for the imports. Ctrl-C in the client is sent over the connection, and the
child stops as a local run would.

Whenever anything is off — no server, a socket or folder that is not the user's own private one,
a server of another user, a server started from other code or before an engine upgrade (the
client compares a code fingerprint and the engines' versions), a refused connection — the client
silently runs the scan itself. The server exits after ``idle`` seconds without a request. Set
``GITOPS_GUARD_DAEMON=0`` to never use it. Linux only (``SO_PEERCRED``, ``fork``): elsewhere
every scan runs locally.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_guard import daemon_trust as trust
from gitops_guard.exit_codes import ExitCode
from gitops_guard.identity import code_version, installed_version

if TYPE_CHECKING:
    from gitops_guard.scanners.interface import Scanner

#: What the server runs for a client: the CLI's ``main(argv) -> exit code``, passed in by the
#: command that starts the server (this module imports no CLI code).
Entry = Callable[[list[str]], int]

DEFAULT_IDLE = 1800.0
#: Checkov runner modules imported ahead (what a typical commit needs).
PRELOAD_RUNNERS = ("dockerfile", "kubernetes", "terraform", "cloudformation", "github_actions")
_HEADER = struct.Struct("!I")


def _send(conn: socket.socket, payload: dict[str, object], fds: Sequence[int] = ()) -> None:
    data = json.dumps(payload).encode()
    if fds:
        socket.send_fds(conn, [_HEADER.pack(len(data)) + data], list(fds))
    else:
        conn.sendall(_HEADER.pack(len(data)) + data)


def _exactly(conn: socket.socket, data: bytes, size: int) -> bytes:
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def _recv(conn: socket.socket, nfds: int = 0) -> tuple[dict[str, object], list[int]]:
    """One message (and the descriptors sent with it); never a byte of the next one."""
    head, fds, _, _ = socket.recv_fds(conn, _HEADER.size, nfds)
    if not head:
        raise ConnectionError("connection closed")
    (size,) = _HEADER.unpack(_exactly(conn, head, _HEADER.size))
    payload = json.loads(_exactly(conn, b"", size))
    if not isinstance(payload, dict):
        raise ConnectionError("bad message")
    return payload, fds


# --- client -------------------------------------------------------------------------------


def _cache_dir() -> Path:
    from gitops_guard.cache import default_dir

    return default_dir()


def _name() -> str:
    return f"{os.geteuid()}.sock"


def socket_path() -> Path:
    return _cache_dir() / trust.FOLDER / _name()


@contextlib.contextmanager
def _connect(timeout: float) -> Iterator[socket.socket]:
    """A connection to the user's own server (see :mod:`gitops_guard.daemon_trust`); raises
    :class:`~gitops_guard.daemon_trust.Untrusted` or ``OSError`` when there is none."""
    if not trust.usable():
        raise trust.Untrusted("the peer of a socket cannot be checked here")
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with trust.folder(_cache_dir()) as fd:
            trust.check_socket(fd, _name())
            conn.settimeout(timeout)
            conn.connect(trust.address(fd, _name()))
        if not trust.peer_is_me(conn):
            raise trust.Untrusted("the server is another user's process")
        yield conn
    finally:
        conn.close()


def current(reply: Mapping[str, object] | None) -> bool:
    """Whether a server's ``ping`` reply is of this very code and of the engines installed now
    (a server started before an upgrade, or from another environment, is not)."""
    if reply is None or reply.get("status") != "pong" or reply.get("code") != code_version():
        return False
    engines = reply.get("engines")
    return isinstance(engines, dict) and all(
        installed_version(str(d)) == v for d, v in engines.items()
    )


def try_remote(argv: Sequence[str]) -> int | None:
    """Run ``gitops-guard ARGV`` in the daemon; None when it is not available (run locally)."""
    if os.environ.get("GITOPS_GUARD_DAEMON", "1") == "0":
        return None
    try:
        with _connect(2.0) as conn:
            _send(conn, {"ping": True})
            if not current(_recv(conn)[0]):
                return None
            request: dict[str, object] = {
                "argv": list(argv),
                "cwd": os.getcwd(),
                "env": trust.forwarded_env(os.environ),
                "code": code_version(),
            }
            _send(conn, request, [0, 1, 2])
            ack, _ = _recv(conn)
            if ack.get("status") != "ok":
                return None
            conn.settimeout(None)
            return _wait(conn)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        return int(ExitCode.INTERRUPTED)
    except Exception:  # no server, another user's, a stale one, a broken reply: scan here
        return None


def _wait(conn: socket.socket) -> int:
    """The remote run's exit code. Ctrl-C asks the server's child, over the connection, to stop
    as Ctrl-C would stop a local run (the client signals no process the server names)."""
    try:
        done, _ = _recv(conn)
    except KeyboardInterrupt:
        try:
            _send(conn, {"interrupt": True})
            done, _ = _recv(conn)
        except (KeyboardInterrupt, OSError, ConnectionError):
            return int(ExitCode.INTERRUPTED)  # closing the connection stops the child too
    return int(str(done["code"]))


def _request(payload: dict[str, object], timeout: float) -> dict[str, object] | None:
    """Send one control message; the reply ({} when none is expected), or None when no server
    of the user's answered."""
    try:
        with _connect(timeout) as conn:
            _send(conn, payload)
            return {} if payload.get("stop") else _recv(conn)[0]
    except (trust.Untrusted, OSError, ValueError, ConnectionError):
        return None


def stop() -> bool:
    """Ask a running server to exit; True when one was running."""
    if _request({"stop": True}, 2.0) is not None:
        return True
    with contextlib.suppress(trust.Untrusted, OSError), trust.folder(_cache_dir()) as fd:
        trust.check_socket(fd, _name())
        os.unlink(_name(), dir_fd=fd)  # a stale socket of a server that is gone
    return False


def running() -> dict[str, object] | None:
    """The running server's ``ping`` reply (its code and engines), or None when none answers."""
    reply = _request({"ping": True}, 1.0)
    return reply if reply is not None and reply.get("status") == "pong" else None


# --- server -------------------------------------------------------------------------------


def _preload() -> list[Scanner]:
    """Import what a scan's workers would otherwise import every time; the scanners loaded."""
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
    return loaded


def _engines(loaded: Sequence[Scanner]) -> dict[str, str]:
    """The engine distributions this process has loaded (each scanner's engine, and the
    distribution of a third-party scanner) with their versions as of now."""
    from gitops_guard import scanners

    names = {s.distribution for s in loaded if s.distribution}
    for ep in scanners.available().values():
        if ep.dist is not None and ep.dist.name != "gitops-guard":
            names.add(ep.dist.name)
    return {name: installed_version(name) for name in sorted(names)}


def _interrupt_on_message(conn: socket.socket) -> None:
    """Make any message from the client, or its end of the connection closing, a
    ``KeyboardInterrupt`` in this process (raised once, as SIGINT would be): the client's Ctrl-C
    reaches the run without the client signalling a process it cannot check."""
    import fcntl

    def interrupted() -> bool:
        try:
            conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)  # data, or b"": closed
        except BlockingIOError:
            return False
        except OSError:
            pass
        return True

    def on_io(signum: int, frame: object) -> None:
        if interrupted():
            signal.signal(signal.SIGIO, signal.SIG_IGN)
            raise KeyboardInterrupt

    conn.settimeout(None)  # a blocking socket: MSG_DONTWAIT then never waits
    signal.signal(signal.SIGIO, on_io)
    fd = conn.fileno()
    fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)
    if interrupted():
        raise KeyboardInterrupt


def _run_child(
    conn: socket.socket, request: dict[str, object], fds: list[int], entry: Entry
) -> int:
    """In the forked child: become the client's process for the length of one run."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # our workers must be waitable
    os.chdir(str(request["cwd"]))
    env = request["env"]
    os.environ.clear()
    os.environ.update(trust.forwarded_env({str(k): str(v) for k, v in dict(env).items()}))  # type: ignore[call-overload]
    tempfile.tempdir = None  # found again from the client's TMPDIR
    _interrupt_on_message(conn)
    _send(conn, {"status": "ok"})
    return entry([str(a) for a in request["argv"]])  # type: ignore[attr-defined]


def _serve_one(
    conn: socket.socket, identity: dict[str, object], listener: socket.socket, entry: Entry
) -> bool:
    """Handle one connection; returns False when the server should exit."""
    try:
        request, fds = _recv(conn, 3)
        if request.get("ping"):  # a status probe, or a client checking the identity first
            _send(conn, identity)
            request, fds = _recv(conn, 3)
    except (OSError, ValueError, ConnectionError):
        return True
    if request.get("stop"):
        return False
    if request.get("code") != identity["code"] or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        _send(conn, {"status": "stale"})
        # Another installation (say, a pre-commit hook environment) runs locally; this server
        # stays for its own clients. `daemon start` of newer code replaces it.
        return True
    if os.fork():
        for fd in fds:
            os.close(fd)
        return True
    try:  # the child: whatever happens (a second Ctrl-C included), it ends here
        code = int(ExitCode.SCANNER_FAILED)
        try:
            listener.close()
            code = _run_child(conn, request, fds, entry)
        except KeyboardInterrupt:
            code = int(ExitCode.INTERRUPTED)
        except BaseException:  # the client falls back to nothing: report a failure, never hang
            pass
        signal.signal(signal.SIGIO, signal.SIG_IGN)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(Exception):
            _send(conn, {"code": code})
    finally:
        os._exit(0)


def serve(entry: Entry, idle: float = DEFAULT_IDLE) -> None:
    """Run the server in this process until stopped or idle for ``idle`` seconds. Raises
    :class:`~gitops_guard.daemon_trust.UnsafeDaemonFolder` when its folder is not safe."""
    cache_dir, name = _cache_dir(), _name()
    with trust.server_folder(cache_dir):
        pass
    loaded = _preload()
    identity: dict[str, object] = {
        "status": "pong",
        "code": code_version(),
        "engines": _engines(loaded),
    }
    with trust.server_folder(cache_dir) as folder:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=folder)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(trust.address(folder, name))
        os.chmod(name, 0o600, dir_fd=folder)
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
                    if not trust.peer_is_me(conn):
                        continue  # another user's process: not a word to it
                    conn.settimeout(10.0)
                    if not _serve_one(conn, identity, listener, entry):
                        break
        finally:
            listener.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=folder)


def start(entry: Entry, idle: float = DEFAULT_IDLE) -> int:
    """Start the server detached from the terminal; returns its pid. Raises
    :class:`~gitops_guard.daemon_trust.UnsafeDaemonFolder` first when its folder is not safe."""
    with trust.server_folder(_cache_dir()):
        pass
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
