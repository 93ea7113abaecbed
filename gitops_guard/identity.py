"""Identity of the code that produces a result: the cache keys results on it, and the daemon
client uses a server only when it runs the very same code."""

from __future__ import annotations

import contextlib
import functools
import sys
from importlib import metadata
from pathlib import Path

from gitops_guard import __version__
from gitops_guard.models import stable_hash


def code_version(module_name: str = "gitops_guard") -> str:
    """Our version, plus size and mtime of every module of ``module_name``'s top-level package
    (so an edited checkout never serves stale results, without reading any file)."""
    return _package_version(module_name.split(".")[0])


@functools.cache
def _package_version(top: str) -> str:
    package = sys.modules.get(top)
    parts = [__version__]
    for directory in getattr(package, "__path__", []):
        for path in sorted(Path(directory).rglob("*.py")):
            with contextlib.suppress(OSError):
                st = path.stat()
                parts += [str(path), str(st.st_size), str(st.st_mtime_ns)]
    return stable_hash(*parts)


def installed_version(distribution: str) -> str:
    """The installed version of ``distribution`` from its metadata (no import), or
    ``not installed``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"
