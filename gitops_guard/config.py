"""Configuration: ``[tool.gitops-guard]`` in pyproject.toml or ``.gitops-guard.toml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gitops_guard.models import Severity


class ConfigError(Exception):
    """Invalid configuration: the message names the file, the key and a suggestion."""


@dataclass(frozen=True)
class Config:
    """The effective configuration (defaults where nothing was configured)."""

    scanners: tuple[str, ...] | None = None
    fail_on: Severity = Severity.LOW
    min_severity: Severity = Severity.INFO
    exclude: tuple[str, ...] = ()
    max_file_size: int = 2 * 1024 * 1024
    scanner_options: dict[str, dict[str, object]] = field(default_factory=dict)
    source: Path | None = None


def load(root: Path, explicit: Path | None = None) -> Config:
    """Find and validate the configuration for a scan rooted at ``root``."""
    return Config()
