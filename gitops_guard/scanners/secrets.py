"""``secrets``: every text file through Yelp's detect-secrets, default plugins and filters.

Only the hashed secret ever leaves this module: findings carry the detector and line, and a salted
hash as the anchor of their fingerprint. ``# pragma: allowlist secret`` keeps working.

Which engine, deterministically: Checkov depends on ``bc-detect-secrets``, a fork that installs
the same top-level ``detect_secrets`` module as Yelp's ``detect-secrets``; with both installed,
whichever pip installs last silently wins (pip 23 installs the fork last, leaving a mix on disk).
The fork flags more false alarms than upstream (hex AMI ids, keywords in ``setup.cfg``) and lacks
five upstream detectors. So this scanner runs upstream detect-secrets from the unmodified wheel
shipped in ``gitops_guard/_vendor`` (sha256 below, checked by the tests), imported from that zip in
the scanner's own worker process; site-packages keeps only the fork, which Checkov uses.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from gitops_guard import safeyaml
from gitops_guard import text as textmod
from gitops_guard.models import ErrorKind, Finding, ScanError, ScanResult, Severity, stable_hash
from gitops_guard.scanners.interface import Rule, ScanContext, Scanner, Unit
from gitops_guard.targets import Kind, Target
from gitops_guard.timelimit import TimeLimitExceeded, time_limit

ENGINE_VERSION = "1.5.0"
VENDORED_WHEEL = (
    Path(__file__).resolve().parents[1]
    / "_vendor"
    / f"detect_secrets-{ENGINE_VERSION}-py3-none-any.whl"
)
VENDORED_SHA256 = "e24e7b9b5a35048c313e983f76c4bd09dad89f045ff059e354f9943bf45aa060"
ANCHOR_SALT = "gitops-guard-secret-1"
HELP_URL = "https://github.com/Yelp/detect-secrets#currently-supported-plugins"
#: Detectors that match on entropy or keywords alone: less certain than a token format.
_HEURISTIC = {"Base64HighEntropyString", "HexHighEntropyString", "KeywordDetector"}
#: Seconds detect-secrets may spend on one file before it is skipped with a notice.
FILE_TIMEOUT = 30.0


def _engine_path() -> Path:
    """Where to import the engine from: the wheel unpacked once into the user cache directory (so
    Python can keep byte-code caches: about 40 ms per run), else the wheel itself (zipimport)."""
    from gitops_guard.cache import default_dir

    target = default_dir() / "engines" / f"detect_secrets-{ENGINE_VERSION}-{VENDORED_SHA256[:12]}"
    if (target / "detect_secrets" / "__init__.py").is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpack-"))
        with zipfile.ZipFile(VENDORED_WHEEL) as wheel:
            wheel.extractall(staging)
        try:
            os.replace(staging, target)  # atomic; a concurrent run may have won the race
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    except (OSError, zipfile.BadZipFile):
        return VENDORED_WHEEL
    return target if (target / "detect_secrets" / "__init__.py").is_file() else VENDORED_WHEEL


def use_engine() -> None:
    """Make ``import detect_secrets`` in this process load the vendored upstream engine.

    If the fork was imported first (Checkov imports it), its modules are dropped from
    ``sys.modules``: the scanner runs in a worker process of its own, so nothing else in it holds
    on to them."""
    if not VENDORED_WHEEL.is_file():
        raise RuntimeError(f"the detect-secrets engine is missing: {VENDORED_WHEEL}")
    location = str(_engine_path())
    loaded = sys.modules.get("detect_secrets")
    if loaded is not None and str(getattr(loaded, "__file__", "")).startswith(location):
        return
    for name in [
        m for m in sys.modules if m == "detect_secrets" or m.startswith("detect_secrets.")
    ]:
        del sys.modules[name]
    if location in sys.path:
        sys.path.remove(location)
    sys.path.insert(0, location)
    importlib.invalidate_caches()


def loaded_engine() -> str:
    """What ``gitops-guard scanners`` shows for this scanner (without importing the engine)."""
    if not VENDORED_WHEEL.is_file():
        return "detect-secrets: missing"
    return f"detect-secrets {ENGINE_VERSION} (upstream wheel)"


#: A gitops-guard inline suppression, as :mod:`gitops_guard.suppress` reads it.
_SUPPRESSION = re.compile(r"gitops-guard\s*:\s*ignore\s*\[[^\]\n]*\]", re.IGNORECASE)


def _readable(target: Target, tmp: Path) -> tuple[Path, Path | None, str | None]:
    """What to hand detect-secrets for ``target``: the file itself, or a UTF-8 copy in ``tmp``
    (same name, same lines) when detect-secrets could not read it safely, and a notice.

    detect-secrets reads files as UTF-8 and silently skips anything else, so UTF-16 (BOM) and
    8-bit text are transcoded. Its YAML transformer walks every alias, so an alias bomb, a
    recursive alias or deep nesting (:mod:`gitops_guard.safeyaml`) is read as plain lines.
    Our own suppression comments are blanked (same length, so columns and lines stay): their
    ``ignore[ID]`` looks like an index to detect-secrets' ``is_indirect_reference`` filter, which
    would otherwise drop every secret on that line, whatever rule the comment names.
    """
    data = target.abspath.read_bytes()
    text, transcoded = textmod.decode(data, "latin-1"), not textmod.is_utf8(data)
    if _SUPPRESSION.search(text):
        text, transcoded = _SUPPRESSION.sub(lambda m: " " * len(m.group()), text), True
    name = target.abspath.name
    problem = safeyaml.problem(text) if name.lower().endswith((".yaml", ".yml")) else None
    if problem is None and not transcoded:
        return target.abspath, None, None
    folder = Path(tempfile.mkdtemp(dir=tmp))
    copy = folder / (name + ".txt" if problem else name)
    copy.write_text(text, encoding="utf-8")
    notice = f"{problem}: read as plain text, not as YAML" if problem else None
    return copy, copy, notice


class SecretsScanner(Scanner):
    name = "secrets"
    description = "Secrets in any text file (detect-secrets)"
    kinds = frozenset({Kind.TEXT})
    distribution = None
    splittable = True
    startup_seconds = 0.15
    seconds_per_mib = 0.9

    def engine_version(self) -> str:
        return ENGINE_VERSION

    def engine_label(self) -> str:
        return loaded_engine()

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        use_engine()
        from detect_secrets.core import scan as ds_scan
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.settings import default_settings

        findings = []
        errors: list[ScanError] = []
        with default_settings(), tempfile.TemporaryDirectory(prefix="gitops-guard-secrets-") as tmp:
            mapping: dict[str, type] = get_mapping_from_secret_type_to_class()
            plugin_of = {t: cls.__name__ for t, cls in mapping.items()}
            for unit in units:
                for target in unit.files:
                    # One hostile file (alias bomb, deep nesting, pathological line) must cost
                    # only itself: it becomes a notice and the other files are still scanned.
                    copy: Path | None = None
                    try:
                        with time_limit(FILE_TIMEOUT):
                            path, copy, notice = _readable(target, Path(tmp))
                            if notice:
                                errors.append(
                                    ScanError(self.name, notice, target.path, ErrorKind.SKIPPED)
                                )
                            found = list(ds_scan.scan_file(str(path)))
                    except TimeLimitExceeded as exc:
                        # Not scanned is not clean: the run is incomplete (exit 3).
                        errors.append(ScanError(self.name, f"not scanned: {exc}", target.path))
                        continue
                    except Exception as exc:  # RecursionError included
                        errors.append(
                            ScanError(self.name, f"not scanned: {type(exc).__name__}", target.path)
                        )
                        continue
                    finally:
                        if copy is not None:
                            copy.unlink(missing_ok=True)
                    for secret in found:
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
                                help_url=HELP_URL,
                            )
                        )
        return ScanResult(tuple(findings), tuple(errors))

    def rules(self) -> Sequence[Rule]:
        use_engine()
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

        mapping: dict[str, type] = get_mapping_from_secret_type_to_class()
        return [
            Rule(
                id=cls.__name__,
                name=secret_type,
                description=f"Hard-coded secret: {secret_type}",
                severity=Severity.HIGH,
                help_url=HELP_URL,
            )
            for secret_type, cls in sorted(mapping.items(), key=lambda kv: kv[1].__name__)
        ]
