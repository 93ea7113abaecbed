"""Route targets to scanners, run them in parallel worker processes, merge, dedupe and sort.

The flow for one run:

1. each scanner picks the targets of its kinds and groups them into units;
2. every unit whose cache key (content hashes + scanner + engine version + options) is cached is
   answered from the cache: a warm re-scan imports no engine at all;
3. the rest becomes tasks, one per process group (so Checkov is imported once for the Dockerfile
   and IaC scanners), large splittable scanners in several chunks; at most ``jobs`` worker
   processes run at once, each with a timeout;
4. findings are anchored (for line-independent fingerprints), merged, deduplicated and sorted, so
   the output does not depend on scheduling.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import Any

from gitops_guard.cache import Cache, unit_key
from gitops_guard.dedupe import dedupe
from gitops_guard.identity import code_version
from gitops_guard.models import (
    ErrorKind,
    Finding,
    Report,
    ScanError,
    ScanResult,
    stable_hash,
)
from gitops_guard.redact import error_message, first_line
from gitops_guard.scanners.interface import ScanContext, Scanner, Unit
from gitops_guard.targets import Target, TargetSet

#: A chunk of a split scanner should carry at least this much estimated work (seconds).
MIN_CHUNK_SECONDS = 0.3
ANCHOR_SALT = "gitops-guard-anchor-1"


def cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class EngineOptions:
    jobs: int = field(default_factory=lambda: cores())
    timeout: float | None = 600.0
    """Per task (one scanner or process group) in seconds; None for no limit."""
    cache: Cache | None = None
    scanner_options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)


@dataclass
class _Work:
    """Units of one scanner still to be analysed, with their cache keys."""

    scanner: Scanner
    units: list[Unit]
    keys: list[str]


@dataclass
class _Task:
    group: str
    items: list[_Work]
    seconds: float = 0.0
    """Wall time of its worker, for the summary."""

    @property
    def cost(self) -> float:
        """Estimated seconds, from the scanners' declared start-up and per-MiB costs."""
        startup = max((w.scanner.startup_seconds for w in self.items), default=0.0)
        return startup + sum(_work_seconds(w.scanner, w.units) for w in self.items)


def _unit_bytes(unit: Unit) -> int:
    return sum(t.size for t in unit.files)


def _work_seconds(scanner: Scanner, units: Sequence[Unit]) -> float:
    return scanner.seconds_per_mib * sum(_unit_bytes(u) for u in units) / (1 << 20)


def _digest(target: Target) -> str:
    h = hashlib.sha256()
    try:
        with target.abspath.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 16), b""):
                h.update(block)
    except OSError:
        return "unreadable"
    return h.hexdigest()


def _scanner_fingerprint(scanner: Scanner, options: Mapping[str, object]) -> str:
    """What besides file content can change a scanner's result: the engine's version, our code,
    the scanner's options."""
    return stable_hash(
        code_version(type(scanner).__module__),
        scanner.engine_version(),
        json.dumps(options, sort_keys=True, default=str),
    )


def _silence() -> None:
    """Engines log and print; in a worker nothing may reach the user's terminal."""
    if os.environ.get("GITOPS_GUARD_DEBUG"):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import logging

    logging.disable(logging.CRITICAL)


def run_items(items: Sequence[tuple[Scanner, Sequence[Unit], ScanContext]]) -> list[ScanResult]:
    """Run scanners in this process; an exception becomes an error, never escapes."""
    out: list[ScanResult] = []
    for scanner, units, ctx in items:
        try:
            out.append(scanner.scan(units, ctx))
        except Exception as exc:
            msg = first_line(f"{type(exc).__name__}: {exc}")
            out.append(ScanResult(errors=(ScanError(scanner.name, f"scanner failed: {msg}"),)))
    return out


def _worker(conn: Connection, items: Sequence[tuple[Scanner, Sequence[Unit], ScanContext]]) -> None:
    _silence()
    try:
        conn.send(run_items(items))
    except BaseException as exc:  # e.g. an unpicklable result
        with contextlib.suppress(Exception):
            conn.send(exc.__class__.__name__ + ": " + error_message(str(exc)))
    finally:
        conn.close()


