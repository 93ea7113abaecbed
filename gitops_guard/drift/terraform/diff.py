"""Masking and diffing the ``before`` and ``after`` of a Terraform drift entry.

``before_sensitive``/``after_sensitive`` mirror the value they mark (``true``, objects, arrays);
every part they flag is shown as ``(sensitive)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gitops_guard.drift.values import MISSING, SENSITIVE, Absent, child, render_change, same


@dataclass(frozen=True)
class Change:
    """One changed attribute: its path and the (masked) values before and after."""

    path: str
    before: object
    after: object

    def render(self) -> str:
        return render_change(self.path, self.before, self.after)


@dataclass(frozen=True)
class Each:
    """Marks that hold for every item of a list."""

    marks: object


def _flags(marks: object) -> bool:
    """Whether ``marks`` flags anything: a true scalar (``true``, but also ``1`` or ``"yes"`` in
    a hand-made plan), or a container holding one."""
    if isinstance(marks, Each):
        return _flags(marks.marks)
    if isinstance(marks, dict):
        return any(_flags(m) for m in marks.values())
    if isinstance(marks, list):
        return any(_flags(m) for m in marks)
    return bool(marks)


def union(before: object, after: object) -> object:
    """The marks of a value that is sensitive wherever ``before_sensitive`` *or*
    ``after_sensitive`` says so, as Terraform shows it: both sides masked.

    Items of a list are matched by position only when the two sides have the same length, so
    what any item flags is flagged in every item (:class:`Each`); marks whose shape does not fit
    (an object against an array) flag the whole value as soon as they flag anything."""
    if before is True or after is True:
        return True
    sides = [m for m in (before, after) if _flags(m)]
    if not sides:
        return False
    if all(isinstance(m, dict) for m in sides):
        keys = {k for m in sides if isinstance(m, dict) for k in m}
        return {k: union(_sub(before, k), _sub(after, k)) for k in keys}
    if all(isinstance(m, (list, Each)) for m in sides):
        merged: object = False
        for m in sides:
            for item in [m.marks] if isinstance(m, Each) else m if isinstance(m, list) else []:
                merged = union(merged, item)
        return Each(merged)
    return True


def _sub(marks: object, key: object) -> object:
    """The marks of one child of a value (marks mirror the value: ``true``, objects, arrays)."""
    if marks is True:
        return True
    if isinstance(marks, dict) and isinstance(key, str):
        return marks.get(key, False)
    if isinstance(marks, Each) and isinstance(key, int):
        return marks.marks
    if isinstance(marks, list) and isinstance(key, int):
        return marks[key] if key < len(marks) else False
    return _flags(marks)  # marks of another shape than the value: sensitive if they flag


def mask(value: object, marks: object) -> object:
    """``value`` with every part that ``marks`` flags as sensitive replaced by ``(sensitive)``.

    Empty values (null, ``""``, ``[]``, ``{}``) stay: they hide nothing, and a check must see a
    sensitive setting cleared (``kms_key_id`` emptied is encryption turned off)."""
    if isinstance(value, Absent) or value in (None, "", [], {}) or not _flags(marks):
        return value
    if isinstance(value, dict) and isinstance(marks, dict):
        return {k: mask(v, _sub(marks, k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(marks, (list, Each)):
        return [mask(v, _sub(marks, i)) for i, v in enumerate(value)]
    return SENSITIVE


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


def diff(b: object, a: object, marks: object, path: str, out: list[Change]) -> None:
    """Append the changed leaves (or smallest changed subtrees) between ``b`` and ``a``;
    ``marks`` (see :func:`union`) say what is sensitive on both sides."""
    if marks is True:
        if not same(b, a):
            out.append(Change(path or "(all)", mask(b, True), mask(a, True)))
        return
    if isinstance(b, str) and isinstance(a, str):
        b, a = as_json(b), as_json(a)
    if same(b, a):
        return
    if isinstance(b, dict) and isinstance(a, dict):
        for key in sorted(set(b) | set(a), key=str):
            sub = _sub(marks, key)
            diff(b.get(key, MISSING), a.get(key, MISSING), sub, child(path, key), out)
        return
    nested = (
        isinstance(b, list)
        and isinstance(a, list)
        and any(isinstance(x, (dict, list)) for x in (*b, *a))
    )
    if nested and isinstance(b, list) and isinstance(a, list):
        if len(b) == len(a):
            for i, (x, y) in enumerate(zip(b, a, strict=True)):
                diff(x, y, _sub(marks, i), f"{path}[{i}]", out)
            return
        # Different lengths (usually a set of blocks such as security group rules): report the
        # items that are only on one side instead of a misleading index-by-index comparison.
        for i, x in enumerate(b):
            if not any(same(x, y) for y in a):
                out.append(Change(f"{path}[{i}]", _compact(mask(x, _sub(marks, i))), MISSING))
        for i, y in enumerate(a):
            if not any(same(x, y) for x in b):
                out.append(Change(f"{path}[{i}]", MISSING, _compact(mask(y, _sub(marks, i)))))
        return
    out.append(Change(path or "(all)", mask(b, marks), mask(a, marks)))
