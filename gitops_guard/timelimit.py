"""A per-file time budget inside a scanner, so one hostile file costs at most its own budget.

The engine's per-task timeout stops a scanner that hangs, but then every file of that task is
lost. A scanner that handles files one by one can wrap each in :func:`time_limit`: the slow file
becomes a notice and the rest is still scanned. It uses ``SIGALRM``, so it only acts in the main
thread of a POSIX process (the engine's workers are); elsewhere it does nothing and the engine's
timeout remains the bound. Python code and the ``re`` engine both check for signals, so a slow
parser walk or a catastrophic regular expression is interrupted.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class TimeLimitExceeded(Exception):
    """Raised inside the ``with`` block when its budget is spent."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the block after ``seconds`` (0 or less: no limit)."""
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded(f"took longer than {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
