"""What the daemon's client and server trust of each other: the socket's folder, the socket, the
peer at the other end, and the environment a client hands over.

A client uses a server only when every folder gitops-guard makes on the way to the socket (the
cache directory and its ``daemon`` folder) is a real folder (never a symbolic link) of the
current user's, the ``daemon`` folder closed to everyone else and the cache directory not
writable by every user, the socket is a socket of the user's with a private mode, and
the process at the other end of the connection is the user's (``SO_PEERCRED``, Linux). The
folders are opened with ``O_NOFOLLOW`` and checked with ``fstat`` on what was opened, and the
socket is reached through the opened folder (``/proc/self/fd/N/``), so nothing can be swapped in
between the check and the use. The server checks the same folders before it listens (and refuses
to start otherwise) and the peer of every connection.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path

from gitops_guard.errors import UsageError
from gitops_guard.git import LOCATION_ENV

FOLDER = "daemon"
_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid

#: The environment a scan reads, by exact name: what the CLI, git (HOME, XDG_CONFIG_HOME and the
#: variables that locate a repository), the cache (XDG_*), tempfile (TMPDIR...), the terminal
#: output (COLUMNS, NO_COLOR...) and ``scan --pre-push`` look at. Nothing else of the client's
#: environment (cloud credentials, tokens, SSH agents) is sent to the server.
FORWARDED_ENV = frozenset(
    {
        "PATH",
        "HOME",
        "XDG_CACHE_HOME",
        "XDG_DATA_HOME",
        "XDG_CONFIG_HOME",
        "TMPDIR",
        "TEMP",
        "TMP",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "SUDO_UID",
        "PRE_COMMIT_FROM_REF",
        "PRE_COMMIT_TO_REF",
        "PRE_COMMIT_LOCAL_BRANCH",
        *LOCATION_ENV,
    }
)
#: Prefixes forwarded whole: our own settings and the locale.
FORWARDED_PREFIXES = ("GITOPS_GUARD_", "LC_")
#: Engine settings (Checkov's) forwarded unless the name looks like a credential.
ENGINE_PREFIXES = ("CHECKOV_", "CKV_")
_CREDENTIAL_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "CREDENTIAL", "AUTH")


def forwarded_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The part of ``environ`` a scan reads (see :data:`FORWARDED_ENV`)."""

    def kept(name: str) -> bool:
        if name in FORWARDED_ENV or name.startswith(FORWARDED_PREFIXES):
            return True
        upper = name.upper()
        return name.startswith(ENGINE_PREFIXES) and not any(w in upper for w in _CREDENTIAL_WORDS)

    return {k: v for k, v in environ.items() if kept(k)}


class UnsafeDaemonFolder(UsageError):
    """The daemon's folder (or the cache directory holding it) is not the user's own private
    folder: the server refuses to listen there (exit 2)."""


def _uid() -> int:
    return os.geteuid()


def _problem(st: os.stat_result, what: str, kind: int, closed: int) -> str | None:
    """Why ``st`` (of ``what``) is not the user's own ``kind`` of file with none of the mode
    bits ``closed``, or None."""
    if stat.S_ISLNK(st.st_mode):
        return f"{what} is a symbolic link"
    if stat.S_IFMT(st.st_mode) != kind:
        return f"{what} is not a {'socket' if kind == stat.S_IFSOCK else 'folder'}"
    if st.st_uid != _uid():
        return f"{what} belongs to another user (uid {st.st_uid})"
    if st.st_mode & closed:
        return f"{what} is open to other users (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def _open_dir(name: str | Path, dir_fd: int | None) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC
    return os.open(name, flags, dir_fd=dir_fd)


class Untrusted(Exception):
    """The socket cannot be trusted; the message says why."""


@contextlib.contextmanager
def folder(cache_dir: Path, create: bool = False) -> Iterator[int]:
    """A descriptor of ``cache_dir/daemon`` once it and ``cache_dir`` are checked (raises
    :class:`Untrusted` otherwise). ``create`` makes what is missing, closed to others."""
    if create:
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fds: list[int] = []
    try:
        for what, name, closed in (
            # Writable by every user, anyone could put a folder of theirs in its place; a group
            # (umask 002) can do no more than remove ours, so it may write.
            ("the cache directory", cache_dir, 0o002),
            ("the daemon folder", FOLDER, 0o077),
        ):
            where = f"{what} {cache_dir if name == cache_dir else cache_dir / FOLDER}"
            parent = fds[-1] if fds else None
            if create and parent is not None:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o700, dir_fd=parent)
            try:
                st = os.stat(name, dir_fd=parent, follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    raise Untrusted(f"{where} is a symbolic link")
                fds.append(_open_dir(name, parent))
            except OSError as exc:
                raise Untrusted(f"{where} cannot be opened: {exc.strerror or exc}") from None
            opened = os.fstat(fds[-1])
            if (opened.st_dev, opened.st_ino) != (st.st_dev, st.st_ino):
                raise Untrusted(f"{where} changed while it was checked")
            reason = _problem(opened, where, stat.S_IFDIR, closed)
            if reason:
                raise Untrusted(reason)
        yield fds[-1]
    finally:
        for fd in fds:
            os.close(fd)


def address(dir_fd: int, name: str) -> str:
    """The path that reaches ``name`` in the opened folder ``dir_fd`` and nowhere else."""
    return f"/proc/self/fd/{dir_fd}/{name}"


def usable() -> bool:
    """Whether this system lets the client check its peer (Linux: ``SO_PEERCRED``, ``/proc``)."""
    return (
        hasattr(socket, "AF_UNIX")
        and hasattr(socket, "SO_PEERCRED")
        and os.path.isdir("/proc/self/fd")
        and os.getuid() == os.geteuid()
    )


def check_socket(dir_fd: int, name: str) -> None:
    """Raise :class:`Untrusted` unless ``name`` in ``dir_fd`` is the user's private socket."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as exc:
        raise Untrusted(f"no socket: {exc.strerror or exc}") from None
    reason = _problem(st, "the socket", stat.S_IFSOCK, 0o077)
    if reason:
        raise Untrusted(reason)


def peer_uid(conn: socket.socket) -> int:
    """The user id of the process at the other end of ``conn`` (as the kernel reports it)."""
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    return int(_UCRED.unpack(raw)[1])


def peer_is_me(conn: socket.socket) -> bool:
    try:
        return peer_uid(conn) == _uid()
    except (OSError, struct.error):
        return False


@contextlib.contextmanager
def server_folder(cache_dir: Path) -> Iterator[int]:
    """For the server: :func:`folder`, made when missing; raises :class:`UnsafeDaemonFolder`
    when it is not safe."""
    try:
        with folder(cache_dir, create=True) as fd:
            yield fd
    except Untrusted as exc:
        raise UnsafeDaemonFolder(
            f"not starting the daemon: {exc}; remove it (or make it yours, mode 700) and retry"
        ) from None
