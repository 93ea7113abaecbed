"""Split CI shell scripts into simple commands, without running anything.

A script is read the way a shell would cut it into commands: line continuations are joined,
heredoc bodies skipped, each logical line tokenised with :mod:`shlex` (quotes, ``&&``, ``||``,
``|``, ``;``, ``&``, parentheses), then every simple command is stripped of what only wraps it
(``VAR=value`` prefixes, ``sudo``, ``env``, ``time``, ``timeout 60``, ``xargs``, ``if``/``then``...)
and ``bash -c "..."``/``eval "..."`` strings are split again. Each command keeps the 0-based index
of the script line it starts on, so a finding can point at the exact line.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

_HEREDOC_RE = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ASSIGN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_OPERATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", ";;", "|&", "((", "))"})
_KEYWORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "while",
        "until",
        "!",
        "{",
        "}",
        "time",
        "exec",
        "command",
        "builtin",
        "nohup",
        "stdbuf",
        "nice",
        "ionice",
        "retry",
        "npx",
        "-",
    }
)
_REDIRECT_RE = re.compile(r"^\d*(>>?|<<?|&>>?|>&|<&)")
_MAX_DEPTH = 3


@dataclass(frozen=True)
class Command:
    """One simple command of a script."""

    words: tuple[str, ...]
    """Program and arguments, wrappers removed; redirections removed."""
    line: int
    """0-based index of the script line the command starts on."""
    piped: bool = False
    """True when the command reads from a pipe (``... | kubectl apply -f -``)."""
    redirects: tuple[str, ...] = ()
    """Targets of output redirections (``> ~/.kube/config``)."""

    @property
    def program(self) -> str:
        """Base name of the program, lower-cased, without ``.exe``."""
        if not self.words:
            return ""
        name = self.words[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
        return name[:-4] if name.endswith(".exe") else name


def _logical_lines(script: str) -> list[tuple[int, str]]:
    """Join ``\\``-continued lines and drop heredoc bodies; keep each line's first index."""
    raw = script.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(raw):
        start = i
        buf = raw[i]
        while buf.endswith("\\") and not buf.endswith("\\\\") and i + 1 < len(raw):
            i += 1
            buf = buf[:-1] + " " + raw[i]
        # PowerShell continues with a backtick.
        while buf.endswith("`") and i + 1 < len(raw):
            i += 1
            buf = buf[:-1] + " " + raw[i]
        out.append((start, buf))
        i += 1
        for match in _HEREDOC_RE.finditer(buf):
            end = match.group(2)
            while i < len(raw) and raw[i].strip() != end:
                i += 1
            i += 1
    return out


def _tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: fall back to whitespace and operators
        return re.findall(r"&&|\|\||[;|&()<>]|[^\s;|&()<>]+", text)


def _strip_comment(text: str) -> str:
    """Drop a ``#`` comment that starts a word (``${VAR#prefix}`` is kept)."""
    quote = ""
    prev = " "
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "#" and prev in " \t;&|(":
            return text[:i]
        prev = ch
    return text


def _unwrap(words: list[str]) -> list[str]:
    """Remove prefixes that only wrap the real command."""
    i = 0
    while i < len(words):
        w = words[i]
        if _ASSIGN_RE.match(w) or w in _KEYWORDS:
            i += 1
        elif w == "sudo" or w == "doas":
            i += 1
            while i < len(words) and words[i].startswith("-"):
                takes = words[i] in ("-u", "-g", "-U", "-C", "-h", "-p", "-r", "-t")
                i += 2 if takes else 1
        elif w == "env":
            i += 1
            while i < len(words) and (words[i].startswith("-") or _ASSIGN_RE.match(words[i])):
                i += 2 if words[i] in ("-u", "-C", "-S") else 1
        elif w in ("timeout", "gtimeout"):
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 1
            i += 1  # the duration
        elif w == "xargs":
            i += 1
            while i < len(words) and words[i].startswith("-"):
                takes = words[i] in ("-I", "-n", "-P", "-L", "-d", "-s", "-a", "-E")
                i += 2 if takes else 1
        else:
            break
    return words[i:]


def split(script: str, _depth: int = 0) -> list[Command]:
    """The simple commands of ``script``, in order."""
    commands: list[Command] = []
    for index, text in _logical_lines(script):
        text = _strip_comment(text)
        if text.strip():
            for words, piped, redirects in _segments(_tokens(text)):
                unwrapped = _unwrap(words)
                if unwrapped:
                    commands.extend(_expand(unwrapped, index, piped, redirects, _depth))
    return commands


def _segments(tokens: list[str]) -> list[tuple[list[str], bool, tuple[str, ...]]]:
    """Cut a token list at shell operators: ``(words, read from a pipe, redirect targets)``."""
    out: list[tuple[list[str], bool, tuple[str, ...]]] = []
    current: list[str] = []
    redirects: list[str] = []
    piped = False
    j = 0
    while j < len(tokens):
        tok = tokens[j]
        if tok in _OPERATORS or (tok and set(tok) <= set(";&|()")):
            out.append((current, piped, tuple(redirects)))
            current, redirects = [], []
            piped = tok in ("|", "|&")
            j += 1
        elif (tok and set(tok) <= set("<>&")) or _REDIRECT_RE.match(tok):
            if ">" in tok and j + 1 < len(tokens):
                redirects.append(tokens[j + 1])
            j += 2
        else:
            current.append(tok)
            j += 1
    out.append((current, piped, tuple(redirects)))
    return out


def _expand(
    words: list[str], index: int, piped: bool, redirects: tuple[str, ...], depth: int
) -> list[Command]:
    """``bash -c "script"`` and ``eval "script"`` are split again (a few levels deep)."""
    prog = words[0].rsplit("/", 1)[-1]
    if depth < _MAX_DEPTH:
        if prog in ("bash", "sh", "zsh", "dash", "ash") and len(words) >= 3:
            for k, w in enumerate(words[1:-1], start=1):
                if w.startswith("-") and "c" in w[1:] and not w.startswith("--"):
                    inner = split(words[k + 1], depth + 1)
                    return [Command(c.words, index + c.line, c.piped, c.redirects) for c in inner]
        if prog == "eval" and len(words) >= 2:
            inner = split(" ".join(words[1:]), depth + 1)
            return [Command(c.words, index + c.line, c.piped, c.redirects) for c in inner]
    return [Command(tuple(words), index, piped, redirects)]
