"""``gitops-guard daemon start|stop|status``: the optional warm background process."""

from __future__ import annotations

import time

import click

from gitops_guard import daemon as server
from gitops_guard.exit_codes import ExitCode


def _entry() -> server.Entry:
    """The CLI's main, with the scan command imported ahead (the server forks per request)."""
    import gitops_guard.commands.scan  # noqa: F401
    from gitops_guard.cli import main

    return main


@click.group("daemon")
def daemon() -> None:
    """An optional background process that keeps the engines loaded, so that `scan` on a
    small commit starts in a fraction of a second. `scan` uses it whenever it runs and falls back
    to scanning itself otherwise; GITOPS_GUARD_DAEMON=0 disables it."""


@daemon.command("start")
@click.option(
    "--idle",
    type=click.FloatRange(min=1),
    default=server.DEFAULT_IDLE,
    show_default=True,
    help="Exit after this many seconds without a scan.",
)
@click.option("--foreground", is_flag=True, help="Stay attached (for debugging).")
def start(idle: float, foreground: bool) -> int:
    """Start the background process (a no-op when one is running)."""
    reply = server.running()
    if server.current(reply):
        click.echo(f"already running ({server.socket_path()})")
        return ExitCode.OK
    if reply is not None:  # started from other code or engines (an upgrade, another environment)
        server.stop()
        time.sleep(0.2)
    if foreground:
        server.serve(_entry(), idle)
        return ExitCode.OK
    server.start(_entry(), idle)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.running() is not None:
            click.echo(f"started ({server.socket_path()}); exits after {idle:g}s idle")
            return ExitCode.OK
        time.sleep(0.1)
    click.echo("gitops-guard: the background process did not start", err=True)
    return ExitCode.SCANNER_FAILED


@daemon.command("stop")
def stop() -> int:
    """Stop the background process."""
    click.echo("stopped" if server.stop() else "not running")
    return ExitCode.OK


@daemon.command("status")
def status() -> int:
    """Exit 0 and say so when the background process is running, else exit 1."""
    if server.running() is not None:
        click.echo(f"running ({server.socket_path()})")
        return ExitCode.OK
    click.echo("not running")
    return ExitCode.FINDINGS
