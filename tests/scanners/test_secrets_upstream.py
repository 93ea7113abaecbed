"""detect-secrets run on candidate lines only gives what upstream's own `scan_file` gives.

:mod:`gitops_guard.scanners.secrets.upstream` skips files and lines where no plugin's pattern or
keyword occurs, and applies upstream's line filters after the plugins instead of before. These
tests compare it with the vendored engine's unmodified `scan_file` on real files (this repository,
../shared/corpora, upstream-style test lines) and on generated ones.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_guard.scanners.secrets import upstream

from ggtest import REPO, SHARED

SKIP_DIRS = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", "vendor"}


def _full(path: Path) -> Counter[tuple[str, int]]:
    from gitops_guard.vendor.detect_secrets.core import scan as ds_scan
    from gitops_guard.vendor.detect_secrets.settings import default_settings

    with default_settings():
        return Counter((s.type, s.line_number) for s in ds_scan.scan_file(str(path)))


def _ours(path: Path) -> Counter[tuple[str, int]]:
    with upstream.Engine() as engine:
        text = path.read_text(encoding="utf-8")
        return Counter((h.secret_type, h.line) for h in engine.scan(str(path), text))


def _files(root: Path) -> list[Path]:
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and not SKIP_DIRS & set(p.parts) and p.stat().st_size < 1 << 20:
            try:
                p.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            out.append(p)
    return out


def _compare(files: list[Path]) -> None:
    differ = [str(p) for p in files if _ours(p) != _full(p)]
    assert not differ, differ


def test_same_as_scan_file_on_this_repository() -> None:
    files = _files(REPO)
    assert len(files) > 100
    _compare(files)


def test_same_as_scan_file_on_the_corpora() -> None:
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip("../shared/corpora is not available")
    _compare(_files(corpora))


FRAGMENTS = [
    "password",
    "secret",
    "api_key",
    "apikey",
    "token",
    "key",
    "pwd",
    "AKIA",
    "ghp_",
    "glpat-",
    "xoxb-",
    "sk_live_",
    "eyJ",
    "-----BEGIN RSA PRIVATE KEY-----",
    "://",
    "@",
    ":",
    "=",
    ": ",
    " = ",
    '"',
    "'",
    " ",
    "\t",
    "#",
    "[",
    "]",
    "{",
    "}",
    "-",
    "_",
    "/",
    "+",
    ".",
    ",",
    "\\n",
    "0123456789",
    "abcdef",
    "ABCDEF",
    "Zq8vT3kLm9WpR2xY",
    "c3VwZXIgc2VjcmV0",
    "1.2.3.4",
    "133.133.133.133",
    "AccountKey=",
    "//registry.npmjs.org/:_authToken=",
    "SG.",
    "sq0csp-",
    "pragma: allowlist secret",
    "- ",
    "  ",
    "${VAR}",
    "{{ x }}",
    "[section]",
]
LINES = st.lists(st.sampled_from(FRAGMENTS), min_size=0, max_size=12).map("".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(LINES, min_size=1, max_size=8),
    suffix=st.sampled_from([".py", ".yaml", ".txt", ".ini", ".env", ".js", ".go", ""]),
)
def test_same_as_scan_file_on_generated_files(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], suffix: str
) -> None:
    path = tmp_path_factory.mktemp("gen") / f"sample{suffix}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _ours(path) == _full(path), path.read_text()
