"""Parity of the `secrets` scanner with upstream `detect-secrets scan` on the same files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_guard import engine, targets
from gitops_guard.scanners.secrets import (
    VENDORED_SHA256,
    VENDORED_WHEEL,
    SecretsScanner,
    loaded_engine,
)

# Built at run time so this test file itself holds no secret-looking literal.
AWS = "AKIA" + "IOSFODNN7" + "EXAMPLE"
GH = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"
KEY = "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1\n-----END RSA PRIVATE KEY-----\n"
SLACK = "xox" + "b-1234567890-1234567890123-abcdefghijABCDEFGHIJklmn"

FILES = {
    "config/settings.py": f'aws_key = "{AWS}"\n',
    "deploy/.env": f"GITHUB_TOKEN={GH}\nDEBUG=true\n",
    "keys/id_rsa": KEY,
    "chat.yaml": f"slack:\n  token: {SLACK}\n",
    "app.js": "const password = 'Sup3rS3cretPassw0rd!';\n",
    "allowlisted.py": f'aws_key = "{AWS}"  # pragma: allowlist secret\n',
    "clean.py": "def f():\n    return 42\n",
    "uuids.txt": "id: 3fa85f64-5717-4562-b3fc-2c963f66afa6\n",
    "templated.yaml": "password: ${DB_PASSWORD}\n",
}


@pytest.fixture
def secret_tree(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _upstream(root: Path) -> set[tuple[str, int]]:
    """Upstream's own CLI, from the same unmodified wheel, on the same tree."""
    proc = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(VENDORED_WHEEL)},
    )
    doc = json.loads(proc.stdout)
    return {(name, s["line_number"]) for name, items in doc["results"].items() for s in items}


def test_the_engine_is_the_unmodified_upstream_wheel() -> None:
    assert hashlib.sha256(VENDORED_WHEEL.read_bytes()).hexdigest() == VENDORED_SHA256
    assert loaded_engine() == "detect-secrets 1.5.0 (upstream wheel)"


def test_the_worker_imports_upstream_even_beside_the_fork() -> None:
    """In a process where site-packages holds Checkov's bc-detect-secrets, the scanner still
    loads upstream's module from the wheel."""
    code = (
        "import detect_secrets.core.scan; "  # the fork, as Checkov would have imported it
        "from gitops_guard.scanners.secrets import use_engine; use_engine(); "
        "import detect_secrets, detect_secrets.__version__ as v; "
        "print(detect_secrets.__file__, v.VERSION)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "detect_secrets-1.5.0" in out and out.strip().endswith("1.5.0")
    assert "site-packages" not in out


def test_same_files_and_lines_as_upstream_no_more_false_alarms(secret_tree: Path) -> None:
    ts = targets.discover([secret_tree], use_git=False)
    report = engine.run(ts, [SecretsScanner()], engine.EngineOptions(jobs=1))
    ours = {(f.path, f.line) for f in report.findings}
    upstream = _upstream(secret_tree)
    assert {p for p, _ in upstream} >= {"config/settings.py", "deploy/.env", "keys/id_rsa"}
    assert ours == upstream
    assert "allowlisted.py" not in {p for p, _ in ours}


def test_secret_values_never_reach_the_report(secret_tree: Path) -> None:
    ts = targets.discover([secret_tree], use_git=False)
    report = engine.run(ts, [SecretsScanner()], engine.EngineOptions(jobs=1))
    from gitops_guard.formats import Format, render

    for fmt in Format:
        text = render(fmt, report)
        for value in (AWS, GH, SLACK, "Sup3rS3cretPassw0rd!", "MIIEpAIBAAKCAQEA1"):
            assert value not in text, (fmt, value)


def test_corpora_parity(corpora: Path) -> None:
    for repo in sorted(p for p in corpora.iterdir() if p.is_dir()):
        ts = targets.discover([repo], use_git=False)
        report = engine.run(ts, [SecretsScanner()], engine.EngineOptions(jobs=2))
        assert {(f.path, f.line) for f in report.findings} == _upstream(repo), repo.name


def test_a_suppression_comment_does_not_hide_other_secrets_on_its_line(tmp_path: Path) -> None:
    """detect-secrets' is_indirect_reference filter takes `ignore[B105]` for an index and would
    drop every secret of the line; the comment must only suppress what it names."""
    (tmp_path / "e.py").write_text(
        f'key = "{AWS}"  # gitops-guard: ignore[B105] reviewed\n'
        f'other = "{AWS}"  # gitops-guard: IGNORE [AWSKeyDetector] test fixture\n'
    )
    ts = targets.discover([tmp_path], use_git=False)
    report = engine.run(ts, [SecretsScanner()], engine.EngineOptions(jobs=1))
    assert {(f.line, f.rule_id) for f in report.findings} >= {(1, "AWSKeyDetector")}
    assert (2, "AWSKeyDetector") in {(f.line, f.rule_id) for f in report.findings}  # triage hides
