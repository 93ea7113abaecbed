"""How bad a Terraform drift entry is: the severity tables and the security checks.

Every check sees only *masked* values (:func:`gitops_guard.drift.terraform.diff.mask`), so a
sensitive value cannot leak through a reason. docs/drift.md lists these tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from gitops_guard.drift.terraform.diff import Change, as_json
from gitops_guard.drift.values import MISSING, SENSITIVE, Absent, child, show
from gitops_guard.models import Severity

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


Hit = tuple[Severity, str]


@dataclass(frozen=True)
class SecurityCheck:
    """A security-relevant kind of drift: ``check(type, before, after)`` returns what it saw."""

    name: str
    check: Callable[[str, object, object], list[Hit]]


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
            parsed = as_json(item)
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


def classify(
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
