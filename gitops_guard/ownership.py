"""Whose a file is, and reading only regular files: what lets gitops-guard tell the user's own
files (a configuration, the daemon's socket) from another user's, as git's ``safe.directory``
tells a repository the user owns from one someone else prepared."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def mine(uid: int) -> bool:
    """True when ``uid`` is the current user (or, under ``sudo``, the user who ran it)."""
    if uid == os.geteuid():
        return True
    sudo = os.environ.get("SUDO_UID", "")
    return os.geteuid() == 0 and sudo.isdigit() and uid == int(sudo)


def writable_by_others(st: os.stat_result) -> bool:
    """World-writable (a sticky folder such as /tmp is not: others cannot replace our files)."""
    sticky = stat.S_ISDIR(st.st_mode) and bool(st.st_mode & stat.S_ISVTX)
    return bool(st.st_mode & stat.S_IWOTH) and not sticky


def untrusted(path: Path, top: Path) -> str | None:
    """Why the file ``path`` (a configuration found in the tree) must not be obeyed, or None:
    it must really be inside ``top``, be a regular file, and it and its folder must be the
    current user's and not writable by every user."""
    try:
        real = path.resolve(strict=True)
        folder = path.parent.stat()
        st = real.stat()
    except (OSError, RuntimeError) as exc:
        return f"cannot be checked: {getattr(exc, 'strerror', None) or exc}"
    if real != top and top not in real.parents:
        return "a link that leads outside the repository or scan root"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    for what, info in (("file", st), ("folder", folder)):
        if not mine(info.st_uid):
            return f"its {what} belongs to another user (uid {info.st_uid})"
        if writable_by_others(info):
            return f"its {what} is writable by every user"
    return None


def read_regular(path: Path, limit: int = 16 * 1024 * 1024) -> bytes:
    """The bytes of the regular file ``path``; a FIFO, socket or device is never waited on."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(0, f"larger than {limit} bytes")
    return data
