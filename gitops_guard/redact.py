"""Keeping what a scan finds out of what gitops-guard prints and writes.

Findings never carry a secret's value: the secrets scanner keeps only a salted hash, and each
scanner strips what its engine quotes (Bandit's ``Possible hardcoded password: '...'``, see
:mod:`gitops_guard.scanners.source`). Error messages are the other way out: a parser that chokes on
a line tends to quote the token it choked on (PyYAML's pure-Python loader says ``found undefined
alias 'hunter2'``; lark, under Checkov's HCL parser, ``Unexpected token Token('STRING', ...)``),
and that token may be the secret. So the engine passes every scanner error through
:func:`error_message`: the first line only (later lines of parser errors quote the file), and no
quoted literal of four characters or more.
"""

from __future__ import annotations

import re

MASK = "***"
#: A literal between matching quotes, 4+ characters: what parsers and ``repr()`` quote. Shorter
#: ones stay (``found character '\t'`` is a useful message and cannot hold a secret).
_QUOTED = re.compile(r"""(['"`])((?:(?!\1)[^\n]){4,}?)\1""")


def first_line(text: str, limit: int = 300) -> str:
    """The first non-empty line of ``text``, at most ``limit`` characters."""
    stripped = text.strip()
    return stripped.splitlines()[0][:limit] if stripped else ""


#: Quoted names that are ours or Python's, never a file's content: kept so that an error stays
#: readable ("No module named 'requests'").
_KEPT = re.compile(r"No module named (['\"])[\w.]+\1")


def quoted_literals(text: str) -> str:
    """``text`` with every quoted literal of 4+ characters replaced by ``'***'`` (but a missing
    module's name)."""
    kept = [m.span() for m in _KEPT.finditer(text)]

    def mask(m: re.Match[str]) -> str:
        if any(a <= m.start() and m.end() <= b for a, b in kept):
            return m.group()
        return f"{m.group(1)}{MASK}{m.group(1)}"

    return _QUOTED.sub(mask, text)


def error_message(text: str, limit: int = 300) -> str:
    """An engine's error message as it may be shown, cached and written."""
    return quoted_literals(first_line(text, limit * 2))[:limit]


#: Runs of characters a credential is made of (base64, hex, URL-safe tokens, paths).
_TOKEN = re.compile(r"[A-Za-z0-9+/_.~\-]+={0,2}")
_ANY_QUOTED = re.compile(r"""(['"`])(?:(?!\1)[^\n])*\1""")
_SEPARATOR = re.compile(r"[=:]")


def _looks_random(token: str) -> bool:
    """A token that may be a credential: long, or mixing letters and digits."""
    letters = any(c.isalpha() for c in token)
    digits = any(c.isdigit() for c in token)
    return len(token) >= 24 or (len(token) >= 8 and letters and digits)


def mask_line(text: str, *, secret: bool, limit: int = 160) -> str:
    """A flagged source line as ``baseline audit`` shows it, on one line, at most ``limit``
    characters. Quoted literals of 4+ characters and tokens that look random are masked; on a
    line that holds a secret (``secret``) every quoted literal and everything after the first
    ``=`` or ``:`` is masked too, so only the name side of an assignment stays readable."""
    line = " ".join(text.split())
    if secret:
        line = _ANY_QUOTED.sub(lambda m: f"{m.group(1)}{MASK}{m.group(1)}", line)
        sep = _SEPARATOR.search(line)
        if sep is not None:
            head, tail = line[: sep.end()], line[sep.end() :]
            line = head + _TOKEN.sub(MASK, tail)
    else:
        line = quoted_literals(line)
    line = _TOKEN.sub(lambda m: MASK if _looks_random(m.group()) else m.group(), line)
    return line if len(line) <= limit else line[: limit - 3] + "..."
