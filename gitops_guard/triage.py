"""After the engines: suppressions, baseline and the severity threshold decide what is shown."""

from __future__ import annotations

from dataclasses import replace

from gitops_guard.models import Report, Severity


def apply(report: Report, *, min_severity: Severity = Severity.INFO) -> Report:
    shown = tuple(f for f in report.findings if f.severity.rank >= min_severity.rank)
    return replace(report, findings=shown, hidden=report.hidden + len(report.findings) - len(shown))
