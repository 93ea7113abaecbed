"""Samples of each catalogue format, made from the detector's own definition at test time, so the
repository holds no credential-shaped literal and every detector gets positive and negative tests.

A sample is drawn from the regular expression's parse tree (``re._parser``): each character class
is sampled, each repeat picks a length in its range. Checks that need structure get it: a JWT is a
real three-part token, a key block holds random base64, a GitHub-style token carries its CRC32
tail. Negatives are the same line with the value blanked (``xxxx``), and with the provider's
prefix or key name changed, which no detector of that provider may take for its own.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import zlib
from dataclasses import dataclass
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

from gitops_guard.scanners.secrets.catalogue import Detector
from gitops_guard.scanners.secrets.checks import BASE62

SAFE = string.ascii_letters + string.digits
_CATEGORY = {
    C.CATEGORY_DIGIT: string.digits,
    C.CATEGORY_NOT_DIGIT: string.ascii_letters,
    C.CATEGORY_WORD: SAFE + "_",
    C.CATEGORY_NOT_WORD: "-.",
    C.CATEGORY_SPACE: " ",
    C.CATEGORY_NOT_SPACE: SAFE,
}


#: What a negated class (``[^\\s"']``) stands for in a sample: the gaps between things.
GAPS = " ,;&:-"


def _pool(items: list[Any]) -> list[str]:
    pool: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            pool.append(chr(av))
        elif op is C.RANGE:
            pool += [chr(c) for c in range(av[0], min(av[1], 0x7E) + 1)]
        elif op is C.CATEGORY:
            pool += list(_CATEGORY[av]) + ([" ", "\n"] if av is C.CATEGORY_SPACE else [])
    return pool


def _class(items: list[Any], rng: random.Random) -> str:
    if items and items[0][0] is C.NEGATE:
        banned = set(_pool(items[1:]))
        return rng.choice([c for c in GAPS + SAFE if c not in banned])
    pool: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            pool.append(chr(av))
        elif op is C.RANGE:
            pool += [chr(c) for c in range(av[0], av[1] + 1)]
        elif op is C.CATEGORY:
            pool += list(_CATEGORY[av])
    # Prefer letters and digits: samples should look like tokens, not punctuation.
    alnum = [c for c in pool if c.isalnum()]
    return rng.choice(alnum if len(alnum) >= 2 else pool)


def _walk(tree: Any, rng: random.Random, groups: dict[int, str]) -> str:
    out = []
    for op, av in tree:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL:
            out.append(rng.choice([c for c in GAPS if ord(c) != av]))
        elif op is C.AT and av is C.AT_BOUNDARY:
            out.append("-")
        elif op is C.AT and av in (C.AT_BEGINNING, C.AT_BEGINNING_LINE) and out:
            out.append("\n")
        elif op is C.ANY:
            out.append(rng.choice(SAFE))
        elif op is C.IN:
            out.append(_class(av, rng))
        elif op is C.BRANCH:
            out.append(_walk(av[1][0], rng, groups))
        elif op is C.SUBPATTERN:
            text = _walk(av[-1], rng, groups)
            if av[0]:
                groups[av[0]] = text
            out.append(text)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            low, high, sub = av
            high = low + 8 if high is C.MAXREPEAT else min(high, low + 8)
            count = max(low, 1) if low == high else rng.randint(max(low, 1), max(high, 1))
            if low == 0 and high <= 1:
                count = 0
            out += [_walk(sub, rng, groups) for _ in range(count)]
        elif op is C.GROUPREF:
            out.append(groups.get(av, ""))
        elif op is C.CATEGORY:
            out.append(rng.choice(_CATEGORY[av]))
        # AT, ASSERT, ASSERT_NOT: zero-width, nothing to emit
    return "".join(out)


def sample_regex(pattern: str, seed: str) -> str:
    rng = random.Random(seed)
    return _walk(P.parse(pattern), rng, {})


def _jwt(rng: random.Random) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    sig = "".join(rng.choice(SAFE + "-_") for _ in range(43))
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': rng.randint(1, 10**9)})}.{sig}"


def _crc_tail(value: str) -> str:
    head, _, body = value.rpartition("_")
    random30 = body[:30]
    number, tail = zlib.crc32(random30.encode()), ""
    while number:
        number, digit = divmod(number, 62)
        tail = BASE62[digit] + tail
    return f"{head}_{random30}{tail.rjust(6, '0')}"


@dataclass(frozen=True)
class Sample:
    line: str
    """A text holding the credential."""
    value: str
    """The credential as the detector reports it."""
    blanked: str
    """The same text with the value replaced by ``x`` characters."""
    renamed: str
    """The same text with the prefix or key name changed."""


def _raw_pattern(d: Detector) -> str:
    if "keyed" in d.tags:
        m = re.search(r"\(\?P<secret>(.*)\)\(\?!\[A-Za-z0-9\+/_-\]\)$", d.regex.pattern, re.S)
        assert m, d.id
        return m.group(1)
    wrapped = r"\(\?<!\[A-Za-z0-9_\+/-\]\)\(\?:(.*)\)\(\?!\[A-Za-z0-9_\+/=-\]\)"
    m = re.fullmatch(wrapped, d.regex.pattern, re.S)
    return m.group(1) if m else d.regex.pattern


def make(d: Detector, attempt: int = 0) -> Sample:
    rng = random.Random(f"{d.id}/{attempt}")
    raw = _raw_pattern(d)
    text = _jwt(rng) if "jwt" in d.checks else sample_regex(raw, f"{d.id}/{attempt}")
    if d.checksum:
        text = _crc_tail(text)
    if "keyed" in d.tags:
        name = d.names[0]
        line = f'{name} = "{text}"\n'
        renamed = f'description = "{text}"\n'
    else:
        bare = "block" in d.tags or raw.startswith(("(?m)^", "(?:^|")) or text[:1].isspace()
        line = text + "\n" if bare else f"value: {text}\n"
        first = d.prefix[:1] or text[:1]
        swap = "Q" if first != "Q" else "Z"
        renamed = line.replace(d.prefix, swap + d.prefix[1:], 1) if d.prefix else ""
    requires = "".join(f"# {r}\n" for r in d.requires)
    if not any(k in line.lower() for k in d.keywords):
        requires += f"# {d.keywords[0]}\n"  # what the prefilter needs, as any context says it
    m = next(d.regex.finditer(requires + line), None)
    value = ""
    if m is not None:
        group = "secret" if "secret" in d.regex.groupindex and m.group("secret") else 0
        value = m.group(group)
    blanked = (requires + line).replace(value, "x" * len(value)) if value else ""
    return Sample(requires + line, value, blanked, requires + renamed if renamed else "")


# -- the labelled examples (secrets_eval/*.toml) ----------------------------------------------

_ALPHABETS = {
    "b62": SAFE,
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "b64": SAFE + "+/",
    "b64u": SAFE + "-_",
    "up": string.ascii_uppercase + string.digits,
    "lo": string.ascii_lowercase + string.digits,
    "alpha": string.ascii_letters,
    "dig": string.digits,
    "bech": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
}
_FIELD = re.compile(r"\{(\w+)(?::([^{}]*(?:\{[^{}]*\}[^{}]*)*))?\}")


def _pem(kind: str, rng: random.Random) -> str:
    body = base64.b64encode(bytes(rng.randrange(256) for _ in range(900))).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{lines}\n-----END {kind}PRIVATE KEY-----"


def fill(template: str, seed: str) -> str:
    """``template`` with each ``{kind:arg}`` field replaced (see secrets_eval/positives.toml)."""
    rng = random.Random(seed)

    def one(m: re.Match[str]) -> str:
        kind, arg = m.group(1), m.group(2) or ""
        if kind in _ALPHABETS:
            return "".join(rng.choice(_ALPHABETS[kind]) for _ in range(int(arg)))
        if kind == "uuid":
            h = "".join(rng.choice("0123456789abcdef") for _ in range(32))
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
        if kind == "jwt":
            return _jwt(rng)
        if kind == "pem":
            return _pem(arg, rng)
        if kind == "pemjson":
            return _pem("", rng).replace("\n", "\\n") + "\\n"
        if kind == "b64auth":
            user = "ci-" + "".join(rng.choice(SAFE) for _ in range(4))
            password = "".join(rng.choice(SAFE) for _ in range(20))
            return base64.b64encode(f"{user}:{password}".encode()).decode()
        if kind == "dockerconfig":
            auth = one(_FIELD.match("{b64auth}"))  # type: ignore[arg-type]
            doc = {"auths": {"ghcr.io": {"auth": auth}}}
            return base64.b64encode(json.dumps(doc).encode()).decode()
        if kind == "b64of":
            return base64.b64encode(fill(arg, seed + "/inner").encode()).decode()
        return m.group()  # not a field: ${VAR}, {{ .Values.x }}, {name}

    out = _FIELD.sub(one, template)
    # {crc}: the CRC32 tail of the 30 base62 characters just before it.
    return re.sub(r"([A-Za-z0-9]{30})\{crc\}", lambda m: _crc_tail("x_" + m.group(1))[2:], out)
