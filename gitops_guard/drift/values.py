"""Small helpers shared by the Terraform and Kubernetes drift readers: paths and values."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from gitops_guard.drift.credentials import redact, redact_text

SENSITIVE = "(sensitive)"
ABSENT = "(absent)"

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_LAST_KEY = re.compile(r'(?:^|\.)([A-Za-z_][A-Za-z0-9_-]*)\Z|\[("(?:[^"\\]|\\.)*")\]\Z')
_MAX_VALUE_CHARS = 120
_MAX_FIELDS_SHOWN = 8


class Absent:
    """Marks a side of a change where the field does not exist (distinct from ``null``)."""

    _instance: Absent | None = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return ABSENT


MISSING = Absent()


def clean(text: str) -> str:
    """``text`` safe to print and hash: lone surrogates (which JSON and YAML escapes can produce)
    become ``\\udXXX`` escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def key_segment(key: object) -> str:
    """``.name`` for a plain key, ``["prometheus.io/scrape"]`` for anything else."""
    text = str(key)
    if _PLAIN_KEY.match(text):
        return f".{text}"
    return "[" + json.dumps(text) + "]"


def child(path: str, key: object) -> str:
    """The path of ``key`` below ``path``: ``spec.replicas``, ``tags["kubernetes.io/role"]``."""
    return (path + key_segment(key)).lstrip(".")


def same(a: object, b: object) -> bool:
    """Deep equality that keeps ``True`` apart from ``1`` (JSON and YAML tell them apart)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    try:
        return bool(a == b)
    except Exception:  # exotic YAML values (dates vs strings) never compare as equal
        return False


def show(value: object) -> str:
    """A short, single-line rendering of a value for a finding message."""
    if isinstance(value, Absent):
        return ABSENT
    if isinstance(value, str):
        text = (
            value if value and value.strip() == value and "\n" not in value else json.dumps(value)
        )
    else:
        text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return clean(text)


def summarize(changes: Iterable[str]) -> str:
    """``a; b; c`` for the first few changes, with a count of the rest."""
    items = list(changes)
    shown = items[:_MAX_FIELDS_SHOWN]
    rest = len(items) - len(shown)
    text = "; ".join(shown)
    return f"{text}; (+{rest} more)" if rest else text


def last_key(path: str) -> str | None:
    """The map key a path ends with: ``password`` for ``data.password``, ``db.password`` for
    ``data["db.password"]``; None for a list item (``env[DB_URL]``) or the whole value."""
    match = _LAST_KEY.search(path)
    if match is None:
        return None
    if match.group(1) is not None:
        return match.group(1)
    try:  # a list item's label can look like a quoted key without being JSON
        key: object = json.loads(match.group(2))
    except ValueError:
        return None
    return key if isinstance(key, str) else None


def render_change(path: str, before: object, after: object) -> str:
    """``path: before -> after`` with credential-shaped values redacted
    (:mod:`gitops_guard.drift.credentials`): a value held by a key that names a credential is
    ``(sensitive)``, and a change that redaction leaves invisible reads ``value changed
    (redacted)``."""
    key, shown_path = last_key(path), redact_text(path)  # map keys come from the input too
    shown_before = show(redact(before, key, SENSITIVE))
    shown_after = show(redact(after, key, SENSITIVE))
    if shown_before == shown_after != SENSITIVE and show(before) != show(after):
        return f"{shown_path}: value changed (redacted)"
    return f"{shown_path}: {shown_before} -> {shown_after}"
