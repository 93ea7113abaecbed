"""Encoded secrets: values that are base64 or URL-encoded where they sit.

- a Kubernetes ``Secret``'s ``data:`` values (base64 by definition), named by key and object;
- ``.dockerconfigjson`` / ``.dockercfg`` and Docker ``config.json`` ``auths``: the base64
  ``user:password`` of each registry;
- other base64 blobs of a text that decode to text (a token in a ``--header`` argument, a Helm
  value, an env var), up to :data:`MAX_DEPTH` encodings deep;
- URL-encoded values (``%2F``, ``%40``).

Each :class:`Decoded` gives the decoded text and the span of the encoded one; the scanner runs the
catalogue on the decoded text and reports any hit at the encoded value's line, saying where the
value sits and how it is encoded. Neither the value nor its encoding leaves the scanner.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

MAX_DEPTH = 2
#: Bounds on the work one file can cause.
MAX_BLOBS = 4000
MAX_BLOB = 64 << 10

#: A run of base64 characters (standard or URL-safe alphabet), long enough to hold a token.
_RUN = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_TOKEN_CHARS = re.compile(r"[^\s'\"<>]*")
_SECRET_KIND = re.compile(r"(?m)^kind:\s*['\"]?Secret['\"]?\s*$")
_DATA_KEY = re.compile(r"(?m)^(?P<indent>[ \t]*)(?P<key>data|binaryData):[ \t]*$")
_ENTRY = re.compile(
    r"^(?P<indent>[ \t]+)(?P<key>['\"]?[\w.-]+['\"]?):[ \t]*(?P<value>[A-Za-z0-9+/=]+)[ \t]*$"
)
_NAME = re.compile(r"(?m)^  name:\s*['\"]?([\w.-]+)")


@dataclass(frozen=True)
class Decoded:
    text: str
    """The decoded text (holds the secret: never leaves the scanner)."""
    start: int
    end: int
    """Span of the encoded value in the text it was found in."""
    where: str
    """``base64 in data.token of Secret db``, ``URL-encoded``..."""
    key: str = ""
    """The name the value was given (a Secret's data key, a registry), for the generic detector."""


def _b64(value: str) -> str | None:
    try:
        raw = base64.b64decode(
            value + "=" * (-len(value) % 4),
            altchars=b"-_" if "-" in value or "_" in value else None,
            validate=True,
        )
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    return text if text and printable >= 0.95 * len(text) else None


def kubernetes_data(text: str) -> Iterator[Decoded]:
    """Each ``data:`` value of each ``Secret`` document of a YAML text."""
    if not _SECRET_KIND.search(text):
        return
    offset = 0
    for doc in re.split(r"(?m)^(?=---)", text):
        if _SECRET_KIND.search(doc):
            name = _NAME.search(doc)
            obj = f"Secret {name.group(1)}" if name else "a Secret"
            yield from _data_entries(doc, offset, obj)
        offset += len(doc)


def _data_entries(doc: str, offset: int, obj: str) -> Iterator[Decoded]:
    for block in _DATA_KEY.finditer(doc):
        indent = len(block.group("indent"))
        pos = block.end() + 1
        for line in doc[pos:].split("\n"):
            m = _ENTRY.match(line)
            if not m or len(m.group("indent")) <= indent:
                if line.strip() and len(line) - len(line.lstrip()) <= indent:
                    break
                pos += len(line) + 1
                continue
            key = m.group("key").strip("'\"")
            decoded = _b64(m.group("value"))
            if decoded is not None:
                start = offset + pos + m.start("value")
                where = f"base64 in {block.group('key')}.{key} of {obj}"
                yield Decoded(decoded, start, start + len(m.group("value")), where, key)
            pos += len(line) + 1


def docker_auths(text: str, base: int, where: str) -> Iterator[Decoded]:
    """``auths.<registry>.auth`` (base64 ``user:password``) in Docker config JSON."""
    try:
        doc = json.loads(text)
    except ValueError:
        return
    auths = doc.get("auths", doc) if isinstance(doc, dict) else None
    if not isinstance(auths, dict):
        return
    for registry, entry in auths.items():
        if isinstance(entry, dict) and isinstance(entry.get("auth"), str):
            decoded = _b64(entry["auth"])
            if decoded and ":" in decoded:
                password = decoded.split(":", 1)[1]
                yield Decoded(
                    password,
                    base,
                    base,
                    f"{where}, registry {registry}".lstrip(", "),
                    "password",
                )


def blobs(text: str) -> Iterator[Decoded]:
    """Base64 and URL-encoded values of ``text`` that decode to text."""
    count = 0
    for m in _RUN.finditer(text):
        if count >= MAX_BLOBS:
            return
        value = m.group()
        if len(value) > MAX_BLOB or (m.start() and text[m.start() - 1] in "+/=_-"):
            continue
        if ("-" in value or "_" in value) and ("+" in value or "/" in value):
            continue  # two alphabets: not one base64 value
        decoded = _b64(value)
        if decoded is not None and len(decoded) >= 8:
            count += 1
            yield Decoded(decoded, m.start(), m.end(), "base64-encoded")
    if "%" not in text:
        return
    seen = -1
    for m in _PERCENT.finditer(text):
        if count >= MAX_BLOBS or m.start() < seen:
            continue
        start = m.start()
        while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "'\"<>":
            start -= 1
        end = _TOKEN_CHARS.match(text, m.start()).end()  # type: ignore[union-attr]
        seen = end
        encoded = text[start:end]
        decoded = unquote(encoded)
        if decoded != encoded:
            count += 1
            yield Decoded(decoded, start, end, "URL-encoded")
