"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Design (docs/ci.md, "SARIF"):

* **One run, one tool.** The driver is ``gitops-guard``; the engine behind each rule and result
  (Bandit, detect-secrets, Checkov, our GitOps rules) is named in its ``properties``. GitHub keys an
  analysis on *tool name + category* and, since 2025, rejects an upload holding several runs of the
  same category; one run per engine would also split a finding that several engines reported and
  that :mod:`gitops_guard.dedupe` merged into one, and leave an engine's old alerts open forever
  when a later scan does not run it. One run per scan is what the baseline, the suppressions and
  the exit code already treat as "the analysis".
* ``runAutomationDetails`` is left out on purpose: ``github/codeql-action/upload-sarif`` fills it
  from its ``category`` input (default: workflow, job and matrix) only when the file has none, so
  writing one here would silently override the user's category.
* Rules come from the findings themselves (rule id, message, help URL, severity): the formatter
  imports no engine. Every rule with a result is listed once; results point at it by ``ruleId``
  and ``ruleIndex``.
* ``partialFingerprints["gitopsGuard/v<N>"]`` is exactly :attr:`Finding.fingerprint`, the value the
  baseline stores, independent of line numbers. ``primaryLocationLineHash`` is left to the upload
  action, which computes it from the checked-out file.
* Locations are relative to ``%SRCROOT%`` (the scan root); a whole-file finding (line 0) points at
  line 1, since a region's ``startLine`` must be at least 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote

from gitops_guard import __version__, project
from gitops_guard.formats import RenderOptions
from gitops_guard.models import FINGERPRINT_VERSION, ErrorKind, Finding, Report, Severity

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
#: partialFingerprints key; the version moves with :data:`FINGERPRINT_VERSION`.
FINGERPRINT_KEY = f"gitopsGuard/v{FINGERPRINT_VERSION}"

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub's ``security-severity`` (a number as a string): >= 9.0 critical, 7.0-8.9 high,
#: 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def uri(path: str) -> str:
    """A relative URI reference for a ``/``-separated path (spaces, ``#``, ``%`` escaped).
    A file name that is not UTF-8 (undecodable bytes kept as surrogates) keeps its raw bytes."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/-._~!$&'()*+,;=@")


def _text(value: str) -> dict[str, str]:
    return {"text": value or "-"}


def _rules(findings: Iterable[Finding]) -> tuple[list[dict[str, object]], dict[str, int]]:
    """One reportingDescriptor per rule id, built from its findings (first one wins for text;
    the most severe one for the level)."""
    by_id: dict[str, list[Finding]] = {}
    for f in findings:
        by_id.setdefault(f.rule_id, []).append(f)
    rules: list[dict[str, object]] = []
    index: dict[str, int] = {}
    for rule_id in sorted(by_id):
        group = by_id[rule_id]
        first = group[0]
        worst = max((f.severity for f in group), key=lambda s: s.rank)
        tools = sorted({f.tool for f in group})
        scanners = sorted({f.scanner for f in group})
        help_url = next((f.help_url for f in group if _is_url(f.help_url)), None)
        full = f"{first.message} ({', '.join(tools)} rule {rule_id})"
        help_text = f"{rule_id} ({', '.join(tools)}): {first.message}"
        help_md = f"**{rule_id}** ({', '.join(tools)}): {first.message}"
        if help_url:
            help_text += f"\n\nSee {help_url}"
            help_md += f"\n\nSee [{help_url}]({help_url})"
        rule: dict[str, object] = {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": _text(first.message),
            "fullDescription": _text(full),
            "help": {"text": help_text, "markdown": help_md},
            "defaultConfiguration": {"level": LEVEL[worst]},
            "properties": {
                "security-severity": SECURITY_SEVERITY[worst],
                "tags": ["security", *tools, *(f"scanner:{s}" for s in scanners)],
                "precision": _precision(group),
                "engine": ", ".join(tools),
            },
        }
        if help_url:
            rule["helpUri"] = help_url
        index[rule_id] = len(rules)
        rules.append(rule)
    return rules, index


def _is_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(("https://", "http://"))


def _precision(group: list[Finding]) -> str:
    levels = {f.confidence for f in group if f.confidence}
    for name, precision in (("low", "low"), ("medium", "medium"), ("high", "high")):
        if name in levels:
            return precision
    return "high"


def _region(f: Finding) -> dict[str, int]:
    start = max(f.line, 1)
    region = {"startLine": start, "endLine": max(f.end_line, start)}
    if f.column > 0 and f.line > 0:
        region["startColumn"] = f.column
    return region


def _location(path: str, region: dict[str, int] | None = None) -> dict[str, object]:
    physical: dict[str, object] = {"artifactLocation": {"uri": uri(path), "uriBaseId": SRCROOT}}
    if region is not None:
        physical["region"] = region
    return {"physicalLocation": physical}


def _result(f: Finding, rule_index: int) -> dict[str, object]:
    text = f.message
    if f.resource:
        text += f" [{f.resource}]"
    if f.sources:
        text += f" (also reported as: {', '.join(f.sources)})"
    props: dict[str, object] = {
        "severity": f.severity.value,
        "scanner": f.scanner,
        "engine": f.tool,
    }
    if f.confidence:
        props["confidence"] = f.confidence
    if f.resource:
        props["resource"] = f.resource
    if f.sources:
        props["sources"] = list(f.sources)
    if f.merged:
        props["mergedFingerprints"] = list(f.merged)
    if f.occurrences:
        props["occurrences"] = list(f.occurrences)
    if f.also_in:
        props["alsoIn"] = list(f.also_in)
    if f.commit:
        text += f" (in history: commit {f.commit})"
        props["commit"] = f.commit
    if f.fix:
        props["fix"] = f.fix
    return {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": _text(text),
        "locations": [_location(f.path, _region(f))],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": props,
    }


def _notifications(report: Report) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for e in report.errors:
        note: dict[str, object] = {
            "level": "error" if e.kind is ErrorKind.ERROR else "note",
            "message": _text(f"[{e.scanner}] {e.message}"),
            "properties": {"scanner": e.scanner, "kind": e.kind.value},
        }
        if e.path:
            note["locations"] = [_location(e.path)]
        out.append(note)
    return out


def build(report: Report) -> dict[str, object]:
    """The SARIF log as a plain dict (what :func:`render` serialises)."""
    rules, index = _rules(report.findings)
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "gitops-guard",
                "version": __version__,
                "semanticVersion": __version__,
                **({"informationUri": url} if (url := project.repository()) else {}),
                "rules": rules,
            }
        },
        "invocations": [
            {
                "executionSuccessful": not report.failed,
                "toolExecutionNotifications": _notifications(report),
            }
        ],
        "originalUriBaseIds": {
            SRCROOT: {"description": _text("The root of the scanned repository.")}
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule_id]) for f in report.findings],
        "properties": {
            "scanners": list(report.scanners),
            "filesScanned": report.files_scanned,
            "suppressed": report.suppressed,
            "hiddenBelowThreshold": report.hidden,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"
