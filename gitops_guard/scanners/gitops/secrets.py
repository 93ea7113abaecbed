"""GG002 - no plaintext secrets in manifests.

Flagged: a ``v1`` ``Secret`` with a non-empty value under ``data``/``stringData`` (one finding per
Secret, at its first plaintext key); a kustomize ``secretGenerator`` with ``literals``; a Helm
values file (or Flux ``HelmRelease.spec.values``) whose credential-named key (password, token,
secret, apiKey, privateKey...) holds a non-empty literal string.

Not flagged: SealedSecret, ExternalSecret and other CRDs; a SOPS-encrypted Secret (a top-level
``sops`` block with ``ENC[...]`` values); an empty Secret; Secret values made of ``${VAR}`` /
``{{ }}`` references substituted at deploy time; a service-account token Secret with no
data; placeholders and references (``${VAR}``, ``{{ }}``, ``<changeme>``, ``ref+vault://``,
``existingSecret``-style keys); values that say *where* something is rather than being a secret:
a ``host:port`` (under a location-named key such as ``DB_HOST``, or with a host that can only be
one: dotted, an IP, ``localhost``), the path or name of a secret in a store (Vault
``secret/data/app#password``, an AWS ARN, a GCP ``projects/.../secrets/...``, an Azure Key Vault
URL) or a file path; a credential-named key beside ``remoteRef`` / ``objectName`` (it names the
key of a secret in a store). Messages name the key, never the value.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import K8sObject, Parsed
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.targets import Kind

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

ID = "GG002"

_CRED_SUFFIXES = (
    "password",
    "passwd",
    "passphrase",
    "token",
    "secret",
    "apikey",
    "secretkey",
    "accesskey",
    "privatekey",
    "clientsecret",
    "credentials",
    "credential",
    "pwd",
    "authkey",
    "licensekey",
    "webhookurl",
    "connectionstring",
    "dsn",
)
_REF_HEAD = re.compile(
    r"existing|name|ref|file|path|mount|env|from|use|create|generate|source|"
    r"provider|store|length|policy|rotat|enabled"
)
_REF_PARENT = re.compile(r"existing|secretname|secretref|secretkeyref|valuefrom")
#: Keys beside which a credential-named key names a secret in a store instead of holding one
#: (an ExternalSecret's ``secretKey`` next to its ``remoteRef``, a CSI driver's ``objectName``).
_REFERENCE_SIBLINGS = frozenset(
    {
        "remoteRef",
        "remoteKey",
        "secretStoreRef",
        "storeRef",
        "property",
        "objectName",
        "objectAlias",
    }
)
_SECRET_NAME_HEAD = re.compile(r"(password|token|tls|auth|secret|credentials?|cert|ssl)$")
_PLACEHOLDER = re.compile(
    r"^\s*$|^\$|\{\{|\$\{|^<.*>$|^ENC\[|^ref\+|^vault:|^secret:|^sm://|^awssecretsmanager|"
    r"^(changeme|change[-_]?me|changeit|replace[-_]?me|todo|tbd|xxx+|\*+|redacted|none|null|"
    r"placeholder|your[-_].*|example.*|dummy|secret|password|token|test|fake|nil|undefined|"
    r"default|false|true)$",
    re.I,
)


#: ``${VAR}``, ``$VAR`` and ``{{ }}`` references filled in at deploy time (Flux
#: ``postBuild.substitute``, envsubst, a templating step): the value is not in git.
#: A bare ``$VAR`` counts only as the whole value (``pa$sword`` is a password).
_REFERENCE = re.compile(
    r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:=?+-][^}]*)?\}|\{\{.*?\}\}|^\$[A-Za-z_]\w*$"
)
#: ``scheme://user:password@`` left in the literal part of a templated value.
_URL_USERINFO = re.compile(r"://[^/\s:@]+:[^/\s@]+@")

#: ``host:port`` (or a comma-separated list of them): where a service is, not a credential.
_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*)"
_HOST_PORT = re.compile(rf"^{_HOST}:\d{{1,5}}(?:\s*,\s*{_HOST}:\d{{1,5}})*$")
#: A host part that can only be a host (a dotted name, an IP, localhost), whatever the key says.
_SURE_HOST = re.compile(r"^(?:\[|localhost:|(?:\d{1,3}\.){3}\d{1,3}:|[^:]*\.[A-Za-z][^:]*:)")
#: Keys that name where a service is.
_LOCATION_KEY = re.compile(
    r"(host|hostname|hosts|addr|address|addresses|endpoint|endpoints|server|servers|broker|"
    r"brokers|port|url|uri|target)$"
)
#: Where a secret lives in a secret store (the value is its name, not the secret): AWS Secrets
#: Manager / SSM ARNs, GCP Secret Manager names, Azure Key Vault URLs, store URIs.
_STORE_REF = re.compile(
    r"^(?:arn:aws[\w-]*:(?:secretsmanager|ssm|kms):|projects/[^/\s]+/secrets/[^/\s]+|"
    r"https://[\w-]+\.vault\.azure\.net/(?:secrets|keys|certificates)/|"
    r"(?:vault|awssm|awsssm|gcpsm|azkv|akv|op|bw|doppler|infisical|akeyless|sops)://)",
    re.I,
)
#: A path of words (``secret/data/app/db``, ``/prod/MyApp/DbPassword``, ``/var/run/x/token``):
#: segments are lower-case words or CamelCase words, never the mixed noise of a random token.
_PATH_SEGMENT = re.compile(
    r"^(?:[a-z]+[0-9]*(?:[._-][a-z0-9]+)*|(?:[A-Z][a-z]+|[a-z]+)(?:[A-Z][a-z]+)*[0-9]*|"
    r"[A-Z]+[0-9]*(?:_[A-Z0-9]+)*)$"
)
_KEY_FILE = re.compile(r"^[\w.-]+\.(?:pem|key|crt|cer|p12|pfx|jks|keystore|json|ya?ml|txt|env)$")


def _store_path(value: str) -> bool:
    """A path in a secret store or on disk: the location of a secret, not the secret."""
    if _STORE_REF.match(value) or (_KEY_FILE.match(value) and "/" not in value):
        return True
    path, _, field = value.partition("#")
    segments = path.strip("/").split("/")
    if path.startswith("./") or path.startswith("../"):
        segments = [s for s in segments if s not in (".", "..")]
    elif len(segments) < 2 and not path.startswith("/"):
        return False
    if field and not re.fullmatch(r"[\w.-]+", field):
        return False
    return all(s and _PATH_SEGMENT.match(s) for s in segments)


def not_a_credential(key: str, value: str) -> bool:
    """True for a value that says *where* something is: ``host:port`` (with a location-named
    key, or a host that cannot be anything else) or the path of a secret in a store or a file."""
    value = value.strip()
    if _HOST_PORT.match(value):
        norm = re.sub(r"[^a-z]", "", key.lower())
        return bool(_SURE_HOST.match(value) or _LOCATION_KEY.search(norm))
    return _store_path(value)


def _decoded(value: str, field: str) -> str:
    """A Secret value as text: ``data`` is base64 (left as is when it is not)."""
    if field != "data":
        return value
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return value


def _is_plain_value(node: Node | None, key: str = "", field: str = "stringData") -> bool:
    if not isinstance(node, ScalarNode) or y.is_empty(node):
        return False
    value = str(node.value).strip()
    if value.startswith("ENC["):
        return False
    if _REFERENCE.search(value):
        return bool(_URL_USERINFO.search(_REFERENCE.sub("", value)))
    return not not_a_credential(key, _decoded(value, field))


def _secret(out: Findings, obj: K8sObject) -> None:
    sops = y.get(obj.node, "sops") is not None
    plain: list[tuple[str, Node, str]] = []
    for field in ("data", "stringData"):
        for key, key_node, value in y.pairs(y.get(obj.node, field)):
            if _is_plain_value(value, key, field):
                plain.append((key, key_node, field))
    if not plain:
        return
    key, key_node, field = plain[0]
    keys = ", ".join(k for k, _, _ in plain[:5]) + (" ..." if len(plain) > 5 else "")
    extra = " (the file has a sops block, but these values are not encrypted)" if sops else ""
    out.add(
        Severity.HIGH,
        f"Secret '{obj.name}' carries plaintext {field} ({keys}){extra}; commit a"
        " SealedSecret, a SOPS-encrypted file or an ExternalSecret instead;"
        " rotate the exposed values.",
        key_node,
        resource=obj.ref(),
        anchor=(obj.ref(), *sorted(k for k, _, _ in plain)),
        fix="replace the Secret with a SealedSecret, a SOPS-encrypted file or an ExternalSecret,"
        " and rotate the exposed values",
    )


def _secret_generator(out: Findings, p: Parsed) -> None:
    for doc in p.docs:
        for gen in y.items(y.get(doc, "secretGenerator")):
            name = y.text(y.get(gen, "name")) or "?"
            for literal in y.items(y.get(gen, "literals")):
                text = y.text(literal) or ""
                key, sep, value = text.partition("=")
                if (
                    sep
                    and value.strip()
                    and not _PLACEHOLDER.search(value.strip())
                    and not not_a_credential(key.strip(), value)
                ):
                    out.add(
                        Severity.HIGH,
                        f"kustomize secretGenerator '{name}' has a plaintext literal for key "
                        f"'{key.strip()}'; generate it from a SOPS-encrypted file or use an "
                        "ExternalSecret.",
                        literal,
                        resource=f"secretGenerator.{name}",
                        anchor=(name, key.strip()),
                        fix="generate the Secret from a SOPS-encrypted env file or an "
                        "ExternalSecret instead of literals, and rotate the value",
                    )
                    break


def is_credential_key(key: str) -> bool:
    """True for keys that hold a credential (``adminPassword``, ``apiKey``, ``clientSecret``),
    False for keys that name or point at one (``existingSecret``, ``passwordSecret``)."""
    norm = re.sub(r"[^a-z0-9]", "", key.lower())
    suffix = next((s for s in _SUFFIXES_LONGEST_FIRST if norm.endswith(s)), None)
    if suffix is None:
        return False
    head = norm[: -len(suffix)]
    if _REF_HEAD.search(head):
        return False
    return not (
        suffix in ("secret", "credentials", "credential") and _SECRET_NAME_HEAD.search(head)
    )


_SUFFIXES_LONGEST_FIRST = sorted(_CRED_SUFFIXES, key=len, reverse=True)


def _values(
    out: Findings, node: Node | None, trail: tuple[str, ...], resource: str, depth: int = 0
) -> None:
    if depth > 40:
        return
    if isinstance(node, MappingNode):
        reference = bool({k for k, _, _ in y.pairs(node)} & _REFERENCE_SIBLINGS)
        for key, key_node, value in y.pairs(node):
            if isinstance(value, ScalarNode):
                if (
                    y.is_str(value)
                    and is_credential_key(key)
                    and not reference
                    and not _PLACEHOLDER.search(str(value.value).strip())
                    and not _REF_PARENT.search("".join(trail).lower())
                    and not not_a_credential(key, str(value.value))
                ):
                    dotted = ".".join((*trail, key))
                    out.add(
                        Severity.HIGH,
                        f"Helm values set '{dotted}' to a plaintext literal; reference an "
                        "existing Secret (existingSecret) or encrypt the values file (SOPS).",
                        key_node,
                        resource=resource,
                        anchor=(resource, dotted),
                        fix="reference an existing Secret (existingSecret) or encrypt the values "
                        "file with SOPS, and rotate the value",
                    )
            else:
                _values(out, value, (*trail, key), resource, depth + 1)
    else:
        for i, item in enumerate(y.items(node)):
            _values(out, item, (*trail, f"[{i}]"), resource, depth + 1)


def check(p: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings(ID, p.path)
    kinds = p.target.kinds
    if Kind.KUSTOMIZE in kinds:
        _secret_generator(out, p)
    if Kind.HELM_VALUES in kinds and not any(y.get(d, "sops") is not None for d in p.docs):
        for doc in p.docs:
            _values(out, doc, (), PurePosixPath(p.path).name)
    if Kind.KUBERNETES in kinds:
        for obj in p.objects():
            if obj.kind == "Secret" and obj.api_version == "v1":
                _secret(out, obj)
            elif (
                obj.kind == "HelmRelease"
                and obj.group.startswith("helm.toolkit.fluxcd.io")
                and y.get(obj.node, "sops") is None
            ):
                _values(out, y.get(obj.node, "spec", "values"), (), obj.ref())
    return out.findings


RULE = Check(ID, frozenset({Kind.KUBERNETES, Kind.HELM_VALUES, Kind.KUSTOMIZE}), check)
