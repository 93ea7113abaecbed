"""Finding and loading scanners: entry points of the group ``gitops_guard.scanners``.

Built-in scanners are registered exactly like third-party ones (pyproject.toml). Finding and
loading are two steps; a plugin that fails to load is reported by name, and order is sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from gitops_guard.scanners.interface import Scanner

GROUP = "gitops_guard.scanners"


@dataclass(frozen=True)
class LoadFailure:
    name: str
    error: str


def available() -> dict[str, metadata.EntryPoint]:
    """Registered scanner names -> entry points (not loaded), sorted by name."""
    eps = metadata.entry_points(group=GROUP)
    return {ep.name: ep for ep in sorted(eps, key=lambda e: e.name)}


def load(names: list[str] | None = None) -> tuple[list[Scanner], list[LoadFailure]]:
    """Instantiate the named scanners (all when None), in sorted order."""
    eps = available()
    chosen = sorted(eps) if names is None else sorted(set(names))
    scanners: list[Scanner] = []
    failures: list[LoadFailure] = []
    for name in chosen:
        ep = eps.get(name)
        if ep is None:
            failures.append(LoadFailure(name, "not installed"))
            continue
        try:
            cls = ep.load()
            scanner = cls()
            if not isinstance(scanner, Scanner):
                raise TypeError(f"{ep.value} is not a gitops_guard Scanner")
        except Exception as exc:  # a broken plugin must not take the run down
            failures.append(LoadFailure(name, f"{type(exc).__name__}: {exc}"))
            continue
        scanners.append(scanner)
    return scanners, failures
