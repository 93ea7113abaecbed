"""Terraform drift: read ``terraform show -json`` of a plan and report its ``resource_drift``.

``resource_drift`` lists the objects Terraform found changed outside Terraform when it refreshed
state (``terraform plan -refresh-only`` shows nothing else). Each entry becomes one finding whose
message lists the changed attribute paths with their values before and after; values that the plan
marks sensitive (``before_sensitive``/``after_sensitive``) are shown as ``(sensitive)`` and never
reach a rule either, because rules only see masked copies. Severity comes from the tables below
(docs/drift.md lists them): a security-relevant change is high or critical, a tag or description
change is low, anything else medium.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from gitops_guard.drift.inputs import DriftInputError, decode, display_path, load_json, read_bytes
from gitops_guard.drift.values import (
    MISSING,
    SCANNER,
    SENSITIVE,
    TOOL,
    Absent,
    build_report,
    child,
    clean,
    same,
    show,
    summarize,
)
from gitops_guard.models import ErrorKind, Finding, Report, ScanError, Severity, stable_hash

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

COSMETIC_ATTRIBUTES = frozenset(
    {"tags", "tags_all", "labels", "effective_labels", "terraform_labels", "description"}
)
"""Top-level attributes whose drift alone is cosmetic (low)."""

SECURITY_CONTROL_TYPES = (
    "aws_s3_bucket_public_access_block",
    "aws_s3_account_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_logging",
    "aws_ebs_encryption_by_default",
    "aws_cloudtrail",
    "aws_flow_log",
    "aws_guardduty_detector",
    "aws_config_configuration_recorder*",
    "aws_securityhub_account",
    "aws_kms_key",
    "aws_wafv2_web_acl_association",
    "aws_iam_account_password_policy",
    "aws_cloudwatch_log_group",
    "google_logging_*",
    "azurerm_monitor_diagnostic_setting",
)
"""Resource types whose deletion removes a security control (a deleted one is high)."""

WORLD = frozenset({"0.0.0.0/0", "::/0"})
_AZURE_WORLD = WORLD | {"*", "Internet", "Any", "0.0.0.0"}
PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read", "website"})
PUBLIC_ACCESS_BLOCK_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)
_PUBLIC_GRANTEES = ("acs.amazonaws.com/groups/global/AllUsers", "/AuthenticatedUsers")
_PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
_PUBLIC_SWITCHES = (
    "publicly_accessible",
    "allow_nested_items_to_be_public",
    "allow_blob_public_access",
    "public_network_access_enabled",
)
_ENCRYPTION_KEY = re.compile(r"encrypt|(^|_)sse(_|$)|(^|_)kms(_|$)")
_LOGGING_KEY = re.compile(r"logging|(^|_)logs?(_|$)")
_MONITOR_SWITCHES = {
    "aws_guardduty_detector": "enable",
    "aws_config_configuration_recorder_status": "is_enabled",
}
_POLICY_KEY = re.compile(r"(^|_)policy$|^policy_(document|json)$|^access_policies$")
_OFF_STRINGS = frozenset({"none", "disabled", "off", "false"})


@dataclass(frozen=True)
class Change:
    """One changed attribute: its path and the (masked) values before and after."""

    path: str
    before: object
    after: object

    def render(self) -> str:
        return f"{self.path}: {show(self.before)} -> {show(self.after)}"


Hit = tuple[Severity, str]


@dataclass(frozen=True)
class SecurityCheck:
    """A security-relevant kind of drift: ``check(type, before, after)`` returns what it saw."""

    name: str
    check: Callable[[str, object, object], list[Hit]]


def drift_from_plan(path: str | os.PathLike[str]) -> Report:
    """Findings for every entry of ``resource_drift`` in a ``terraform show -json`` plan."""
    shown = display_path(path)
    text = decode(read_bytes(path, "plan"), "plan", shown)
    plan = load_json(text, "plan", shown)
    entries = _drift_entries(plan, shown)
    findings: list[Finding] = []
    search_from = max(text.find('"resource_drift"'), 0)
    for entry in entries:
        line, search_from = _line_of(text, entry["address"], search_from)
        finding = _finding(entry, shown, line)
        if finding is not None:
            findings.append(finding)
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
        message = f"Terraform {version} does not record drift in plans (0.15.4 or later does)"
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
    b_marks, a_marks = change.get("before_sensitive"), change.get("after_sensitive")
    changes: list[Change] = []
    _diff(before, after, b_marks, a_marks, "", changes)
    severity, reasons = _classify(rule, rtype, mask(before, b_marks), mask(after, a_marks), changes)
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
    return Finding(
        scanner=SCANNER,
        tool=TOOL,
        rule_id=rule,
        severity=severity,
        message=clean(message),
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


def _classify(
    rule: str, rtype: str, before: object, after: object, changes: Sequence[Change]
) -> tuple[Severity, list[str]]:
    """Severity and reasons of one drift entry, from masked values only."""
    if rule == "DRIFT-TF-DELETE":
        if any(fnmatchcase(rtype, p) for p in SECURITY_CONTROL_TYPES):
            return Severity.HIGH, ["security control removed"]
        return Severity.MEDIUM, []
    hits = [hit for check in SECURITY_CHECKS for hit in check.check(rtype, before, after)]
    if hits:
        worst = max((s for s, _ in hits), key=lambda s: s.rank)
        return worst, list(dict.fromkeys(reason for _, reason in hits))
    if not changes:
        return Severity.INFO, []
    if all(_root(c.path) in COSMETIC_ATTRIBUTES for c in changes):
        return Severity.LOW, []
    return Severity.MEDIUM, []


def _root(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


# --- masking and diffing ------------------------------------------------------------------------


def _sub(marks: object, key: object) -> object:
    """The sensitivity marks of one child (marks mirror the value: ``true``, objects, arrays)."""
    if marks is True:
        return True
    if isinstance(marks, dict) and isinstance(key, str):
        return marks.get(key, False)
    if isinstance(marks, list) and isinstance(key, int) and key < len(marks):
        return marks[key]
    return False


def mask(value: object, marks: object) -> object:
    """``value`` with every part that ``marks`` flags as sensitive replaced by ``(sensitive)``."""
    if isinstance(value, Absent):
        return value
    if marks is True:
        return SENSITIVE
    if isinstance(value, dict) and isinstance(marks, dict):
        return {k: mask(v, _sub(marks, k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(marks, list):
        return [mask(v, _sub(marks, i)) for i, v in enumerate(value)]
    return value


def _as_json(value: object) -> object:
    """A string holding a JSON object or array (IAM policies) is compared as what it holds."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def _compact(value: object) -> object:
    """A block without its empty attributes, for showing a whole added or removed block."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v not in (None, "", [], {})}
    return value


def _diff(
    b: object, a: object, b_marks: object, a_marks: object, path: str, out: list[Change]
) -> None:
    """Append the changed leaves (or smallest changed subtrees) between ``b`` and ``a``."""
    if b_marks is True or a_marks is True:
        if not same(b, a):
            out.append(Change(path or "(all)", mask(b, b_marks), mask(a, a_marks)))
        return
    if isinstance(b, str) and isinstance(a, str):
        b, a = _as_json(b), _as_json(a)
    if same(b, a):
        return
    if isinstance(b, dict) and isinstance(a, dict):
        for key in sorted(set(b) | set(a), key=str):
            sub = child(path, key)
            _diff(
                b.get(key, MISSING),
                a.get(key, MISSING),
                _sub(b_marks, key),
                _sub(a_marks, key),
                sub,
                out,
            )
        return
    nested = (
        isinstance(b, list)
        and isinstance(a, list)
        and any(isinstance(x, (dict, list)) for x in (*b, *a))
    )
    if nested and isinstance(b, list) and isinstance(a, list):
        if len(b) == len(a):
            for i, (x, y) in enumerate(zip(b, a, strict=True)):
                _diff(x, y, _sub(b_marks, i), _sub(a_marks, i), f"{path}[{i}]", out)
            return
        # Different lengths (usually a set of blocks such as security group rules): report the
        # items that are only on one side instead of a misleading index-by-index comparison.
        for i, x in enumerate(b):
            if not any(same(x, y) for y in a):
                out.append(Change(f"{path}[{i}]", _compact(mask(x, _sub(b_marks, i))), MISSING))
        for i, y in enumerate(a):
            if not any(same(x, y) for x in b):
                out.append(Change(f"{path}[{i}]", MISSING, _compact(mask(y, _sub(a_marks, i)))))
        return
    out.append(Change(path or "(all)", mask(b, b_marks), mask(a, a_marks)))


# --- security checks ----------------------------------------------------------------------------


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strs(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _ports(rule: dict[str, object], protocol_key: str) -> str:
    protocol = str(rule.get(protocol_key) or "")
    if protocol in ("-1", "all", "*", "Any"):
        return "all traffic"
    low, high = rule.get("from_port"), rule.get("to_port")
    ports = f"port {low}" if low == high else f"ports {low}-{high}"
    return f"{ports}/{protocol.lower()}" if protocol else ports


def _open_ingress(rtype: str, value: object) -> set[str]:
    """``"0.0.0.0/0 port 22/tcp"`` for every rule of ``value`` that admits the whole internet."""
    if not isinstance(value, dict):
        return set()
    if rtype == "aws_security_group":
        return {d for rule in _dicts(value.get("ingress")) for d in _aws_world(rule, "protocol")}
    if rtype == "aws_security_group_rule" and value.get("type") == "ingress":
        return _aws_world(value, "protocol")
    if rtype == "aws_vpc_security_group_ingress_rule":
        cidrs = _strs(value.get("cidr_ipv4")) + _strs(value.get("cidr_ipv6"))
        return {f"{c} {_ports(value, 'ip_protocol')}" for c in cidrs if c in WORLD}
    if rtype == "google_compute_firewall":
        if str(value.get("direction") or "INGRESS").upper() != "INGRESS" or not value.get("allow"):
            return set()
        return {
            f"{c} (firewall {value.get('name')})"
            for c in _strs(value.get("source_ranges"))
            if c in WORLD
        }
    if rtype == "azurerm_network_security_group":
        return {d for rule in _dicts(value.get("security_rule")) for d in _azure_world(rule)}
    if rtype == "azurerm_network_security_rule":
        return _azure_world(value)
    return set()


def _aws_world(rule: dict[str, object], protocol_key: str) -> set[str]:
    cidrs = _strs(rule.get("cidr_blocks")) + _strs(rule.get("ipv6_cidr_blocks"))
    return {f"{c} {_ports(rule, protocol_key)}" for c in cidrs if c in WORLD}


def _azure_world(rule: dict[str, object]) -> set[str]:
    if (
        str(rule.get("direction")).lower() != "inbound"
        or str(rule.get("access")).lower() != "allow"
    ):
        return set()
    sources = _strs(rule.get("source_address_prefix")) + _strs(rule.get("source_address_prefixes"))
    port = rule.get("destination_port_range") or rule.get("destination_port_ranges")
    return {f"{s} port {show(port)}" for s in sources if s in _AZURE_WORLD}


def _world_ingress(rtype: str, before: object, after: object) -> list[Hit]:
    opened = sorted(_open_ingress(rtype, after) - _open_ingress(rtype, before))
    return [(Severity.HIGH, f"ingress opened to {d}") for d in opened]


def _leaf_strings(value: object) -> set[str]:
    out: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _get(value: object, key: str) -> object:
    return value.get(key, MISSING) if isinstance(value, dict) else MISSING


def _made_public(rtype: str, before: object, after: object) -> list[Hit]:
    hits: list[Hit] = []
    acl_before, acl_after = _get(before, "acl"), _get(after, "acl")
    if acl_after in PUBLIC_ACLS and acl_after != acl_before:
        hits.append((Severity.HIGH, f"ACL set to {acl_after}"))
    new = _leaf_strings(after) - _leaf_strings(before)
    if any(g in s for s in new for g in _PUBLIC_GRANTEES) or new & _PUBLIC_MEMBERS:
        hits.append((Severity.HIGH, "access granted to all users"))
    for flag in PUBLIC_ACCESS_BLOCK_FLAGS:
        if _get(before, flag) is True and _get(after, flag) is not True:
            hits.append((Severity.HIGH, f"public access block {flag} turned off"))
    for switch in _PUBLIC_SWITCHES:
        if _get(after, switch) is True and _get(before, switch) is not True:
            hits.append((Severity.HIGH, f"{switch} turned on"))
    access = _get(after, "container_access_type")
    if access in ("blob", "container") and _get(before, "container_access_type") == "private":
        hits.append((Severity.HIGH, f"container access set to {access}"))
    if _get(before, "public_access_prevention") == "enforced" and _get(
        after, "public_access_prevention"
    ) not in ("enforced", MISSING):
        hits.append((Severity.HIGH, "public access prevention lifted"))
    return hits


def _on(value: object) -> bool:
    """Whether a setting is in effect: truthy, and not a string such as ``NONE``/``disabled``."""
    if isinstance(value, Absent):
        return False
    if value == SENSITIVE:
        return True  # hidden: assume it is still on rather than guess
    if isinstance(value, str):
        return bool(value) and value.lower() not in _OFF_STRINGS
    return bool(value)


def _turned_off(before: object, after: object, pattern: re.Pattern[str]) -> list[str]:
    """Paths of settings whose key matches ``pattern`` (or an ``enabled`` flag below one) that
    were on before and are off, empty or gone after."""
    found: list[str] = []
    stack: list[tuple[object, object, str, str, bool]] = [(before, after, "", "", False)]
    while stack:
        b, a, path, key, inside = stack.pop()
        matches = bool(key) and pattern.search(key) is not None
        if (matches or (inside and key in ("enabled", "enable"))) and _on(b) and not _on(a):
            found.append(path)
            continue
        inside = inside or matches
        if isinstance(b, dict):
            for k, v in b.items():
                stack.append((v, _get(a, str(k)), child(path, k), str(k), inside))
        elif isinstance(b, list):
            for i, v in enumerate(b):
                other = a[i] if isinstance(a, list) and i < len(a) else MISSING
                stack.append((v, other, f"{path}[{i}]", key, inside))
    return sorted(found)


def _encryption_off(rtype: str, before: object, after: object) -> list[Hit]:
    return [
        (Severity.HIGH, f"encryption turned off ({p})")
        for p in _turned_off(before, after, _ENCRYPTION_KEY)
    ]


def _logging_off(rtype: str, before: object, after: object) -> list[Hit]:
    hits = [
        (Severity.HIGH, f"logging turned off ({p})")
        for p in _turned_off(before, after, _LOGGING_KEY)
    ]
    switch = _MONITOR_SWITCHES.get(rtype)
    if switch and _get(before, switch) is True and _get(after, switch) is not True:
        hits.append((Severity.HIGH, f"monitoring turned off ({switch})"))
    return hits


def _policy_documents(value: object) -> list[dict[str, object]]:
    """IAM-style policy documents held by keys such as ``policy`` or ``assume_role_policy``."""
    docs: list[dict[str, object]] = []
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, dict):
            if "Statement" in item and _POLICY_KEY.search(key):
                docs.append(item)
            else:
                stack.extend((str(k), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((key, v) for v in item)
        elif isinstance(item, str) and _POLICY_KEY.search(key):
            parsed = _as_json(item)
            if isinstance(parsed, dict):
                stack.append((key, parsed))
    return docs


def _grants(value: object) -> set[tuple[str, str]]:
    """What the Allow statements of every policy in ``value`` grant, as comparable items."""
    out: set[tuple[str, str]] = set()
    for doc in _policy_documents(value):
        statements = doc.get("Statement")
        for st in statements if isinstance(statements, list) else [statements]:
            if not isinstance(st, dict) or str(st.get("Effect", "Allow")) != "Allow":
                continue
            actions = _strs(st.get("Action"))
            resources = _strs(st.get("Resource"))
            if "NotAction" in st:
                out.add(("action", "NotAction (everything but a list)"))
            out.update(("action", a) for a in actions if a == "*" or a.endswith(":*"))
            if "*" in resources:
                out.add(("resource", "*"))
            if "*" in actions and ("*" in resources or "NotResource" in st):
                out.add(("admin", "Action * on Resource *"))
            principal = st.get("Principal", MISSING)
            if principal == "*":
                out.add(("principal", "*"))
            elif isinstance(principal, dict):
                out.update(("principal", p) for v in principal.values() for p in _strs(v))
    return out


def _iam_widened(rtype: str, before: object, after: object) -> list[Hit]:
    hits: list[Hit] = []
    for kind, value in sorted(_grants(after) - _grants(before)):
        critical = kind == "admin" or (kind == "principal" and value == "*")
        hits.append(
            (Severity.CRITICAL if critical else Severity.HIGH, f"IAM widened: {kind} {value}")
        )
    for key in ("managed_policy_arns", "policy_arn"):
        if isinstance(before, dict) and isinstance(after, dict):
            added = sorted(set(_strs(after.get(key))) - set(_strs(before.get(key))))
            hits.extend((Severity.HIGH, f"IAM widened: policy {arn} attached") for arn in added)
    if rtype.startswith("google_") and "_iam_" in rtype:
        members = set(_strs(_get(after, "members")) + _strs(_get(after, "member")))
        members -= set(_strs(_get(before, "members")) + _strs(_get(before, "member")))
        hits.extend((Severity.HIGH, f"IAM widened: member {m}") for m in sorted(members))
    return hits


SECURITY_CHECKS: tuple[SecurityCheck, ...] = (
    SecurityCheck("ingress opened to the internet", _world_ingress),
    SecurityCheck("made public", _made_public),
    SecurityCheck("encryption turned off", _encryption_off),
    SecurityCheck("logging turned off", _logging_off),
    SecurityCheck("IAM widened", _iam_widened),
)
"""Checks run on every update, create or replace (deletes use :data:`SECURITY_CONTROL_TYPES`)."""
