"""Exceptions that carry their exit code. Library modules raise these (or their own subclasses:
``ConfigError``, ``BaselineError``, ``ScopeError``...); :func:`gitops_guard.cli.main` is the one
place that turns them into a message and an exit status. Nothing below the CLI imports Click."""

from __future__ import annotations

from typing import ClassVar

from gitops_guard.exit_codes import ExitCode


class GuardError(Exception):
    """A run that cannot go on; the message is one line, meant for the user as it is."""

    exit_code: ClassVar[ExitCode] = ExitCode.SCANNER_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(GuardError):
    """Bad command line or configuration: nothing was scanned (exit 2)."""

    exit_code = ExitCode.USAGE


class InputError(GuardError):
    """An input (a drift plan, a live export) exists but cannot be used (exit 3)."""

    exit_code = ExitCode.SCANNER_FAILED


class ScanFailed(GuardError):
    """A scan was incomplete, so what depends on it (a baseline) was not written (exit 3)."""

    exit_code = ExitCode.SCANNER_FAILED
