"""Reading a file as text in bounded pieces, so a file of any size is scanned in bounded memory.

A file up to :data:`WHOLE` bytes is one piece (detect-secrets then parses YAML and INI exactly as
upstream does). A larger one is read :data:`PIECE` bytes at a time, cut after a newline, and each
piece starts with the last :data:`OVERLAP` characters of the one before, so a token or key block
that straddles a cut is whole in one of them.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gitops_guard import text as textmod

WHOLE = 8 << 20
PIECE = 1 << 20
OVERLAP = 64 << 10


@dataclass(frozen=True)
class Piece:
    text: str
    """Newlines normalised to ``\\n``."""
    first_line: int
    """Line number of the piece's first line."""
    whole: bool
    """True when the piece is the whole file."""
    seen: int = 0
    """Characters at the start already in the previous piece (its overlap)."""


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def pieces(path: Path, size: int) -> Iterator[Piece]:
    if size <= WHOLE:
        yield Piece(normalise(textmod.decode(path.read_bytes(), "latin-1")), 1, True)
        return
    yield from _stream(path)


def _decoder(head: bytes) -> codecs.IncrementalDecoder:
    if textmod.is_utf16(head):
        return codecs.getincrementaldecoder("utf-16")("replace")
    return codecs.getincrementaldecoder("utf-8-sig")("strict")


def _stream(path: Path) -> Iterator[Piece]:
    first = 1  # line number of the piece's first character
    overlap = ""  # the previous piece's last lines, scanned already
    rest = ""  # text after the previous cut, not scanned yet
    with path.open("rb") as fh:
        decoder = _decoder(fh.read(4))
        fh.seek(0)
        latin = False
        while True:
            block = fh.read(PIECE)
            final = not block
            try:
                chunk = block.decode("latin-1") if latin else decoder.decode(block, final)
            except UnicodeDecodeError:
                # Not UTF-8 after all: read the rest byte for byte (as the whole-file path does).
                latin = True
                chunk = block.decode("latin-1")
            text = normalise(overlap + rest + chunk)
            cut = len(text)
            if not final:
                cut = text.rfind("\n") + 1
                if cut <= len(overlap):  # one very long line: cut it anyway
                    cut = len(text)
            body = text[:cut]
            if len(body) > len(overlap):
                yield Piece(body, first, False, seen=len(overlap))
            if final:
                return
            rest = text[cut:]
            overlap = _tail(body)
            first += body.count("\n") - overlap.count("\n")


def _tail(body: str) -> str:
    """The last lines of ``body`` (at most :data:`OVERLAP` characters), from a line start."""
    if len(body) <= OVERLAP:
        return body
    start = body.find("\n", len(body) - OVERLAP) + 1
    return body[start:] if start else body[-OVERLAP:]
