"""detect-secrets as an engine: upstream 1.5.0, vendored, run on the lines that can matter.

The engine is ``gitops_guard/vendor/detect_secrets``: the upstream wheel's files with their
absolute imports rewritten to that package (tests/scanners/vendoring.py makes it and checks it is
the wheel's code). It is part of the installed package, so nothing is imported from a cache
directory, and it can never mix with Checkov's ``bc-detect-secrets`` fork, which installs a
top-level ``detect_secrets``.

:func:`scan` gives what ``detect_secrets.core.scan.scan_file`` gives for a file, computed with
less work: upstream runs every plugin and every filter on every line; here each plugin's own
patterns (its ``denylist``, the keyword list, the quoted-string pattern and minimum length its
entropy limit implies) are first searched over the whole text at once, and the per-line loop runs
only on the lines where one of them occurs. A line none of them matches can yield no secret, so
the result is the same (tests/scanners/test_secrets_upstream.py compares the two).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick

from gitops_guard.scanners.secrets.catalogue import ascii_lower

ENGINE_VERSION = "1.5.0"
PACKAGE = "gitops_guard.vendor.detect_secrets"
HELP_URL = "https://github.com/Yelp/detect-secrets#currently-supported-plugins"


@dataclass(frozen=True)
class UpstreamHit:
    """One ``PotentialSecret``: the plugin, its secret type, the value and the line."""

    plugin: str
    secret_type: str
    value: str
    line: int


def version() -> str:
    from gitops_guard.vendor.detect_secrets.__version__ import VERSION

    return str(VERSION)


def label() -> str:
    """What ``gitops-guard scanners`` shows (reads only the version module)."""
    try:
        return f"detect-secrets {version()} (vendored upstream)"
    except ImportError:
        return "detect-secrets: missing"


class Engine:
    """detect-secrets' default plugins and filters, set up once per scan."""

    def __init__(self) -> None:
        from gitops_guard.vendor.detect_secrets.core.plugins.util import (
            get_mapping_from_secret_type_to_class,
        )
        from gitops_guard.vendor.detect_secrets.settings import default_settings

        self._context = default_settings()
        self._mapping = get_mapping_from_secret_type_to_class()

    def __enter__(self) -> Engine:
        from gitops_guard.vendor.detect_secrets.settings import get_filters, get_settings

        self._context.__enter__()
        # We hand over text, not a path: the file exists (targets checked it); a transcoded or
        # renamed copy must not be dropped for not existing.
        get_settings().disable_filters(f"{PACKAGE}.filters.common.is_invalid_file")
        get_filters.cache_clear()
        from gitops_guard.vendor.detect_secrets.settings import get_plugins

        self._plugins = list(get_plugins())
        self._triggers = _triggers(self._plugins)
        return self

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(None, None, None)

    def plugin_of(self, secret_type: str) -> str:
        cls = self._mapping.get(secret_type)
        return cls.__name__ if cls is not None else secret_type.replace(" ", "")

    def scan(self, filename: str, text: str, transform: bool = True) -> list[UpstreamHit]:
        """``scan_file(filename)`` for a file holding ``text``. ``transform=False`` reads it as
        plain lines (YAML that must not be parsed, a piece of a large file)."""
        from gitops_guard.vendor.detect_secrets.core import scan as ds_scan

        if ds_scan._is_filtered_out(required_filter_parameters=["filename"], filename=filename):
            return []
        if not self._triggers.possible(text):
            return []  # not worth parsing its YAML: nothing in it can be flagged
        out: list[UpstreamHit] = []
        for lines in _line_sets(filename, text, transform):
            for secret, plugin in self._process(lines, filename):
                line = lines[int(secret.line_number) - 1].rstrip()
                out.append(
                    UpstreamHit(
                        self.plugin_of(secret.type),
                        secret.type,
                        _whole(plugin, line, str(secret.secret_value)),
                        int(secret.line_number),
                    )
                )
            if out:
                break
        return out

    def _process(self, lines: list[str], filename: str) -> Iterator[tuple[Any, Any]]:
        """upstream's ``_process_line_based_plugins``, each plugin on its candidate lines."""
        from gitops_guard.vendor.detect_secrets.core import scan as ds_scan
        from gitops_guard.vendor.detect_secrets.util.code_snippet import get_code_snippet

        for line_number, which in sorted(self.candidate_lines(lines).items()):
            line = lines[line_number - 1].rstrip()
            snippet = get_code_snippet(lines=lines, line_number=line_number)
            found = [
                (secret, plugin)
                for plugin in (self._plugins[i] for i in sorted(which))
                for secret in ds_scan._scan_line(
                    plugin=plugin,
                    filename=filename,
                    line=line,
                    line_number=line_number,
                    context=snippet,
                )
            ]
            # Upstream applies the line filters before the plugins; they depend on the line
            # only, so applying them after, to lines where a plugin found something, gives the
            # same result for a fraction of the work.
            if not found or ds_scan._is_filtered_out(
                required_filter_parameters=["line"], filename=filename, line=line, context=snippet
            ):
                continue
            for secret, plugin in found:
                if not ds_scan._is_filtered_out(
                    required_filter_parameters=["context"],
                    filename=secret.filename,
                    secret=secret.secret_value,
                    plugin=plugin,
                    line=line,
                    context=snippet,
                ):
                    yield secret, plugin

    def candidate_lines(self, lines: Sequence[str]) -> dict[int, set[int]]:
        """1-based line number -> the plugins (indices) whose keywords or trigger occur on it."""
        # One text line per line (a transformer's line may hold a newline of a YAML block).
        joined = "\n".join(line.rstrip().replace("\n", " ") for line in lines)
        starts = [0, *(m.end() for m in re.finditer("\n", joined))]
        marked: dict[int, set[int]] = {}
        everywhere = self._triggers.everywhere
        if everywhere:
            for n in range(1, len(lines) + 1):
                marked[n] = set(everywhere)
        for end, (_, which) in self._triggers.automaton.iter(ascii_lower(joined)):
            marked.setdefault(_line_at(starts, end), set()).update(which)
        for index, regex in self._triggers.patterns:
            for m in regex.finditer(joined):
                first = _line_at(starts, m.start())
                last = _line_at(starts, max(m.start(), m.end() - 1))
                for n in range(first, last + 1):
                    marked.setdefault(n, set()).add(index)
        return marked


