"""The detect-secrets engine ships inside the package: upstream 1.5.0's code, imports rewritten,
never mixed with Checkov's `bc-detect-secrets` fork, never loaded from a cache directory."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from vendoring import PREFIX, members

from gitops_guard.scanners.secrets import upstream

from ggtest import REPO

WHEEL = REPO / "tests" / "fixtures" / "engines" / "detect_secrets-1.5.0-py3-none-any.whl"
WHEEL_SHA256 = "e24e7b9b5a35048c313e983f76c4bd09dad89f045ff059e354f9943bf45aa060"
VENDORED = REPO / "gitops_guard" / "vendor"


def test_the_wheel_kept_for_comparison_is_upstreams() -> None:
    assert hashlib.sha256(WHEEL.read_bytes()).hexdigest() == WHEEL_SHA256


def test_vendored_code_is_the_wheel_modulo_the_import_rewrite() -> None:
    expected = members(WHEEL)
    on_disk = {
        p.relative_to(VENDORED).as_posix(): p.read_bytes()
        for p in (VENDORED / "detect_secrets").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert on_disk.pop("detect_secrets/LICENSE")  # the wheel's dist-info licence, kept beside it
    assert on_disk.keys() == expected.keys()
    changed = [name for name in expected if on_disk[name] != expected[name]]
    assert changed == [], changed
    # The rewrite leaves no absolute reference to a top-level `detect_secrets`.
    for name, data in on_disk.items():
        if name.endswith(".py"):
            text = data.decode()
            assert "from detect_secrets" not in text and "import detect_secrets" not in text, name
            assert text.replace(PREFIX + "detect_secrets", "").count("'detect_secrets.") == 0, name


def test_the_version_shown_is_the_vendored_one() -> None:
    assert upstream.version() == "1.5.0"
    assert upstream.label() == "detect-secrets 1.5.0 (vendored upstream)"


def test_the_engine_never_mixes_with_the_fork(tmp_path: Path) -> None:
    """With Checkov's fork imported first (as in a worker shared with Checkov) and the other way
    round, every module of our engine comes from the package, and the fork stays the fork."""
    code = (
        "import sys, detect_secrets.core.scan as fork\n"
        "from gitops_guard.scanners.secrets import upstream\n"
        "with upstream.Engine() as e:\n"
        "    hits = e.scan('x.py', 'k = \"AKIA' + 'Q7ZLR4KXW2NMP8TB\"\\n')\n"
        "ours = [m for n, m in sys.modules.items() if n.startswith('gitops_guard.vendor.')]\n"
        "assert all('/gitops_guard/vendor/detect_secrets/' in (getattr(m, '__file__', '') or"
        " '/gitops_guard/vendor/detect_secrets/') for m in ours)\n"
        "assert 'site-packages' in fork.__file__ or 'dist-packages' in fork.__file__\n"
        "print(sorted({h.plugin for h in hits}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert "AWSKeyDetector" in out


def test_nothing_is_imported_from_the_cache_directory(tmp_path: Path) -> None:
    """A planted `detect_secrets` in the user cache dir (what 0.1 unpacked there) is ignored."""
    cache = tmp_path / "cache"
    planted = cache / "engines" / "detect_secrets-1.5.0-e24e7b9b5a35" / "detect_secrets"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text("raise SystemExit('planted engine imported')\n")
    code = (
        "from gitops_guard.scanners.secrets import upstream\n"
        "with upstream.Engine() as e:\n"
        "    print(len(e.scan('x.py', 'password = \"Hq4Lw9Zt2Xv7Kp3N\"\\n')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"GITOPS_GUARD_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "1", out.stderr
