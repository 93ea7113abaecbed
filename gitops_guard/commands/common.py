"""Options and helpers shared by several commands: one definition, one help text each."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import click

from gitops_guard import output
from gitops_guard.formats import Format
from gitops_guard.models import Report, Severity

F = TypeVar("F", bound=Callable[..., object])

SEVERITIES = [s.value for s in Severity]


def severity(value: str | None) -> Severity | None:
    return None if value is None else Severity.parse(value)


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(f: F) -> F:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


scanner_names_option: Callable[[F], F] = click.option(
    "--scanners",
    "scanner_names",
    metavar="NAME[,NAME...]",
    help="Only these scanners (see `gitops-guard scanners`).",
)

config_option: Callable[[F], F] = click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: .gitops-guard.toml or pyproject.toml, found "
    "from the scanned root upward).",
)

jobs_option: Callable[[F], F] = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes. Default: the number of cores.",
)

no_cache_option: Callable[[F], F] = click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the result cache."
)

#: ``--format`` and ``--output``, as ``scan`` and ``drift`` take them (docs/ci.md, "Outputs").
format_options: Callable[[F], F] = _stack(
    click.option(
        "-f",
        "--format",
        "formats",
        multiple=True,
        metavar="FORMAT",
        help=f"Output format to standard output, repeatable: "
        f"{', '.join(f.value for f in Format)}. Default: table on a terminal, json otherwise. "
        "At most one of json, sarif, junit, gitlab on standard output.",
    ),
    click.option(
        "-o",
        "--output",
        "outputs",
        multiple=True,
        metavar="[FORMAT:]FILE",
        help="Write a report to FILE, atomically, once the run is complete. FORMAT:FILE for "
        "any format (repeatable); a bare FILE takes the last --format off standard output, or "
        "without --format the one its extension names (.sarif, .json, .xml = junit). "
        "See docs/ci.md.",
    ),
)


def _rule_ids(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """``--skip A --skip B,C`` -> ``("A", "B", "C")``; an empty id is a usage error."""
    out: list[str] = []
    for value in values:
        ids = [v.strip() for v in value.split(",")]
        if not all(ids):
            raise click.BadParameter(f"{value!r}: empty rule id", ctx=ctx, param=param)
        out.extend(ids)
    return tuple(dict.fromkeys(out))


#: ``--skip``, ``--exclude`` and ``--exit-zero``: what people put in a hook's ``args:``.
triage_options: Callable[[F], F] = _stack(
    click.option(
        "--skip",
        "skip_rules",
        multiple=True,
        metavar="RULE",
        callback=_rule_ids,
        help="Drop findings of this rule id (a glob such as 'CKV_K8S_*'; repeatable or "
        "comma-separated), on top of skip-rules from the configuration; enable-rules does not "
        "undo it.",
    ),
    click.option(
        "--exclude",
        "exclude",
        multiple=True,
        metavar="GLOB",
        help="Do not scan files matching this gitignore-style pattern, relative to the scan "
        "root (repeatable), on top of exclude from the configuration; named files too.",
    ),
    click.option(
        "--exit-zero",
        is_flag=True,
        help="Exit 0 even when findings are reported (a scanner error or a usage error still "
        "fails the run).",
    ),
)


def fail_on_option(default: str | None = None) -> Callable[[F], F]:
    """``--fail-on SEVERITY``: which findings make the exit code 1."""
    return click.option(
        "--fail-on",
        type=click.Choice(SEVERITIES, case_sensitive=False),
        default=default,
        show_default=default is not None,
        help="Exit 1 only for findings at or above this severity."
        + ("" if default is not None else " Default: fail-on from the configuration, else low."),
    )


def plan_outputs(formats: Sequence[str], outputs: Sequence[str]) -> list[output.Destination]:
    """Where the report goes; checked before any work is done."""
    default = Format.TABLE if sys.stdout.isatty() else Format.JSON
    return output.plan(formats, outputs, default)


def width() -> int | None:
    """Columns for the table: ``COLUMNS`` when set, else the terminal's, else no limit (a pipe or
    a CI log that said nothing)."""
    env = os.environ.get("COLUMNS", "")
    if env.strip().isdigit() and int(env) > 0:
        return int(env)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((80, 24)).columns
    return None


def silence_stdout() -> None:
    """The reader of standard output is gone (``| head``): send the rest nowhere, so neither a
    later write nor the flush at exit raises or prints a traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def emit(report: Report, dests: Sequence[output.Destination], group_by: str = "file") -> None:
    """Render ``report`` to every destination (colour and width of the terminal). A closed pipe
    on standard output is not an error: the files of ``--output`` are still written."""
    tty = sys.stdout.isatty()
    color = tty and "NO_COLOR" not in os.environ
    try:
        output.emit(report, dests, color=color, width=width(), group_by=group_by)
    except BrokenPipeError:
        silence_stdout()
        files = [d for d in dests if d.path is not None]
        if files:
            output.emit(report, files, color=False, width=width(), group_by=group_by)


def shown(path: Path) -> str:
    """``path`` relative to the working directory when below it, else absolute."""
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else str(path)


def recording_options(f: Callable[..., int]) -> Callable[..., int]:
    """PATHS, ``--scanners``, ``--file``, ``--config``, ``--jobs``, ``--no-cache`` as the
    baseline commands take them, handed to the command as one ``request`` (the scan a baseline
    records: :func:`gitops_guard.pipeline.record`)."""
    from gitops_guard import baseline as baseline_mod
    from gitops_guard import pipeline

    @functools.wraps(f)
    def command(
        paths: tuple[Path, ...],
        scanner_names: str | None,
        config_file: Path | None,
        baseline_file: Path | None,
        jobs: int | None,
        no_cache: bool,
        **rest: object,
    ) -> int:
        request = pipeline.ScanRequest(
            paths=paths,
            scanners=pipeline.parse_scanner_names(scanner_names),
            config_file=config_file,
            baseline_file=baseline_file,
            jobs=jobs,
            use_cache=not no_cache,
        )
        return f(request, **rest)

    baseline_file = click.option(
        "--file",
        "baseline_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"Baseline file. Default: the `baseline` configuration key, else "
        f"{baseline_mod.DEFAULT_NAME} in the scan root.",
    )
    paths = click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
    decorated: Callable[..., int] = _stack(
        paths, scanner_names_option, baseline_file, config_option, jobs_option, no_cache_option
    )(command)
    return decorated
