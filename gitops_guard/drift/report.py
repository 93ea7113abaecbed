"""One drift report from findings and notices, settled the way ``scan`` settles its own.

Findings go through the shared :func:`gitops_guard.dedupe.dedupe` (one problem, one finding) and
are sorted by :attr:`Finding.sort_key`, then by resource and message, so that the findings of a
one-line plan (all on line 1) come out in the same order whatever the order of the input; notices
are de-duplicated and sorted as the engine sorts scanner errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gitops_guard.dedupe import dedupe
from gitops_guard.drift.rules import SCANNER
from gitops_guard.models import Finding, Report, ScanError


def build_report(
    findings: Iterable[Finding], errors: Iterable[ScanError], files: int, **extras: object
) -> Report:
    """A drift :class:`Report` with findings and notices in a deterministic order."""
    settled = sorted(dedupe(findings), key=lambda f: (*f.sort_key, f.resource or "", f.message))
    return Report(
        findings=tuple(settled),
        errors=tuple(sorted(set(errors), key=lambda e: (e.path or "", e.scanner, e.message))),
        scanners=(SCANNER,),
        files_scanned=files,
        extras=dict(extras),
    )


def combine(reports: Sequence[Report]) -> Report:
    """The reports of several drift inputs (a plan and a live export) as one report."""
    if len(reports) == 1:
        return reports[0]
    extras: dict[str, object] = {}
    for report in reports:
        extras.update(report.extras)
    return build_report(
        (f for r in reports for f in r.findings),
        (e for r in reports for e in r.errors),
        sum(r.files_scanned for r in reports),
        **extras,
    )
