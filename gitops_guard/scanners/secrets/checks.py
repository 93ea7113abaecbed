"""What a candidate value must satisfy beyond its detector's pattern: named checks the catalogue
refers to (``checks = ["jwt"]``), and checksums that raise confidence where a format has one.

A *check* is a gate: a value that fails it is not that credential (a JWT whose header is not JSON,
a key block with no key material). A *checksum* is evidence: a GitHub token whose CRC32 tail
matches was issued by GitHub; one whose tail does not is still reported, at lower confidence, since
samples in docs and tests are often hand-made.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from collections.abc import Callable

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _base62(number: int, width: int) -> str:
    out = ""
    while number:
        number, digit = divmod(number, 62)
        out = BASE62[digit] + out
    return out.rjust(width, "0")


def crc32_base62_tail(value: str) -> bool:
    """GitHub's and npm's token format: ``prefix_`` + 30 random base62 characters + the CRC32 of
    those 30 characters in base62, zero-padded to 6."""
    body = value.rsplit("_", 1)[-1]
    if len(body) != 36:
        return False
    random, tail = body[:30], body[30:]
    return _base62(zlib.crc32(random.encode()), 6) == tail


def _b64json(part: str) -> object:
    padded = part + "=" * (-len(part) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError):
        return None


def jwt(value: str) -> bool:
    """Three dot-separated base64url parts whose first two decode to JSON objects, the header
    naming an algorithm (``alg``); ``alg: none`` carries no signature and no secret."""
    parts = value.split(".")
    if len(parts) != 3:
        return False
    header, payload = _b64json(parts[0]), _b64json(parts[1])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return False
    alg = header.get("alg")
    return isinstance(alg, str) and alg.lower() != "none" and len(parts[2]) >= 16


_B64_BODY = re.compile(r"[A-Za-z0-9+/=\s\\n]+")


def key_material(value: str) -> bool:
    """A private-key block holds key material: at least 64 base64 characters between its armor
    lines (a placeholder such as ``...`` or ``<key>`` has none)."""
    inner = re.sub(r"-----[A-Z0-9 ]+-----", "", value)
    inner = re.sub(r"^[\w-]+:.*$", "", inner, flags=re.M)  # armor headers (Proc-Type, Comment)
    inner = inner.replace("\\n", "\n").replace("\\r", "")
    letters = sum(ch.isalnum() or ch in "+/" for ch in inner)
    if letters < 64:
        return False
    compact = re.sub(r"\s+", "", inner)
    return entropy(compact) > 4.0 and not re.search(r"(.)\1{15}", compact)


def mixed(value: str) -> bool:
    """Both letters and digits: random keys of 16+ characters nearly always mix them, words and
    identifiers rarely do."""
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def not_hex_only(value: str) -> bool:
    """A base64-alphabet secret that is all hexadecimal is more likely a hash or id."""
    return not re.fullmatch(r"[0-9a-fA-F]+", value)


def aws_secret(value: str) -> bool:
    """AWS secret access keys: 40 base64 characters, random, mixing cases and digits."""
    return (
        len(value) == 40
        and entropy(value) > 4.0
        and any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and any(c.isdigit() for c in value)
    )


def url_password(value: str) -> bool:
    """The password of ``scheme://user:password@host`` is worth reporting when it is not a
    placeholder and not a reference (filters handle those); a bare ``x`` or ``-`` is not."""
    return len(value) >= 3


CHECKS: dict[str, Callable[[str], bool]] = {
    "jwt": jwt,
    "key-material": key_material,
    "mixed": mixed,
    "not-hex-only": not_hex_only,
    "aws-secret": aws_secret,
    "url-password": url_password,
}

CHECKSUMS: dict[str, Callable[[str], bool]] = {
    "crc32-base62": crc32_base62_tail,
}
