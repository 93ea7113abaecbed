"""A content-addressed result cache in the user's cache directory.

Key = scanner + engine version + effective options + the path and content hash of every file of a
unit. Values are findings and notices as JSON (never a secret's value: findings never carry one).
Writes are atomic (temp file + rename) so concurrent runs are safe; a corrupt or unreadable entry is
treated as a miss and rewritten; a read-only or full cache directory degrades to no cache.

Every entry carries an HMAC of its key and content under a key kept outside the cache directory
(:func:`gitops_guard.signing.signing_key`): an entry altered after it was written - by hand, by
another user, or in a CI cache restored from elsewhere - is a miss, never a result.
"""

from __future__ import annotations

import contextlib
import hmac
import json
from collections.abc import Iterable
from pathlib import Path

from gitops_guard.atomic import atomic_write
from gitops_guard.models import ErrorKind, Finding, ScanError, ScanResult, Severity, stable_hash
from gitops_guard.signing import KEY_ENV, default_dir, key_file, mac, signing_key

CACHE_FORMAT = 3

__all__ = ["KEY_ENV", "Cache", "default_dir", "key_file", "signing_key", "unit_key"]


def unit_key(
    scanner: str, engine: str, options: str, files: Iterable[tuple[str, str]], report: Iterable[str]
) -> str:
    """The cache key of one unit: everything that can change its result."""
    parts = [str(CACHE_FORMAT), scanner, engine, options]
    for path, digest in sorted(files):
        parts += [path, digest]
    parts.append("|".join(sorted(report)))
    return stable_hash(*parts)


def _finding_from(d: dict[str, object]) -> Finding:
    return Finding(
        scanner=str(d["scanner"]),
        tool=str(d["tool"]),
        rule_id=str(d["rule_id"]),
        severity=Severity(str(d["severity"])),
        message=str(d["message"]),
        path=str(d["path"]),
        line=int(d["line"]),  # type: ignore[call-overload]
        end_line=int(d["end_line"]),  # type: ignore[call-overload]
        column=int(d.get("column", 0)),  # type: ignore[call-overload]
        confidence=None if d.get("confidence") is None else str(d["confidence"]),
        resource=None if d.get("resource") is None else str(d["resource"]),
        help_url=None if d.get("help_url") is None else str(d["help_url"]),
        anchor=str(d.get("anchor", "")),
        occurrences=tuple(int(n) for n in d.get("occurrences", ())),  # type: ignore[attr-defined]
        merged=tuple(str(m) for m in d.get("merged", ())),  # type: ignore[attr-defined]
        also_in=tuple(str(a) for a in d.get("also_in", ())),  # type: ignore[attr-defined]
        commit=None if d.get("commit") is None else str(d["commit"]),
        fix=None if d.get("fix") is None else str(d["fix"]),
        sources=tuple(str(x) for x in d.get("sources", ())),  # type: ignore[attr-defined]
    )


def _finding_to(f: Finding) -> dict[str, object]:
    d = f.to_dict()
    d.pop("fingerprint")
    d["merged"] = d.pop("merged_fingerprints")
    d["anchor"] = f.anchor
    return d


class Cache:
    """Get and put :class:`ScanResult` values by key. Never raises on I/O problems."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = (directory or default_dir()) / f"v{CACHE_FORMAT}"
        self.notice: str | None = None
        """Set when the cache had to be disabled (read-only, full...): shown to the user."""
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, *, count: bool = True) -> ScanResult | None:
        """The entry of ``key``, or None; ``count=False`` leaves the hit and miss counts alone
        (a lookup that another answers when it fails)."""
        hits, misses = self.hits, self.misses
        result = self._get(key)
        if not count:
            self.hits, self.misses = hits, misses
        return result

    def _get(self, key: str) -> ScanResult | None:
        if self.notice is not None:
            return None
        try:
            # An entry is its MAC on the first line, then its JSON body.
            signature, _, body = self._path(key).read_text("utf-8").partition("\n")
            if not hmac.compare_digest(signature, mac(key, body)):
                # Altered after it was written, or written with another key: never trusted.
                self.misses += 1
                return None
            raw = json.loads(body)
            result = ScanResult(
                findings=tuple(_finding_from(d) for d in raw["findings"]),
                errors=tuple(
                    ScanError(
                        str(e["scanner"]),
                        str(e["message"]),
                        e.get("path"),
                        ErrorKind(e["kind"]),
                        bool(e.get("lasting")),
                    )
                    for e in raw["errors"]
                ),
            )
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1  # corrupt entry: a miss, rewritten by put()
            return None
        self.hits += 1
        return result

    def put(self, key: str, result: ScanResult) -> None:
        if self.notice is not None:
            return
        data = {
            "findings": [_finding_to(f) for f in result.findings],
            "errors": [{**e.to_dict(), "lasting": e.lasting} for e in result.errors],
        }
        body = json.dumps(data, sort_keys=True)
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, f"{mac(key, body)}\n{body}")
        except OSError as exc:
            self.notice = f"cache disabled: cannot write to {self.directory}: {exc.strerror or exc}"

    def clear(self) -> int:
        """Delete every entry; returns how many were removed."""
        removed = 0
        if not self.directory.is_dir():
            return 0
        for entry in self.directory.glob("*/*.json"):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed += 1
        return removed

    def info(self) -> tuple[int, int]:
        """(entries, bytes) currently stored."""
        entries = size = 0
        for entry in self.directory.glob("*/*.json"):
            with contextlib.suppress(OSError):
                size += entry.stat().st_size
                entries += 1
        return entries, size
