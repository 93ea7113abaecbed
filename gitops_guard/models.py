"""The data every layer shares: severities, findings, errors and the report.

Everything here is frozen and plain: scanners build these, the engine merges them, triage filters
them and formatters render them. Nothing here imports an engine or the terminal.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field

#: Bumped whenever the inputs of :attr:`Finding.fingerprint` change. Baselines and SARIF
#: ``partialFingerprints`` carry the version so an old fingerprint is never compared with a new one.
FINGERPRINT_VERSION = 1


class Severity(str, enum.Enum):
    """How bad a finding is, on one scale for every engine (see docs/scanners.md)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: info=0 ... critical=4."""
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Parse a user-given severity, case-insensitively; raises ValueError with the choices."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r} (choose from {choices})") from None


_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


#: Where ``scan --history`` scans a file version: ``<prefix><blob>/<path in the repository>``. No
#: scanned file can have this path (git refuses a ``.git`` component, discovery never enters
#: one), and fingerprints drop the prefix, so a version's findings match the work tree's.
HISTORY_PREFIX = ".git/gitops-guard-history/"
_HISTORY_RE = re.compile(r"\.git/gitops-guard-history/[0-9a-f]{12}/")

#: A secret only the team has (a CI secret): fingerprints become keyed hashes of the same parts.
FINGERPRINT_KEY_ENV = "GITOPS_GUARD_FINGERPRINT_KEY"


@functools.lru_cache(maxsize=1 << 16)
def _keyed(key: str, *parts: str) -> str:
    digest = stable_hash(*parts)
    if key:
        digest = hmac.new(key.encode("utf-8"), digest.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{FINGERPRINT_VERSION}:{digest[:32]}"


def stable_hash(*parts: str) -> str:
    """A short, stable hex digest of ``parts`` (unambiguous: parts are length-prefixed)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(str(len(data)).encode())
        h.update(b":")
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True, order=False)
class Finding:
    """One problem, reported by one scanner, at one place."""

    scanner: str
    """Name of the gitops-guard scanner that produced it (``source``, ``secrets``, ...)."""
    tool: str
    """The engine behind it (``bandit``, ``detect-secrets``, ``checkov``, ``gitops-guard``)."""
    rule_id: str
    """The engine's rule id (``B602``, ``CKV_K8S_20``, ``GG001``, ``AWSKeyDetector``...)."""
    severity: Severity
    """Normalised severity (docs/scanners.md maps each engine's scale)."""
    message: str
    """Human-readable description. Never contains a secret's value."""
    path: str
    """Path relative to the scan root, ``/``-separated."""
    line: int
    """First line, 1-based; 0 when the finding is about the whole file."""
    end_line: int = 0
    """Last line, 1-based (equal to ``line`` for a one-line finding)."""
    confidence: str | None = None
    """The engine's confidence where it has one (``high``/``medium``/``low``)."""
    resource: str | None = None
    """IaC resource the finding is about (``aws_s3_bucket.data``, ``Deployment.default.web``)."""
    help_url: str | None = None
    """Where to read about the rule."""
    anchor: str = ""
    """Salted hash of the normalised content the finding points at (never the text itself); it ties
    the fingerprint to *what* is flagged rather than *where*, so moving lines keeps it."""
    sources: tuple[str, ...] = ()
    """Other ``tool:rule_id`` pairs that reported the same problem and were merged into this one."""
    column: int = 0
    """1-based column where known, else 0."""
    occurrences: tuple[int, ...] = ()
    """Further lines of this file where the very same problem occurs (a secret value repeated):
    one finding for all of them, while a baseline still counts every occurrence."""
    merged: tuple[str, ...] = ()
    """Fingerprints of the other problems folded into this one (other engines, renders), one
    entry per occurrence (a fingerprint may repeat): a baseline hides a merged finding only when
    its own fingerprint (once per line it occurs on) and every merged one are in it."""
    also_in: tuple[str, ...] = ()
    """Other places (``path:line``) where the same check holds on the same object, such as the
    Kustomize overlays that render it."""
    commit: str | None = None
    """For a finding in git history: ``<short id> <ISO date>`` of the commit that holds it."""
    fix: str | None = None
    """What to do about it, in one line ("pin by digest: image@sha256:...")."""

    @property
    def fingerprint(self) -> str:
        """Versioned identity of the problem, independent of line numbers.

        Two occurrences of the same problem in the same file with the same content share a
        fingerprint; the baseline counts occurrences, so a second one is still new. With
        ``GITOPS_GUARD_FINGERPRINT_KEY`` set it is a keyed hash (HMAC), so that a published
        report is no oracle for guessing a short secret or a flagged line (docs/security.md).
        """
        key = os.environ.get(FINGERPRINT_KEY_ENV, "")
        path = (
            _HISTORY_RE.sub("", self.path, count=1) if self.path.startswith(".git/") else self.path
        )
        return _keyed(key, self.scanner, self.rule_id, path, self.resource or "", self.anchor)

    @property
    def problems(self) -> tuple[str, ...]:
        """Every problem this finding stands for: its own fingerprint once per line it occurs
        on, then each merged one (a multiset: what a baseline records and must hold to hide
        it)."""
        return (self.fingerprint,) * (1 + len(self.occurrences)) + self.merged

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, -self.severity.rank, self.rule_id, self.scanner)

    def to_dict(self) -> dict[str, object]:
        """The JSON contract's finding object (docs/scanners.md, "JSON contract")."""
        return {
            "scanner": self.scanner,
            "tool": self.tool,
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line or self.line,
            "column": self.column,
            "fingerprint": self.fingerprint,
            "confidence": self.confidence,
            "resource": self.resource,
            "help_url": self.help_url,
            "sources": list(self.sources),
            "merged_fingerprints": list(self.merged),
            "occurrences": list(self.occurrences),
            "also_in": list(self.also_in),
            "commit": self.commit,
            "fix": self.fix,
        }


