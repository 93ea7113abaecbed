"""One module per subcommand, imported lazily; ``_COMMANDS`` lists them (the attribute name is
the command name)."""

from __future__ import annotations

from importlib import import_module

import click

#: ``module:attribute`` of every subcommand, in help order.
_COMMANDS = (
    "scan:scan",
    "scanners:scanners",
    "rules:rules",
    "install:install",
    "install:uninstall",
    "config:config",
    "baseline:baseline",
    "cache:cache",
    "daemon:daemon",
    "drift:drift",
)


def load(name: str) -> click.Command | None:
    """Import the module of subcommand ``name`` only when that command runs (or help lists it):
    ``gitops-guard scan`` never pays for the imports of ``drift`` or ``install``."""
    for spec in _COMMANDS:
        module, attr = spec.split(":")
        if attr == name:
            command: click.Command = getattr(import_module(f"gitops_guard.commands.{module}"), attr)
            return command
    return None


def names() -> list[str]:
    return [spec.split(":")[1] for spec in _COMMANDS]
