"""GG002 - no plaintext secrets in manifests.

Flagged: a ``v1`` ``Secret`` with a non-empty value under ``data``/``stringData`` (one finding per
Secret, at its first plaintext key); a kustomize ``secretGenerator`` with ``literals``; a Helm
values file (or Flux ``HelmRelease.spec.values``) whose credential-named key (password, token,
secret, apiKey, privateKey...) holds a non-empty literal string.

Not flagged: SealedSecret, ExternalSecret and other CRDs; a SOPS-encrypted Secret (a top-level
``sops`` block with ``ENC[...]`` values); an empty Secret; Secret values made of ``${VAR}`` /
``{{ }}`` references substituted at deploy time; a service-account token Secret with no
data; placeholders and references (``${VAR}``, ``{{ }}``, ``<changeme>``, ``ref+vault://``,
``existingSecret``-style keys). Messages name the key, never the value.
"""

from __future__ import annotations

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


def _is_plain_value(node: Node | None) -> bool:
    if not isinstance(node, ScalarNode) or y.is_empty(node):
        return False
    value = str(node.value).strip()
    if value.startswith("ENC["):
        return False
    if _REFERENCE.search(value):
        return bool(_URL_USERINFO.search(_REFERENCE.sub("", value)))
    return True


def _secret(out: Findings, obj: K8sObject) -> None:
    sops = y.get(obj.node, "sops") is not None
    plain: list[tuple[str, Node, str]] = []
    for field in ("data", "stringData"):
        for key, key_node, value in y.pairs(y.get(obj.node, field)):
            if _is_plain_value(value):
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
    )


def _secret_generator(out: Findings, p: Parsed) -> None:
    for doc in p.docs:
        for gen in y.items(y.get(doc, "secretGenerator")):
            name = y.text(y.get(gen, "name")) or "?"
            for literal in y.items(y.get(gen, "literals")):
                text = y.text(literal) or ""
                key, sep, value = text.partition("=")
                if sep and value.strip() and not _PLACEHOLDER.search(value.strip()):
                    out.add(
                        Severity.HIGH,
                        f"kustomize secretGenerator '{name}' has a plaintext literal for key "
                        f"'{key.strip()}'; generate it from a SOPS-encrypted file or use an "
                        "ExternalSecret.",
                        literal,
                        resource=f"secretGenerator.{name}",
                        anchor=(name, key.strip()),
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
        for key, key_node, value in y.pairs(node):
            if isinstance(value, ScalarNode):
                if (
                    y.is_str(value)
                    and is_credential_key(key)
                    and not _PLACEHOLDER.search(str(value.value).strip())
                    and not _REF_PARENT.search("".join(trail).lower())
                ):
                    dotted = ".".join((*trail, key))
                    out.add(
                        Severity.HIGH,
                        f"Helm values set '{dotted}' to a plaintext literal; reference an "
                        "existing Secret (existingSecret) or encrypt the values file (SOPS).",
                        key_node,
                        resource=resource,
                        anchor=(resource, dotted),
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
