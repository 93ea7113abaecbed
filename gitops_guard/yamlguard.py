"""Cheap checks that a YAML or JSON file is safe to hand to a parser that walks it recursively.

Engines we wrap (detect-secrets' YAML transformer, Checkov's runners) load YAML with the
pure-Python loader and then *walk* the result: a "billion laughs" file (anchors whose aliases
expand exponentially) composes small but walks forever, a recursive alias (``&a [*a]``) or a
few hundred levels of nesting raise ``RecursionError``. :func:`yaml_problem` and
:func:`json_problem` find these in one linear pass without building anything, so a scanner can
skip such a file (with a notice) or read it as plain text instead.

The YAML pass streams libyaml's parse events (C, no recursion, nothing constructed): it tracks
nesting depth, and the expanded size of every anchored collection, so an alias costs what it
would cost when walked. Malformed YAML is not a problem here: the caller's parser reports it.
"""

from __future__ import annotations

import re

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Deepest nesting we hand on: detect-secrets' YAML parser overflows Python's stack near 350
#: levels and Checkov's near 900; real manifests (CRD schemas included) stay well under 100.
MAX_DEPTH = 200
#: Most nodes a document may expand to when its aliases are followed (a 2 MB manifest without
#: aliases has a few hundred thousand).
MAX_EXPANDED_NODES = 1_000_000

_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def yaml_problem(
    text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_EXPANDED_NODES
) -> str | None:
    """Why ``text`` must not be walked as YAML (alias bomb, recursive alias, too deep), or None.

    None also for YAML that does not parse: that is for the caller's parser to report.
    """
    stack: list[tuple[int, str | None]] = []  # open collections: (size so far, anchor)
    sizes: dict[str, int] = {}  # anchor -> expanded size (per document)
    open_anchors: set[str] = set()
    total = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.DocumentStartEvent):
                sizes.clear()
                total = 0
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= max_depth:
                    return f"YAML nested more than {max_depth} levels deep"
                stack.append((1, event.anchor))
                if event.anchor:
                    open_anchors.add(event.anchor)
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionEndEvent)):
                if isinstance(event, yaml.ScalarEvent):
                    size = 1
                    if event.anchor:
                        sizes[event.anchor] = 1
                elif isinstance(event, yaml.AliasEvent):
                    if event.anchor in open_anchors:
                        return "recursive YAML alias"
                    size = sizes.get(event.anchor or "", 1)
                else:
                    size, anchor = stack.pop()
                    if anchor:
                        open_anchors.discard(anchor)
                        sizes[anchor] = size
                if stack:
                    inner, anchor = stack[-1]
                    stack[-1] = (inner + size, anchor)
                    if inner + size > max_nodes:
                        return f"YAML aliases expand to more than {max_nodes} nodes"
                else:
                    total += size
                    if total > max_nodes:
                        return f"YAML aliases expand to more than {max_nodes} nodes"
    except yaml.YAMLError as exc:
        # libyaml stops at 1000 levels; the pure-Python parsers engines use do not.
        if "nesting depth" in str(getattr(exc, "problem", "")):
            return f"YAML nested more than {max_depth} levels deep"
        return None
    return None


def json_problem(text: str, *, max_depth: int = MAX_DEPTH) -> str | None:
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


def problem(name: str, text: str) -> str | None:
    """:func:`yaml_problem` or :func:`json_problem` by file name; None for other files."""
    lower = name.lower()
    if lower.endswith((".yaml", ".yml")):
        return yaml_problem(text)
    if lower.endswith(".json"):
        return json_problem(text)
    return None
