"""``actions``: GitHub Actions workflows, action definitions, Dependabot and pre-commit
configuration through zizmor, always offline.

zizmor is the official ``zizmor`` wheel's binary (found as :mod:`gitops_guard.scanners._binary`
describes). Every file of the call goes to one ``zizmor --offline --format json`` process; its
audit ids (``template-injection``, ``unpinned-uses``...) are our rule ids.

What zizmor would otherwise pick up from around the files is shut out, so the result depends on
the files and ``[tool.gitops-guard.scanners.actions]`` only:

* ``--offline`` and an environment without ``GH_TOKEN``/``GITHUB_TOKEN``/``ZIZMOR_*``: no online
  audit, no request;
* ``--no-config``: zizmor would look for ``zizmor.yml`` next to each file and in every parent up
  to the first ``.git`` (or ``/``), outside what was scanned. Its two settings that change what
  is reported have keys of ours (``unpinned-uses`` policies, and ``skip-rules`` / inline
  ``# zizmor: ignore[audit]`` comments for its ignore lists); with ``unpinned-uses`` set, a
  configuration file we write replaces ``--no-config``.

The persona is zizmor's default (``regular``) unless ``persona`` says otherwise, and no severity
or confidence filter is passed: we report at least what ``zizmor --offline <dir>`` reports.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gitops_guard.models import ErrorKind, Finding, ScanError, ScanResult, Severity
from gitops_guard.redact import first_line
from gitops_guard.scanners._binary import Binary, BinaryError
from gitops_guard.scanners.checkov_severity import capped
from gitops_guard.scanners.interface import Rule, ScanContext, Scanner, Unit
from gitops_guard.targets import Kind, Target

ZIZMOR = Binary("zizmor", "zizmor", "zizmor==1.32.0")
TIMEOUT = 120.0

SEVERITY = {
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "informational": Severity.INFO,
    "unknown": Severity.INFO,
}

#: zizmor's log line for each input it audited (stderr, default verbosity).
_COMPLETED = re.compile(r"\bcompleted (.+?)\s*$", re.M)


class ActionsScanner(Scanner):
    name = "actions"
    description = (
        "GitHub Actions workflows, actions, Dependabot and pre-commit configuration "
        "(zizmor, offline)"
    )
    kinds = frozenset({Kind.GITHUB_ACTIONS, Kind.GITHUB_ACTION, Kind.DEPENDABOT, Kind.PRE_COMMIT})
    distribution = "zizmor"
    startup_seconds = 0.05
    seconds_per_mib = 2.0

    def engine_version(self) -> str:
        return ZIZMOR.signature()

    def engine_label(self) -> str:
        return ZIZMOR.version()

    def rules(self) -> Sequence[Rule]:
        from gitops_guard.scanners.zizmor_audits import AUDITS

        return [
            Rule(
                id=ident,
                name=desc,
                description=f"zizmor: {desc}",
                severity=SEVERITY[severity],
                help_url=f"https://docs.zizmor.sh/audits/#{ident}",
            )
            for ident, (severity, desc) in sorted(AUDITS.items())
        ]

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        targets = {os.path.abspath(t.abspath): t for u in units for t in u.files}
        refused: list[ScanError] = []
        while targets:
            result = self._run(targets, ctx)
            # zizmor stops the whole run at one file its model cannot hold (a pre-commit config
            # naming a local path): that file is not audited, the others still are.
            failed = _LOAD_FAILED.search(result.stderr) if result.failed else None
            path = os.path.abspath(failed.group(1)) if failed else None
            if path is None or path not in targets:
                return ScanResult(result.findings, (*refused, *result.errors))
            refused.append(_not_loaded(targets.pop(path)))
        return ScanResult(errors=tuple(refused))

    def _run(self, targets: Mapping[str, Target], ctx: ScanContext) -> _Run:
        with tempfile.TemporaryDirectory(prefix="gitops-guard-zizmor-") as tmp:
            args = ["--offline", "--no-progress", "--no-exit-codes", "--color", "never"]
            args += ["--format", "json", "--persona", str(ctx.options.get("persona", "regular"))]
            args += _config_args(ctx.options, Path(tmp))
            try:
                proc = ZIZMOR.run([*args, "--", *sorted(targets)], timeout=TIMEOUT, cwd=tmp)
            except BinaryError as exc:
                return _Run((), (ScanError(self.name, str(exc)),))
        if proc.returncode != 0:
            if "no inputs collected" in proc.stderr:
                return _Run((), tuple(_not_loaded(t) for t in targets.values()))
            where = next(iter(targets.values())).path if len(targets) == 1 else None
            message = f"zizmor failed (exit {proc.returncode}): {_reason(proc.stderr)}"
            return _Run((), (ScanError(self.name, message, where),), proc.stderr, failed=True)
        try:
            items = json.loads(proc.stdout)
        except ValueError:
            return _Run((), (ScanError(self.name, "zizmor printed no JSON report"),))
        findings = [f for item in items if (f := _finding(item, targets)) is not None]
        audited = {m.strip() for m in _COMPLETED.findall(proc.stderr)}
        errors = [_not_loaded(t) for p, t in sorted(targets.items()) if p not in audited]
        return _Run(tuple(sorted(findings, key=lambda f: f.sort_key)), tuple(errors))


@dataclass(frozen=True)
class _Run:
    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]
    stderr: str = ""
    failed: bool = False


#: zizmor's message when one input file stops the run.
_LOAD_FAILED = re.compile(r"failed to load file://(\S+) as ")


def _config_args(options: Mapping[str, object], workdir: Path) -> list[str]:
    policies = options.get("unpinned-uses")
    if not isinstance(policies, dict) or not policies:
        return ["--no-config"]
    document = {"rules": {"unpinned-uses": {"config": {"policies": dict(policies)}}}}
    path = workdir / "zizmor.yml"
    path.write_text(json.dumps(document), encoding="utf-8")
    return ["--config", str(path)]


def _reason(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.startswith(("error:", "fatal:"))]
    return first_line(lines[-1] if lines else stderr) or "no message"


def _not_loaded(target: Target) -> ScanError:
    return ScanError(
        ActionsScanner.name,
        "zizmor could not load this file as a workflow, action, Dependabot or pre-commit "
        "configuration (invalid YAML or schema); not scanned",
        target.path,
        ErrorKind.SKIPPED,
    )


def _finding(item: object, targets: Mapping[str, Target]) -> Finding | None:
    if not isinstance(item, dict) or item.get("ignored"):
        return None
    locations = [loc for loc in item.get("locations") or () if isinstance(loc, dict)]
    primary = next(
        (loc for loc in locations if loc.get("symbolic", {}).get("kind") == "Primary"),
        locations[0] if locations else None,
    )
    if primary is None:
        return None
    symbolic, concrete = primary.get("symbolic", {}), primary.get("concrete", {})
    key = symbolic.get("key", {}).get("Local", {})
    target = targets.get(str(key.get("verbatim_path", "")))
    ident = str(item.get("ident", ""))
    if target is None or not ident:
        return None
    span = concrete.get("location", {})
    start, end = span.get("start_point", {}), span.get("end_point", {})
    determinations = item.get("determinations", {})
    desc = str(item.get("desc", ident))
    annotation = str(symbolic.get("annotation") or "")
    line = int(start.get("row", -1)) + 1
    return capped(
        Finding(
            scanner=ActionsScanner.name,
            tool="zizmor",
            rule_id=ident,
            severity=SEVERITY.get(str(determinations.get("severity", "")).lower(), Severity.MEDIUM),
            message=first_line(f"{desc}: {annotation}" if annotation else desc, 1000),
            path=target.path,
            line=max(line, 0),
            end_line=max(int(end.get("row", -1)) + 1, line, 0),
            column=int(start.get("column", -1)) + 1,
            confidence=str(determinations.get("confidence", "")).lower() or None,
            help_url=str(item.get("url") or "") or None,
        )
    )
