"""``--format json``: the versioned machine-readable contract (docs/scanners.md, "JSON contract").

``{"version": ..., "findings": [...], "errors": [...], "summary": {...}}`` — exactly those four
keys. The version is bumped on any incompatible change; fields are only ever added otherwise.
"""

from __future__ import annotations

import json

from gitops_guard import __version__
from gitops_guard.formats import RenderOptions
from gitops_guard.models import Report

SCHEMA_VERSION = "1.1"


def summary(report: Report) -> dict[str, object]:
    return {
        "tool": "gitops-guard",
        "tool_version": __version__,
        "scanners": list(report.scanners),
        "files_scanned": report.files_scanned,
        "findings": len(report.findings),
        "by_severity": report.counts(),
        "by_rule": _by_rule(report),
        "errors": sum(1 for e in report.errors if e.kind.value == "error"),
        "skipped": sum(1 for e in report.errors if e.kind.value == "skipped"),
        "suppressed": report.suppressed,
        "hidden_below_threshold": report.hidden,
        **report.extras,
    }


def _by_rule(report: Report) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def render(report: Report, options: RenderOptions) -> str:
    doc = {
        "version": SCHEMA_VERSION,
        "findings": [f.to_dict() for f in report.findings],
        "errors": [e.to_dict() for e in report.errors],
        "summary": summary(report),
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
