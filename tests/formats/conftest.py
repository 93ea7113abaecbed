"""A fixed report every formatter renders, and the snapshot helper.

``snapshot(name, text)`` compares ``text`` with ``snapshots/NAME``; ``UPDATE_SNAPSHOTS=1`` rewrites
the file instead. The tool version is replaced by ``<VERSION>`` so a release changes no snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_guard import __version__
from gitops_guard.models import ErrorKind, Finding, Report, ScanError, Severity

SNAPSHOTS = Path(__file__).parent / "snapshots"


def sample_report() -> Report:
    """Deterministic: every field a formatter may print, and the awkward cases (a whole-file
    finding, a column, a resource, merged sources, characters that need escaping in each format,
    two findings of one rule in one file, an error and a skipped file)."""
    findings = (
        Finding(
            scanner="dockerfile",
            tool="checkov",
            rule_id="CKV_DOCKER_3",
            severity=Severity.MEDIUM,
            message="Ensure that a user for the container has been created",
            path="Dockerfile",
            line=0,
            resource="Dockerfile.",
            help_url="https://docs.prismacloud.io/en/policy-reference/docker-policies/ckv-docker-3",
            anchor="a1",
        ),
        Finding(
            scanner="source",
            tool="bandit",
            rule_id="B602",
            severity=Severity.HIGH,
            message="subprocess call with shell=True identified, security issue.",
            path="app/server.py",
            line=10,
            end_line=11,
            column=12,
            confidence="high",
            help_url="https://bandit.readthedocs.io/en/latest/plugins/b602_subprocess_popen_with_shell_equals_true.html",
            anchor="b1",
        ),
        Finding(
            scanner="source",
            tool="bandit",
            rule_id="B602",
            severity=Severity.HIGH,
            message="subprocess call with shell=True identified, security issue.",
            path="app/server.py",
            line=20,
            end_line=20,
            column=4,
            confidence="high",
            anchor="b2",
        ),
        Finding(
            scanner="secrets",
            tool="detect-secrets",
            rule_id="AWSKeyDetector",
            severity=Severity.CRITICAL,
            message="Possible secret: AWS Access Key",
            path="conf/dir, with: odd%chars/settings <prod>.py",
            line=3,
            end_line=3,
            confidence="high",
            sources=("bandit:B105", "detect-secrets:KeywordDetector"),
            anchor="c1",
        ),
        Finding(
            scanner="iac",
            tool="checkov",
            rule_id="CKV_K8S_20",
            severity=Severity.LOW,
            message='Containers should not run with allowPrivilegeEscalation & "100%" <root>\x1b',
            path="k8s/deployment.yaml",
            line=7,
            end_line=21,
            resource="Deployment.default.web",
            anchor="d1",
        ),
        Finding(
            scanner="gitops",
            tool="gitops-guard",
            rule_id="GG005",
            severity=Severity.INFO,
            message="Image tag is mutable: pin it by digest",
            path="k8s/deployment.yaml",
            line=15,
            end_line=15,
            anchor="e1",
            fix="pin by digest: nginx:1.27@sha256:<digest> (crane digest nginx:1.27)",
        ),
    )
    errors = (
        ScanError("iac", "checkov could not parse this file as terraform; not scanned", "main.tf"),
        ScanError("gitops-guard", "binary file; not scanned", "logo.png", ErrorKind.SKIPPED),
    )
    return Report(
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        errors=errors,
        scanners=("dockerfile", "gitops", "iac", "secrets", "source"),
        files_scanned=9,
        suppressed=2,
        hidden=1,
        extras={"duration_seconds": 1.5},
    )


@pytest.fixture
def report() -> Report:
    return sample_report()


@pytest.fixture
def snapshot() -> Callable[[str, str], None]:
    def check(name: str, text: str) -> None:
        text = text.replace(__version__, "<VERSION>")
        path = SNAPSHOTS / name
        if os.environ.get("UPDATE_SNAPSHOTS") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
            return
        if not path.exists():
            pytest.fail(f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 to create it")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites)"

    return check
