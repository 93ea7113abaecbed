"""The configuration as the rest of the program sees it: a frozen :class:`Config` and the
questions asked of it (is this file excluded, is this rule skipped, which severity override
applies). Reading and validating the file is :mod:`gitops_guard.config`."""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gitops_guard.errors import UsageError
from gitops_guard.models import Severity

#: No size limit by default (like gitleaks and detect-secrets): a large text file is scanned.
DEFAULT_MAX_FILE_SIZE: int | None = None

#: Where a value came from when nothing configured it / when an option gave it.
DEFAULT = "default"
COMMAND_LINE = "command line"


class ConfigError(UsageError):
    """Invalid configuration: the message names the file, the key and a suggestion."""


@dataclass(frozen=True)
class SuppressionSettings:
    """``[tool.gitops-guard.suppressions]``: how inline ``gitops-guard: ignore[...]`` behaves."""

    enabled: bool = True
    """Honour inline suppression comments at all (false: an audit run that shows everything)."""
    require_reason: bool = True
    """A suppression without a reason after ``]`` suppresses nothing."""
    report_invalid: bool = True
    """Report a suppression without a rule id (or, with ``require-reason``, without a reason) as a
    ``GG-SUPPRESS`` finding of its own."""
    report_unused: bool = False
    """Report each rule id of a suppression that hid nothing as a ``GG-SUPPRESS-UNUSED`` finding
    (only in runs where every scanner read whole files, so "nothing" means nothing)."""


