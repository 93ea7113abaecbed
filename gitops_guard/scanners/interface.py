"""The contract every scanner implements, built-in or third-party.

A scanner is a class registered under the entry-point group ``gitops_guard.scanners``. The engine
asks it which targets it wants (by kind), groups them into *units* (one file, or a directory such as
a Terraform module that must be read together), and hands it the units that are not cached. A
scanner imports its engine lazily inside :meth:`Scanner.scan`, never prints, never exits, and
reports problems as :class:`~gitops_guard.models.ScanError` data.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from gitops_guard.identity import installed_version
from gitops_guard.models import ScanResult, Severity
from gitops_guard.targets import Target


@dataclass(frozen=True)
class Unit:
    """What a scanner analyses in one piece, and the unit of caching.

    ``files`` are read; findings are kept only for paths in ``report`` (all of ``files`` when
    empty), so a changed ``.tf`` can bring its module's other files in as context only.
    """

    key: str
    files: tuple[Target, ...]
    report: frozenset[str] = frozenset()
    context: tuple[Target, ...] = ()
    """Files the result depends on without being analysed as part of this unit (a Kustomize
    overlay's bases): they only enter the cache key, so editing a base re-scans its overlays."""

    def reports(self, path: str) -> bool:
        return not self.report or path in self.report


@dataclass(frozen=True)
class ScanContext:
    """What a scanner may know about the run besides its units."""

    root: Path
    """The scan root; :attr:`Target.path` is relative to it."""
    options: Mapping[str, object] = field(default_factory=dict)
    """This scanner's options from the configuration (``[tool.gitops-guard.scanners.NAME]``)."""
    all_targets: tuple[Target, ...] = ()
    """Every target of the run, for scanners whose rules look across files (GitOps policies)."""


@dataclass(frozen=True)
class Rule:
    """A rule a scanner can report, for ``gitops-guard rules``, SARIF and docs."""

    id: str
    name: str
    description: str
    severity: Severity
    help_url: str | None = None


class Scanner(abc.ABC):
    """Base class of every scanner."""

    name: ClassVar[str]
    """Registry name, as used in ``--scanners``."""
    description: ClassVar[str]
    """One line for ``gitops-guard scanners``."""
    kinds: ClassVar[frozenset[str]]
    """Target kinds (see :class:`gitops_guard.targets.Kind`) this scanner consumes."""
    distribution: ClassVar[str | None] = None
    """Python distribution of the wrapped engine, for its version (None for our own rules)."""
    process_group: ClassVar[str] = ""
    """Scanners with the same group share a worker process, so an engine is imported once."""
    splittable: ClassVar[bool] = False
    """True when units are independent and may be spread over several workers."""
    cross_file: ClassVar[bool] = False
    """True when results depend on other files than a unit's own (all of ``ctx.all_targets``):
    its result is cached as one entry keyed on every file of the run."""
    startup_seconds: ClassVar[float] = 0.2
    """Rough cost of starting the engine in a fresh worker (imports), for scheduling."""
    seconds_per_mib: ClassVar[float] = 1.0
    """Rough cost of analysing one MiB of input, for scheduling and for splitting work."""

    def applies(self, target: Target) -> bool:
        return bool(self.kinds & target.kinds)

    def units(self, targets: Sequence[Target], explicit: bool) -> list[Unit]:
        """Group applicable targets into units; default: one file each."""
        return [Unit(key=t.path, files=(t,)) for t in targets]

    def engine_version(self) -> str:
        """The wrapped engine's version, read from package metadata (no engine import)."""
        if self.distribution is None:
            from gitops_guard import __version__

            return __version__
        return installed_version(self.distribution)

    def engine_label(self) -> str:
        """What ``gitops-guard scanners`` shows in its engine column."""
        return f"{self.distribution or 'gitops-guard'} {self.engine_version()}"

    def rules(self) -> Sequence[Rule]:
        """Rules this scanner can report (may import the engine)."""
        return ()

    @abc.abstractmethod
    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        """Analyse ``units``; return findings (paths relative to ``ctx.root``) and errors."""