def _mp_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _execute(
    tasks: list[_Task],
    contexts: Mapping[str, ScanContext],
    jobs: int,
    timeout: float | None,
) -> list[tuple[_Task, list[ScanResult] | str]]:
    """Run tasks in at most ``jobs`` processes. Returns each task with its results, or with an
    error string when the worker crashed or timed out. Ctrl-C kills every worker."""
    mp = _mp_context()
    pending = sorted(tasks, key=lambda t: -t.cost)
    running: dict[Connection, tuple[Any, _Task, float]] = {}
    done: list[tuple[_Task, list[ScanResult] | str]] = []
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                task = pending.pop(0)
                items = [(w.scanner, w.units, contexts[w.scanner.name]) for w in task.items]
                parent, child = mp.Pipe(duplex=False)
                proc = mp.Process(target=_worker, args=(child, items), daemon=False)
                proc.start()
                child.close()
                task.seconds = time.monotonic()
                deadline = task.seconds + timeout if timeout else math.inf
                running[parent] = (proc, task, deadline)
            nearest = min(d for _, _, d in running.values())
            wait_for = None if nearest == math.inf else max(0.0, nearest - time.monotonic())
            ready = multiprocessing.connection.wait(list(running), timeout=wait_for)
            for conn in (c for c in list(running) if c in ready):
                proc, task, _ = running.pop(conn)
                payload: list[ScanResult] | str
                try:
                    payload = conn.recv()
                except (EOFError, OSError):
                    proc.join(5)
                    payload = f"worker process died (exit code {proc.exitcode})"
                conn.close()
                proc.join(5)
                task.seconds = time.monotonic() - task.seconds
                done.append((task, payload))
            now = time.monotonic()
            for conn, (proc, task, deadline) in list(running.items()):
                if now >= deadline:
                    proc.kill()
                    proc.join(5)
                    conn.close()
                    del running[conn]
                    done.append((task, f"timed out after {timeout:g}s"))
    finally:
        for conn, (proc, _, _) in running.items():
            proc.kill()
            proc.join(5)
            conn.close()
    return done


def _chunks(w: _Work, jobs: int) -> list[_Work]:
    """Split a splittable scanner's units into chunks when the work outweighs the start-up each
    extra worker costs; chunks are balanced by bytes (largest unit first)."""
    work = _work_seconds(w.scanner, w.units)
    per_chunk = max(w.scanner.startup_seconds, MIN_CHUNK_SECONDS)
    # Up to two chunks per worker: estimates are rough, and smaller chunks let the pool even out.
    n = min(2 * max(1, jobs), len(w.units), int(work / per_chunk))
    if n <= 1:
        return [w]
    chunks = [_Work(w.scanner, [], []) for _ in range(n)]
    loads = [0] * n
    for unit, key in sorted(zip(w.units, w.keys, strict=True), key=lambda uk: -_unit_bytes(uk[0])):
        i = loads.index(min(loads))
        chunks[i].units.append(unit)
        chunks[i].keys.append(key)
        loads[i] += _unit_bytes(unit) + 1
    return chunks


class _Anchors:
    """Computes line anchors, reading each file with findings at most once."""

    def __init__(self, targets: Mapping[str, Target]) -> None:
        self._targets = targets
        self._lines: dict[str, list[str]] = {}

    def _file(self, path: str) -> list[str]:
        if path not in self._lines:
            target = self._targets.get(path)
            lines: list[str] = []
            if target is not None:
                with contextlib.suppress(OSError):
                    lines = target.abspath.read_bytes().decode("utf-8", "replace").splitlines()
            self._lines[path] = lines
        return self._lines[path]

    def anchor(self, finding: Finding) -> Finding:
        if finding.anchor or finding.resource or finding.line <= 0:
            return finding
        lines = self._file(finding.path)
        text = lines[finding.line - 1] if finding.line <= len(lines) else ""
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


