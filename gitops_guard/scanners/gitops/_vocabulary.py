"""Vocabularies of the GitOps rules as data: TOML files read into frozen dataclasses.

A field of the top-level dataclass is the root key of its name, else ``section_key``
(``kubectl_names`` is ``names`` of ``[kubectl]``); its annotation says how the value is read
(``frozenset[str]``, ``tuple[str, ...]``, a record or enum named in ``types``, ``dict[str, X]``,
``tuple[X, ...]``). Every value of the file must be read by some field: a typo is an error, not a
silently smaller vocabulary.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, fields
from typing import Any, TypeVar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

T = TypeVar("T")


class _Reader:
    """Converts TOML values by a field's annotation, remembering every leaf it read."""

    def __init__(self, types: Mapping[str, type[Any]]) -> None:
        self.types = types
        self.used: set[str] = set()

    def value(self, value: object, kind: str, where: str) -> object:
        optional = kind.endswith(" | None")
        kind = kind.removesuffix(" | None")
        if kind in self.types and issubclass(self.types[kind], enum.Enum):
            self.used.add(where)
            if optional and value == "":
                return None
            try:
                return self.types[kind](value)
            except ValueError:
                raise ValueError(f"{where}: unknown category {value!r}") from None
        if kind in self.types:
            return self.record(self.types[kind], value, where)
        if kind.startswith("dict[str, "):
            inner = kind[len("dict[str, ") : -1]
            items = _table(value, where).items()
            return {k: self.value(v, inner, f"{where}.{k}") for k, v in items}
        self.used.add(where)
        if kind in ("frozenset[str]", "tuple[str, ...]"):
            words = _words(value, where)
            return frozenset(words) if kind.startswith("frozenset") else words
        if kind == "tuple[tuple[str, ...], ...]":
            return tuple(_words(v, where) for v in _list(value, where))
        if kind.startswith("tuple[") and kind.endswith(", ...]"):
            self.used.discard(where)
            inner = kind[len("tuple[") : -len(", ...]")]
            return tuple(
                self.value(v, inner, f"{where}[{i}]") for i, v in enumerate(_list(value, where))
            )
        if kind == "str" and isinstance(value, str):
            return value
        raise ValueError(f"{where}: expected {kind}")

    def record(self, cls: type[Any], value: object, where: str) -> Any:
        data = _table(value, where)
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            if f.name in data:
                kwargs[f.name] = self.value(data[f.name], str(f.type), f"{where}.{f.name}")
            elif f.default is MISSING:
                raise ValueError(f"{where}: missing key {f.name}")
        return cls(**kwargs)


def _table(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a table")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list")
    return value


def _words(value: object, where: str) -> tuple[str, ...]:
    items = _list(value, where)
    if not all(isinstance(v, str) for v in items):
        raise ValueError(f"{where}: expected a list of strings")
    return tuple(str(v) for v in items)


def _leaves(value: object, where: str) -> Iterator[str]:
    """Paths of every value of a TOML document (tables and arrays of tables entered)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{where}.{key}" if where else key)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, inner in enumerate(value):
            yield from _leaves(inner, f"{where}[{i}]")
    else:
        yield where


def read(cls: type[T], text: str, name: str, types: Mapping[str, type[Any]]) -> T:
    """``cls`` (a dataclass) from the TOML ``text``; ``types`` names the records and enums its
    annotations use. Raises ValueError naming a bad, missing or unknown key (``name``: the file)."""
    root = tomllib.loads(text)
    reader = _Reader(types)
    kwargs: dict[str, object] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        section, _, key = f.name.partition("_")
        if f.name in root:
            value, where = root[f.name], f.name
        elif key and isinstance(root.get(section), dict) and key in root[section]:
            value, where = root[section][key], f"{section}.{key}"
        else:
            raise ValueError(f"{name}: missing {f.name}")
        kwargs[f.name] = reader.value(value, str(f.type), where)
    unknown = sorted(set(_leaves(root, "")) - reader.used)
    if unknown:
        raise ValueError(f"{name}: unknown keys {', '.join(unknown)}")
    return cls(**kwargs)
