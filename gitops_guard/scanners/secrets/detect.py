"""The catalogue engine on one piece of text: detectors, the generic detector and decoded values,
through the precision filters, as :class:`~.report.Candidate` s with line numbers."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator

from gitops_guard.scanners.secrets import decode, filters, generic
from gitops_guard.scanners.secrets.catalogue import Catalogue, Detector, Hit, Lines
from gitops_guard.scanners.secrets.report import Candidate

_DOCKER_AUTH = re.compile(
    r"\"(?P<registry>[^\"\n]{1,200})\"\s*:\s*\{[^{}]{0,400}?\"auth\"\s*:\s*\"(?P<auth>[A-Za-z0-9+/=]{8,})\""
)
#: Detectors whose values are only meaningful with a provider's prefix: near-misses are noise.
_HEXISH = re.compile(r"[0-9a-fA-F]+|[A-Za-z0-9+/=_-]+")
_LOOSE = {"keyed", "generic", "loose"}


_ALLOWLIST = re.compile(r"pragma:\s*allowlist[ -]secret", re.I)
_ALLOWLIST_NEXT = re.compile(r"pragma:\s*allowlist[ -]nextline[ -]secret", re.I)


def allowlisted(lines: Lines, offset: int) -> bool:
    """detect-secrets' inline allowlist, honoured by the catalogue too: ``pragma: allowlist
    secret`` on the line, or ``pragma: allowlist nextline secret`` on the line before."""
    if _ALLOWLIST.search(lines.text(offset)):
        return True
    start, _ = lines.bounds(offset)
    return start > 0 and bool(_ALLOWLIST_NEXT.search(lines.text(start - 1)))


def _keep(hit: Hit, line: str, line_start: int, path: str) -> bool:
    d = hit.detector
    if "block" in d.tags:
        return True  # key-material check done
    value = hit.value
    if filters.is_placeholder(value) or filters.is_reference(value):
        return False
    loose = "keyed" in d.tags or "generic" in d.tags or "loose" in d.tags
    if "keyed" in d.tags or "loose" in d.tags:
        name = filters.assignment_name(line, hit.start - line_start)
        own = name.lower().strip("'\"`$@") in {n.lower() for n in d.names}  # the provider's own
        if name and not own and filters.name_is_not_a_secret(name):
            return False
    if "loose" in d.tags and filters.is_plain_text(value):
        return False
    if loose and "uuid" not in d.tags and filters.is_uuid(value):
        return False
    return not (loose and _HEXISH.fullmatch(value) and filters.is_digest_context(value, line, path))


def _candidates(
    hits: Iterable[Hit], lines: Lines, path: str, at: tuple[int, int] | None = None, where: str = ""
) -> Iterator[Candidate]:
    """Hits as candidates; ``at`` is the span of the encoded value they were decoded from."""
    for hit in hits:
        start, end = at or hit.span or (hit.start, hit.end)
        line_start, _ = lines.bounds(start)
        if not _keep(hit, lines.text(start), line_start, path) or allowlisted(lines, start):
            continue
        yield Candidate.of_hit(
            hit,
            line=lines.line(start),
            end_line=lines.line(max(start, end - 1)),
            col=start - line_start,
            end_col=end - line_start if lines.line(end - 1) == lines.line(start) else 1 << 30,
            where=where or hit.where,
            start=start,
            end=end,
        )


def _scan(cat: Catalogue, text: str) -> list[Hit]:
    return list(cat.scan(text))


def _decoded(cat: Catalogue, text: str, depth: int) -> Iterator[tuple[decode.Decoded, Hit]]:
    """Hits in the base64 / URL-encoded values of ``text``, through nested encodings."""
    for dec in decode.blobs(text):
        for hit in cat.scan(dec.text):
            yield dec, hit
        if depth > 1:
            for _, inner in _decoded(cat, dec.text, depth - 1):
                yield dec, inner


def _docker_auths(text: str, lines: Lines, path: str, where: str = "") -> Iterator[Candidate]:
    for m in _DOCKER_AUTH.finditer(text):
        try:
            raw = base64.b64decode(m.group("auth"), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        _, sep, password = raw.partition(":")
        if not sep or filters.is_placeholder(password) or filters.is_reference(password):
            continue
        loc = f"base64 auth of registry {m.group('registry')}" + (f", {where}" if where else "")
        hit = Hit(DOCKER_AUTH, password, m.start("auth"), m.end("auth"), "high", loc)
        yield from _candidates([hit], lines, path)


DOCKER_AUTH = Detector(
    id="docker-config-auth",
    provider="Docker registry",
    name="Docker registry credentials",
    pattern=_DOCKER_AUTH.pattern,
    keywords=('"auth"',),
    confidence="high",
    rotate="Revoke the password or token at the registry (Docker Hub: Account settings > "
    "Personal access tokens) and log in again",
    tags=("decoded",),
)


def detect(cat: Catalogue, text: str, path: str, first_line: int, seen: int) -> list[Candidate]:
    """Candidates of one piece; those wholly inside its first ``seen`` characters (the previous
    piece's overlap) were reported with that piece."""
    lines = Lines(text, first_line)
    hits = _scan(cat, text)
    if filters.is_encrypted_text(text):
        # Ciphertext: its random values are encrypted; only a real format stands out.
        hits = [
            h
            for h in hits
            if not (_LOOSE & set(h.detector.tags) and filters.in_encrypted_block(text, h.start))
        ]
    out = list(_candidates(hits, lines, path))
    for dec in decode.kubernetes_data(text):
        span = (dec.start, dec.end)
        found = list(_candidates(_scan(cat, dec.text), Lines(dec.text), path))
        hits = [
            Hit(c.detector_obj, c.value, dec.start, dec.end, c.confidence)
            for c in found
            if c.detector_obj is not None
        ]
        out += _candidates(hits, lines, path, span, dec.where)
        if '"auths"' in dec.text or '"auth"' in dec.text:
            for c in _docker_auths(dec.text, Lines(dec.text), path, dec.where):
                out += _candidates(
                    [Hit(DOCKER_AUTH, c.value, 0, 0, "high", c.where)], lines, path, span
                )
        elif not hits and dec.key and generic.looks_secret(dec.key, dec.text.strip(), True):
            hit = Hit(generic.GENERIC, dec.text.strip(), dec.start, dec.end, "medium")
            out += _candidates([hit], lines, path, span, dec.where)
    if '"auth"' in text:
        out += _docker_auths(text, lines, path)
    for dec, hit in _decoded(cat, text, decode.MAX_DEPTH):
        out += _candidates([hit], lines, path, (dec.start, dec.end), dec.where)
    return [c for c in out if c.end > seen or c.start >= seen]
