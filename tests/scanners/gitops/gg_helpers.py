"""Run the gitops scanner on a real tree, without the engine (imported by the gitops tests)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gitops_guard.models import Finding, ScanResult
from gitops_guard.scanners.gitops import GitopsScanner
from gitops_guard.scanners.interface import ScanContext
from gitops_guard.targets import discover


def scan_path(path: Path) -> ScanResult:
    ts = discover([path], use_git=False)
    scanner = GitopsScanner()
    mine = [t for t in ts.targets if scanner.applies(t)]
    return scanner.scan(
        scanner.units(mine, ts.explicit), ScanContext(root=ts.root, all_targets=ts.targets)
    )


def scan_files(root: Path, files: dict[str, str]) -> ScanResult:
    """Write ``files`` (dedented) under ``root`` and scan it."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return scan_path(root)


def of(result: ScanResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule]


def line_of(root: Path, rel: str, needle: str) -> int:
    """1-based line of the first line of ``rel`` containing ``needle``."""
    for number, text in enumerate((root / rel).read_text().splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {rel}")
