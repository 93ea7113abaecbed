"""Reading drift inputs safely: size limits, text decoding, JSON and YAML under limits.

Everything here turns a bad input into :class:`DriftInputError` with a one-line message; nothing
else escapes. YAML goes through :mod:`gitops_guard.safeyaml` with the :data:`LIMITS` of drift
inputs, text through :func:`gitops_guard.text.decode` (strict: a drift input is text or refused),
and every parser message through :func:`gitops_guard.redact.error_message`, as ``scan`` does.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from gitops_guard import redact, safeyaml
from gitops_guard import text as textmod
from gitops_guard.errors import InputError

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""Largest plan or live export read (a plan JSON of a big estate is tens of MB)."""
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
"""Largest single manifest file read; bigger files are skipped with a notice."""
MAX_DEPTH = 128
"""Deepest nesting accepted (real Kubernetes objects and plan attributes stay under 40)."""
LIMITS = safeyaml.Limits(max_depth=MAX_DEPTH, max_nodes=MAX_INPUT_BYTES, max_alias_nodes=100_000)
"""A live export of a big cluster is one large document, so only what aliases *add* is bounded
(100,000 nodes: "billion laughs"); a node takes at least one byte, so ``max_nodes`` never refuses
an input that :data:`MAX_INPUT_BYTES` lets through."""


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


def read_text(path: str | os.PathLike[str], what: str, limit: int = MAX_INPUT_BYTES) -> str:
    """:func:`read_bytes` decoded: UTF-8 (with or without BOM), or UTF-16 with a BOM as
    PowerShell's ``>`` writes; anything else is refused."""
    data = read_bytes(path, what, limit)
    try:
        return textmod.decode(data, "strict")
    except UnicodeDecodeError:
        raise DriftInputError(f"{what} {display_path(path)} is not UTF-8 text") from None


def load_json(text: str, what: str, shown: str) -> object:
    """The JSON value of ``text``, refused when nested deeper than :data:`MAX_DEPTH`."""
    problem = safeyaml.json_problem(text, MAX_DEPTH)
    if problem is not None:
        raise DriftInputError(f"{what} {shown}: {problem}")
    try:
        value: object = json.loads(text)
    except json.JSONDecodeError as exc:
        message = redact.error_message(exc.msg)
        raise DriftInputError(
            f"{what} {shown} is not valid JSON (line {exc.lineno}, column {exc.colno}: {message})"
        ) from None
    except (RecursionError, ValueError):
        raise DriftInputError(f"{what} {shown} is not valid JSON (nested too deeply)") from None
    return value


@dataclass(frozen=True)
class YamlDocument:
    """One YAML document: its data and where it sits in the file (1-based lines)."""

    data: object
    node: yaml.Node
    line: int
    end_line: int


def end_line(node: yaml.Node) -> int:
    """Last line of ``node`` (an end mark at column 0 belongs to the line before)."""
    mark = node.end_mark
    return max(node.start_mark.line + 1, mark.line if mark.column == 0 else mark.line + 1)


def parse_yaml(text: str) -> list[YamlDocument]:
    """Every document of ``text`` under :data:`LIMITS`; raises ``yaml.YAMLError``."""
    return [
        YamlDocument(data, node, node.start_mark.line + 1, end_line(node))
        for data, node in safeyaml.load_all(text, LIMITS)
    ]


def yaml_error(exc: yaml.YAMLError) -> str:
    """One line for a YAML error, with its line. The parser's own words are redacted as ``scan``
    redacts engine errors: they quote the tag or alias it choked on, and that may be a secret."""
    message = safeyaml.error_message(exc)
    return message if isinstance(exc, safeyaml.LimitExceeded) else redact.error_message(message)


def load_yaml(text: str, what: str, shown: str) -> list[YamlDocument]:
    """All documents of ``text``, or :class:`DriftInputError` naming the file and the line."""
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise DriftInputError(f"{what} {shown} is not valid YAML: {yaml_error(exc)}") from None
