"""The command line: a thin Click layer. Commands live in ``gitops_guard.commands``, one module
each; :func:`main` is the single place that maps exceptions to exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from gitops_guard import __version__, commands
from gitops_guard.errors import GuardError
from gitops_guard.exit_codes import ExitCode


class LazyGroup(click.Group):
    """Subcommands are imported when used, not at start-up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return commands.names()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return commands.load(cmd_name)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the arguments (``--help``/``--version`` print here); a closed pipe is quiet."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:
            _quiet_stdout()
            raise click.exceptions.Exit(int(ExitCode.OK)) from None

    def invoke(self, ctx: click.Context) -> object:
        """Run the subcommand; a reader that closed standard output early (``| head``) ends it
        quietly with exit 0, before Click turns the broken pipe into exit 1."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_stdout()
            return int(ExitCode.OK)


def _quiet_stdout() -> None:
    from gitops_guard.commands.common import silence_stdout

    silence_stdout()


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="gitops-guard")
def cli() -> None:
    """gitops-guard: catch leaked secrets, injectable calls, root containers, public buckets
    and GitOps anti-patterns before they reach the trunk.

    \b
    Exit codes: 0 nothing found, 1 findings, 2 usage or configuration error,
                3 a scanner failed (other findings still reported), 130 interrupted.
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; never lets a traceback reach the user."""
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None and args[:1] == ["scan"] and os.environ.get("GITOPS_GUARD_DAEMON") != "0":
        from gitops_guard import daemon

        remote = daemon.try_remote(args)
        if remote is not None:
            return remote
    try:
        rv = cli.main(args=args, prog_name="gitops-guard", standalone_mode=False)
    except GuardError as exc:
        click.echo(f"Error: {exc}", err=True)
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return int(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return int(ExitCode.INTERRUPTED)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code if exc.exit_code != 1 else ExitCode.USAGE)
    except BrokenPipeError:
        # Output piped into a closed reader (e.g. `| head`): not an error of ours.
        _quiet_stdout()
        return int(ExitCode.OK)
    except Exception as exc:
        if os.environ.get("GITOPS_GUARD_DEBUG"):
            raise
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(
            f"gitops-guard: internal error: {type(exc).__name__}: {first_line}"
            "\n(set GITOPS_GUARD_DEBUG=1 for a traceback, and please report it)",
            err=True,
        )
        return int(ExitCode.SCANNER_FAILED)
    try:  # what is still buffered: a reader gone by now is not an error either
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    return int(rv) if isinstance(rv, int) else int(ExitCode.OK)
