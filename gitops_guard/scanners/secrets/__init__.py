"""``secrets``: every text file through two engines behind one scanner.

- the **catalogue** (:mod:`.catalogue`, formats as data in ``data/*.toml``): provider token
  formats with checksums where the format has one, private-key blocks, connection strings, and a
  generic assignment detector (:mod:`.generic`), all behind one keyword prefilter; it also reads
  encoded values (:mod:`.decode`);
- **detect-secrets** 1.5.0 (:mod:`.upstream`), vendored, with its default plugins and filters and
  its ``# pragma: allowlist secret``.

What both find on one secret becomes one finding (:mod:`.report`): the catalogue's name and advice,
the other detectors in ``sources``. One secret value repeated in a file is one finding with its
further lines in ``occurrences``. Only a salted hash of a value ever leaves this package.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from gitops_guard import safeyaml
from gitops_guard.models import ErrorKind, Finding, ScanError, ScanResult, Severity
from gitops_guard.scanners.interface import Rule, ScanContext, Scanner, Unit
from gitops_guard.scanners.secrets import catalogue, upstream
from gitops_guard.targets import Kind, Target
from gitops_guard.timelimit import TimeLimitExceeded, time_limit

ENGINE_VERSION = upstream.ENGINE_VERSION
#: Seconds one file may take, plus :data:`SECONDS_PER_MIB` per MiB of it.
FILE_TIMEOUT = 30.0
SECONDS_PER_MIB = 4.0

#: A gitops-guard inline suppression, as :mod:`gitops_guard.suppress` reads it.
_SUPPRESSION = re.compile(r"gitops-guard\s*:\s*ignore\s*\[[^\]\n]*\]", re.IGNORECASE)


def loaded_engine() -> str:
    """What ``gitops-guard scanners`` shows for this scanner (without importing the engine)."""
    formats = sum(1 for d in catalogue.load().detectors if d.finder is None)
    return f"{upstream.label()} + catalogue of {formats} formats"


def _blank_suppressions(text: str) -> str:
    """Our suppression comments, blanked to spaces (same length: lines and columns stay). Their
    ``ignore[ID]`` looks like an index to detect-secrets' ``is_indirect_reference`` filter, which
    would drop every secret on that line, whatever rule the comment names."""
    if "gitops-guard" not in text and "GITOPS-GUARD" not in text.upper():
        return text
    return _SUPPRESSION.sub(lambda m: " " * len(m.group()), text)


class SecretsScanner(Scanner):
    name = "secrets"
    description = "Secrets in any text file (provider catalogue + detect-secrets)"
    kinds = frozenset({Kind.TEXT})
    distribution = None
    splittable = True
    startup_seconds = 0.15
    seconds_per_mib = 0.5

    def engine_version(self) -> str:
        return f"{ENGINE_VERSION}+catalogue.{catalogue.digest()}"

    def engine_label(self) -> str:
        return loaded_engine()

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        findings: list[Finding] = []
        errors: list[ScanError] = []
        cat = catalogue.load()
        with upstream.Engine() as engine:
            for unit in units:
                for target in unit.files:
                    # One hostile file (alias bomb, pathological line) costs only itself; a file
                    # that could not be scanned to its end is an error: not scanned is not clean.
                    try:
                        limit = FILE_TIMEOUT + SECONDS_PER_MIB * target.size / (1 << 20)
                        with time_limit(limit):
                            found, notices = self._scan_file(target, cat, engine)
                    except TimeLimitExceeded as exc:
                        errors.append(
                            ScanError(self.name, f"not scanned to the end: {exc}", target.path)
                        )
                        continue
                    except Exception as exc:  # RecursionError included
                        errors.append(
                            ScanError(self.name, f"not scanned: {type(exc).__name__}", target.path)
                        )
                        continue
                    findings += found
                    errors += [
                        ScanError(self.name, n, target.path, ErrorKind.SKIPPED) for n in notices
                    ]
        return ScanResult(tuple(findings), tuple(errors))

    def _scan_file(
        self, target: Target, cat: catalogue.Catalogue, engine: upstream.Engine
    ) -> tuple[list[Finding], list[str]]:
        # Imported here: a run answered from the cache never pays for them.
        from gitops_guard.scanners.secrets import report, stream
        from gitops_guard.scanners.secrets.detect import detect

        notices: list[str] = []
        cands: list[report.Candidate] = []
        filename = str(target.abspath)
        for piece in stream.pieces(target.abspath, target.size):
            text = _blank_suppressions(piece.text)
            transform = piece.whole
            if piece.whole and target.path.lower().endswith((".yaml", ".yml")):
                problem = safeyaml.problem(text)
                if problem:
                    notices.append(f"{problem}: read as plain text, not as YAML")
                    filename, transform = filename + ".txt", False
            found = detect(cat, text, target.path, piece.first_line, piece.seen)
            found += report.from_upstream(
                engine.scan(filename, text, transform),
                text,
                piece.first_line,
                piece.seen,
                target.path,
            )
            cands += found
        return report.findings(self.name, target.path, cands, _head(target.abspath)), notices

    def rules(self) -> Sequence[Rule]:
        from gitops_guard.scanners.secrets import report

        out = [
            Rule(
                id=d.id,
                name=d.name,
                description=f"Hard-coded credential: {d.name}",
                severity=Severity(d.severity),
                help_url=report.HELP_URL,
            )
            for d in catalogue.load().detectors
        ]
        out += report.upstream_rules()
        return sorted(out, key=lambda r: r.id)


def _head(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(2048).decode("utf-8", "replace")
    except OSError:
        return ""