class ErrorKind(str, enum.Enum):
    """``error``: a scanner could not do its work (exit 3). ``skipped``: a file was not scanned on
    purpose or could not be parsed (binary, too large, syntax error) - a notice, not a failure."""

    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ScanError:
    """Something that could not be checked, recorded as data rather than raised or printed."""

    scanner: str
    """Scanner concerned, or ``gitops-guard`` for the tool itself (file discovery, config)."""
    message: str
    """What went wrong, in one line; never contains a secret's value."""
    path: str | None = None
    """File or directory concerned, relative to the scan root, if any."""
    kind: ErrorKind = ErrorKind.ERROR
    lasting: bool = False
    """A fact about the content (a file no engine can parse), not a mishap of the run (a crash,
    a timeout): a result holding it is cached like a finding, under the same content key."""

    def to_dict(self) -> dict[str, object]:
        return {
            "scanner": self.scanner,
            "kind": self.kind.value,
            "path": self.path,
            "message": self.message,
        }


@dataclass(frozen=True)
class ScanResult:
    """What one scanner returns for the units it was given."""

    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()


@dataclass(frozen=True)
class Report:
    """The merged outcome of one run, as every formatter receives it."""

    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...] = ()
    scanners: tuple[str, ...] = ()
    """Scanners that ran."""
    files_scanned: int = 0
    suppressed: int = 0
    """Findings hidden by inline suppressions or the baseline (counted, not listed)."""
    hidden: int = 0
    """Findings below ``--min-severity`` (counted, not listed)."""
    extras: dict[str, object] = field(default_factory=dict, compare=False)
    """Free-form extra summary values (cache hits, duration)."""

    @property
    def failed(self) -> bool:
        """True when a scanner could not do its work."""
        return any(e.kind is ErrorKind.ERROR for e in self.errors)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out
