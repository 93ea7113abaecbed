"""Route targets to scanners, run them in parallel worker processes, merge and sort.

One run is three steps, each a module:

1. :mod:`gitops_guard.plan` - each scanner picks the targets of its kinds and groups them into
   units; every unit whose cache key (content hashes + scanner + engine version + options) is
   cached is answered from the cache (a warm re-scan imports no engine at all); the rest becomes
   tasks, one per process group, large splittable scanners in several chunks;
2. :mod:`gitops_guard.workers` - at most ``jobs`` worker processes run at once, each with a
   timeout;
3. :mod:`gitops_guard.settle` - findings are anchored (for line-independent fingerprints),
   cached, merged across engines and sorted, so the output does not depend on scheduling.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gitops_guard import plan as planning
from gitops_guard import settle, workers
from gitops_guard.cache import Cache
from gitops_guard.models import ErrorKind, Report, ScanError
from gitops_guard.scanners.interface import Scanner
from gitops_guard.targets import TargetSet


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


def run(
    target_set: TargetSet,
    scanners: Sequence[Scanner],
    opts: EngineOptions | None = None,
) -> Report:
    """Scan ``target_set`` with ``scanners``; never raises for a scanner's failure."""
    opts = opts or EngineOptions()
    started = time.monotonic()
    cache = opts.cache
    the_plan = planning.plan(target_set, scanners, opts.scanner_options, cache, opts.jobs)
    tasks = the_plan.tasks
    done = workers.execute(tasks, the_plan.contexts, opts.jobs, opts.timeout) if tasks else []
    findings, errors = settle.settle(the_plan, done, cache, target_set.errors)
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
    return settle.report(findings, errors, scanners, len(target_set.targets), extras)
