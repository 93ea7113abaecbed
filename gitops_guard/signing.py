"""The user's cache directory, and the key that signs what gitops-guard keeps there.

The key lives outside the cache directory (a cache restored from a shared CI cache, or written by
someone else, brings no key): result entries (:mod:`gitops_guard.cache`) and parsed package data
(:mod:`gitops_guard.datacache`) carry an HMAC under it, and what does not verify is never used.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

#: Where the key that authenticates cache entries comes from when not in the environment.
KEY_ENV = "GITOPS_GUARD_CACHE_KEY"


def default_dir() -> Path:
    """``GITOPS_GUARD_CACHE_DIR``, else the user's cache directory."""
    env = os.environ.get("GITOPS_GUARD_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_path

    return user_cache_path("gitops-guard", appauthor=False)


def key_file() -> Path:
    """The entry-signing key's file: in the user's data directory, never in the cache directory
    (a cache restored from a shared CI cache, or written by someone else, brings no key)."""
    from platformdirs import user_data_path

    return user_data_path("gitops-guard", appauthor=False) / "cache.key"


@functools.cache
def signing_key() -> bytes:
    """``GITOPS_GUARD_CACHE_KEY``, else a random key kept (0600) in :func:`key_file`; if that
    cannot be kept, a key for this process only (entries of other runs are then not trusted)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = key_file()
    with contextlib.suppress(OSError):
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    fresh = secrets.token_bytes(32)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(fresh)
    with contextlib.suppress(OSError):
        data = path.read_bytes()  # another process may have won the race
        if len(data) >= 32:
            return data
    return fresh


def mac(key: str, body: str) -> str:
    """The HMAC of ``body`` stored under ``key``."""
    return hmac.new(signing_key(), f"{key}\n{body}".encode(), hashlib.sha256).hexdigest()
