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


def _items(objects: list[dict[str, object]]) -> str:
    """A list with one object per line: ``json.dumps`` without ``indent`` runs in C, which keeps
    a report of thousands of findings cheap to write (and still easy to grep)."""
    if not objects:
        return "[]"
    return "[\n" + ",\n".join("    " + json.dumps(o) for o in objects) + "\n  ]"


def render(report: Report, options: RenderOptions) -> str:
    findings = _items([f.to_dict() for f in report.findings])
    errors = _items([e.to_dict() for e in report.errors])
    summary_text = json.dumps(summary(report), indent=2).replace("\n", "\n  ")
    return (
        f'{{\n  "version": {json.dumps(SCHEMA_VERSION)},\n  "findings": {findings},\n'
        f'  "errors": {errors},\n  "summary": {summary_text}\n}}\n'
    )
