"""``--format gitlab``: a GitLab CI code quality report (``artifacts:reports:codequality``).

A JSON array of issues in the subset of the Code Climate format that GitLab reads: ``description``,
``check_name``, ``fingerprint``, ``severity`` and ``location.path`` / ``location.lines.begin``.
GitLab merges issues with the same fingerprint, so each one is the finding's (line-independent)
fingerprint plus its occurrence number among identical findings: two identical secrets in one file
stay two issues, and both survive a line move.
"""

from __future__ import annotations

import json

from gitops_guard.formats import RenderOptions
from gitops_guard.models import Report, Severity, stable_hash

SEVERITY = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}


def render(report: Report, options: RenderOptions) -> str:
    issues: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for f in report.findings:
        n = seen[f.fingerprint] = seen.get(f.fingerprint, 0) + 1
        description = f"{f.rule_id}: {f.message}"
        if f.resource:
            description += f" [{f.resource}]"
        issues.append(
            {
                "type": "issue",
                "description": description,
                "check_name": f"{f.scanner}/{f.rule_id}",
                "fingerprint": stable_hash(f.fingerprint, str(n))[:32],
                "severity": SEVERITY[f.severity],
                "categories": ["Security"],
                "location": {
                    "path": f.path,
                    "lines": {"begin": max(f.line, 1), "end": max(f.end_line, f.line, 1)},
                },
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
