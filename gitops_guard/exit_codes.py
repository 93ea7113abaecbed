"""Every exit status gitops-guard uses, and the one function that picks it for a report."""

from __future__ import annotations

import enum

from gitops_guard.models import Report, Severity


class ExitCode(enum.IntEnum):
    OK = 0
    """Nothing found at or above the ``--fail-on`` threshold."""
    FINDINGS = 1
    """At least one finding at or above the threshold."""
    USAGE = 2
    """Bad command line or configuration; nothing was scanned."""
    SCANNER_FAILED = 3
    """A scanner (or an input such as a drift plan) could not be processed; the other
    scanners' findings are still reported."""
    INTERRUPTED = 130
    """Interrupted by Ctrl-C; no partial report, baseline, cache entry or config was written."""


def decide(report: Report, fail_on: Severity = Severity.LOW) -> ExitCode:
    """The exit code of a finished run. A failed scanner wins over findings: the result is
    incomplete, and CI must not read a partial pass as a pass."""
    if report.failed:
        return ExitCode.SCANNER_FAILED
    if any(f.severity.rank >= fail_on.rank for f in report.findings):
        return ExitCode.FINDINGS
    return ExitCode.OK
