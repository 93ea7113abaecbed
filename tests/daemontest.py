"""Helpers of the daemon tests: this checkout's CLI in a subprocess, a fake ``git`` on ``PATH``
that records the environment and parent of the process that ran it, and a fake server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ggtest import REPO

#: What a scan in these tests finds (exit 1): a local run's findings tell it ran.
RISKY = "import subprocess\nsubprocess.call(cmd, shell=True)\n"


def cli_env(cache: Path, **extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess that runs this checkout's code."""
    return {**os.environ, "GITOPS_GUARD_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO), **extra}


def gg(
    env: dict[str, str], cwd: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitops_guard", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def scan(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return gg(env, cwd, "scan", "-f", "json", "--no-cache", *args)


def start_daemon(env: dict[str, str], cwd: Path) -> None:
    started = gg(env, cwd, "daemon", "start", "--idle", "300", timeout=120)
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout, started.stdout


@dataclass
class GitRun:
    parents: tuple[int, int]  # the process that ran git, and its parent
    env: dict[str, str]


class FakeGit:
    """A ``git`` first on ``PATH`` that logs each run, then runs the real one (or, while
    :attr:`hang` exists, sleeps in its place: what a run stuck in git looks like)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.hang = folder / "hang"
        self.hung = folder / "hung"
        real = shutil.which("git")
        assert real is not None
        script = folder / "git"
        script.write_text(
            "#!/bin/sh\n"
            f'log="{folder}/run.$$"\n'
            'gp=$(cut -d" " -f4 "/proc/$PPID/stat")\n'
            '{ printf "%s %s\\0" "$PPID" "$gp"; env -0; } > "$log.tmp" && mv "$log.tmp" "$log"\n'
            f'if [ -e "{self.hang}" ]; then echo $$ > "{self.hung}"; exec sleep 120; fi\n'
            f'exec "{real}" "$@"\n'
        )
        script.chmod(0o755)

    def path(self, env: dict[str, str]) -> str:
        return f"{self.folder}{os.pathsep}{env.get('PATH', '')}"

    def runs(self) -> list[GitRun]:
        out = []
        for log in sorted(self.folder.glob("run.*")):
            if log.suffix == ".tmp":
                continue
            head, *pairs = log.read_text().split("\0")
            pid, parent = (int(x) for x in head.split())
            env = dict(p.split("=", 1) for p in pairs if "=" in p)
            out.append(GitRun((pid, parent), env))
            log.unlink()
        return out


def ran_locally(runs: list[GitRun], client: int) -> bool:
    """Whether the scan whose git runs are ``runs`` ran in the ``client`` process (or its
    workers), not in a daemon."""
    assert runs, "the scan ran no git"
    return all(client in run.parents for run in runs)


def start_client(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    """``scan ARGS`` started in its own session (as a terminal's foreground job)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gitops_guard", "scan", "-f", "json", "--no-cache", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_client(
    env: dict[str, str], cwd: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], int]:
    """``scan ARGS`` run to its end in its own session; with its pid."""
    proc = start_client(env, cwd, *args)
    stdout, stderr = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), proc.pid


def events(record: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in record.read_text().splitlines() if line]


@contextmanager
def fake_server(
    folder: Path,
    name: str,
    record: Path,
    identity: dict[str, object],
    victim: int = 0,
    uid: int | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """The fake server of tests/fakedaemon.py listening on ``folder/name`` until the block ends."""
    record.touch()
    args = [str(folder), name, str(record), json.dumps(identity), str(victim)]
    if uid is not None:
        args.append(str(uid))
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("fakedaemon.py")), *args],
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 30
        while not any(e["event"] == "ready" for e in events(record)):
            assert proc.poll() is None, "the fake server did not start"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield proc
    finally:
        proc.kill()
        proc.wait()
