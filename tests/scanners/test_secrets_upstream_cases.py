"""detect-secrets' own plugin test cases through our scanner and through upstream's CLI.

Set ``DETECT_SECRETS_TESTS`` to the ``tests/plugins`` folder of a detect-secrets source checkout
(the sdist on PyPI ships no tests), or put the checkout in ``.ci/detect-secrets-src``; the test
skips otherwise, as tests/scanners/test_source.py does for Bandit's examples. Cases are the
``(text, should_flag)`` literals of the suites' ``pytest.mark.parametrize`` tables. Each is written
to a file of its own; whatever upstream flags, we flag (at some severity), and we flag no
negative case upstream does not.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_guard import engine, targets
from gitops_guard.scanners.secrets import SecretsScanner

from ggtest import REPO

WHEEL = REPO / "tests" / "fixtures" / "engines" / "detect_secrets-1.5.0-py3-none-any.whl"


def _suites() -> Path:
    env = os.environ.get("DETECT_SECRETS_TESTS")
    for candidate in (Path(env) if env else None, REPO / ".ci/detect-secrets-src/tests/plugins"):
        if candidate is not None and candidate.is_dir():
            return candidate
    pytest.skip("set DETECT_SECRETS_TESTS to detect-secrets' tests/plugins folder")


def cases(folder: Path) -> list[tuple[str, bool]]:
    """``(text, label)`` for every literal tuple of a str and a bool in a parametrize table."""
    out: list[tuple[str, bool]] = []
    for path in sorted(folder.glob("*_test.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"):
                continue
            if len(node.args) < 2 or not isinstance(node.args[1], (ast.List, ast.Tuple)):
                continue
            for item in node.args[1].elts:
                try:
                    value = ast.literal_eval(item)
                except ValueError:
                    continue
                if not isinstance(value, tuple):
                    continue
                texts = [v for v in value if isinstance(v, str)]
                labels = [v for v in value if isinstance(v, bool)]
                if len(texts) == 1 and len(labels) == 1:
                    out.append((texts[0], labels[0]))
    return out


def _flagged_by_upstream(root: Path) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(WHEEL)},
    )
    return {name for name, items in json.loads(proc.stdout)["results"].items() if items}


@pytest.mark.parametrize("suffix", ["", ".py", ".yaml"])
def test_upstream_plugin_cases(tmp_path: Path, suffix: str) -> None:
    examples = cases(_suites())
    assert examples, "no case found: is this detect-secrets' tests/plugins folder?"
    for i, (text, _) in enumerate(examples):
        (tmp_path / f"case{i:04d}{suffix}").write_text(text + "\n")
    upstream = _flagged_by_upstream(tmp_path)
    report = engine.run(
        targets.discover([tmp_path], use_git=False), [SecretsScanner()], engine.EngineOptions()
    )
    ours = {f.path for f in report.findings}
    names = [f"case{i:04d}{suffix}" for i in range(len(examples))]
    true = {n for n, (_, label) in zip(names, examples, strict=True) if label}
    lost = sorted((true & upstream) - ours)
    extra = sorted((set(names) - true) & ours - upstream)
    assert not lost, lost
    assert not extra, extra
