"""Terraform drift: read ``terraform show -json`` of a plan and report its ``resource_drift``.

``resource_drift`` lists the objects Terraform found changed outside Terraform when it refreshed
state (``terraform plan -refresh-only`` shows nothing else). Each entry becomes one finding whose
message lists the changed attribute paths with their values before and after; values that the plan
marks sensitive (``before_sensitive``/``after_sensitive``) are shown as ``(sensitive)`` and never
reach a rule either, because rules only see masked copies (:mod:`.diff`). Severity comes from the
tables of :mod:`.policy` (docs/drift.md lists them): a security-relevant change is high or
critical, a tag or description change is low, anything else medium.
"""

from __future__ import annotations

import json
import os
import re

from gitops_guard.drift.inputs import DriftInputError, display_path, load_json, read_text
from gitops_guard.drift.report import build_report
from gitops_guard.drift.rules import SCANNER, finding
from gitops_guard.drift.terraform.diff import Change, diff, mask, union
from gitops_guard.drift.terraform.policy import classify
from gitops_guard.drift.values import clean, summarize
from gitops_guard.models import ErrorKind, Finding, Report, ScanError, stable_hash

SUPPORTED_MAJOR_VERSIONS = ("0", "1")
"""Plan JSON ``format_version`` majors read (0.1, 0.2, 1.0, 1.1, 1.2 ...). Terraform bumps the
minor for additions, which are ignored, and would bump the major for a breaking change."""

_ACTION_RULES = {
    ("update",): "DRIFT-TF-UPDATE",
    ("delete",): "DRIFT-TF-DELETE",
    ("create",): "DRIFT-TF-CREATE",
    ("delete", "create"): "DRIFT-TF-REPLACE",
    ("create", "delete"): "DRIFT-TF-REPLACE",
}
_NOT_DRIFT_ACTIONS = {("no-op",), ("read",)}


def drift_from_plan(path: str | os.PathLike[str]) -> Report:
    """Findings for every entry of ``resource_drift`` in a ``terraform show -json`` plan."""
    shown = display_path(path)
    text = read_text(path, "plan")
    plan = load_json(text, "plan", shown)
    entries = _drift_entries(plan, shown)
    findings: list[Finding] = []
    search_from = max(text.find('"resource_drift"'), 0)
    for entry in entries:
        line, search_from = _line_of(text, entry["address"], search_from)
        found = _finding(entry, shown, line)
        if found is not None:
            findings.append(found)
    errors = _version_notice(plan, shown) if isinstance(plan, dict) and not entries else []
    return build_report(findings, errors, files=1)


def _drift_entries(plan: object, shown: str) -> list[dict[str, object]]:
    """Validate the plan's envelope and return its ``resource_drift`` entries."""
    hint = "expected the output of `terraform show -json PLANFILE`"
    if not isinstance(plan, dict):
        raise DriftInputError(f"plan {shown} is not a Terraform plan ({hint})")
    version = plan.get("format_version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+(\.\d+)?", version):
        raise DriftInputError(f"plan {shown} has no valid format_version ({hint})")
    if version.split(".")[0] not in SUPPORTED_MAJOR_VERSIONS:
        raise DriftInputError(
            f"plan {shown} has format_version {version}; gitops-guard reads versions 0.x and 1.x"
        )
    if not any(k in plan for k in ("planned_values", "resource_changes", "resource_drift")):
        if "values" in plan:
            raise DriftInputError(
                f"plan {shown} is Terraform state, not a plan ({hint}, not of the state)"
            )
        raise DriftInputError(f"plan {shown} is not a Terraform plan ({hint})")
    drift = plan.get("resource_drift", [])  # omitted when there is no drift
    if drift is None:
        drift = []
    if not isinstance(drift, list):
        raise DriftInputError(f"plan {shown}: resource_drift is not a list")
    for index, entry in enumerate(drift):
        problem = _entry_problem(entry)
        if problem:
            raise DriftInputError(f"plan {shown}: resource_drift[{index}] {problem}")
    return drift


def _entry_problem(entry: object) -> str | None:
    if not isinstance(entry, dict):
        return "is not an object"
    if not isinstance(entry.get("address"), str) or not entry["address"]:
        return "has no address"
    change = entry.get("change")
    if not isinstance(change, dict):
        return "has no change"
    actions = change.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        return "has no list of actions"
    if not isinstance(entry.get("type", ""), str):
        return "has a type that is not a string"
    return None


def _version_notice(plan: dict[str, object], shown: str) -> list[ScanError]:
    """Terraform before 0.15.4 never records drift: say so rather than report a silent pass."""
    version = plan.get("terraform_version")
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", version) if isinstance(version, str) else None
    if match and tuple(int(p) for p in match.groups()) < (0, 15, 4):
        shown_version = match.group()  # only the number: the rest of the field is the input's
        message = f"Terraform {shown_version} does not record drift in plans (0.15.4 or later does)"
        return [ScanError(SCANNER, message, path=shown, kind=ErrorKind.SKIPPED)]
    return []


def _line_of(text: str, address: object, start: int) -> tuple[int, int]:
    """Line of ``"address": ADDRESS`` at or after ``start`` (1 when not found)."""
    pattern = re.compile(r'"address"\s*:\s*' + re.escape(json.dumps(address)))
    match = pattern.search(text, start)
    if match is None:
        return 1, start
    return text.count("\n", 0, match.start()) + 1, match.end()


def _finding(entry: dict[str, object], shown: str, line: int) -> Finding | None:
    change = entry["change"]
    assert isinstance(change, dict)  # checked by _entry_problem
    actions = tuple(change["actions"])
    if actions in _NOT_DRIFT_ACTIONS or not actions:
        return None
    rule = _ACTION_RULES.get(actions, "DRIFT-TF-UPDATE")
    address = clean(str(entry["address"]))
    rtype = clean(str(entry.get("type") or _type_of(address)))
    before, after = change.get("before"), change.get("after")
    marks = union(change.get("before_sensitive"), change.get("after_sensitive"))
    changes: list[Change] = []
    diff(before, after, marks, "", changes)
    severity, reasons = classify(rule, rtype, mask(before, marks), mask(after, marks), changes)
    if rule == "DRIFT-TF-DELETE":
        what = "was deleted outside Terraform"
    elif rule == "DRIFT-TF-CREATE":
        what = "was created outside Terraform"
    else:
        what = "changed outside Terraform"
    message = f"{address} ({rtype}) {what}"
    if reasons:
        message += " [" + "; ".join(reasons) + "]"
    if rule != "DRIFT-TF-DELETE":
        details = summarize(c.render() for c in changes)
        message += f": {details}" if details else " (no attribute differs once normalised)"
    return finding(
        rule,
        severity,
        clean(message),
        path=shown,
        line=line,
        end_line=line,
        resource=address,
        anchor=stable_hash(rule, address, *sorted(c.render() for c in changes)),
    )


def _type_of(address: str) -> str:
    """``aws_s3_bucket`` from ``module.x.aws_s3_bucket.logs["a"]`` (older entries lack ``type``)."""
    parts = [p for p in re.sub(r"\[[^\]]*\]", "", address).split(".") if p]
    while len(parts) >= 2 and parts[0] == "module":
        parts = parts[2:]
    if parts and parts[0] == "data":
        parts = parts[1:]
    return parts[0] if parts else ""
