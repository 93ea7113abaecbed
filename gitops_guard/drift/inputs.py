"""Reading drift inputs safely: size limits, text decoding, JSON and a bounded YAML loader.

Everything here turns a bad input into :class:`DriftInputError` with a one-line message; nothing
else escapes. The YAML loader is PyYAML's pure-Python ``SafeLoader`` with one addition: after each
document is composed, the node graph is measured as if every alias were expanded, and a document
whose aliases would add more than :data:`MAX_ALIAS_NODES` nodes ("billion laughs"), that refers to
itself, or that nests deeper than :data:`MAX_DEPTH` is rejected before anything walks it.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from gitops_guard.errors import InputError

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""Largest plan or live export read (a plan JSON of a big estate is tens of MB)."""
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
"""Largest single manifest file read; bigger files are skipped with a notice."""
MAX_ALIAS_NODES = 100_000
"""Nodes that YAML aliases may add to one document once expanded."""
MAX_DEPTH = 128
"""Deepest nesting accepted (real Kubernetes objects and plan attributes stay under 40)."""


class DriftInputError(InputError):
    """A drift input cannot be used: missing, unreadable, not the expected format.

    The message is one line, meant for the user as is (the CLI prints it and exits 3).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the working directory with ``/`` separators (absolute if outside)."""
    p = Path(path)
    try:
        rel = os.path.relpath(p.absolute(), Path.cwd())
    except ValueError:  # another drive on Windows
        return p.absolute().as_posix()
    if rel == ".." or rel.startswith(".." + os.sep):
        return p.absolute().as_posix()
    return Path(rel).as_posix()


def read_bytes(path: str | os.PathLike[str], what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Read a whole input file (a pipe such as ``<(terraform show -json p)`` is fine)."""
    shown = display_path(path)
    if Path(path).is_dir():
        raise DriftInputError(f"{what} {shown} is a directory, expected a file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise DriftInputError(f"{what} {shown} does not exist") from None
    except OSError as exc:
        raise DriftInputError(f"cannot read {what} {shown}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise DriftInputError(f"{what} {shown} is larger than {limit // (1024 * 1024)} MiB")
    return data


def decode(data: bytes, what: str, shown: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM, as PowerShell's ``>`` writes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise DriftInputError(f"{what} {shown} is not UTF-8 text") from None


def load_json(text: str, what: str, shown: str) -> object:
    try:
        value: object = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DriftInputError(
            f"{what} {shown} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (RecursionError, ValueError):
        raise DriftInputError(f"{what} {shown} is not valid JSON (nested too deeply)") from None
    check_depth(value, what, shown)
    return value


def check_depth(value: object, what: str, shown: str) -> None:
    """Reject data nested deeper than :data:`MAX_DEPTH` (iteratively, so it cannot overflow)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DriftInputError(f"{what} {shown} is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


@dataclass(frozen=True)
class YamlDocument:
    """One YAML document: its data and where it sits in the file (1-based lines)."""

    data: object
    node: yaml.Node | None
    line: int
    end_line: int


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` that measures each composed document before it is constructed."""

    def compose_document(self) -> yaml.Node | None:
        node: yaml.Node | None = super().compose_document()
        if node is not None:
            _check_expansion(node)
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Size of the document with every alias expanded, computed without expanding it."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    unique = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] - unique > MAX_ALIAS_NODES:
                raise _YamlLimit("aliases expand to too many nodes (a 'billion laughs' document?)")
            continue
        if key in sizes:
            continue
        if key in active:
            raise _YamlLimit("an alias refers to the node that contains it")
        if depth > MAX_DEPTH:
            raise _YamlLimit(f"nested more than {MAX_DEPTH} levels deep")
        active.add(key)
        unique += 1
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in _children(node) if id(c) not in sizes)


class _YamlLimit(yaml.YAMLError):
    """Raised inside the loader when a document breaks a limit."""


def iter_yaml(text: str) -> Iterator[YamlDocument]:
    """Yield each document of ``text``; raises ``yaml.YAMLError`` (or a subclass) on bad YAML.

    Callers wrap this in :func:`load_yaml` or their own handling; any other exception a hostile
    document can provoke inside PyYAML (a bad timestamp, deep recursion) is converted to
    ``yaml.YAMLError`` here.
    """
    loader = _BoundedLoader(text)
    try:
        while True:
            try:
                if not loader.check_node():
                    return
                node = loader.get_node()
                data = None if node is None else loader.construct_document(node)
            except yaml.YAMLError:
                raise
            except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
                raise yaml.YAMLError(f"invalid value: {type(exc).__name__}") from None
            if node is None:
                continue
            yield YamlDocument(
                data=data,
                node=node,
                line=node.start_mark.line + 1,
                end_line=max(node.start_mark.line + 1, _end_line(node)),
            )
    finally:
        loader.dispose()


def _end_line(node: yaml.Node) -> int:
    """Last line of ``node`` (an end mark at column 0 belongs to the line before)."""
    mark = node.end_mark
    return mark.line if mark.column == 0 else mark.line + 1


def yaml_error_message(exc: yaml.YAMLError) -> str:
    """One line describing a YAML error, with its line number when PyYAML knows it."""
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or exc.context or "invalid YAML"
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
        return str(problem)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def load_yaml(text: str, what: str, shown: str) -> list[YamlDocument]:
    """All documents of ``text``, or :class:`DriftInputError` naming the file and the line."""
    try:
        return list(iter_yaml(text))
    except yaml.YAMLError as exc:
        raise DriftInputError(
            f"{what} {shown} is not valid YAML: {yaml_error_message(exc)}"
        ) from None
