"""A content-addressed result cache in the user's cache directory.

Key = scanner + engine version + effective options + the path and content hash of every file of a
unit. Values are findings and notices as JSON (never a secret's value: findings never carry one).
Writes are atomic (temp file + rename) so concurrent runs are safe; a corrupt or unreadable entry is
treated as a miss and rewritten; a read-only or full cache directory degrades to no cache.

Every entry carries an HMAC of its key and content under a key kept outside the cache directory
(:func:`signing_key`): an entry altered after it was written - by hand, by another user, or in a
CI cache restored from elsewhere - is a miss, never a result.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from gitops_guard.atomic import atomic_write
from gitops_guard.models import ErrorKind, Finding, ScanError, ScanResult, Severity, stable_hash

CACHE_FORMAT = 2
#: Where the key that authenticates cache entries comes from when not in the environment.
KEY_ENV = "GITOPS_GUARD_CACHE_KEY"


def default_dir() -> Path:
    env = os.environ.get("GITOPS_GUARD_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_path

    return user_cache_path("gitops-guard", appauthor=False)


def key_file() -> Path:
    """The entry-signing key's file: in the user's data directory, never in the cache directory
    (a cache restored from a shared CI cache, or written by someone else, brings no key)."""
    from platformdirs import user_data_path

    return user_data_path("gitops-guard", appauthor=False) / "cache.key"


@functools.cache
def signing_key() -> bytes:
    """``GITOPS_GUARD_CACHE_KEY``, else a random key kept (0600) in :func:`key_file`; if that
    cannot be kept, a key for this process only (entries of other runs are then not trusted)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = key_file()
    with contextlib.suppress(OSError):
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    fresh = secrets.token_bytes(32)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(fresh)
    with contextlib.suppress(OSError):
        data = path.read_bytes()  # another process may have won the race
        if len(data) >= 32:
            return data
    return fresh


def _mac(key: str, body: str) -> str:
    return hmac.new(signing_key(), f"{key}\n{body}".encode(), hashlib.sha256).hexdigest()


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

    def get(self, key: str) -> ScanResult | None:
        if self.notice is not None:
            return None
        try:
            envelope = json.loads(self._path(key).read_text("utf-8"))
            body = envelope["body"]
            if not hmac.compare_digest(str(envelope["mac"]), _mac(key, body)):
                # Altered after it was written, or written with another key: never trusted.
                self.misses += 1
                return None
            raw = json.loads(body)
            result = ScanResult(
                findings=tuple(_finding_from(d) for d in raw["findings"]),
                errors=tuple(
                    ScanError(
                        str(e["scanner"]), str(e["message"]), e.get("path"), ErrorKind(e["kind"])
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
            "errors": [e.to_dict() for e in result.errors],
        }
        body = json.dumps(data, sort_keys=True)
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps({"mac": _mac(key, body), "body": body}))
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
