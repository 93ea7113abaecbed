"""The generic assignment detector: a secret-sounding name given a literal that looks random.

Tuned for precision, since every provider with a recognisable format has its own detector: the
name's last word must say secret (``password``, ``token``, ``api_key``, ``client_secret``...) and
not something about a secret (``password_file``, ``token_url``, ``secret_name``); the value must be
a literal (not a call, attribute, variable, path, URL or placeholder) with the character mix of a
generated secret, or, for passwords, of a chosen one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gitops_guard.scanners.secrets import checks, filters
from gitops_guard.scanners.secrets.catalogue import Detector, Hit

KEYWORDS = ("pass", "pwd", "secret", "token", "key", "auth", "cred", "bearer", "signature")

_SECRET_WORD = (
    r"pass(?:word|wd|phrase|code)?|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|"
    r"private[_.-]?key|secret[_.-]?key|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key|"
    r"session[_.-]?key|auth[_.-]?key|app[_.-]?key|license[_.-]?key|credentials?|auth|bearer|"
    r"client[_.-]?secret|webhook[_.-]?secret|key"
)
#: The name, from its secret word on (the part before is read backwards from the match).
_NAME = rf"(?i:(?:{_SECRET_WORD})[\w-]{{0,20}})"
#: A type between the name and ``=``: ``password: string =`` (TypeScript, Kotlin, Swift),
#: ``var password string =`` (Go), ``param password string =`` (Bicep).
_TYPE = r"(?:\s*:\s*[\w.<>\[\]?]+\s*(?==)|\s+(?i:string|str|securestring|char\[\]|var)\b)?"
_QUOTED = re.compile(
    rf"(?P<name>{_NAME}){_TYPE}['\"]?\]?\s{{0,3}}(?:=>|:=|\?=|=|:)\s{{0,3}}(?:[@rRbBuUfF]?)"
    r"(?P<q>['\"`])(?P<secret>[^'\"`\n]{6,200})(?P=q)"
)
_BARE = re.compile(
    rf"(?P<name>{_NAME})['\"]?\s{{0,3}}(?:=|:)[ \t]{{0,3}}"
    r"(?P<secret>[^\s'\"`,;#<>(){}\[\]]{8,200})(?=[\s,;]|$)",
    re.M,
)
_XML = re.compile(rf"<(?P<name>{_NAME})>(?P<secret>[^<>\s]{{8,200}})</")

_EXPRESSION = re.compile(
    r"^(?:[A-Za-z_$][\w$]*\s*[.(\[]|process\.env|os\.environ|getenv|env\(|secrets?\.|"
    r"vars?\.|self\.|this\.|config\.|settings\.|request\.)"
)
_NOT_LITERAL = re.compile(
    r"^(?:true|false|null|none|nil|undefined|yes|no|on|off|required|optional|string|str|int|"
    r"bool|boolean|number|object|secret|password|token|\*+|-+|\.+)$",
    re.I,
)
_PATHISH = re.compile(
    r"^(?:[~.]?/|[A-Za-z]:\\|\.\.?/|[\w.-]+/[\w./-]+$)|\.(?:pem|key|crt|json|ya?ml|txt|env)$"
)


def _name_start(text: str, pos: int) -> int:
    """Where the identifier holding the secret word at ``pos`` begins (at most 60 back)."""
    start = pos
    while (
        start > 0 and pos - start < 60 and (text[start - 1].isalnum() or text[start - 1] in "_.-@$")
    ):
        start -= 1
    return start


#: What must follow an identifier for it to be assigned a value at all (a cheap first test).
_ASSIGNED = re.compile(
    r"""[\w.-]*['"`]?\]?[ \t]*(?::[ \t]*[\w.<>\[\]?]+[ \t]*)?(?:=|:|>|[ \t]+\w+[ \t]*=)"""
)


def find(text: str, spans: list[tuple[int, int]]) -> Iterator[Hit]:
    """The generic detector's hits: the patterns are tried only where an identifier holding one
    of the :data:`KEYWORDS` is assigned something, at the positions its secret word may start."""
    tried: set[int] = set()
    for kw_start, kw_end in spans:
        start = _name_start(text, kw_start)
        if start in tried or not _ASSIGNED.match(text, kw_end):
            continue
        tried.add(start)
        for regex, quoted in ((_QUOTED, True), (_BARE, False), (_XML, False)):
            for pos in range(start - 1 if regex is _XML else start, kw_start + 1):
                m = regex.match(text, max(pos, 0))
                if m is None:
                    continue
                name = text[_name_start(text, m.start("name")) : m.end("name")]
                value = m.group("secret")
                if looks_secret(name, value, quoted):
                    yield Hit(GENERIC, value, m.start("secret"), m.end("secret"), "medium")
                break


GENERIC = Detector(
    id="generic-secret",
    provider="Generic",
    name="Hard-coded secret assigned to a secret-named variable",
    rotate="Change the password or revoke the key at the service it belongs to",
    pattern=_QUOTED.pattern,
    keywords=KEYWORDS,
    confidence="medium",
    tags=("generic",),
    finder=find,
)


def _classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def looks_secret(name: str, value: str, quoted: bool) -> bool:
    """Whether ``value`` assigned to ``name`` reads as a literal credential."""
    bare_name = name.strip("'\"`$@").rstrip("]")
    if filters.name_is_not_a_secret(bare_name):
        return False
    v = value.strip()
    if len(v) < 8 and not (quoted and len(v) >= 6 and _classes(v) >= 3):
        return False
    if " " in v or _NOT_LITERAL.match(v) or v.lower() == bare_name.lower():
        return False
    if filters.is_placeholder(v) or filters.is_reference(v) or filters.is_uuid(v):
        return False
    if "://" in v or ("@" in v and "." in v.split("@")[-1]) or _PATHISH.search(v):
        return False
    if not quoted and _EXPRESSION.match(v):
        return False
    if re.fullmatch(r"[\d.,:_-]+", v) or re.fullmatch(r"[A-Za-z]+(?:[_-][A-Za-z]+)*", v):
        return False  # numbers, versions, words and identifiers
    password = bool(re.search(r"(?i)pass|pwd", bare_name))
    e = checks.entropy(v)
    if password:
        return _classes(v) >= 2 and e >= 2.5
    return len(v) >= 16 and _classes(v) >= 2 and checks.mixed(v) and e >= 3.0
