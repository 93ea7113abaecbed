"""No secret a scan finds may leave the scan: not in any output format, report file, baseline,
cache entry, or message on stdout/stderr.

The secrets are assembled at run time, so this file itself holds none (and passes our own hook).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import pytest

from gitops_guard import engine, redact, targets
from gitops_guard.cache import Cache
from gitops_guard.formats import Format
from gitops_guard.models import ErrorKind, ScanError, ScanResult
from gitops_guard.scanners.interface import ScanContext, Scanner, Unit
from gitops_guard.targets import Kind


def _j(*parts: str) -> str:
    return "".join(parts)


AWS_KEY = _j("AKIA", "Q7ZL", "R4KX", "W2NM", "P8TB")
AWS_SECRET = _j("wJalrXUt", "nFEMI/K7MDENG/", "bPxRfiCYz9Kq2LmQ")
GITHUB_TOKEN = _j("ghp_", "Xy7Kq2Lm9Np4", "Rs8Tv1Wz3Ab6", "Cd0Ef5Gh2Jk9")
KEY_BODY = _j(
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
)
K8S_PASSWORD = _j("Hq4Lw9Zt", "2Xv7Kp3N")
K8S_TOKEN = _j("R7mQ2xL9", "vP4kZ8wN")  # stored base64-encoded in `data:`
HELM_PASSWORD = _j("Mv5Rk8Tq", "1Zx4Lw7P")
DOCKER_SECRET = _j("Fw9Kt3Zq", "7Lm2Xv5R")
BROKEN_YAML_PASSWORD = _j("Yc3Wn8Ld", "5Rt1Kq6Z")
BROKEN_YAML_ALIAS = _j("Pj2Xs9Bv", "4Nm7Qk1T")
PY_PASSWORD = _j("Zq8vT3kL", "m9WpR2xY")
TF_PASSWORD = _j("Tr7Gk2Wm", "9Xq4Lz8V")
# Decoded by the secrets scanner: a GitHub token base64-encoded in a Secret's data, a registry
# password inside a base64 .dockerconfigjson, a token in a base64 header, a URL-encoded password.
ENCODED_TOKEN = _j("ghp_", "Qm7Rk2Lx9Vb4", "Nz8Pc3Wt6Hy1", "Jd5Fs0Ga2Ke7")
REGISTRY_PASSWORD = _j("dckr_pat_", "Wq3Er7Ty1Ui5", "Op9As2Df6Gh4Jk")
HEADER_TOKEN = _j("xoxb-", "402816739514-", "7391846205732-", "Kq8Lm3Nv7Bx2Zc5Vd9Wf4Gh")
URL_PASSWORD = _j("Pa5s", "@w0rd!", "Lq7Zx")
JSON_KEY_BODY = _j("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "Xk2Lm9Qp4Rt7Wv1Zb8Nc")

SECRETS = [
    AWS_KEY,
    AWS_SECRET,
    GITHUB_TOKEN,
    KEY_BODY[:40],
    KEY_BODY[-40:],
    K8S_PASSWORD,
    K8S_TOKEN,
    HELM_PASSWORD,
    DOCKER_SECRET,
    BROKEN_YAML_PASSWORD,
    BROKEN_YAML_ALIAS,
    PY_PASSWORD,
    TF_PASSWORD,
    ENCODED_TOKEN,
    REGISTRY_PASSWORD,
    base64.b64encode(_j("ci:", REGISTRY_PASSWORD).encode()).decode(),
    HEADER_TOKEN,
    URL_PASSWORD,
    quote(URL_PASSWORD, safe=""),
    JSON_KEY_BODY,
]


def _forms(secret: str) -> list[str]:
    """The secret and its base64 (as a Kubernetes Secret's `data:` or a log would carry it)."""
    b64 = base64.b64encode(secret.encode()).decode()
    return [secret, b64, b64.rstrip("=")]


def _write_tree(root: Path) -> None:
    files = {
        "app/settings.py": (
            f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'
            f'AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"\n'
            f'GITHUB_TOKEN = "{GITHUB_TOKEN}"\n'
            f'password = "{PY_PASSWORD}"\n'
        ),
        "app/deploy_key.pem": (
            _j("-----BEGIN RSA ", "PRIVATE KEY-----\n")
            + KEY_BODY[:64]
            + "\n"
            + KEY_BODY[64:]
            + "\n"
            + _j("-----END RSA ", "PRIVATE KEY-----\n")
        ),
        "k8s/secret.yaml": (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\n"
            f'type: Opaque\nstringData:\n  password: "{K8S_PASSWORD}"\n'
            f"data:\n  token: {base64.b64encode(K8S_TOKEN.encode()).decode()}\n"
        ),
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/values.yaml": f'db:\n  user: app\n  password: "{HELM_PASSWORD}"\n',
        "Dockerfile": (
            "FROM python:3.12-slim\n"
            f"ENV API_SECRET={DOCKER_SECRET}\n"
            f"ENV AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
            'USER app\nHEALTHCHECK CMD ["true"]\n'
        ),
        # Malformed: an unterminated quote and an undefined alias, both quoting the secret.
        "k8s/broken.yaml": (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\nstringData:\n"
            f"  password: *{BROKEN_YAML_ALIAS}\n"
            f'  other: "{BROKEN_YAML_PASSWORD}\n'
            "\tkey: [unclosed\n"
        ),
        "k8s/encoded.yaml": (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\ndata:\n"
            f"  token: {base64.b64encode(ENCODED_TOKEN.encode()).decode()}\n"
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\n"
            "type: kubernetes.io/dockerconfigjson\ndata:\n"
            f"  .dockerconfigjson: {_docker_config()}\n"
        ),
        "scripts/call.sh": (
            f'curl -H "X-Auth: {base64.b64encode(("Bearer " + HEADER_TOKEN).encode()).decode()}" '
            "https://api.example.io\n"
            f"export DATABASE_URL=postgres://app:{quote(URL_PASSWORD, safe='')}@db.internal/app\n"
        ),
        "gcp/sa.json": json.dumps(
            {
                "type": "service_account",
                "private_key": _j("-----BEGIN ", "PRIVATE KEY-----\n")
                + (JSON_KEY_BODY * 3)
                + _j("\n-----END ", "PRIVATE KEY-----\n"),
            }
        ),
        "infra/main.tf": (
            'resource "aws_db_instance" "db" {\n'
            f'  password = "{TF_PASSWORD}"\n'
            f'  broken = = "{TF_PASSWORD}"\n'
            "}\n"
        ),
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _docker_config() -> str:
    auth = base64.b64encode(_j("ci:", REGISTRY_PASSWORD).encode()).decode()
    config = json.dumps({"auths": {"registry.example.io": {"auth": auth}}})
    return base64.b64encode(config.encode()).decode()


def _run(args: list[str], cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITOPS_GUARD_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    env.pop("GITOPS_GUARD_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "gitops_guard", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _exclude_broken(config: Path) -> Path:
    config.write_text('exclude = ["chart/", "main.tf", "broken.yaml"]\n')
    return config


@pytest.mark.slow
def test_no_secret_leaves_the_scan(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    cache = tmp_path / "cache"
    reports = tmp_path / "reports"
    repo.mkdir()
    _write_tree(repo)
    sources = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}

    documents = {"json", "sarif", "junit", "gitlab"}
    files = [f"{f.value}:{reports / ('report.' + f.value)}" for f in Format]
    streams: list[str] = []
    runs = []
    # Cold cache, then warm: every format to a file, the text formats to stdout.
    text_formats = [x for f in Format if f.value not in documents for x in ("-f", f.value)]
    for _ in range(2):
        args = ["scan", "-j", "2", *text_formats, *[x for o in files for x in ("-o", o)], "."]
        runs.append(_run(args, repo, cache))
    # Each document format on stdout too.
    for fmt in sorted(documents):
        runs.append(_run(["scan", "-j", "2", "-f", fmt, "."], repo, cache))
    # A baseline is written only from a complete run: leave the unparsable files out.
    config = str(_exclude_broken(tmp_path / "baseline.toml"))
    args = ["baseline", "create", "--file", str(reports / "baseline.json"), "--config", config]
    runs.append(_run([*args, "."], repo, cache))
    for r in runs:
        streams += [r.stdout, r.stderr]

    first = runs[0]
    # Findings, and the deliberately broken files were not checked: not clean (exit 3).
    assert first.returncode == 3, first.stderr
    assert "Traceback" not in "".join(streams)
    json_report = (reports / "report.json").read_text("utf-8")
    # The scan did see the secrets (this test would prove nothing otherwise).
    for path in (
        "app/settings.py",
        "app/deploy_key.pem",
        "k8s/secret.yaml",
        "chart/values.yaml",
        "k8s/encoded.yaml",
        "scripts/call.sh",
        "gcp/sa.json",
    ):
        assert path in json_report, f"no finding in {path}"
    # The decoded secrets were named for what they are.
    for rule in ("github-pat", "docker-config-auth", "slack-bot-token", "database-uri"):
        assert rule in json_report, rule
    assert "private-key" in json_report and "aws-access-key-id" in json_report
    assert list(cache.rglob("*.json")), "the cache was used"
    assert (reports / "baseline.json").is_file()

    written = [p for p in [*tmp_path.rglob("*")] if p.is_file() and p not in sources]
    assert len(written) >= len(Format) + 2
    leaks = []
    for secret in SECRETS:
        for form in _forms(secret):
            for i, s in enumerate(streams):
                if form in s:
                    leaks.append(f"{form[:6]}... in {'stdout' if i % 2 == 0 else 'stderr'}")
            for p in written:
                if form.encode() in p.read_bytes():
                    leaks.append(f"{form[:6]}... in {p.relative_to(tmp_path)}")
    assert not leaks, leaks
    # The sources are untouched.
    assert {p: p.read_bytes() for p in sources} == sources


def test_error_messages_lose_quoted_literals() -> None:
    assert redact.error_message(f"found undefined alias '{BROKEN_YAML_ALIAS}' at line 6") == (
        "found undefined alias '***' at line 6"
    )
    lark = f"Unexpected token Token('STRING', '\"{TF_PASSWORD}\"') at line 3, column 14."
    assert TF_PASSWORD not in redact.error_message(lark)
    assert redact.error_message("found character '\\t' that cannot start any token") == (
        "found character '\\t' that cannot start any token"
    )
    assert redact.error_message(f"bad line\n  password: {K8S_PASSWORD}") == "bad line"
    assert redact.error_message("checkov kubernetes runner failed: ValueError: boom") == (
        "checkov kubernetes runner failed: ValueError: boom"
    )


class Quoting(Scanner):
    """A scanner whose engine quotes the file's content in its notices, as parsers do."""

    name = "quoting"
    description = "quotes"
    kinds = frozenset({Kind.TEXT})

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        errors = []
        for unit in units:
            for t in unit.files:
                token = t.abspath.read_text().split()[-1]
                errors.append(
                    ScanError(self.name, f"unexpected token {token!r}", t.path, ErrorKind.SKIPPED)
                )
        return ScanResult(errors=tuple(errors))


class Raising(Quoting):
    """... or raises with it."""

    name = "raising"

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        token = units[0].files[0].abspath.read_text().split()[-1]
        raise ValueError(f"cannot parse {token!r}")


def test_engine_scrubs_scanner_errors_before_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    (root / "a.txt").write_text(f"key: {K8S_PASSWORD}\n")
    (root / "b.txt").write_text(f"key: {HELM_PASSWORD}\n")
    cache = Cache(tmp_path / "cache")
    ts = targets.discover([root], use_git=False)
    for _ in range(2):  # cold, then from the cache
        report = engine.run(ts, [Quoting(), Raising()], engine.EngineOptions(jobs=1, cache=cache))
        text = repr(report)
        assert K8S_PASSWORD not in text and HELM_PASSWORD not in text
        assert any("unexpected token '***'" in e.message for e in report.errors)
        assert any("cannot parse '***'" in e.message for e in report.errors)
    assert cache.hits, "the second run read the cache"
    for entry in (tmp_path / "cache").rglob("*"):
        if entry.is_file():
            assert K8S_PASSWORD.encode() not in entry.read_bytes()


@pytest.mark.slow
def test_pure_python_yaml_errors_do_not_quote_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without libyaml, PyYAML quotes an undefined alias in its error; our errors must not."""
    import yaml

    from gitops_guard import scanners as registry

    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    monkeypatch.delattr(yaml, "CLoader", raising=False)
    _write_tree(tmp_path)
    loaded, _ = registry.load(None)
    ts = targets.discover([tmp_path / "k8s" / "broken.yaml"], use_git=False)
    report = engine.run(ts, loaded, engine.EngineOptions(jobs=1))
    assert any("undefined alias '***'" in e.message for e in report.errors), report.errors
    assert BROKEN_YAML_ALIAS not in repr(report)
