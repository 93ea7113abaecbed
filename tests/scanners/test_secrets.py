"""The `secrets` scanner end to end: what it reports beside upstream `detect-secrets scan` on the
same files, how it names and merges what it finds, and what it never lets out."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_guard import engine, targets
from gitops_guard.models import ErrorKind, Finding, Report
from gitops_guard.scanners.secrets import SecretsScanner, loaded_engine

from ggtest import REPO

UPSTREAM_WHEEL = REPO / "tests" / "fixtures" / "engines" / "detect_secrets-1.5.0-py3-none-any.whl"


def _j(*parts: str) -> str:
    """Secrets are assembled at run time, so this file holds none."""
    return "".join(parts)


AWS = _j("AKIA", "Q7ZLR4KX", "W2NMP8TB")
AWS_EXAMPLE = _j("AKIA", "IOSFODNN7", "EXAMPLE")
GH = _j("ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx")
KEY = _j(
    "-----BEGIN RSA ",
    "PRIVATE KEY-----\n",
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n",
    "-----END RSA PRIVATE KEY-----\n",
)
SLACK = _j("xox", "b-1234567890-1234567890123-", "Rk7fQ2LmW9xTz4Np8Vb3Hc6J")
PASSWORD = _j("Sup3rS3cret", "Passw0rd!")

FILES = {
    "config/settings.py": f'aws_key = "{AWS}"\nexample = "{AWS_EXAMPLE}"\n',
    "deploy/.env": f"GITHUB_TOKEN={GH}\nDEBUG=true\nBACKUP_TOKEN={GH}\n",
    "keys/id_rsa": KEY,
    "chat.yaml": f"slack:\n  token: {SLACK}\n",
    "app.js": f"const password = '{PASSWORD}';\n",
    "allowlisted.py": f'aws_key = "{AWS}"  # pragma: allowlist secret\n',
    "clean.py": "def f():\n    return 42\n",
    "uuids.txt": "id: 3fa85f64-5717-4562-b3fc-2c963f66afa6\n",
    "templated.yaml": "password: ${DB_PASSWORD}\n",
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def scan(root: Path, jobs: int = 1) -> Report:
    ts = targets.discover([root], use_git=False)
    return engine.run(ts, [SecretsScanner()], engine.EngineOptions(jobs=jobs))


def lines(report: Report) -> set[tuple[str, int]]:
    """Every (path, line) a finding stands for, its further occurrences included."""
    return {(f.path, n) for f in report.findings for n in (f.line, *f.occurrences)}


def upstream(root: Path) -> set[tuple[str, int]]:
    """Upstream's own CLI, from the unmodified 1.5.0 wheel, on the same tree."""
    proc = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(UPSTREAM_WHEEL)},
    )
    doc = json.loads(proc.stdout)
    return {(name, s["line_number"]) for name, items in doc["results"].items() for s in items}


def by_path(report: Report, path: str) -> list[Finding]:
    return [f for f in report.findings if f.path == path]


@pytest.fixture
def secret_tree(tmp_path: Path) -> Path:
    return _write(tmp_path, FILES)


def test_the_label_names_both_engines() -> None:
    label = loaded_engine()
    assert label.startswith("detect-secrets 1.5.0 (vendored upstream) + catalogue of ")
    assert SecretsScanner().engine_version().startswith("1.5.0+catalogue.")


def test_everything_upstream_finds_and_the_catalogue_names_it(secret_tree: Path) -> None:
    report = scan(secret_tree)
    ours = lines(report)
    assert upstream(secret_tree) <= ours
    assert "allowlisted.py" not in {p for p, _ in ours}
    assert not {"clean.py", "uuids.txt", "templated.yaml"} & {p for p, _ in ours}
    aws, example = by_path(report, "config/settings.py")
    # AWS's documented example key: upstream's AWSKeyDetector matches it, the catalogue knows it
    # for an example; it stays, at info, which does not fail the run.
    assert (example.rule_id, example.severity.value, example.line) == ("AWSKeyDetector", "info", 2)
    assert (aws.rule_id, aws.tool, aws.message) == (
        "aws-access-key-id",
        "gitops-guard",
        "AWS access key ID",
    )
    assert "detect-secrets:AWSKeyDetector" in aws.sources
    assert aws.fix and aws.fix.startswith("Rotate it first: Deactivate and delete the access key")
    (key,) = by_path(report, "keys/id_rsa")
    assert (key.rule_id, key.line, key.end_line) == ("private-key", 1, 4)
    assert "detect-secrets:PrivateKeyDetector" in key.sources


