"""The one place that reads YAML from a scanned tree or a drift input, under limits.

Documents are *composed* with the safe loader (libyaml when available), never constructed from a
tag, so reading cannot run code. Aliases do not copy nodes, so a "billion laughs" document
composes small and explodes only when something walks it; a recursive alias (``&a [*a]``) or a
few hundred levels of nesting overflow the recursive walkers of the engines we wrap. Every
composed document is therefore measured by :func:`measure` - one iterative pass, shared nodes
counted once per reference, cycles rejected - against a :class:`Limits` value before anyone
walks it. :func:`problem` is the same check for a file handed to an engine as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode


@dataclass(frozen=True)
class Limits:
    """What a document may cost once every alias is followed."""

    max_depth: int = 200
    """Deepest nesting of collections: detect-secrets' YAML parser overflows Python's stack near
    350 levels and Checkov's near 900; real manifests (CRD schemas included) stay under 100."""
    max_nodes: int = 1_000_000
    """Most nodes one document may expand to (a 2 MB manifest without aliases has a few hundred
    thousand)."""
    max_alias_nodes: int | None = None
    """Most nodes aliases may *add* to one document (expanded minus distinct nodes); None for no
    bound besides :attr:`max_nodes`. For inputs that are large by nature, such as a cluster's
    live export, where only what aliases add is suspicious."""


#: Files handed to an engine, and the GitOps rules.
DEFAULT = Limits()


class LimitExceeded(yaml.YAMLError):
    """A document breaks a :class:`Limits` bound; the message says which, in one line."""


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _too_deep(limits: Limits) -> LimitExceeded:
    return LimitExceeded(f"YAML nested more than {limits.max_depth} levels deep")


def measure(root: Node, limits: Limits = DEFAULT) -> int:
    """The size of ``root`` with every alias expanded, computed without expanding it; raises
    :class:`LimitExceeded` for a recursive alias or a bound of ``limits`` passed."""
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            children = _children(node)
            sizes[key] = size = 1 + sum(sizes[id(c)] for c in children)
            heights[key] = 1 + max((heights[id(c)] for c in children), default=0)
            if size > limits.max_nodes or (
                limits.max_alias_nodes is not None and size - len(sizes) > limits.max_alias_nodes
            ):
                raise LimitExceeded(
                    f"YAML aliases expand to more than {limits.max_nodes} nodes"
                    " (a 'billion laughs' document?)"
                    if size > limits.max_nodes
                    else f"YAML aliases add more than {limits.max_alias_nodes} nodes"
                    " (a 'billion laughs' document?)"
                )
            continue
        if key in sizes:
            if depth - 1 + heights[key] > limits.max_depth:
                raise _too_deep(limits)
            continue
        if key in active:
            raise LimitExceeded(
                "recursive YAML alias: an alias refers to the node that contains it"
            )
        if not isinstance(node, (MappingNode, SequenceNode)):
            sizes[key], heights[key] = 1, 0
            continue
        if depth > limits.max_depth:
            raise _too_deep(limits)
        active.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in reversed(_children(node)))
    return sizes[id(root)]


_LOADERS: dict[type, type] = {}


def _loader(text: str, limits: Limits) -> Any:
    """The safe loader - libyaml's when PyYAML has it (it composes in C: fast, and it cannot
    overflow Python's stack), else the pure-Python one - measuring every document it hands out."""
    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    cls = _LOADERS.get(base)
    if cls is None:

        def get_node(self: Any) -> Node | None:
            node: Node | None = base.get_node(self)  # type: ignore[attr-defined]
            if node is not None:
                measure(node, self.limits)
            return node

        cls = _LOADERS[base] = type("MeasuringLoader", (base,), {"get_node": get_node})
    loader = cls(text)
    loader.limits = limits
    return loader


def _translate(exc: BaseException, limits: Limits) -> yaml.YAMLError:
    """Turn what a hostile document can provoke inside PyYAML into a ``yaml.YAMLError``."""
    if isinstance(exc, RecursionError) or "nesting depth" in str(getattr(exc, "problem", "")):
        return _too_deep(limits)  # libyaml stops at 1000 levels, the pure-Python parser overflows
    if isinstance(exc, yaml.YAMLError):
        return exc
    return yaml.YAMLError(f"invalid value: {type(exc).__name__}")


def _documents(text: str, limits: Limits, construct: bool) -> Iterator[tuple[object, Node]]:
    loader = _loader(text, limits)
    try:
        while True:
            try:
                if not loader.check_node():
                    return
                node = loader.get_node()
                data = loader.construct_document(node) if construct and node is not None else None
            except (yaml.YAMLError, ValueError, TypeError, ArithmeticError, RecursionError) as exc:
                raise _translate(exc, limits) from None
            if node is not None:
                yield data, node
    finally:
        loader.dispose()


def compose_all(text: str, limits: Limits = DEFAULT) -> Iterator[Node]:
    """Every document of ``text`` as a measured node graph; raises ``yaml.YAMLError`` (a
    :class:`LimitExceeded` for a bound passed) at the first document that cannot be used."""
    for _, node in _documents(text, limits, construct=False):
        yield node


def load_all(text: str, limits: Limits = DEFAULT) -> Iterator[tuple[object, Node]]:
    """Every document of ``text`` constructed as plain data (safe tags only), with its node."""
    yield from _documents(text, limits, construct=True)


def load_mapping(text: str, limits: Limits = DEFAULT) -> dict[str, object]:
    """The first document of ``text`` when it is a mapping (a kustomization, a chart), else {}:
    also {} for YAML that does not parse or breaks a bound."""
    try:
        for data, _ in load_all(text, limits):
            return data if isinstance(data, dict) else {}
    except yaml.YAMLError:
        return {}
    return {}


def problem(text: str, limits: Limits = DEFAULT) -> str | None:
    """Why ``text`` must not be walked as YAML (alias bomb, recursive alias, too deep), or None.

    None also for YAML that does not parse: that is for the caller's parser to report.
    """
    try:
        for _ in compose_all(text, limits):
            pass
    except LimitExceeded as exc:
        return str(exc)
    except yaml.YAMLError:
        return None
    return None


def error_message(exc: yaml.YAMLError) -> str:
    """One line describing a YAML error, with its line number when PyYAML knows it (never the
    offending text: it may be a secret)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        what = exc.problem or exc.context or "invalid YAML"
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            return f"{what} (line {mark.line + 1}, column {mark.column + 1})"
        return str(what)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_problem(text: str, max_depth: int = DEFAULT.max_depth) -> str | None:
    """Why ``text`` must not be walked as JSON (nested too deeply), or None."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return f"JSON nested more than {max_depth} levels deep"
        elif token in ("]", "}"):
            depth -= 1
    return None


def file_problem(name: str, text: str, limits: Limits = DEFAULT) -> str | None:
    """:func:`problem` or :func:`json_problem` by file name; None for other files."""
    lower = name.lower()
    if lower.endswith((".yaml", ".yml")):
        return problem(text, limits)
    if lower.endswith(".json"):
        return json_problem(text, limits.max_depth)
    return None