def _whole(plugin: Any, line: str, value: str) -> str:
    """The token a regex plugin matched. Plugins whose pattern has a group report the group
    (``GitHubTokenDetector`` says ``ghp``, ``GitLabTokenDetector`` ``glpat``); the value must be
    the token itself, to tell two tokens apart and to judge it."""
    if len(value) >= 12 or not hasattr(plugin, "denylist"):
        return value
    for regex in plugin.denylist:
        for m in regex.finditer(line):
            token = str(m.group()).strip(" \t=:\"'")
            if token != value and token.startswith(value):  # the group was the token's prefix
                return token
    return value


def _line_at(starts: list[int], offset: int) -> int:
    from bisect import bisect_right

    return bisect_right(starts, offset)


@dataclass
class _Triggers:
    """What each plugin's flagged lines must contain: keywords (one automaton for all) or a
    pattern; plugins with neither (a custom plugin) run on every line."""

    automaton: Any
    patterns: list[tuple[int, re.Pattern[str]]]
    everywhere: list[int]
    loose: list[tuple[Any, re.Pattern[str]]]
    """The entropy plugins' values without the quotes a YAML or INI transformer adds (a whole
    scalar, entropy above the plugin's limit): a text with none of these, no keyword and no
    pattern cannot give a secret however it is transformed."""

    def possible(self, text: str) -> bool:
        if self.everywhere or any(True for _ in self.automaton.iter(ascii_lower(text))):
            return True
        if any(regex.search(text) for _, regex in self.patterns[: self.quoted_from]):
            return True
        for plugin, regex in self.loose:
            for m in regex.finditer(text):
                run = m.group()
                # An INI value follows `key=`, and `=` is a base64 character: try each tail.
                tails = [run] + [run[i + 1 :] for i, ch in enumerate(run) if ch == "="]
                if any(plugin.calculate_shannon_entropy(t) > plugin.entropy_limit for t in tails):
                    return True
        return False

    quoted_from: int = 0
    """``patterns[quoted_from:]`` are the quoted-string patterns, replaced by ``loose`` here."""


def _triggers(plugins: Sequence[Any]) -> _Triggers:
    from gitops_guard.vendor.detect_secrets.plugins.high_entropy_strings import (
        HighEntropyStringsPlugin,
    )
    from gitops_guard.vendor.detect_secrets.plugins.keyword import DENYLIST, KeywordDetector

    table = upstream_table()
    automaton = ahocorasick.Automaton()
    words: dict[str, set[int]] = {}
    patterns: list[tuple[int, re.Pattern[str]]] = []
    quoted: list[tuple[int, re.Pattern[str]]] = []
    loose: list[tuple[Any, re.Pattern[str]]] = []
    everywhere: list[int] = []
    for index, plugin in enumerate(plugins):
        meta = table.get(type(plugin).__name__, {})
        if isinstance(plugin, HighEntropyStringsPlugin):
            # Shannon entropy of n characters is at most log2(n): above the limit needs more.
            shortest = math.floor(2**plugin.entropy_limit) + 1
            charset = re.escape(plugin.charset)
            quoted.append((index, re.compile(rf"(['\"])[{charset}]{{{shortest},}}\1")))
            # A whole scalar: what a transformer quotes is a value between delimiters.
            loose.append(
                (
                    plugin,
                    re.compile(
                        rf"(?<![^\s'\"\[{{,=:])[{charset}]{{{shortest},}}(?![^\s'\",\]}}#])"
                    ),
                )
            )
        elif isinstance(plugin, KeywordDetector):
            for entry in DENYLIST:  # 'api_?key' -> apikey, api_key
                for word in {entry.replace("_?", ""), entry.replace("_?", "_")}:
                    for form in {word, word.replace("ñ", "Ñ")}:
                        words.setdefault(form, set()).add(index)
        elif meta.get("keywords"):
            for word in meta["keywords"]:
                words.setdefault(str(word), set()).add(index)
        elif meta.get("trigger"):
            patterns.append((index, re.compile(str(meta["trigger"]))))
        else:
            everywhere.append(index)
    for word, which in words.items():
        automaton.add_word(word, (len(word), frozenset(which)))
    if words:
        automaton.make_automaton()
    return _Triggers(automaton, patterns + quoted, everywhere, loose, len(patterns))


def upstream_table() -> dict[str, dict[str, Any]]:
    """``data/upstream.toml``: name, confidence, severity and triggers of each plugin."""
    from gitops_guard.scanners.secrets import catalogue

    return catalogue.upstream_table()


def _line_sets(filename: str, text: str, transform: bool) -> Iterator[list[str]]:
    """upstream's ``_get_lines_from_file``: the transformed lines (YAML, INI) or the plain ones,
    then, if those gave nothing, the eager transformers' lines."""
    from gitops_guard.vendor.detect_secrets.transformers import get_transformed_file

    def named() -> Any:
        f = io.StringIO(text)
        f.name = filename
        return f

    plain = text.splitlines(keepends=True)
    if not transform:
        yield plain
        return
    lines = get_transformed_file(named())
    yield lines or plain
    eager = get_transformed_file(named(), use_eager_transformers=True)
    if eager:
        yield eager
