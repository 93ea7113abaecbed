"""``source``: Python files through Bandit's Python API (one manager for all files, no subprocess).

Severity: Bandit's HIGH/MEDIUM/LOW map to high/medium/low, UNDEFINED to info; Bandit's confidence
is kept in ``Finding.confidence``. ``# nosec`` keeps working (Bandit handles it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from gitops_guard.models import Finding, ScanError, ScanResult, Severity
from gitops_guard.scanners.interface import Rule, ScanContext, Scanner, Unit
from gitops_guard.targets import Kind

SEVERITY = {
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "UNDEFINED": Severity.INFO,
}

#: Bandit tests whose message quotes the flagged string literal (``Possible hardcoded password:
#: 'hunter2'``): that literal is the secret, and must reach no report, cache entry or log.
_QUOTES_VALUE = frozenset({"B105", "B106", "B107"})
_QUOTED = re.compile(r"""(['"]).*\1""", re.DOTALL)


def redact(test_id: str, text: str) -> str:
    """Bandit's message without the secret it may quote."""
    if test_id in _QUOTES_VALUE:
        return _QUOTED.sub("(value redacted)", text)
    return text


class SourceScanner(Scanner):
    name = "source"
    description = "Python source code (Bandit)"
    kinds = frozenset({Kind.PYTHON})
    distribution = "bandit"
    splittable = True
    startup_seconds = 0.15
    seconds_per_mib = 1.5

    def _config(self, ctx: ScanContext) -> object:
        from bandit.core import config as b_config

        conf = b_config.BanditConfig()
        skips = ctx.options.get("skips")
        tests = ctx.options.get("tests")
        if skips:
            conf.config["skips"] = list(skips)  # type: ignore[call-overload]
        if tests:
            conf.config["tests"] = list(tests)  # type: ignore[call-overload]
        return conf

    def scan(self, units: Sequence[Unit], ctx: ScanContext) -> ScanResult:
        import logging

        from bandit.core import docs_utils, manager

        logging.getLogger("bandit").setLevel(logging.CRITICAL)
        by_abs = {os.fspath(t.abspath): t.path for u in units for t in u.files}
        # Bandit selects tests from the *profile*, not from config["skips"/"tests"].
        profile = {
            "exclude": list(ctx.options.get("skips") or ()),  # type: ignore[call-overload]
            "include": list(ctx.options.get("tests") or ()),  # type: ignore[call-overload]
        }
        mgr = manager.BanditManager(self._config(ctx), "file", quiet=True, profile=profile)
        mgr.files_list = sorted(by_abs)
        mgr.run_tests()
        findings = []
        for issue in mgr.get_issue_list(sev_level="LOW", conf_level="LOW"):
            path = by_abs.get(issue.fname, issue.fname)
            lines = issue.linerange or [issue.lineno]
            findings.append(
                Finding(
                    scanner=self.name,
                    tool="bandit",
                    rule_id=issue.test_id,
                    severity=SEVERITY.get(issue.severity, Severity.INFO),
                    message=redact(issue.test_id, issue.text),
                    path=path,
                    line=int(issue.lineno),
                    end_line=int(max(lines)),
                    column=int(issue.col_offset or 0) + 1,
                    confidence=str(issue.confidence).lower(),
                    help_url=docs_utils.get_url(issue.test_id),
                )
            )
        # What Bandit skips (a syntax error, a NUL byte, an exception in a plugin) it did not
        # check: the scan is incomplete, and fails until the file is fixed or excluded.
        errors = [
            ScanError(
                self.name,
                f"not scanned by Bandit: {reason}; fix the file, or exclude it to accept that",
                by_abs.get(fname, fname),
                lasting=True,
            )
            for fname, reason in mgr.get_skipped()
        ]
        return ScanResult(tuple(findings), tuple(errors))

    def rules(self) -> Sequence[Rule]:
        from bandit.core import docs_utils, extension_loader

        mgr = extension_loader.MANAGER
        out = []
        for test_id, plugin in sorted(mgr.plugins_by_id.items()):
            out.append(
                Rule(
                    id=test_id,
                    name=plugin.name,
                    description=(plugin.plugin.__doc__ or plugin.name).strip().splitlines()[0]
                    if plugin.plugin.__doc__
                    else plugin.name,
                    severity=Severity.MEDIUM,
                    help_url=docs_utils.get_url(test_id),
                )
            )
        for test_id, blacklist in sorted(mgr.blacklist_by_id.items()):
            out.append(
                Rule(
                    id=test_id,
                    name=blacklist["name"],
                    description=blacklist.get("message", blacklist["name"]).replace(
                        "{name}", "this call"
                    ),
                    severity=SEVERITY.get(blacklist.get("level", "MEDIUM"), Severity.MEDIUM),
                    help_url=docs_utils.get_url(test_id),
                )
            )
        return out