def run(
    target_set: TargetSet,
    scanners: Sequence[Scanner],
    opts: EngineOptions | None = None,
) -> Report:
    """Scan ``target_set`` with ``scanners``; never raises for a scanner's failure."""
    opts = opts or EngineOptions()
    started = time.monotonic()
    cache = opts.cache
    digests: dict[str, str] = {}

    def digest(t: Target) -> str:
        if t.path not in digests:
            digests[t.path] = _digest(t)
        return digests[t.path]

    by_path = {t.path: t for t in target_set.targets}
    contexts: dict[str, ScanContext] = {}
    results: list[ScanResult] = []
    work: list[_Work] = []
    for scanner in scanners:
        options = opts.scanner_options.get(scanner.name, {})
        contexts[scanner.name] = ScanContext(
            root=target_set.root, options=options, all_targets=target_set.targets
        )
        mine = [t for t in target_set.targets if scanner.applies(t)]
        if not mine:
            continue
        units = scanner.units(mine, target_set.explicit)
        for unit in units:
            for t in unit.files:
                by_path.setdefault(t.path, t)
        if cache is None:
            work.append(_Work(scanner, units, [""] * len(units)))
            continue
        fp = _scanner_fingerprint(scanner, options)
        if scanner.cross_file:
            # One entry over every file of the run: such a scanner may read more than its own
            # targets (GG001 follows a workflow into the repository's scripts and Makefiles).
            files = [(t.path, digest(t)) for t in target_set.targets]
            key = unit_key(scanner.name, fp, "", files, ())
            hit = cache.get(key)
            if hit is not None:
                results.append(hit)
            else:
                work.append(_Work(scanner, units, [key] + [""] * (len(units) - 1)))
            continue
        todo = _Work(scanner, [], [])
        for unit in units:
            inputs = [(t.path, digest(t)) for t in (*unit.files, *unit.context)]
            key = unit_key(scanner.name, fp, unit.key, inputs, unit.report)
            hit = cache.get(key)
            if hit is not None:
                results.append(hit)
            else:
                todo.units.append(unit)
                todo.keys.append(key)
        if todo.units:
            work.append(todo)

    tasks: list[_Task] = []
    groups: dict[str, _Task] = {}
    for w in work:
        if w.scanner.splittable:
            tasks.extend(_Task(w.scanner.name, [chunk]) for chunk in _chunks(w, opts.jobs))
            continue
        group = w.scanner.process_group or w.scanner.name
        if group not in groups:
            groups[group] = _Task(group, [])
            tasks.append(groups[group])
        groups[group].items.append(w)

    anchors = _Anchors(by_path)
    for task, payload in _execute(tasks, contexts, opts.jobs, opts.timeout) if tasks else []:
        if isinstance(payload, str):
            for w in task.items:
                results.append(ScanResult(errors=(ScanError(w.scanner.name, payload),)))
            continue
        for w, res in zip(task.items, payload, strict=True):
            results.extend(_settle(w, res, anchors, cache))

    findings: list[Finding] = []
    errors: list[ScanError] = list(target_set.errors)
    for res in results:
        findings.extend(res.findings)
        errors.extend(res.errors)
    merged = dedupe(findings)
    extras: dict[str, object] = {
        "duration_seconds": round(time.monotonic() - started, 3),
        "engine_tasks": len(tasks),
        "task_seconds": {
            f"{t.group}#{i}": round(t.seconds, 3) for i, t in enumerate(tasks) if t.seconds
        },
    }
    if cache is not None:
        extras["cache_hits"] = cache.hits
        extras["cache_misses"] = cache.misses
        if cache.notice:
            errors.append(ScanError("gitops-guard", cache.notice, None, ErrorKind.SKIPPED))
    return Report(
        findings=tuple(sorted(merged, key=lambda f: f.sort_key)),
        errors=tuple(sorted(set(errors), key=lambda e: (e.path or "", e.scanner, e.message))),
        scanners=tuple(s.name for s in scanners),
        files_scanned=len(target_set.targets),
        extras=extras,
    )


def _settle(w: _Work, res: ScanResult, anchors: _Anchors, cache: Cache | None) -> list[ScanResult]:
    """Keep findings the units report on, anchor them, and cache them per unit."""
    find = _unit_of(w.units)
    per_unit: list[tuple[list[Finding], list[ScanError]]] = [([], []) for _ in w.units]
    for f in res.findings:
        i = find(f.path)
        if w.units and not w.units[i].reports(f.path):
            continue
        per_unit[i][0].append(anchors.anchor(replace(f, message=first_line(f.message, 1000))))
    for e in res.errors:
        # Errors may quote file content (a parser's offending token): see gitops_guard.redact.
        per_unit[find(e.path)][1].append(replace(e, message=error_message(e.message)))
    failed = any(e.kind is ErrorKind.ERROR for e in res.errors)
    if w.scanner.cross_file:
        merged = ScanResult(
            findings=tuple(f for fs, _ in per_unit for f in fs),
            errors=tuple(e for _, es in per_unit for e in es),
        )
        if cache is not None and not failed and w.keys and w.keys[0]:
            cache.put(w.keys[0], merged)
        return [merged]
    out: list[ScanResult] = []
    for i, (fs, es) in enumerate(per_unit):
        unit_result = ScanResult(findings=tuple(fs), errors=tuple(es))
        if cache is not None and not failed and i < len(w.keys) and w.keys[i]:
            cache.put(w.keys[i], unit_result)
        out.append(unit_result)
    return out
