"""One module per subcommand; :func:`COMMANDS` lists them for the CLI group."""

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
)


def COMMANDS() -> list[click.Command]:
    out = []
    for spec in _COMMANDS:
        module, attr = spec.split(":")
        out.append(getattr(import_module(f"gitops_guard.commands.{module}"), attr))
    return out
