"""Credential-shaped values, redacted before a drift message shows them.

Terraform marks what it knows to be sensitive and Kubernetes Secrets are never shown (their
readers mask those); this module is the second line, for values nobody marked: a ConfigMap entry,
an annotation, a container argument, an environment variable with an innocent name, a Terraform
attribute the provider does not mark. A value is redacted when its *key* names a credential
(``password``, ``db.password``, ``api_key``, ``client-secret`` ...), and inside every string:

- the user information of a URL (``postgres://app:pw@db`` -> ``postgres://***@db``);
- the value of a ``key=value``, ``key: value`` or ``--flag value`` pair whose key names a
  credential (``--password=pw``, ``Password=pw;``, ``"token": "pw"``, ``Authorization: Bearer pw``),
  up to the end of the line or a ``&``, ``;`` or ``,``;
- tokens of a documented format (:data:`TOKEN_FORMATS`);
- high-entropy runs: 20 or more base64 characters mixing digits, upper and lower case with an
  entropy of at least 4 bits a character, or 32 or more hex digits that are not an image digest.

What is left says what changed without saying to what (``env[DB_URL].value: value changed
(redacted)``). The patterns are ours, written from the token formats their issuers document.
"""

from __future__ import annotations

import math
import re
from collections import Counter

MASK = "***"

_WORDS = (
    r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|credentials?|auth(?:orization)?"
    r"|apikey|(?:api|access|private|secret|client|ssh|signing|master|encryption)[-_.]?key)s?"
)
CREDENTIAL_KEY = re.compile(rf"{_WORDS}\Z", re.IGNORECASE)
"""A key that names a credential: it *ends* with one of the words (``DB_PASSWORD``,
``db.password``, ``clientSecret``), so ``secretName``, ``tokenPath`` or ``passwordFile`` (which
name a reference, not the value) do not match."""

_PAIR = re.compile(
    rf"(?<![\w.-])(?P<key>[\w.-]*{_WORDS})"
    r"(?P<sep>[\"']?[ \t]*[:=][ \t]*(?P<quote>[\"'])?)"
    r"(?P<value>(?(quote)[^\"'\n]+|[^\s\"'&;,](?:[^\n\"'&;,]*[^\s\"'&;,])?))",
    re.IGNORECASE,
)
_FLAG = re.compile(
    rf"(?<![\w-])(?P<key>--?[\w.-]*{_WORDS})(?P<sep>\s+)(?P<value>[^\s\"'-]\S*)", re.IGNORECASE
)
_FLAG_ALONE = re.compile(rf"--?[\w.-]*{_WORDS}\Z", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^\s/?#]+@", re.IGNORECASE)

TOKEN_FORMATS: tuple[tuple[str, str], ...] = (
    ("GitHub token", r"gh[pousr]_[A-Za-z0-9]{30,}"),
    ("GitHub fine-grained token", r"github_pat_[A-Za-z0-9_]{30,}"),
    ("GitLab token", r"gl(?:pat|dt|rt|ptt|cbt|soat|ft)-[A-Za-z0-9_-]{20,}"),
    ("Slack token", r"xox[abposre]-[A-Za-z0-9-]{10,}"),
    ("Slack webhook", r"hooks\.slack\.com/services/[A-Za-z0-9/]+"),
    ("AWS access key id", r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"),
    ("Stripe key", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("Google API key", r"AIza[0-9A-Za-z_-]{35}"),
    ("OpenAI or Anthropic key", r"sk-(?:[a-z]+-)?[A-Za-z0-9_-]{20,}"),
    ("npm token", r"npm_[A-Za-z0-9]{36}"),
    ("PyPI token", r"pypi-[A-Za-z0-9_-]{50,}"),
    ("JSON Web Token", r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    ("HashiCorp Vault token", r"hv[sbr]\.[A-Za-z0-9_-]{20,}"),
    ("DigitalOcean token", r"do[opr]_v1_[a-f0-9]{64}"),
    ("Hugging Face token", r"hf_[A-Za-z0-9]{30,}"),
    ("SendGrid key", r"SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
    ("Shopify token", r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}"),
    (
        "private key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*)",
    ),
)
"""Tokens recognised by their documented prefix or shape, wherever they stand in a string."""

_TOKEN = re.compile(
    "|".join(f"(?<![A-Za-z0-9])(?:{pattern})" for _, pattern in TOKEN_FORMATS), re.DOTALL
)
_RUN = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_HEX = re.compile(r"[0-9a-f]{32,}|[0-9A-F]{32,}")
_DIGEST = re.compile(r"(?:sha256|sha384|sha512|sha1):\Z", re.IGNORECASE)


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _high_entropy(run: str, before: str) -> bool:
    """Whether ``run`` (a run of base64 characters, ``before`` the 8 characters before it) looks
    random."""
    if _HEX.fullmatch(run):
        has_both = any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
        return has_both and _entropy(run) >= 3.0 and not _DIGEST.search(before)
    classes = (str.isdigit, str.isupper, str.islower)
    return all(any(test(c) for c in run) for test in classes) and _entropy(run) >= 4.0


def redact_text(text: str) -> str:
    """``text`` with every credential-shaped part replaced by ``***``."""
    text = _TOKEN.sub(MASK, text)
    text = _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    text = _PAIR.sub(lambda m: f"{m.group('key')}{m.group('sep')}{MASK}", text)
    text = _FLAG.sub(lambda m: f"{m.group('key')}{m.group('sep')}{MASK}", text)
    return _RUN.sub(
        lambda m: (
            MASK if _high_entropy(m.group(), text[max(0, m.start() - 8) : m.start()]) else m.group()
        ),
        text,
    )


def names_credential(key: object) -> bool:
    """Whether a key (a map key, the last part of a path) names a credential."""
    return isinstance(key, str) and CREDENTIAL_KEY.search(key) is not None


def redact(value: object, key: object = None, masked: object = MASK) -> object:
    """A copy of ``value`` with credential-shaped strings redacted, at any depth; a string held by
    a key that :func:`names_credential` becomes ``masked`` as a whole."""
    # Recursion is bounded: drift inputs are refused past 128 levels of nesting.
    if isinstance(value, str):
        return masked if names_credential(key) else redact_text(value)
    if isinstance(value, dict):
        return {
            (redact_text(k) if isinstance(k, str) else k): redact(v, k, masked)
            for k, v in value.items()
        }
    if isinstance(value, list):
        out: list[object] = []
        for i, item in enumerate(value):
            previous = value[i - 1] if i else None
            flag = isinstance(previous, str) and _FLAG_ALONE.fullmatch(previous) is not None
            out.append(masked if flag and isinstance(item, str) else redact(item, None, masked))
        return out
    return value
