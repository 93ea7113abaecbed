"""Parity of the `source` scanner with `bandit -f json` run directly on the same files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_guard import engine, targets
from gitops_guard.scanners.source import SourceScanner

SAMPLES = {
    "injection.py": (
        "import os\nimport subprocess\n\n"
        "def run(cmd):\n    subprocess.Popen(cmd, shell=True)\n    os.system('ls ' + cmd)\n"
        "    subprocess.call(['ls', cmd])\n"
    ),
    "crypto.py": (
        "import hashlib\nimport random\nfrom Crypto.Cipher import DES\n\n"
        "h = hashlib.md5(b'x').hexdigest()\nn = random.random()\nk = DES.new(b'12345678')\n"
    ),
    "deser.py": (
        "import pickle\nimport yaml\nimport marshal\n\n"
        "def f(b):\n    pickle.loads(b)\n    yaml.load(b)\n    marshal.loads(b)\n    eval(b)\n"
        "    exec(b)\n"
    ),
    "web.py": (
        "import requests\nfrom flask import Flask\napp = Flask(__name__)\n\n"
        "requests.get('https://example.com', verify=False)\nrequests.get('https://e.com')\n"
        "app.run(debug=True, host='0.0.0.0')\n"
    ),
    "sql.py": (
        "def q(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE n = '%s'\" % name)\n"
        "    cur.execute('SELECT 1')\n"
    ),
    "misc.py": (
        "import tempfile\nimport ssl\nassert True\ntry:\n    pass\nexcept Exception:\n    pass\n"
        "f = tempfile.mktemp()\nctx = ssl._create_unverified_context()\n"
        "password = 'hunter2'\nx = 1  # nosec\nimport telnetlib\n"
    ),
    "nosec.py": "import subprocess\nsubprocess.call('ls', shell=True)  # nosec\n",
    "broken.py": "def (:\n",
}


@pytest.fixture
def sample_tree(tmp_path: Path) -> Path:
    for name, text in SAMPLES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _bandit_cli(root: Path) -> set[tuple[str, str, int, str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", str(root), "-f", "json", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    doc = json.loads(proc.stdout)
    return {
        (Path(r["filename"]).name, r["test_id"], r["line_number"], r["issue_severity"].lower())
        for r in doc["results"]
    }


def test_same_findings_per_file_and_severity_as_bandit(sample_tree: Path) -> None:
    ts = targets.discover([sample_tree], use_git=False)
    report = engine.run(ts, [SourceScanner()], engine.EngineOptions(jobs=1))
    ours = {(Path(f.path).name, f.rule_id, f.line, f.severity.value) for f in report.findings}
    upstream = _bandit_cli(sample_tree)
    assert len(upstream) > 15
    assert ours == upstream


def test_syntax_errors_fail_the_run(sample_tree: Path) -> None:
    """Bandit cannot read it, so it was not scanned: not clean (exclude it to accept that)."""
    ts = targets.discover([sample_tree], use_git=False)
    report = engine.run(ts, [SourceScanner()], engine.EngineOptions(jobs=1))
    assert any(e.path == "broken.py" and e.kind.value == "error" for e in report.errors)
    assert report.failed


def test_bandit_example_corpus_parity() -> None:
    """Bandit's own examples/ (from its sdist; .ci/run fetches it and sets BANDIT_EXAMPLES)."""
    root = Path(os.environ.get("BANDIT_EXAMPLES", "/nonexistent"))
    if not root.is_dir():
        pytest.skip("set BANDIT_EXAMPLES to the examples/ folder of Bandit's sdist")
    ts = targets.discover([root], use_git=False)
    report = engine.run(ts, [SourceScanner()], engine.EngineOptions(jobs=2))
    ours = {(Path(f.path).name, f.rule_id, f.line, f.severity.value) for f in report.findings}
    upstream = _bandit_cli(root)
    assert len(upstream) > 100
    assert ours == upstream
