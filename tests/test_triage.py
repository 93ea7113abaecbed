"""triage.apply: the order of the steps, what each counts, reading files once, and fingerprint
stability of the engine's anchors (inserted lines, changed indentation)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard import triage
from gitops_guard.baseline import Baseline
from gitops_guard.config import Config, SuppressionSettings
from gitops_guard.models import Finding, Report, Severity
from gitops_guard.settle import Anchors as _Anchors
from gitops_guard.targets import Target


def f(
    rule: str, line: int, sev: Severity = Severity.MEDIUM, path: str = "a.py", **kw: object
) -> Finding:
    return replace(
        Finding("source", "bandit", rule, sev, "m", path, line, line, anchor=f"{rule}{line}"), **kw
    )  # type: ignore[arg-type]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text(
        "import os\n"  # 1
        "x()  # gitops-guard: ignore[B2] reviewed\n"  # 2
        "y()\n"  # 3
        "z()\n"  # 4
    )
    return tmp_path


def test_order_overrides_skip_suppress_baseline_threshold(tree: Path) -> None:
    findings = (
        f("B1", 1, Severity.LOW),  # raised to high by an override, then kept
        f("B2", 2),  # suppressed inline
        f("B3", 3),  # in the baseline
        f("B4", 4, Severity.LOW),  # below min-severity: hidden
        f("B5", 4),  # skipped rule: not counted anywhere
    )
    cfg = Config(severity={"B1": Severity.HIGH}, skip_rules=("B5",))
    base = Baseline.from_findings([findings[2]])
    out = triage.apply(
        Report(findings), cfg, baseline=base, min_severity=Severity.MEDIUM, root=tree
    )
    assert [(x.rule_id, x.severity) for x in out.findings] == [("B1", Severity.HIGH)]
    assert (out.suppressed, out.hidden) == (2, 1)


def test_override_before_threshold_and_baseline_after_suppression(tree: Path) -> None:
    low = f("B4", 4, Severity.LOW)
    out = triage.apply(
        Report((low,)),
        Config(severity={"B*": Severity.CRITICAL}),
        min_severity=Severity.HIGH,
        root=tree,
    )
    assert [x.severity for x in out.findings] == [Severity.CRITICAL]


def test_skip_keeps_a_problem_another_engine_still_reports(tree: Path) -> None:
    merged = f("KeywordDetector", 3, sources=("bandit:B105",))
    cfg = Config(skip_rules=("B105",))
    (kept,) = triage.apply(Report((merged,)), cfg, root=tree).findings
    assert kept.sources == ()
    cfg = Config(skip_rules=("B105", "KeywordDetector"))
    assert triage.apply(Report((merged,)), cfg, root=tree).findings == ()


def test_files_are_read_once_and_only_with_findings(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / "clean.py").write_text("# gitops-guard: ignore[B1] r\n")
    reads: Counter[str] = Counter()
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads[self.name] += 1
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    findings = tuple(f(r, line) for r, line in (("B1", 1), ("B2", 2), ("B3", 3)))
    triage.apply(Report(findings), root=tree)
    assert reads == Counter({"a.py": 1})
    # suppressions off: nothing read at all
    reads.clear()
    triage.apply(
        Report(findings), Config(suppressions=SuppressionSettings(enabled=False)), root=tree
    )
    assert reads == Counter()


def test_files_mapping_wins_over_root(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    staged = tmp_path_factory.mktemp("index") / "a.py"
    staged.write_text("import os\nx()\n")  # the staged copy has no suppression
    out = triage.apply(Report((f("B2", 2),)), files={"a.py": staged}, root=tree)
    assert [x.rule_id for x in out.findings] == ["B2"]


def test_gg_suppress_can_be_skipped_and_overridden(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x()  # gitops-guard: ignore[B2]\n")
    out = triage.apply(
        Report((f("B2", 1),)), Config(severity={"GG-SUPPRESS": Severity.HIGH}), root=tmp_path
    )
    assert {(x.rule_id, x.severity) for x in out.findings} == {
        ("B2", Severity.MEDIUM),
        ("GG-SUPPRESS", Severity.HIGH),
    }
    out = triage.apply(Report((f("B2", 1),)), Config(skip_rules=("GG-SUPPRESS",)), root=tmp_path)
    assert [x.rule_id for x in out.findings] == ["B2"]


# ---- fingerprint stability of real anchors ---------------------------------------------------

CODE = 'subprocess.call("ls " + arg, shell=True)'


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["", "# comment", "x = 1", "    pass", "import os"]), max_size=15),
    st.text(" \t", max_size=8),
    st.text(" ", max_size=3),
)
def test_anchor_survives_inserted_lines_and_indentation(
    above: list[str], indent: str, inner: str
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "one.py").write_text(f"{CODE}\n")
        (root / "two.py").write_text(
            "\n".join([*above, indent + CODE.replace(" + ", f" {inner}+ ")]) + "\n"
        )
        targets = {p: Target(p, root / p) for p in ("one.py", "two.py")}
        anchors = _Anchors(targets)
        a = anchors.anchor(f("B602", 1, path="one.py", anchor=""))
        b = anchors.anchor(f("B602", len(above) + 1, path="two.py", anchor=""))
        assert a.anchor and a.anchor == b.anchor
        assert replace(a, path="x").fingerprint == replace(b, path="x").fingerprint
        assert a.fingerprint != b.fingerprint  # the path is part of it
