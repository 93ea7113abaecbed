"""The one text decoder: how gitops-guard turns a file's bytes into text, everywhere.

UTF-16 with a byte-order mark (what PowerShell's ``>`` writes) is decoded as UTF-16; anything
else as UTF-8 with or without a BOM. What happens to bytes that are not UTF-8 is the caller's
choice (``fallback``): replaced by U+FFFD (reading YAML, anchoring lines), read as Latin-1 so
that no byte is lost (secret detection), or refused (drift inputs).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Literal

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

Fallback = Literal["replace", "latin-1", "strict"]


def is_utf16(data: bytes) -> bool:
    """True for UTF-16 with a BOM: its decoded lines and offsets differ from the bytes'."""
    return data.startswith(_UTF16_BOMS)


def decode(data: bytes, fallback: Fallback = "replace") -> str:
    """Text of ``data``. With ``fallback="strict"`` invalid text raises
    :class:`UnicodeDecodeError`."""
    if is_utf16(data):
        return data.decode("utf-16", "strict" if fallback == "strict" else "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if fallback == "strict":
            raise
        if fallback == "latin-1":
            return data.decode("latin-1")
        return data.decode("utf-8-sig", "replace")


def is_utf8(data: bytes) -> bool:
    """True when :func:`decode` reads ``data`` as UTF-8 without replacing anything."""
    if is_utf16(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read(path: Path, fallback: Fallback = "replace") -> str:
    """:func:`decode` of a whole file."""
    return decode(path.read_bytes(), fallback)
