"""Drift reports are settled the way `scan` settles its own: shared dedupe, deterministic order."""

from __future__ import annotations

from pathlib import Path

from gitops_guard.drift import combine, drift_from_manifests, drift_from_plan

FIXTURES = Path(__file__).parent / "fixtures"


def test_combine_merges_both_inputs_through_the_shared_dedupe(tmp_path: Path) -> None:
    plan = drift_from_plan(FIXTURES / "terraform" / "refresh_only.json")
    (tmp_path / "m.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n"
    )
    (tmp_path / "live.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: x}\n"
    )
    kube = drift_from_manifests(tmp_path / "m.yaml", tmp_path / "live.yaml")
    assert len(kube.errors) == 1  # `a` is defined twice
    both = combine([plan, kube, plan, kube])  # the same problem twice is one finding
    assert both.findings == combine([kube, plan]).findings
    assert len(both.findings) == len(plan.findings) + len(kube.findings)
    assert both.errors == kube.errors
    assert both.files_scanned == 2 * (plan.files_scanned + kube.files_scanned)
    assert both.extras["live_objects"] == 1
    assert both.scanners == ("drift",)
    keys = [f.sort_key for f in both.findings]
    assert keys == sorted(keys)
