"""Hostile git state for tests: an index file written byte by byte, holding names that
``git add`` would refuse (``../x``, absolute paths, ``.GIT``), as an attacker's archive or a
shared CI workspace can carry it. ``git ls-files`` and ``git diff --staged`` read it as it is."""

from __future__ import annotations

import hashlib
import struct
import subprocess
from collections.abc import Sequence
from pathlib import Path

FILE = "100644"
SYMLINK = "120000"


def blob(repo: Path, content: bytes) -> str:
    """Write ``content`` as a blob of ``repo``; its object name."""
    out = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=repo,
        input=content,
        capture_output=True,
        check=True,
    )
    return out.stdout.decode().strip()


def write_index(repo: Path, entries: Sequence[tuple[str, str, bytes | str]]) -> None:
    """Replace ``repo``'s index with ``entries`` (mode, object name, path), index version 2."""
    named = [
        (m, o, n.encode("utf-8", "surrogateescape") if isinstance(n, str) else n)
        for m, o, n in entries
    ]
    body = b""
    for mode, obj, name in sorted(named, key=lambda e: e[2]):
        entry = struct.pack(">10I", 0, 0, 0, 0, 0, 0, int(mode, 8), 0, 0, 0)
        entry += bytes.fromhex(obj) + struct.pack(">H", min(len(name), 0xFFF)) + name
        body += entry + b"\0" * (8 - len(entry) % 8)
    data = b"DIRC" + struct.pack(">II", 2, len(named)) + body
    (repo / ".git" / "index").write_bytes(data + hashlib.sha1(data).digest())


def plant(repo: Path, files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> None:
    """An index of ``files`` (name -> content) and ``symlinks`` (name -> target)."""
    entries: list[tuple[str, str, bytes | str]] = [
        (FILE, blob(repo, content), name) for name, content in files.items()
    ]
    entries += [
        (SYMLINK, blob(repo, target.encode()), name) for name, target in (symlinks or {}).items()
    ]
    write_index(repo, entries)
