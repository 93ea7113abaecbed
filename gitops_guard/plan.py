"""Planning a run: which units each scanner gets, which are answered from the cache, and how the
rest is grouped into worker tasks.

Every file is hashed at most once, and its state (size, times, inode) is recorded as it was read,
so that :mod:`gitops_guard.settle` can tell whether the bytes an engine analysed are still the
bytes the cache key names (a file saved by an editor during the scan).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gitops_guard.cache import Cache, unit_key
from gitops_guard.identity import code_version
from gitops_guard.models import ScanResult, stable_hash
from gitops_guard.scanners.interface import ScanContext, Scanner, Unit
from gitops_guard.targets import Target, TargetSet
from gitops_guard.workers import Task, Work

#: A chunk of a split scanner should carry at least this much estimated work (seconds).
MIN_CHUNK_SECONDS = 0.3
#: A file modified this close to the moment it was hashed may change again within one timestamp
#: tick without its stat changing ("racily clean", as git calls it): it is hashed again after
#: the engines ran.
RACY_SECONDS = 2.0


def _stat_of(target: Target) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(target.abspath)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _hash(target: Target) -> str:
    h = hashlib.sha256()
    try:
        with target.abspath.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 16), b""):
                h.update(block)
    except OSError:
        return "unreadable"
    return h.hexdigest()


class Digests:
    """Content hashes of the run's files, each computed once, with the file's state then."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, tuple[int, int, int, int] | None]] = {}
        self._started_ns = time.time_ns()

    def __call__(self, target: Target) -> str:
        if target.path not in self._seen:
            before = _stat_of(target)
            self._seen[target.path] = (_hash(target), before)
        return self._seen[target.path][0]

    def unchanged(self, target: Target) -> bool:
        """True when ``target`` still holds the bytes that were hashed (never hashed: True)."""
        seen = self._seen.get(target.path)
        if seen is None:
            return True
        digest, before = seen
        now = _stat_of(target)
        racy = before is not None and before[1] >= self._started_ns - int(RACY_SECONDS * 1e9)
        if now != before or racy:
            return _hash(target) == digest
        return True


@dataclass
class Plan:
    """What a run will do: cached answers, and tasks for the workers."""

    contexts: dict[str, ScanContext]
    cached: list[ScanResult]
    tasks: list[Task]
    by_path: dict[str, Target]
    """Every file a unit reads, by its relative path (findings are anchored in them)."""
    digests: Digests = field(default_factory=Digests)
    wholes: dict[str, tuple[str, list[ScanResult]]] = field(default_factory=dict)
    """Scanner -> the key of its whole result for this run's units, and the unit results the
    cache already gave: settle stores the whole once the rest is scanned (one read next time)."""


def scanner_fingerprint(scanner: Scanner, options: Mapping[str, object]) -> str:
    """What besides file content can change a scanner's result: the engine's version, our code,
    the scanner's options."""
    return stable_hash(
        code_version(type(scanner).__module__),
        scanner.engine_version(),
        json.dumps(options, sort_keys=True, default=str),
    )


def _unit_bytes(unit: Unit) -> int:
    return sum(t.size for t in unit.files)


def _work_seconds(scanner: Scanner, units: Sequence[Unit]) -> float:
    return scanner.seconds_per_mib * sum(_unit_bytes(u) for u in units) / (1 << 20)


def cost(items: Sequence[Work]) -> float:
    """Estimated seconds of a task, from its scanners' declared start-up and per-MiB costs."""
    startup = max((w.scanner.startup_seconds for w in items), default=0.0)
    return startup + sum(_work_seconds(w.scanner, w.units) for w in items)


