"""Options and helpers shared by several commands."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TypeVar

import click

from gitops_guard import scanners as registry
from gitops_guard.exit_codes import ExitCode
from gitops_guard.models import ScanError
from gitops_guard.scanners.interface import Scanner

F = TypeVar("F", bound=Callable[..., object])


class UsageError(click.ClickException):
    """Bad input from the user: one clear line, exit 2."""

    exit_code = int(ExitCode.USAGE)


def suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (choose from {', '.join(choices)})"


def parse_scanner_names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    known = sorted(registry.available())
    for n in names:
        if n not in known:
            raise UsageError(f"unknown scanner {n!r}{suggest(n, known)}")
    if not names:
        raise UsageError("--scanners needs at least one scanner name")
    return names


def select_scanners(
    value: str | None,
    default: list[str] | None = None,
    failed: list[ScanError] | None = None,
) -> list[Scanner]:
    """Load the named scanners (``--scanners a,b``), or ``default``, or all installed.

    A scanner that fails to load is reported on stderr and, when ``failed`` is given, appended to
    it as an error, so a scan fails (exit 3) instead of passing without that scanner."""
    names = parse_scanner_names(value) or default
    loaded, failures = registry.load(names)
    for f in failures:
        click.echo(f"gitops-guard: scanner {f.name!r} failed to load: {f.error}", err=True)
        if failed is not None:
            failed.append(ScanError(f.name, f"scanner failed to load: {f.error}"))
    return loaded


scanner_names_option: Callable[[F], F] = click.option(
    "--scanners",
    "scanner_names",
    metavar="NAME[,NAME...]",
    help="Only these scanners (see `gitops-guard scanners`).",
)
