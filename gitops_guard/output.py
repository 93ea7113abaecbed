"""Where rendered reports go: standard output or files (written atomically).

``--format FMT`` (repeatable) renders to standard output; ``--output FMT:FILE`` (repeatable)
writes FMT to FILE; a bare ``--output FILE`` writes the *last* ``--format`` to FILE instead of
standard output (so ``--format table --format sarif --output report.sarif`` shows the table and
saves SARIF). Nothing is written until the scan is complete: Ctrl-C leaves no partial report.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from gitops_guard.atomic import atomic_write
from gitops_guard.formats import Format, RenderOptions, render
from gitops_guard.models import Report


@dataclass(frozen=True)
class Destination:
    format: Format
    path: Path | None
    """None for standard output."""


class OutputSpecError(ValueError):
    pass


def _format(name: str) -> Format:
    try:
        return Format(name.lower())
    except ValueError:
        choices = ", ".join(f.value for f in Format)
        raise OutputSpecError(f"unknown format {name!r} (choose from {choices})") from None


def plan(formats: Sequence[str], outputs: Sequence[str], default: Format) -> list[Destination]:
    """Turn ``--format``/``--output`` values into destinations (see module docstring)."""
    fmts = [_format(f) for f in formats] or [default]
    dests = [Destination(f, None) for f in fmts]
    bare: list[str] = []
    for spec in outputs:
        head, sep, tail = spec.partition(":")
        if sep and head.lower() in {f.value for f in Format} and tail:
            dests.append(Destination(_format(head), Path(tail)))
        else:
            bare.append(spec)
    if len(bare) > 1:
        raise OutputSpecError(
            "only one --output FILE without a format prefix; use --output FORMAT:FILE for more"
        )
    if bare:
        if not formats:
            raise OutputSpecError(
                f"--output {bare[0]}: name the format, e.g. --format json "
                f"or --output json:{bare[0]}"
            )
        last = dests.pop(len(fmts) - 1)
        dests.append(Destination(last.format, Path(bare[0])))
    return dests


def emit(report: Report, dests: Sequence[Destination], *, color: bool, width: int) -> None:
    """Render every destination first, then write: a failed render writes nothing."""
    rendered = [
        (d, render(d.format, report, RenderOptions(color=color and d.path is None, width=width)))
        for d in dests
    ]
    for d, text in rendered:
        if d.path is None:
            click.echo(text, nl=False)
            sys.stdout.flush()
        else:
            d.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(d.path, text)