def _chunks(w: Work, jobs: int) -> list[Work]:
    """Split a splittable scanner's units into chunks when the work outweighs the start-up each
    extra worker costs; chunks are balanced by bytes (largest unit first)."""
    work = _work_seconds(w.scanner, w.units)
    per_chunk = max(w.scanner.startup_seconds, MIN_CHUNK_SECONDS)
    # Up to two chunks per worker: estimates are rough, and smaller chunks let the pool even out.
    n = min(2 * max(1, jobs), len(w.units), int(work / per_chunk))
    if n <= 1:
        return [w]
    chunks = [Work(w.scanner, [], []) for _ in range(n)]
    loads = [0] * n
    for unit, key in sorted(zip(w.units, w.keys, strict=True), key=lambda uk: -_unit_bytes(uk[0])):
        i = loads.index(min(loads))
        chunks[i].units.append(unit)
        chunks[i].keys.append(key)
        loads[i] += _unit_bytes(unit) + 1
    return chunks


def _lookup(
    scanner: Scanner,
    units: list[Unit],
    target_set: TargetSet,
    fp: str,
    cache: Cache,
    digests: Digests,
    cached: list[ScanResult],
    wholes: dict[str, tuple[str, list[ScanResult]]],
) -> Work | None:
    """Answer what the cache holds - the scanner's whole result for exactly these units in one
    entry, else unit by unit; the rest is work, each unit with its key."""
    if scanner.cross_file:
        # One entry over every file of the run: such a scanner may read more than its own
        # targets (GG001 follows a workflow into the repository's scripts and Makefiles).
        files = [(t.path, digests(t)) for t in target_set.targets]
        key = unit_key(scanner.name, fp, "", files, ())
        hit = cache.get(key)
        if hit is not None:
            cached.append(hit)
            return None
        return Work(scanner, units, [key] + [""] * (len(units) - 1))
    keys = [
        unit_key(
            scanner.name,
            fp,
            unit.key,
            [(t.path, digests(t)) for t in (*unit.files, *unit.context)],
            unit.report,
        )
        for unit in units
    ]
    whole_key = unit_key(scanner.name, fp, "*", [(k, "") for k in keys], ())
    whole = cache.get(whole_key, count=False)
    if whole is not None:
        cached.append(whole)
        cache.hits += 1
        return None
    todo = Work(scanner, [], [])
    hits: list[ScanResult] = []
    for unit, key in zip(units, keys, strict=True):
        hit = cache.get(key)
        if hit is not None:
            hits.append(hit)
        else:
            todo.units.append(unit)
            todo.keys.append(key)
    cached.extend(hits)
    wholes[scanner.name] = (whole_key, hits)
    return todo if todo.units else None


def _tasks(work: Sequence[Work], jobs: int) -> list[Task]:
    """One task per process group (so Checkov is imported once for the Dockerfile and IaC
    scanners); a splittable scanner's work in byte-balanced chunks."""
    tasks: list[Task] = []
    groups: dict[str, Task] = {}
    for w in work:
        if w.scanner.splittable:
            tasks.extend(Task(w.scanner.name, [chunk]) for chunk in _chunks(w, jobs))
            continue
        group = w.scanner.process_group or w.scanner.name
        if group not in groups:
            groups[group] = Task(group, [])
            tasks.append(groups[group])
        groups[group].items.append(w)
    for task in tasks:
        task.cost_hint = cost(task.items)
    return tasks


def plan(
    target_set: TargetSet,
    scanners: Sequence[Scanner],
    scanner_options: Mapping[str, Mapping[str, object]],
    cache: Cache | None,
    jobs: int,
) -> Plan:
    """Route targets to scanners, answer from the cache, group the rest into tasks."""
    digests = Digests()
    wholes: dict[str, tuple[str, list[ScanResult]]] = {}
    by_path = {t.path: t for t in target_set.targets}
    contexts: dict[str, ScanContext] = {}
    cached: list[ScanResult] = []
    work: list[Work] = []
    for scanner in scanners:
        options = scanner_options.get(scanner.name, {})
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
            work.append(Work(scanner, units, [""] * len(units)))
            continue
        fp = scanner_fingerprint(scanner, options)
        todo = _lookup(scanner, units, target_set, fp, cache, digests, cached, wholes)
        if todo is not None:
            work.append(todo)
    return Plan(contexts, cached, _tasks(work, jobs), by_path, digests, wholes)
