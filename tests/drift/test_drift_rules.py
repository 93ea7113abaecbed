"""The drift rules as data: every rule id the code can emit is in `rules()`, documented, linked."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import gitops_guard.drift
from gitops_guard import project
from gitops_guard.drift import drift_from_manifests, drift_from_plan, rules
from gitops_guard.drift.rules import finding
from gitops_guard.models import Severity
from gitops_guard.scanners.interface import Rule

PACKAGE = Path(gitops_guard.drift.__file__).parent
DOCS = PACKAGE.parents[1] / "docs" / "drift.md"
FIXTURES = Path(__file__).parent / "fixtures"
RULE_ID = re.compile(r"DRIFT-[A-Z0-9]+(?:-[A-Z0-9]+)+")


def _ids_in_code() -> set[str]:
    """Every ``DRIFT-*`` string constant in the drift package, outside the catalogue itself."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "rules.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.update(RULE_ID.findall(node.value))
    return found


def test_every_rule_id_the_code_can_emit_is_in_rules() -> None:
    ids = {r.id for r in rules()}
    emitted = _ids_in_code()
    assert len(emitted) >= 7  # the walk found the rules of both readers, not nothing
    assert emitted <= ids, emitted - ids
    assert ids <= emitted, f"rules nothing emits: {ids - emitted}"


def test_rules_are_scanner_rules_with_unique_ids_and_a_docs_anchor() -> None:
    catalogue = rules()
    assert all(isinstance(r, Rule) for r in catalogue)
    assert len({r.id for r in catalogue}) == len(catalogue)
    text = DOCS.read_text(encoding="utf-8")
    headings = {
        re.sub(r"[^a-z0-9 _-]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in text.splitlines()
        if line.startswith("#")
    }
    for rule in catalogue:
        assert rule.name and rule.description and isinstance(rule.severity, Severity)
        assert rule.help_url == project.doc_url("drift.md", rule.id.lower())
        assert rule.help_url and rule.help_url.endswith(f"drift.md#{rule.id.lower()}")
        assert rule.id.lower() in headings, f"docs/drift.md has no heading for {rule.id}"


def test_a_rule_outside_the_catalogue_cannot_be_emitted() -> None:
    with pytest.raises(KeyError):
        finding(
            "DRIFT-NOPE",
            Severity.LOW,
            "x",
            path="p",
            line=1,
            end_line=1,
            resource="r",
            anchor="a",
        )


def test_findings_carry_their_rule_help_url(tmp_path: Path) -> None:
    by_id = {r.id: r for r in rules()}
    report = drift_from_plan(FIXTURES / "terraform" / "refresh_only.json")
    manifests = tmp_path / "m.yaml"
    manifests.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n")
    live = tmp_path / "live.yaml"
    live.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: x}\n")
    found = (*report.findings, *drift_from_manifests(manifests, live).findings)
    assert {f.rule_id for f in found} == {
        "DRIFT-TF-UPDATE",
        "DRIFT-K8S-MISSING",
        "DRIFT-K8S-UNMANAGED",
    }
    for f in found:
        assert f.help_url == by_id[f.rule_id].help_url
