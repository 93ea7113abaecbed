"""The credential catalogue: provider token formats kept as data (``data/*.toml``), compiled once
per process, and matched behind one Aho-Corasick keyword prefilter.

Each detector names a provider and what the value is, how sure a match is, the keywords that must
occur in a text for it to be tried at all, and either a ``pattern`` (a regular expression whose
``secret`` group, or whole match, is the credential) or a ``keyed`` form: an assignment whose name
contains one of the provider's words (``DATADOG_API_KEY = ...``) and whose value has the provider's
shape (``value``). Formats are facts published by the providers; the rules are written here.

Only :class:`Hit` objects carry a value, and they never leave this sub-package: the scanner turns
them into findings that keep a salted hash.
"""

from __future__ import annotations

import functools
import hashlib
import re
import string
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import ahocorasick

from gitops_guard.scanners.secrets import checks as checkmod

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIDENCES = ("high", "medium", "low")
DATA_PACKAGE = "gitops_guard.scanners.secrets.data"

#: ``NAME = VALUE`` in every syntax we read: shell and .env, YAML and JSON keys, TOML/INI, code
#: assignments (``=``, ``:=``, ``=>``), XML elements, ``--flag value``. The name must contain one
#: of the provider's words; what may stand between it and the value is bounded.
_KEYED = (
    r"(?P<name>(?i:(?:{words})[\w.-]{{0,40}}?))"
    r"(?:['\"`]|\\['\"])?\]?[ \t]{{0,4}}(?:=>|:=|\?=|[=:>,]|[ \t])[ \t]{{0,6}}"
    r"(?:['\"`]|\\['\"]|[\[(]['\"]?)?"
    r"(?P<secret>{value})(?![A-Za-z0-9+/_-])"
)
_LITERAL_PREFIX = re.compile(r"(?:\\[^A-Za-z0-9]|[^\\.^$*+?{}\[\]|()])+")


@dataclass(frozen=True)
class Detector:
    """One credential format of the catalogue (a table of ``data/*.toml``)."""

    id: str
    """Stable rule id (``github-pat``): part of every finding's fingerprint."""
    provider: str
    """Whose credential it is (``GitHub``)."""
    name: str
    """What it is, as the finding's message says it (``GitHub personal access token``)."""
    pattern: str
    """The regular expression, compiled on first use (most detectors never run on a text)."""
    keywords: tuple[str, ...]
    """Lower-case literals one of which must occur in a text for the detector to be tried."""
    confidence: str
    checks: tuple[str, ...] = ()
    """Names in :data:`checks.CHECKS` the value must pass."""
    checksum: str | None = None
    """A name in :data:`checks.CHECKSUMS`; a value that fails it loses one confidence step."""
    min_entropy: float = 0.0
    rotate: str = ""
    """Where and how to revoke it (the first half of the finding's ``fix``)."""
    severity: str = "high"
    tags: tuple[str, ...] = field(default=(), compare=False)
    prefix: str = ""
    """The literal every match starts with (``ghp_``), when the pattern has one."""
    names: tuple[str, ...] = ()
    """For a keyed detector, the provider's words one of which the assignment's name holds."""
    requires: tuple[str, ...] = ()
    """Lower-case literals that must all occur in the text (``kind: config`` for kubeconfig)."""
    flags: int = 0
    finder: Finder | None = field(default=None, compare=False)
    """Code that finds the hits in a window instead of the pattern (the generic detector)."""

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern, self.flags)

    @property
    def reach(self) -> int:
        """How far from a keyword a match may start or end: its longest possible length."""
        return _reach(self.pattern, self.flags)


Finder = Callable[[str, list[tuple[int, int]]], Iterator["Hit"]]
"""Finds a detector's hits in a text, given the spans of its keywords' occurrences."""


@functools.cache
def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile(pattern, flags)


@functools.cache
def _reach(pattern: str, flags: int) -> int:
    from re import _parser  # type: ignore[attr-defined]

    widest = int(_parser.parse(pattern, flags).getwidth()[1])
    return widest if widest < (1 << 20) else 4096


@dataclass(frozen=True)
class Hit:
    """A candidate secret in a text. Holds the value: never cached, printed or returned."""

    detector: Detector
    value: str
    start: int
    """Offset of the value in the text it was found in."""
    end: int
    confidence: str
    where: str = ""
    """Where an encoded value sat (``base64 in data.token``), for the message."""
    span: tuple[int, int] | None = None
    """The whole match, where it is wider than the value (a key block's armor lines)."""


def _first_literal(pattern: str) -> str:
    """The literal text every match of ``pattern`` starts with ("" when it has none)."""
    depth = 0
    escaped = False
    for ch in pattern:  # a top-level alternative means no common prefix
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "|" and depth == 0:
            return ""
    m = _LITERAL_PREFIX.match(pattern)
    if not m:
        return ""
    literal = re.sub(r"\\(.)", r"\1", m.group())
    if pattern[m.end() : m.end() + 1] in ("?", "*", "{"):
        literal = literal[:-1]
    return literal


