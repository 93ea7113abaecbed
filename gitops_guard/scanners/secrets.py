"""``secrets``: every text file through Yelp's detect-secrets, default plugins and filters.

Only the hashed secret ever leaves this module: findings carry the detector and line, and a salted
hash as the anchor of their fingerprint. ``# pragma: allowlist secret`` keeps working.

Checkov depends on ``bc-detect-secrets``, a fork installing the same ``detect_secrets`` module;
our dependency on ``detect-secrets`` is direct, so pip installs it last and it wins.
:func:`loaded_engine` tells which one is actually importable (shown by ``gitops-guard scanners``).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from gitops_guard.models import Finding, ScanResult, Severity, stable_hash
from gitops_guard.scanners.interface import Rule, ScanContext, Scanner, Unit
from gitops_guard.targets import Kind

ANCHOR_SALT = "gitops-guard-secret-1"
#: Detectors that match on entropy or keywords alone: less certain than a token format.
_HEURISTIC = {"Base64HighEntropyString", "HexHighEntropyString", "KeywordDetector"}


def loaded_engine() -> str:
    """``detect-secrets 1.5.0`` or ``bc-detect-secrets 1.5.52``: whichever owns the importable
    ``detect_secrets`` module (read from the module's version file, without importing it)."""
    spec = find_spec("detect_secrets")
    if spec is None or not spec.submodule_search_locations:
        return "not installed"
    version_file = Path(next(iter(spec.submodule_search_locations))) / "__version__.py"
    try:
        text = version_file.read_text("utf-8")
    except OSError:
        return "unknown"
    version = text.split("=", 1)[-1].strip().strip("'\"")
    for dist in ("detect-secrets", "bc-detect-secrets"):
        try:
            if metadata.version(dist) == version:
                return f"{dist} {version}"
        except metadata.PackageNotFoundError:
            continue
    return f"detect_secrets {version}"


class SecretsScanner(Scanner):
    name = "secrets"
    description = "Secrets in any text file (detect-secrets)"
    kinds = frozenset({Kind.TEXT})
    distribution = "detect-secrets"
    splittable = True

    def engine_version(self) -> str:
        return loaded_engine()

    def engine_label(self) -> str:
        return loaded_engine()

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        from detect_secrets.core import scan as ds_scan
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.settings import default_settings

        findings = []
        with default_settings():
            mapping: dict[str, type] = get_mapping_from_secret_type_to_class()
            plugin_of = {t: cls.__name__ for t, cls in mapping.items()}
            for unit in units:
                for target in unit.files:
                    for secret in ds_scan.scan_file(str(target.abspath)):
                        plugin = plugin_of.get(secret.type, secret.type.replace(" ", ""))
                        findings.append(
                            Finding(
                                scanner=self.name,
                                tool="detect-secrets",
                                rule_id=plugin,
                                severity=Severity.HIGH,
                                message=f"Possible secret: {secret.type}",
                                path=target.path,
                                line=int(secret.line_number),
                                end_line=int(secret.line_number),
                                confidence="medium" if plugin in _HEURISTIC else "high",
                                anchor=stable_hash(ANCHOR_SALT, secret.type, secret.secret_hash)[
                                    :24
                                ],
                                help_url="https://github.com/Yelp/detect-secrets#currently-supported-plugins",
                            )
                        )
        return ScanResult(tuple(findings))

    def rules(self) -> Sequence[Rule]:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

        mapping: dict[str, type] = get_mapping_from_secret_type_to_class()
        return [
            Rule(
                id=cls.__name__,
                name=secret_type,
                description=f"Hard-coded secret: {secret_type}",
                severity=Severity.HIGH,
                help_url="https://github.com/Yelp/detect-secrets#currently-supported-plugins",
            )
            for secret_type, cls in sorted(mapping.items(), key=lambda kv: kv[1].__name__)
        ]
