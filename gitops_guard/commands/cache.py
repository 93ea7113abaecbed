"""``gitops-guard cache info|clear``: the content-addressed result cache."""

from __future__ import annotations

import click

from gitops_guard.cache import Cache
from gitops_guard.exit_codes import ExitCode


@click.group("cache")
def cache() -> None:
    """Inspect or clear the result cache (GITOPS_GUARD_CACHE_DIR or the user cache directory)."""


@cache.command("info")
def info() -> int:
    """Where the cache is, how many entries it holds and their size."""
    c = Cache()
    entries, size = c.info()
    click.echo(f"directory: {c.directory}")
    click.echo(f"entries:   {entries}")
    click.echo(f"size:      {size / 1024:.1f} KiB")
    return ExitCode.OK


@cache.command("clear")
def clear() -> int:
    """Delete every cached result."""
    removed = Cache().clear()
    click.echo(f"removed {removed} cache entr{'y' if removed == 1 else 'ies'}")
    return ExitCode.OK