def _compile(table: dict[str, Any], source: str, rotate: dict[str, str]) -> Detector:
    ident = str(table["id"])
    flags = re.DOTALL if "block" in table.get("tags", ()) else 0
    if "keyed" in table:
        words = [str(w) for w in table["keyed"]]
        pattern = _KEYED.format(
            words="|".join(re.escape(w).replace(r"\ ", r"[\s_.-]?") for w in words),
            value=table["value"],
        )
        # Every match starts at one of the names: they are the keywords, and the pattern is
        # tried at each of their occurrences only.
        keywords = tuple(dict.fromkeys(w.lower() for w in words))
        confidence = str(table.get("confidence", "medium"))
        tags = ("keyed", *table.get("tags", ()))
    else:
        pattern = str(table["pattern"])
        if table.get("boundary", True):
            pattern = rf"(?<![A-Za-z0-9_+/-])(?:{pattern})(?![A-Za-z0-9_+/=-])"
        default = _first_literal(str(table["pattern"])).lower()
        keywords = tuple(table.get("keywords", [default] if len(default) >= 3 else []))
        confidence = str(table.get("confidence", "high"))
        tags = tuple(table.get("tags", ()))
    if not keywords:
        raise ValueError(f"{source}: detector {ident} has no keywords")
    if confidence not in CONFIDENCES:
        raise ValueError(f"{source}: detector {ident}: confidence {confidence!r}")
    for name in table.get("checks", ()):
        if name not in checkmod.CHECKS:
            raise ValueError(f"{source}: detector {ident}: unknown check {name!r}")
    checksum = table.get("checksum")
    if checksum is not None and checksum not in checkmod.CHECKSUMS:
        raise ValueError(f"{source}: detector {ident}: unknown checksum {checksum!r}")
    return Detector(
        id=ident,
        provider=str(table["provider"]),
        name=str(table["name"]),
        pattern=pattern,
        flags=flags,
        keywords=tuple(k.lower() for k in keywords),
        confidence=confidence,
        checks=tuple(table.get("checks", ())),
        checksum=checksum,
        min_entropy=float(table.get("entropy", 0.0)),
        rotate=str(table.get("rotate", rotate.get(str(table["provider"]), ""))),
        severity=str(table.get("severity", "high")),
        tags=tags,
        names=tuple(str(w) for w in table.get("keyed", ())),
        requires=tuple(str(r).lower() for r in table.get("requires", ())),
        prefix="" if "keyed" in tags else _first_literal(str(table.get("pattern", ""))),
    )


def data_files() -> list[tuple[str, bytes]]:
    """The catalogue's data files, sorted by name."""
    folder = resources.files(DATA_PACKAGE)
    return sorted((p.name, p.read_bytes()) for p in folder.iterdir() if p.name.endswith(".toml"))


@functools.cache
def upstream_table() -> dict[str, dict[str, Any]]:
    """``data/upstream.toml``, by detect-secrets plugin class name."""
    for name, data in data_files():
        if name == "upstream.toml":
            doc = tomllib.loads(data.decode("utf-8"))
            return {str(t["plugin"]): t for t in doc.get("upstream", [])}
    return {}


def digest() -> str:
    """Identity of the catalogue data (it enters the cache key with the engine version)."""
    h = hashlib.sha256()
    for name, data in data_files():
        h.update(name.encode() + b"\0" + data)
    return h.hexdigest()[:12]


