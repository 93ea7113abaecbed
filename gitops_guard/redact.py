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


def quoted_literals(text: str) -> str:
    """``text`` with every quoted literal of 4+ characters replaced by ``'***'``."""
    return _QUOTED.sub(lambda m: f"{m.group(1)}{MASK}{m.group(1)}", text)


def error_message(text: str, limit: int = 300) -> str:
    """An engine's error message as it may be shown, cached and written."""
    return quoted_literals(first_line(text, limit * 2))[:limit]
