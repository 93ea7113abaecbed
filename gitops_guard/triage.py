"""After the engines: what of the merged findings is shown.

:func:`apply` is the one place that applies, in this order:

1. severity overrides (``[tool.gitops-guard.severity]``), so every later step sees the final
   severity;
2. ``skip-rules`` / ``enable-rules``: skipped rules are treated as never checked (not counted);
3. inline suppressions (``gitops-guard: ignore[RULE] reason``), reading only the files that still
   have findings, each once; invalid suppression comments become ``GG-SUPPRESS`` findings, and
   with ``report-unused`` (in a complete run) every rule id of a suppression that hid nothing a
   ``GG-SUPPRESS-UNUSED`` finding;
4. the baseline, occurrence by occurrence;
5. ``min-severity``: what is left below it is counted as hidden.

Steps 3 and 4 add to :attr:`Report.suppressed`; step 5 to :attr:`Report.hidden`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from gitops_guard import suppress
from gitops_guard.baseline import Baseline
from gitops_guard.config import Config
from gitops_guard.history import source_key
from gitops_guard.models import Finding, Report, Severity, stable_hash

ANCHOR_SALT = "gitops-guard-suppress-1"


def apply(
    report: Report,
    config: Config | None = None,
    *,
    baseline: Baseline | None = None,
    min_severity: Severity | None = None,
    files: Mapping[str, Path] | None = None,
    root: Path | None = None,
    complete: bool = False,
) -> Report:
    """Triage ``report``. ``files`` maps each scanned path to where its scanned content is (a
    staged scan reads a copy of the index); other paths are read below ``root``. ``complete``
    says every scanner ran on whole files, so a suppression that hid nothing is unused (reported
    with ``report-unused``)."""
    cfg = config or Config()
    threshold = min_severity or cfg.min_severity
    findings = list(report.findings)
    if cfg.severity:
        findings = [_override(f, cfg) for f in findings]
    if cfg.skips_rules:
        findings = [g for f in findings if (g := _skip(f, cfg)) is not None]
    suppressed = 0
    unused = cfg.suppressions.enabled and cfg.suppressions.report_unused and complete
    if cfg.suppressions.enabled and (findings or unused):
        failed = {e.path for e in report.errors if e.path}
        check = [p for p in (files or {}) if p not in failed] if unused else []
        findings, n = _inline(findings, cfg, _reader(files or {}, root), check)
        suppressed += n
    if baseline is not None and findings:
        findings, n = baseline.filter(findings)
        suppressed += n
    shown = [f for f in findings if f.severity.rank >= threshold.rank]
    return replace(
        report,
        findings=tuple(sorted(shown, key=lambda f: f.sort_key)),
        suppressed=report.suppressed + suppressed,
        hidden=report.hidden + len(findings) - len(shown),
    )


def _source_rules(f: Finding) -> list[str]:
    return [s.rsplit(":", 1)[-1] for s in f.sources]


def _override(f: Finding, cfg: Config) -> Finding:
    sev = cfg.severity_for([f.rule_id, *_source_rules(f)])
    return f if sev is None or sev is f.severity else replace(f, severity=sev)


def _skip(f: Finding, cfg: Config) -> Finding | None:
    """None when every id of ``f`` (its own and merged sources) is skipped; otherwise ``f``
    without the skipped sources (another engine still reports the problem)."""
    sources = tuple(s for s in f.sources if not cfg.rule_skipped(s.rsplit(":", 1)[-1]))
    if cfg.rule_skipped(f.rule_id) and not sources:
        return None
    return f if sources == f.sources else replace(f, sources=sources)


def _reader(files: Mapping[str, Path], root: Path | None) -> Callable[[str], list[str]]:
    def read(key: str) -> list[str]:
        candidates = [files[key]] if key in files else []
        if root is not None:
            candidates.append(root / key)
        for where in candidates:
            with contextlib.suppress(OSError):
                return where.read_bytes().decode("utf-8", "replace").splitlines()
        return []

    return read


def _inline(
    findings: Sequence[Finding],
    cfg: Config,
    read: Callable[[str], list[str]],
    unused_in: Sequence[str] = (),
) -> tuple[list[Finding], int]:
    """Drop findings an inline suppression covers; add a finding per invalid suppression that
    sits where it would apply (so a comment elsewhere, e.g. in docs, is never reported), and one
    per rule id of a valid suppression in ``unused_in`` that hid no finding."""
    parsed: dict[str, tuple[suppress.FileSuppressions, list[str]]] = {}

    def of(path: str, commit: str | None = None) -> tuple[suppress.FileSuppressions, list[str]]:
        key = source_key(path, commit)  # a history finding reads the version it was found in
        if key not in parsed:
            lines = read(key)
            parsed[key] = (suppress.FileSuppressions(path, lines), lines)
        return parsed[key]

    kept: list[Finding] = []
    invalid: dict[tuple[str, int], Finding] = {}
    used: set[tuple[str, int, str]] = set()
    settings = cfg.suppressions
    for f in findings:
        fs, lines = of(f.path, f.commit)
        hit = False
        for sup in fs.scope(f) if fs else ():
            if not sup.ids:
                bad = True
            else:
                if not sup.names(f):
                    continue
                bad = settings.require_reason and not sup.reason
                hit = hit or not bad
                if not bad:
                    ids = suppress.finding_ids(f)
                    used.update((f.path, sup.line, i) for i in sup.ids if i.lower() in ids)
            if bad and settings.report_invalid and (f.path, sup.line) not in invalid:
                invalid[(f.path, sup.line)] = _invalid(f.path, sup, lines, cfg)
        if not hit:
            kept.append(f)
    extra = [g for g in invalid.values() if not cfg.rule_skipped(g.rule_id)]
    if unused_in and not cfg.rule_skipped(suppress.UNUSED_RULE_ID):
        extra += _unused(unused_in, of, used, cfg)
    return kept + extra, len(findings) - len(kept)


def _unused(
    paths: Sequence[str],
    of: Callable[[str], tuple[suppress.FileSuppressions, list[str]]],
    used: set[tuple[str, int, str]],
    cfg: Config,
) -> list[Finding]:
    """One finding per rule id of a valid suppression that hid nothing. An id that a skip rule
    matches is not judged: its findings were dropped before suppressions were applied."""
    out: list[Finding] = []
    for path in sorted(paths):
        fs, lines = of(path)
        for sup in fs.by_line.values():
            if sup.problem is not None and (not sup.ids or cfg.suppressions.require_reason):
                continue  # reported as GG-SUPPRESS, or suppressing nothing anyway
            for rid in sup.ids:
                if (path, sup.line, rid) in used or cfg.rule_skipped(rid.rsplit(":", 1)[-1]):
                    continue
                text = lines[sup.line - 1] if sup.line <= len(lines) else ""
                out.append(
                    Finding(
                        scanner="gitops-guard",
                        tool="gitops-guard",
                        rule_id=suppress.UNUSED_RULE_ID,
                        severity=cfg.severity_for([suppress.UNUSED_RULE_ID]) or Severity.LOW,
                        message=f"unused inline suppression: no {rid} finding here to hide; "
                        "remove it (or the id) so it cannot hide a future problem",
                        path=path,
                        line=sup.line,
                        end_line=sup.line,
                        anchor=stable_hash(ANCHOR_SALT, rid, " ".join(text.split()))[:24],
                        fix=f"remove {rid} from the gitops-guard: ignore[...] comment",
                    )
                )
    return out


def _invalid(path: str, sup: suppress.Suppression, lines: list[str], cfg: Config) -> Finding:
    text = lines[sup.line - 1] if sup.line <= len(lines) else ""
    return Finding(
        scanner="gitops-guard",
        tool="gitops-guard",
        rule_id=suppress.RULE_ID,
        severity=cfg.severity_for([suppress.RULE_ID]) or Severity.LOW,
        message=sup.problem or "invalid inline suppression",
        path=path,
        line=sup.line,
        end_line=sup.line,
        anchor=stable_hash(ANCHOR_SALT, " ".join(text.split()))[:24],
    )