class Catalogue:
    """Every detector, and the keyword automaton that says which ones a text can match."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = tuple(detectors)
        self.by_id = {d.id: d for d in self.detectors}
        if len(self.by_id) != len(self.detectors):
            raise ValueError("duplicate detector ids in the catalogue")
        self._automaton = ahocorasick.Automaton()
        index: dict[str, list[int]] = {}
        for i, d in enumerate(self.detectors):
            for kw in d.keywords:
                index.setdefault(kw, []).append(i)
        for kw, ids in index.items():
            self._automaton.add_word(kw, (len(kw), tuple(ids)))
        self._automaton.make_automaton()
        self._prefixes = tuple(
            sorted(
                {
                    p
                    for d in self.detectors
                    if not {"keyed", "generic", "loose", "block"} & set(d.tags)
                    for p in (d.prefix,)
                    if len(p) >= 4
                }
            )
        )

    def prefix_of(self, value: str) -> str | None:
        """The literal prefix of a token format that ``value`` starts with, if any."""
        for p in self._prefixes:
            if value.startswith(p):
                return p
        return None

    def _windows(self, lower: str) -> dict[int, list[tuple[int, int]]]:
        """For each detector whose keywords occur, the spans of those occurrences."""
        found: dict[int, list[tuple[int, int]]] = {}
        for end, (length, ids) in self._automaton.iter(lower):
            for i in ids:
                found.setdefault(i, []).append((end + 1 - length, end + 1))
        return found

    def candidates(self, lower: str) -> list[Detector]:
        """Detectors one of whose keywords occurs in ``lower`` (the text, lower-cased)."""
        return [self.detectors[i] for i in sorted(self._windows(lower))]

    def scan(self, text: str, lower: str | None = None) -> Iterator[Hit]:
        """Every match of every applicable detector that passes its checks.

        A detector's pattern runs only around its keywords' occurrences, as far as its longest
        possible match reaches (the whole text for ``context`` detectors, whose keyword may stand
        anywhere in the file): scanning every text with hundreds of patterns would cost seconds
        per megabyte."""
        lower = ascii_lower(text) if lower is None else lower
        for i, spans in sorted(self._windows(lower).items()):
            d = self.detectors[i]
            if d.requires and not all(r in lower for r in d.requires):
                continue
            last = -1
            for hit in self._find(d, text, spans):
                if hit.start >= last:
                    last = hit.end
                    yield hit

    def _find(self, d: Detector, text: str, spans: list[tuple[int, int]]) -> Iterator[Hit]:
        if d.finder is not None:
            yield from d.finder(text, sorted(spans))
        elif "keyed" in d.tags or "start" in d.tags:  # matches start at a keyword: try there
            regex = d.regex
            for start, _ in sorted(spans):
                m = regex.match(text, start)
                hit = _hit(d, m) if m is not None else None
                if hit is not None:
                    yield hit
        else:
            windows = [(0, len(text))] if "context" in d.tags else _merge(spans, d.reach, len(text))
            for start, end in windows:
                yield from self._match(d, text, start, end)

    @staticmethod
    def _match(d: Detector, text: str, start: int, end: int) -> Iterator[Hit]:
        regex = d.regex
        for found in regex.finditer(text, start, end):
            m: re.Match[str] | None = found
            if found.end() == end and end < len(text):  # the window may have cut it short
                m = regex.match(text, found.start())
            hit = _hit(d, m) if m is not None else None
            if hit is not None:
                yield hit


def _hit(d: Detector, m: re.Match[str]) -> Hit | None:
    group: int | str = 0
    for name in ("secret", "secret2"):
        if name in m.re.groupindex and m.group(name):
            group = name
    value = m.group(group)
    if not value:
        return None
    if d.min_entropy and checkmod.entropy(value) < d.min_entropy:
        return None
    if not all(checkmod.CHECKS[c](value) for c in d.checks):
        return None
    confidence = d.confidence
    if d.checksum and not checkmod.CHECKSUMS[d.checksum](value):
        confidence = lower_confidence(confidence)
    span = m.span() if "block" in d.tags else None
    return Hit(d, value, m.start(group), m.end(group), confidence, span=span)


def _merge(spans: list[tuple[int, int]], reach: int, size: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        start, end = max(0, start - reach), min(size, end + reach)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ascii_lower(text: str) -> str:
    """``text`` with A-Z lower-cased: same length, so offsets in it are offsets in ``text``
    (``str.lower`` can change the length of some non-ASCII text)."""
    return text.translate(_ASCII_LOWER)


def lower_confidence(confidence: str) -> str:
    i = CONFIDENCES.index(confidence)
    return CONFIDENCES[min(i + 1, len(CONFIDENCES) - 1)]


@functools.cache
def load() -> Catalogue:
    """The packaged catalogue (parsed and compiled once per process)."""
    detectors: list[Detector] = []
    docs = [(name, tomllib.loads(data.decode("utf-8"))) for name, data in data_files()]
    rotate: dict[str, str] = {}
    for _, doc in docs:
        rotate.update(doc.get("rotate", {}))
    for name, doc in docs:
        for table in doc.get("detector", []):
            detectors.append(_compile(table, name, rotate))
    from gitops_guard.scanners.secrets.generic import GENERIC

    return Catalogue([*detectors, GENERIC])


class Lines:
    """Offsets to 1-based line numbers in one text, the newline index built on first use."""

    def __init__(self, text: str, first: int = 1) -> None:
        self._text = text
        self._first = first
        self._starts: list[int] | None = None

    def _index(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self._text))]
        return self._starts

    def line(self, offset: int) -> int:
        return bisect_right(self._index(), offset) - 1 + self._first

    def bounds(self, offset: int) -> tuple[int, int]:
        """Start and end offsets of the line holding ``offset``."""
        starts = self._index()
        i = bisect_right(starts, offset) - 1
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(self._text)
        return starts[i], end

    def text(self, offset: int) -> str:
        start, end = self.bounds(offset)
        return self._text[start:end]
