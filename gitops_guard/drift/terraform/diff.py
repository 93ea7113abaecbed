"""Masking and diffing the ``before`` and ``after`` of a Terraform drift entry.

``before_sensitive``/``after_sensitive`` mirror the value they mark (``true``, objects, arrays);
every part they flag is shown as ``(sensitive)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gitops_guard.drift.values import MISSING, SENSITIVE, Absent, child, same, show


@dataclass(frozen=True)
class Change:
    """One changed attribute: its path and the (masked) values before and after."""

    path: str
    before: object
    after: object

    def render(self) -> str:
        return f"{self.path}: {show(self.before)} -> {show(self.after)}"


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


def as_json(value: object) -> object:
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


def diff(
    b: object, a: object, b_marks: object, a_marks: object, path: str, out: list[Change]
) -> None:
    """Append the changed leaves (or smallest changed subtrees) between ``b`` and ``a``."""
    if b_marks is True or a_marks is True:
        if not same(b, a):
            out.append(Change(path or "(all)", mask(b, b_marks), mask(a, a_marks)))
        return
    if isinstance(b, str) and isinstance(a, str):
        b, a = as_json(b), as_json(a)
    if same(b, a):
        return
    if isinstance(b, dict) and isinstance(a, dict):
        for key in sorted(set(b) | set(a), key=str):
            sub = child(path, key)
            diff(
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
                diff(x, y, _sub(b_marks, i), _sub(a_marks, i), f"{path}[{i}]", out)
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
