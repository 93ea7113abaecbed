"""Running scanners in worker processes: at most ``jobs`` at once, each with a deadline.

A worker runs the scanners of one task in a fresh (forked) process with its output silenced and
sends back their results; an exception inside a scanner becomes an error result, a crash or a
timeout becomes an error string for the whole task. Ctrl-C kills every worker.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import multiprocessing.connection
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from gitops_guard.models import ScanError, ScanResult
from gitops_guard.redact import error_message, first_line
from gitops_guard.scanners.interface import ScanContext, Scanner, Unit


@dataclass
class Work:
    """Units of one scanner still to be analysed, with their cache keys."""

    scanner: Scanner
    units: list[Unit]
    keys: list[str]


@dataclass
class Task:
    """What one worker process runs: the work of one scanner, or of one process group."""

    group: str
    items: list[Work]
    seconds: float = 0.0
    """Wall time of its worker, for the summary."""
    cost_hint: float = field(default=0.0, compare=False)
    """Estimated seconds (see :func:`gitops_guard.plan.cost`): the costliest start first."""


Payload = list[ScanResult] | str
"""A task's results, one per work item, or why the whole task failed."""


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
    os.environ["GITOPS_GUARD_WORKER"] = "1"  # a process that ends with its task
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


def execute(
    tasks: list[Task],
    contexts: Mapping[str, ScanContext],
    jobs: int,
    timeout: float | None,
) -> list[tuple[Task, Payload]]:
    """Run ``tasks`` in at most ``jobs`` processes, costliest first. Returns each task with its
    results, or with an error string when the worker crashed or timed out."""
    mp = _mp_context()
    pending = sorted(tasks, key=lambda t: -t.cost_hint)
    running: dict[Connection, tuple[Any, Task, float]] = {}
    done: list[tuple[Task, Payload]] = []
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
                payload: Payload
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