def test_a_repeated_value_is_one_finding_with_its_occurrences(secret_tree: Path) -> None:
    report = scan(secret_tree)
    (token,) = by_path(report, "deploy/.env")
    assert (token.line, token.occurrences) == (1, (3,))
    assert token.message == "GitHub personal access token (classic)"
    # The fingerprint is what one occurrence's would be: only that line, same value, same rule.
    alone = scan(_write(secret_tree / "alone", {"deploy/.env": f"GITHUB_TOKEN={GH}\n"}))
    (single,) = by_path(alone, "deploy/.env")
    assert single.fingerprint == token.fingerprint
    assert set(token.merged) == {
        f.fingerprint for f in alone.findings if f.fingerprint != single.fingerprint
    } | set(single.merged)


def test_both_engines_on_one_secret_merge_into_one_finding(tmp_path: Path) -> None:
    _write(tmp_path, {"a.py": f'token = "{GH}"\n'})
    report = scan(tmp_path)
    (f,) = report.findings
    assert f.rule_id == "github-pat"
    assert {"detect-secrets:GitHubTokenDetector"} <= set(f.sources)
    assert len(f.merged) == len(f.sources)
    assert f.fingerprint not in f.merged


def test_placeholders_from_upstream_format_plugins_stay_at_info(tmp_path: Path) -> None:
    """detect-secrets' Twilio plugin matches `SK` + 32 x's; we keep it (nothing upstream reports
    is lost) but at info severity, which does not fail the run."""
    _write(tmp_path, {"t.txt": "SK" + "x" * 32 + "\n"})
    (f,) = scan(tmp_path).findings
    assert (f.rule_id, f.severity.value, f.confidence) == ("TwilioKeyDetector", "info", "low")
    assert "placeholder" in f.message


def test_a_github_token_base64_encoded_in_a_secret_is_named_as_such(tmp_path: Path) -> None:
    encoded = base64.b64encode(GH.encode()).decode()
    _write(
        tmp_path,
        {"s.yaml": f"kind: Secret\nmetadata:\n  name: gh\ndata:\n  token: {encoded}\n"},
    )
    (f,) = scan(tmp_path).findings
    assert (f.rule_id, f.line) == ("github-pat", 5)
    assert f.message == (
        "GitHub personal access token (classic) (base64 in data.token of Secret gh)"
    )


def test_a_file_the_engine_cannot_read_is_an_error_not_a_notice(tmp_path: Path) -> None:
    _write(tmp_path, {"a.txt": "x\n"})
    ts = targets.discover([tmp_path], use_git=False)
    (tmp_path / "a.txt").unlink()  # gone between discovery and scan
    report = engine.run(ts, [SecretsScanner()], engine.EngineOptions(jobs=1))
    assert [e.kind for e in report.errors if e.scanner == "secrets"] == [ErrorKind.ERROR]
    assert report.failed


def test_secret_values_never_reach_the_report(secret_tree: Path) -> None:
    report = scan(secret_tree)
    from gitops_guard.formats import Format, render

    for fmt in Format:
        text = render(fmt, report) + repr(report)
        for value in (AWS, GH, SLACK, PASSWORD, "MIIEowIBAAKCAQEAu1SU1Lf"):
            assert value not in text, (fmt, value)


def test_corpora_everything_upstream_finds(corpora: Path) -> None:
    for repo in sorted(p for p in corpora.iterdir() if p.is_dir()):
        report = scan(repo, jobs=2)
        assert upstream(repo) <= lines(report), repo.name


def test_a_suppression_comment_does_not_hide_other_secrets_on_its_line(tmp_path: Path) -> None:
    """detect-secrets' is_indirect_reference filter takes `ignore[B105]` for an index and would
    drop every secret of the line; the comment must only suppress what it names."""
    (tmp_path / "e.py").write_text(
        f'key = "{AWS}"  # gitops-guard: ignore[B105] reviewed\n'
        f'other = "{AWS}"  # gitops-guard: IGNORE [AWSKeyDetector] test fixture\n'
    )
    report = scan(tmp_path)
    (f,) = report.findings
    assert (f.line, f.occurrences, f.rule_id) == (1, (2,), "aws-access-key-id")
    assert "detect-secrets:AWSKeyDetector" in f.sources