@dataclass(frozen=True)
class Config:
    """The effective configuration (defaults where nothing was configured)."""

    scanners: tuple[str, ...] | None = None
    """Scanners to run; None for every installed one."""
    fail_on: Severity = Severity.LOW
    """Exit 1 when a shown finding is at or above this severity."""
    min_severity: Severity = Severity.INFO
    """Show only findings at or above this severity (the others are counted as hidden)."""
    exclude: tuple[str, ...] = ()
    """gitignore-style patterns, relative to the configuration file's directory."""
    max_file_size: int | None = DEFAULT_MAX_FILE_SIZE
    """Files larger than this many bytes are skipped (and reported as skipped); None: no limit."""
    scanner_options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    """``[tool.gitops-guard.scanners.NAME]`` tables, passed to each scanner as its options."""
    skip_rules: tuple[str, ...] = ()
    """Rule ids (``fnmatch`` globs) whose findings are dropped."""
    enable_rules: tuple[str, ...] = ()
    """Rule ids (globs) kept even when ``skip_rules`` matches them (exceptions to skip-rules)."""
    severity: Mapping[str, Severity] = field(default_factory=dict)
    """Severity override per rule id (globs allowed; an exact id wins, then the first glob)."""
    baseline: Path | None = None
    """Baseline file hiding accepted findings (absolute once loaded)."""
    suppressions: SuppressionSettings = field(default_factory=SuppressionSettings)
    cli_exclude: tuple[str, ...] = ()
    """``--exclude`` patterns (gitignore-style, relative to the scan root), besides ``exclude``."""
    cli_skip_rules: tuple[str, ...] = ()
    """``--skip`` rule ids (globs), on top of ``skip-rules``; ``enable-rules`` cannot undo them."""
    exit_zero: bool = False
    """``--exit-zero``: findings do not fail the run (errors still do). Command line only, so a
    file in the scanned repository cannot turn a failing gate green."""
    source: Path | None = None
    """The configuration file, if one was found."""
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Key -> where its value came from (a file path or ``command line``); default otherwise."""
    ignored_files: tuple[tuple[Path, str], ...] = field(default=(), compare=False)
    """Configuration files found but not obeyed (another user's...), and why."""

    # ---- questions the rest of the program asks ------------------------------------------

    def origin(self, key: str) -> str:
        return self.origins.get(key, DEFAULT)

    @functools.cached_property
    def _exclude_spec(self) -> Any:
        return compile_patterns(self.exclude)

    @functools.cached_property
    def _cli_exclude_spec(self) -> Any:
        return compile_patterns(self.cli_exclude)

    def excluded(self, root: Path, relpath: str) -> bool:
        """True when the file ``relpath`` (relative to the scan ``root``) matches ``exclude``
        (patterns relative to the configuration file's directory when the file is below it) or
        ``--exclude`` (patterns relative to the scan root)."""
        if self.cli_exclude and self._cli_exclude_spec.match_file(relpath):
            return True
        if not self.exclude:
            return False
        path = relpath
        if self.source is not None:
            base = self.source.parent
            full = os.path.normpath(os.path.join(root, relpath))
            rel = os.path.relpath(full, base)
            if not rel.startswith(".."):
                path = rel.replace(os.sep, "/")
        return bool(self._exclude_spec.match_file(path))

    def rule_skipped(self, rule_id: str) -> bool:
        """True when ``--skip`` matches ``rule_id``, or ``skip-rules`` does and ``enable-rules``
        does not."""
        if _matches(rule_id, self.cli_skip_rules):
            return True
        return _matches(rule_id, self.skip_rules) and not _matches(rule_id, self.enable_rules)

    @property
    def skips_rules(self) -> bool:
        """True when some rule is skipped (by the file or the command line)."""
        return bool(self.skip_rules or self.cli_skip_rules)

    def _merged_origin(self, key: str, from_file: Sequence[str], given: Sequence[str]) -> str:
        """Where a list merged from the file and the command line came from."""
        if not given:
            return self.origin(key)
        return COMMAND_LINE if not from_file else f"{self.origin(key)} + {COMMAND_LINE}"

    def severity_for(self, rule_ids: Iterable[str]) -> Severity | None:
        """The override for the first of ``rule_ids`` that has one (exact id before glob)."""
        ids = list(rule_ids)
        for rid in ids:
            if rid in self.severity:
                return self.severity[rid]
        for rid in ids:
            for pattern, sev in self.severity.items():
                if _is_glob(pattern) and fnmatch.fnmatchcase(rid, pattern):
                    return sev
        return None

    def override(self, origin: str = COMMAND_LINE, **values: object) -> Config:
        """A copy with ``values`` (field names; None means "not given") set from ``origin``."""
        given = {k: v for k, v in values.items() if v is not None}
        if not given:
            return self
        origins = dict(self.origins)
        for name in given:
            origins[name.replace("_", "-")] = origin
        return replace(self, **given, origins=origins)  # type: ignore[arg-type]

    def describe(self) -> list[tuple[str, object, str]]:
        """Every setting as ``(key, value, origin)``, in documentation order."""
        rows: list[tuple[str, object, str]] = [
            (
                "scanners",
                list(self.scanners) if self.scanners is not None else "all installed",
                self.origin("scanners"),
            ),
            (
                "exclude",
                [*self.exclude, *self.cli_exclude],
                self._merged_origin("exclude", self.exclude, self.cli_exclude),
            ),
            ("fail-on", self.fail_on.value, self.origin("fail-on")),
            ("exit-zero", self.exit_zero, self.origin("exit-zero")),
            ("min-severity", self.min_severity.value, self.origin("min-severity")),
            (
                "skip-rules",
                [*self.skip_rules, *self.cli_skip_rules],
                self._merged_origin("skip-rules", self.skip_rules, self.cli_skip_rules),
            ),
            ("enable-rules", list(self.enable_rules), self.origin("enable-rules")),
            ("max-file-size", self.max_file_size, self.origin("max-file-size")),
            ("baseline", str(self.baseline) if self.baseline else None, self.origin("baseline")),
        ]
        for rid, sev in self.severity.items():
            rows.append((f"severity.{rid}", sev.value, self.origin("severity")))
        sup = self.suppressions
        for key, value in (
            ("enabled", sup.enabled),
            ("require-reason", sup.require_reason),
            ("report-invalid", sup.report_invalid),
            ("report-unused", sup.report_unused),
        ):
            rows.append((f"suppressions.{key}", value, self.origin(f"suppressions.{key}")))
        for name, options in sorted(self.scanner_options.items()):
            for key, opt in options.items():
                rows.append((f"scanners.{name}.{key}", opt, self.origin(f"scanners.{name}")))
        return rows


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _matches(rule_id: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(rule_id, p) for p in patterns)


def compile_patterns(patterns: Sequence[str]) -> Any:
    """A gitignore-style matcher for ``patterns`` (raises ValueError for an invalid one)."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(patterns))
