"""Package data (TOML tables) parsed once and kept, signed, as JSON in the user cache directory.

``tomllib`` takes tens of milliseconds on the larger tables; a warm run reads their JSON instead.
An entry is keyed on the hash of the TOML it was made from and carries an HMAC
(:mod:`gitops_guard.signing`): a changed table is parsed again, an altered entry is never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import sys
from typing import Any

from gitops_guard.atomic import atomic_write
from gitops_guard.signing import default_dir, mac

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

FORMAT = 1


def load_toml(name: str, text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, from the signed JSON kept for ``name`` when it is current."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
    key = f"{FORMAT}:{name}:{digest}"
    path = default_dir() / "data" / f"{name}-{digest}.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        envelope = json.loads(path.read_text("utf-8"))
        body = envelope["body"]
        if hmac.compare_digest(str(envelope["mac"]), mac(key, body)):
            data: dict[str, Any] = json.loads(body)
            return data
    data = tomllib.loads(text)
    with contextlib.suppress(OSError, TypeError, ValueError):
        body = json.dumps(data, sort_keys=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps({"mac": mac(key, body), "body": body}))
    return data
