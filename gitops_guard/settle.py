"""Settling a run: turn the workers' results into one report that does not depend on scheduling.

Findings are kept only for the paths their unit reports on, anchored (a salted hash of the
flagged line, for line-independent fingerprints), cached per unit - unless a file of the unit
changed while it was scanned, then the result is not cached and the run says so - merged across
engines, and sorted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from gitops_guard.cache import Cache
from gitops_guard.dedupe import dedupe
from gitops_guard.fold import fold
from gitops_guard.models import ErrorKind, Finding, Report, ScanError, ScanResult, stable_hash
from gitops_guard.plan import Digests, Plan
from gitops_guard.redact import error_message, first_line
from gitops_guard.scanners.interface import Scanner, Unit
from gitops_guard.targets import Target
from gitops_guard.workers import Payload, Task, Work

ANCHOR_SALT = "gitops-guard-anchor-1"


class Anchors:
    """Computes line anchors, reading each file with findings at most once, line by line (a
    large file is never held in memory)."""

    def __init__(self, targets: Mapping[str, Target]) -> None:
        self._targets = targets
        self._lines: dict[tuple[str, int], str] = {}

    def _load(self, path: str, wanted: set[int]) -> None:
        target = self._targets.get(path)
        if target is None:
            return
        last = max(wanted)
        with contextlib.suppress(OSError), target.abspath.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if number in wanted:
                    self._lines[(path, number)] = raw.decode("utf-8", "replace")
                if number >= last:
                    break

    def anchor_all(self, findings: Sequence[Finding]) -> list[Finding]:
        needed: dict[str, set[int]] = {}
        for f in findings:
            if not (f.anchor or f.resource or f.line <= 0):
                needed.setdefault(f.path, set()).add(f.line)
        for path, wanted in needed.items():
            missing = {n for n in wanted if (path, n) not in self._lines}
            if missing:
                self._load(path, missing)
        return [self._anchor(f) for f in findings]

    def anchor(self, finding: Finding) -> Finding:
        return self.anchor_all([finding])[0]

    def _anchor(self, finding: Finding) -> Finding:
        if finding.anchor or finding.resource or finding.line <= 0:
            return finding
        text = self._lines.get((finding.path, finding.line), "")
        normalised = " ".join(text.split())
        return replace(finding, anchor=stable_hash(ANCHOR_SALT, normalised)[:24])


def _unit_of(units: Sequence[Unit]) -> Callable[[str | None], int]:
    """Which unit a reported path belongs to: the unit holding that file (the one whose key is
    the longest prefix of the path when several hold it), else the unit whose folder is the
    longest prefix of the path, else the first."""
    holders: dict[str, list[int]] = {}
    for i, unit in enumerate(units):
        for t in unit.files:
            holders.setdefault(t.path, []).append(i)

    def depth(i: int, path: str) -> int:
        key = units[i].key
        if path == key:
            return 1 << 20
        prefix = key.rstrip("/") + "/"
        return len(prefix) if key in (".", "") or path.startswith(prefix) else -1

    def find(path: str | None) -> int:
        if path is None or not units:
            return 0
        candidates = holders.get(path) or range(len(units))
        best = max(candidates, key=lambda i: (depth(i, path), -i))
        return best if depth(best, path) >= 0 or path in holders else 0

    return find


def _changed(scanner: Scanner, units: Sequence[Unit], digests: Digests) -> list[ScanError]:
    """Files of ``units`` that no longer hold the bytes their cache key was computed from."""
    seen: set[str] = set()
    out: list[ScanError] = []
    for unit in units:
        for t in (*unit.files, *unit.context):
            if t.path not in seen:
                seen.add(t.path)
                if not digests.unchanged(t):
                    out.append(
                        ScanError(
                            scanner.name,
                            "changed while it was being scanned; its result is not cached "
                            "and may not match what is on disk now: scan again",
                            t.path,
                        )
                    )
    return out


def _passing(e: ScanError) -> bool:
    """An error of this run only (a crash, a timeout, a file changed meanwhile): the result that
    holds it is never cached. A lasting error (a file no engine can parse) is cached with it."""
    return e.kind is ErrorKind.ERROR and not e.lasting


def settle_work(
    w: Work, res: ScanResult, anchors: Anchors, cache: Cache | None, digests: Digests
) -> list[ScanResult]:
    """Keep findings the units report on, anchor them, and cache them per unit."""
    find = _unit_of(w.units)
    per_unit: list[tuple[list[Finding], list[ScanError]]] = [([], []) for _ in w.units]
    for f in res.findings:
        i = find(f.path)
        if w.units and not w.units[i].reports(f.path):
            continue
        per_unit[i][0].append(replace(f, message=first_line(f.message, 1000)))
    for e in res.errors:
        # Errors may quote file content (a parser's offending token): see gitops_guard.redact.
        per_unit[find(e.path)][1].append(replace(e, message=error_message(e.message)))
    per_unit = [(anchors.anchor_all(fs), es) for fs, es in per_unit]
    failed = any(_passing(e) for e in res.errors)
    changed = _changed(w.scanner, w.units, digests) if cache is not None and w.keys else []
    if w.scanner.cross_file:
        merged = ScanResult(
            findings=tuple(f for fs, _ in per_unit for f in fs),
            errors=tuple(e for _, es in per_unit for e in es) + tuple(changed),
        )
        if cache is not None and not failed and not changed and w.keys and w.keys[0]:
            cache.put(w.keys[0], merged)
        return [merged]
    stale = {e.path for e in changed}
    out: list[ScanResult] = [ScanResult(errors=tuple(changed))] if changed else []
    for i, (fs, es) in enumerate(per_unit):
        unit_result = ScanResult(findings=tuple(fs), errors=tuple(es))
        fresh = not any(t.path in stale for t in (*w.units[i].files, *w.units[i].context))
        if cache is not None and not failed and fresh and i < len(w.keys) and w.keys[i]:
            cache.put(w.keys[i], unit_result)
        out.append(unit_result)
    return out


def settle(
    plan: Plan,
    done: Sequence[tuple[Task, Payload]],
    cache: Cache | None,
    errors: Sequence[ScanError],
) -> tuple[list[Finding], list[ScanError]]:
    """Every finding and error of the run (cached answers and workers' results), merged."""
    results = list(plan.cached)
    anchors = Anchors(plan.by_path)
    fresh: dict[str, list[ScanResult]] = {}
    for task, payload in done:
        if isinstance(payload, str):
            for w in task.items:
                results.append(ScanResult(errors=(ScanError(w.scanner.name, payload),)))
                fresh.setdefault(w.scanner.name, []).append(results[-1])
            continue
        for w, res in zip(task.items, payload, strict=True):
            settled = settle_work(w, res, anchors, cache, plan.digests)
            results.extend(settled)
            fresh.setdefault(w.scanner.name, []).extend(settled)
    if cache is not None:
        _store_wholes(plan, fresh, cache)
    findings = [f for res in results for f in res.findings]
    all_errors = [*errors, *(e for res in results for e in res.errors)]
    files = {path: t.abspath for path, t in plan.by_path.items()}
    return dedupe(fold(findings, files)), all_errors


def _store_wholes(plan: Plan, fresh: Mapping[str, list[ScanResult]], cache: Cache) -> None:
    """Each scanner's whole result in one entry, when all of it is known and sound: the next run
    over the same units reads one entry instead of one per unit."""
    for name, (key, hits) in plan.wholes.items():
        parts = [*hits, *fresh.get(name, ())]
        errors = [e for r in parts for e in r.errors]
        if any(_passing(e) for e in errors):
            continue  # a failure or a file changed meanwhile: never kept
        findings = tuple(f for r in parts for f in r.findings)
        cache.put(key, ScanResult(findings, tuple(errors)))


def report(
    findings: Sequence[Finding],
    errors: Sequence[ScanError],
    scanners: Sequence[Scanner],
    files_scanned: int,
    extras: dict[str, object],
) -> Report:
    """The run's report: findings and errors in an order that never depends on scheduling."""
    return Report(
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        errors=tuple(sorted(set(errors), key=lambda e: (e.path or "", e.scanner, e.message))),
        scanners=tuple(s.name for s in scanners),
        files_scanned=files_scanned,
        extras=extras,
    )
