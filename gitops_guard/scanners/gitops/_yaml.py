"""The GitOps rules' view of YAML: documents composed by :mod:`gitops_guard.safeyaml`, read
through small line-aware helpers.

Documents are *composed*, never constructed: we keep PyYAML's node graph (every node has a
``start_mark`` with its line) and read values through the helpers below. Unknown tags (GitLab
``!reference``, CloudFormation ``!Ref``) are harmless. :func:`load` reads every document under
:data:`LIMITS` (aliases expanded at most 500,000 nodes, no recursive alias, bounded depth), keeping
the documents before the first one that cannot be used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard import safeyaml
from gitops_guard.classify import has_template_syntax

#: What one document may cost the rules once its aliases are followed.
LIMITS = safeyaml.Limits(max_nodes=500_000)

_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_TEMPLATE_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


@dataclass(frozen=True)
class Loaded:
    """The documents of one file, and why parsing stopped early (if it did)."""

    docs: tuple[Node, ...]
    problem: str | None = None
    templated: bool = False


def load(text: str) -> Loaded:
    """Compose every document of ``text``; keep the good documents before an error."""
    docs: list[Node] = []
    templated = has_template_syntax(text)
    try:
        for node in safeyaml.compose_all(text, LIMITS):
            docs.append(node)
    except safeyaml.LimitExceeded as exc:  # hostile whatever else it holds
        return Loaded(tuple(docs), str(exc), False)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        if templated:
            return Loaded(tuple(docs), f"templated YAML ({{{{ }}}}) not parsed{where}", True)
        return Loaded(tuple(docs), f"YAML not parsed: {safeyaml.error_message(exc)}")
    return Loaded(tuple(docs), None, templated)


# -- reading nodes ---------------------------------------------------------------------------


def line(node: Node | None) -> int:
    """1-based line where ``node`` starts (0 when unknown)."""
    return node.start_mark.line + 1 if node is not None else 0


def pairs(node: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """``(key, key_node, value)`` of a mapping, merge keys (``<<``) resolved, own keys first."""
    if not isinstance(node, MappingNode):
        return
    seen: set[str] = set()
    merged: list[MappingNode] = []
    for k, v in node.value:
        if k.tag == _MERGE_TAG:
            if isinstance(v, MappingNode):
                merged.append(v)
            elif isinstance(v, SequenceNode):
                merged.extend(m for m in v.value if isinstance(m, MappingNode))
            continue
        if isinstance(k, ScalarNode):
            key = str(k.value)
            if key not in seen:
                seen.add(key)
                yield key, k, v
    for m in merged:
        for key, k, v in pairs(m):
            if key not in seen:
                seen.add(key)
                yield key, k, v


def get(node: Node | None, *path: str) -> Node | None:
    """The node at ``path`` of nested mappings, or None."""
    cur = node
    for key in path:
        if not isinstance(cur, MappingNode):
            return None
        found = None
        for k, _, v in pairs(cur):
            if k == key:
                found = v
                break
        if found is None:
            return None
        cur = found
    return cur


def key_node(node: Node | None, key: str) -> Node | None:
    """The key node of ``key`` in a mapping (for pointing at the key's line)."""
    for k, kn, _ in pairs(node):
        if k == key:
            return kn
    return None


def items(node: Node | None) -> list[Node]:
    """Elements of a sequence (empty for anything else)."""
    return list(node.value) if isinstance(node, SequenceNode) else []


def text(node: Node | None) -> str | None:
    """A scalar's text, None for null, mappings and sequences."""
    if isinstance(node, ScalarNode) and node.tag != _NULL_TAG:
        return str(node.value)
    return None


def is_str(node: Node | None) -> bool:
    """True for a string scalar (quoted, or plain resolving to a string)."""
    return isinstance(node, ScalarNode) and node.tag == _STR_TAG


def boolean(node: Node | None) -> bool | None:
    """A YAML boolean (``true``, ``yes``, ``on``...); None when not a boolean."""
    if isinstance(node, ScalarNode):
        value = str(node.value).lower()
        if node.tag == _BOOL_TAG or node.style in ('"', "'"):
            if value in ("true", "yes", "on", "y"):
                return True
            if value in ("false", "no", "off", "n"):
                return False
    return None


def is_empty(node: Node | None) -> bool:
    """Null, an empty string, an empty mapping or an empty sequence."""
    if node is None:
        return True
    if isinstance(node, ScalarNode):
        return node.tag == _NULL_TAG or str(node.value).strip() == ""
    return not node.value


def strings(node: Node | None) -> list[str]:
    """A scalar or a sequence of scalars, as strings."""
    if isinstance(node, SequenceNode):
        return [t for n in node.value if (t := text(n)) is not None]
    t = text(node)
    return [] if t is None else [t]


def has_template(value: str) -> bool:
    """True when a string carries a template expression (Helm/Jinja ``{{ }}``)."""
    return bool(_TEMPLATE_RE.search(value))


def scalar_lines(node: ScalarNode, source: str) -> tuple[list[str], int, bool]:
    """The scalar's value split in lines, the 1-based source line of its first value line, and
    whether value line *i* sits exactly on source line ``first + i`` (literal block scalars)."""
    value = str(node.value)
    if node.style == "|":
        return value.split("\n"), node.start_mark.line + 2, True
    if node.style in (None, "", '"', "'") and "\n" not in value:
        return [value], node.start_mark.line + 1, True
    return value.split("\n"), node.start_mark.line + 1, False


def find_line(source: str, node: Node, needle: str) -> int:
    """The first source line within ``node``'s span containing ``needle``, else its start line."""
    start, end = node.start_mark.index, node.end_mark.index
    span = source[start:end]
    pos = span.find(needle)
    if pos < 0:
        return line(node)
    return node.start_mark.line + 1 + span.count("\n", 0, pos)
