"""Comparing one manifest object with its live counterpart, field by field.

The *manifest's* fields are walked: a field the manifest sets that is different or absent live is
drift. A field present only live is drift only when the tables of :mod:`.policy` say it is
meaningful, because the API server fills in dozens of defaults that a manifest never mentions.
Lists of named items are matched by key, and values are compared the way Kubernetes normalises
them (quantities, ``"80"`` vs ``80``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from gitops_guard.drift.kubernetes.policy import (
    IGNORED_FIELDS,
    LIST_KEYS,
    POD_SPEC_PATHS,
    QUANTITY_FIELDS,
    empty,
    field_severity,
    live_only_is_drift,
)
from gitops_guard.drift.values import MISSING, SENSITIVE, Absent, child, clean, render_change, same
from gitops_guard.models import Severity

_SECRETISH = re.compile(r"pass|secret|token|key|credential|auth|cert", re.IGNORECASE)
_ENV_VALUE = re.compile(r"env\[([^\]]*)\]\.value$")


@dataclass(frozen=True)
class FieldDrift:
    """One field that differs: its path, the generic path used by the tables, and both values."""

    path: str
    generic: str
    desired: object
    live: object
    severity: Severity

    def render(self) -> str:
        return clean(render_change(self.path, self.desired, self.live))


class Comparison:
    """Walks one manifest object against its live counterpart."""

    def __init__(self, kind: str, desired: dict[str, object]) -> None:
        self.kind = kind
        self.pod = POD_SPEC_PATHS.get(kind)
        self.ignored = set(IGNORED_FIELDS)
        if kind == "ClusterRole" and desired.get("aggregationRule"):
            self.ignored.add("rules")  # filled in by the aggregation controller
        self.drift: list[FieldDrift] = []

    def generic(self, gpath: str) -> str:
        """``pod.containers[].image`` for ``spec.template.spec.containers[].image``."""
        if self.pod and (gpath == self.pod or gpath.startswith((self.pod + ".", self.pod + "["))):
            return "pod" + gpath[len(self.pod) :]
        return gpath

    def add(self, path: str, gpath: str, desired: object, live: object) -> None:
        generic = self.generic(gpath)
        severity = field_severity(self.kind, generic, live)
        if self.kind == "Secret" and (generic.startswith(("data", "stringData"))):
            desired, live = _hide(desired), _hide(live)
        else:
            desired, live = _redact(path, desired), _redact(path, live)
        self.drift.append(FieldDrift(path, generic, desired, live, severity))

    def walk(self, d: object, live: object, path: str, gpath: str) -> None:
        if d is None or gpath in self.ignored:
            return
        if isinstance(live, Absent):
            if not empty(d):
                self.add(path, gpath, d, MISSING)
            return
        if isinstance(d, dict):
            if not isinstance(live, dict):
                self.add(path, gpath, d, live)
                return
            for k, v in d.items():
                self.walk(v, live.get(k, MISSING), child(path, k), child(gpath, k))
            for k in live.keys() - d.keys():
                if self.live_only_is_drift(child(gpath, k), live[k]):
                    self.add(child(path, k), child(gpath, k), MISSING, live[k])
        elif isinstance(d, list):
            if isinstance(live, list):
                self.walk_list(d, live, path, gpath)
            else:
                self.add(path, gpath, d, live)
        elif not same_scalar(d, live, gpath):
            self.add(path, gpath, d, live)

    def walk_list(self, d: list[object], live: list[object], path: str, gpath: str) -> None:
        item_g = gpath + "[]"
        if not any(isinstance(x, (dict, list)) for x in (*d, *live)):
            if len(d) != len(live) or not all(
                same_scalar(x, y, gpath) for x, y in zip(d, live, strict=True)
            ):
                self.add(path, gpath, d, live)
            return
        keyer = _list_keyer(gpath, d)
        if keyer is None:
            for i, item in enumerate(d):
                self.walk(item, live[i] if i < len(live) else MISSING, f"{path}[{i}]", item_g)
            for i in range(len(d), len(live)):
                if not _server_added(live[i]):
                    self.add(f"{path}[{i}]", item_g, MISSING, live[i])
            return
        live_by: dict[str, object] = {}
        for item in live:
            label = keyer(item)
            if label is not None:
                live_by.setdefault(label, item)
        wanted = set()
        for item in d:
            label = keyer(item)
            wanted.add(label)
            self.walk(item, live_by.get(str(label), MISSING), f"{path}[{label}]", item_g)
        for label, item in live_by.items():
            if label not in wanted and not _server_added(item):
                self.add(f"{path}[{label}]", item_g, MISSING, item)

    def live_only_is_drift(self, gpath: str, value: object) -> bool:
        if gpath in self.ignored:
            return False
        return live_only_is_drift(self.kind, self.generic(gpath), value)


def _server_added(item: object) -> bool:
    """List items the API server or admission adds on its own (to Pods)."""
    if not isinstance(item, dict):
        return False
    name, mount = str(item.get("name", "")), item.get("mountPath")
    if (
        name.startswith("kube-api-access-")
        or mount == "/var/run/secrets/kubernetes.io/serviceaccount"
    ):
        return True
    return item.get("key") in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def _list_keyer(gpath: str, items: list[object]) -> _Keyer | None:
    """How to label items of the list at ``gpath`` so desired and live items can be paired."""
    field_name = re.split(r"[.\]]", gpath)[-1] if gpath else ""
    if not all(isinstance(x, dict) for x in items):
        return None
    dicts = [x for x in items if isinstance(x, dict)]
    if field_name == "ports":
        port_key = "containerPort" if any("containerPort" in x for x in dicts) else "port"
        keyer = _Keyer((port_key, "protocol"))
    elif field_name in LIST_KEYS:
        keyer = _Keyer(LIST_KEYS[field_name])
    elif dicts and all(isinstance(x.get("name"), str) for x in dicts):
        keyer = _Keyer(("name",))
    else:
        return None
    labels = [keyer(x) for x in dicts]
    if None in labels or len(set(labels)) != len(labels):
        return None
    return keyer


@dataclass(frozen=True)
class _Keyer:
    fields: tuple[str, ...]

    def __call__(self, item: object) -> str | None:
        if not isinstance(item, dict):
            return None
        parts: list[str] = []
        for name in self.fields:
            value = item.get(name)
            if name == "protocol":
                value = value or "TCP"
            if value is None or isinstance(value, (dict, list)):
                return None
            parts.append(str(value))
        return "/".join(parts)


def same_scalar(d: object, live: object, gpath: str) -> bool:
    """Equality as Kubernetes normalises: quantities (``1000m`` = ``1``), ``"80"`` = ``80``."""
    if same(d, live):
        return True
    if isinstance(d, bool) or isinstance(live, bool):
        return False
    if QUANTITY_FIELDS & set(re.split(r"[.\[\]]", gpath)):
        a, b = parse_quantity(d), parse_quantity(live)
        if a is not None and a == b:
            return True
    if isinstance(d, (int, str)) and isinstance(live, (int, str)) and type(d) is not type(live):
        return str(d) == str(live)
    return False


_QUANTITY = re.compile(
    r"([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?"
)
_SUFFIX = {
    **{s: Fraction(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}


def parse_quantity(value: object) -> Fraction | None:
    """A Kubernetes resource quantity (``500m``, ``1.5Gi``, ``2``, ``1e3``) as an exact number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    match = _QUANTITY.fullmatch(str(value).strip())
    if match is None:
        return None
    number, suffix = match.groups()
    amount = Fraction(number)
    if not suffix:
        return amount
    if suffix[0] in "eE":
        exponent = int(suffix[1:])
        return amount * Fraction(10) ** exponent if abs(exponent) <= 30 else None
    return amount * _SUFFIX[suffix]


def _hide(value: object) -> object:
    return value if isinstance(value, Absent) else SENSITIVE


def _redact(path: str, value: object) -> object:
    """Mask environment values whose variable name looks secret, at any depth."""
    match = _ENV_VALUE.search(path)
    if match and _SECRETISH.search(match.group(1)):
        return _hide(value)
    if isinstance(value, dict):
        name = value.get("name")
        if "value" in value and isinstance(name, str) and _SECRETISH.search(name):
            return {k: (SENSITIVE if k == "value" else _redact("", v)) for k, v in value.items()}
        return {k: _redact("", v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact("", v) for v in value]
    return value


def compare(desired: dict[str, object], live: dict[str, object], kind: str) -> list[FieldDrift]:
    """Every field of ``desired`` (a manifest object of ``kind``) that drifted in ``live``."""
    comparison = Comparison(kind, desired)
    comparison.walk(desired, live, "", "")
    return sorted(comparison.drift, key=lambda f: f.path)
