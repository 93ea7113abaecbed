"""How gitops_guard/vendor/detect_secrets is made from the upstream wheel, and checked.

The vendored tree is the wheel's ``detect_secrets/`` package, every file byte for byte, except
that each absolute reference to the top-level package (``from detect_secrets.x import``,
``import detect_secrets``, and the dotted filter paths detect-secrets keys its settings on, such
as ``'detect_secrets.filters.heuristic.is_sequential_string'``) names
``gitops_guard.vendor.detect_secrets`` instead - what pip's ``vendoring`` tool does. Relative
imports stay. So the vendored engine can never load a module of Checkov's ``bc-detect-secrets``
fork, which installs a top-level ``detect_secrets`` of its own.

Update: ``python tests/scanners/vendoring.py NEW.whl`` (then bump ENGINE_VERSION in
gitops_guard/scanners/secrets/upstream.py and the wheel kept in tests/fixtures/engines).
"""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from pathlib import Path

PREFIX = "gitops_guard.vendor."
#: ``detect_secrets`` as an absolute module name: followed by ``.`` or by `` import``, and not
#: already part of a longer dotted name or identifier.
_ABSOLUTE = re.compile(r"(?<![\w.])detect_secrets(?=\.\w|\s+import\b)")


def rewrite(name: str, data: bytes) -> bytes:
    """The vendored bytes of the wheel member ``name``."""
    if not name.endswith(".py"):
        return data
    return _ABSOLUTE.sub(PREFIX + "detect_secrets", data.decode("utf-8")).encode("utf-8")


def members(wheel: Path) -> dict[str, bytes]:
    """The wheel's ``detect_secrets/`` files, by path below the package, rewritten."""
    out = {}
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.startswith("detect_secrets/"):
                continue
            out[info.filename] = rewrite(info.filename, zf.read(info))
    return out


def main(argv: list[str]) -> int:
    wheel = Path(argv[0])
    target = Path(__file__).resolve().parents[2] / "gitops_guard" / "vendor" / "detect_secrets"
    shutil.rmtree(target, ignore_errors=True)
    for name, data in members(wheel).items():
        path = target.parent / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.filename.endswith(".dist-info/LICENSE"):
                (target / "LICENSE").write_bytes(zf.read(info))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
