"""Parity of the `source` scanner with `bandit -f json` run directly on the same files."""

from __future__ import annotations

import json
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


def test_syntax_errors_are_skipped_notices(sample_tree: Path) -> None:
    ts = targets.discover([sample_tree], use_git=False)
    report = engine.run(ts, [SourceScanner()], engine.EngineOptions(jobs=1))
    assert any(e.path == "broken.py" and e.kind.value == "skipped" for e in report.errors)
    assert not report.failed


def test_bandit_example_corpus_parity(tmp_path: Path) -> None:
    """Bandit's own examples directory, where a source checkout of Bandit is available."""
    candidates = [Path(p) for p in sys.path if (Path(p) / "bandit" / "examples").is_dir()]
    if not candidates:
        pytest.skip("Bandit's examples/ is not installed (only in its source repository)")
    root = candidates[0] / "bandit" / "examples"
    ts = targets.discover([root], use_git=False)
    report = engine.run(ts, [SourceScanner()], engine.EngineOptions(jobs=2))
    ours = {(Path(f.path).name, f.rule_id, f.line, f.severity.value) for f in report.findings}
    assert ours == _bandit_cli(root)


def test_hardcoded_password_messages_do_not_quote_the_value(tmp_path: Path) -> None:
    """Bandit's B105/B106/B107 messages quote the literal; findings (and so reports and the
    cache) must not."""
    (tmp_path / "creds.py").write_text(
        "password = 'Zq8vT3kLm9WpR2xY'\n"
        'connect(password="Wm4Xq9Lt2Kv7Rp3N")\n'
        "def f(secret='Pl5Nz8Qc1Vb6Hy4T'):\n    pass\n"
    )
    ts = targets.discover([tmp_path], use_git=False)
    report = engine.run(ts, [SourceScanner()], engine.EngineOptions(jobs=1))
    rules = {f.rule_id for f in report.findings}
    assert {"B105", "B106", "B107"} <= rules
    text = repr(report)
    for value in ("Zq8vT3kLm9WpR2xY", "Wm4Xq9Lt2Kv7Rp3N", "Pl5Nz8Qc1Vb6Hy4T"):
        assert value not in text
    assert all("(value redacted)" in f.message for f in report.findings if f.rule_id == "B105")
