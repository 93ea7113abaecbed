"""Recall and noise of the `secrets` scanner on our own labelled examples (secrets_eval/*.toml):
real formats in the files they leak in, and the look-alikes that must stay quiet. The numbers are
printed by benchmarks/secrets_bench.py beside upstream detect-secrets'; here they are a floor."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from secrets_samples import fill

from gitops_guard import engine, targets
from gitops_guard.scanners.secrets import SecretsScanner

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EVAL = Path(__file__).parent / "secrets_eval"


def cases(kind: str) -> list[tuple[str, str]]:
    doc = tomllib.loads((EVAL / f"{kind}.toml").read_text())
    return [(c["file"], fill(c["text"], f"{kind}/{i}")) for i, c in enumerate(doc["case"])]


def flagged(root: Path, examples: list[tuple[str, str]]) -> list[bool]:
    """Write each example in a folder of its own; which of them get a failing finding."""
    for i, (name, text) in enumerate(examples):
        path = root / f"case{i:03d}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    ts = targets.discover([root], use_git=False)
    report = engine.run(ts, [SecretsScanner()], engine.EngineOptions(jobs=2))
    assert not report.failed, report.errors
    hit = {f.path.split("/", 1)[0] for f in report.findings if f.severity.value != "info"}
    return [f"case{i:03d}" in hit for i in range(len(examples))]


def test_true_examples_are_found(tmp_path: Path) -> None:
    examples = cases("positives")
    found = flagged(tmp_path, examples)
    missed = [name for (name, _), ok in zip(examples, found, strict=True) if not ok]
    assert len(examples) >= 100
    assert not missed, missed


def test_look_alikes_stay_quiet(tmp_path: Path) -> None:
    examples = cases("negatives")
    found = flagged(tmp_path, examples)
    noisy = [(n, t[:60]) for (n, t), bad in zip(examples, found, strict=True) if bad]
    assert len(examples) >= 80
    assert not noisy, noisy


@pytest.mark.parametrize("kind", ["positives", "negatives"])
def test_templates_leave_no_field_unfilled(kind: str) -> None:
    for name, text in cases(kind):
        assert "{crc}" not in text and "{b62:" not in text, name
