"""Robustness end to end: a hostile tree, engine faults, Ctrl-C, a broken cache, no network.

Every scan here runs ``python -m gitops_guard`` in a subprocess with a hard timeout, as a user
would: a hang fails the test instead of hanging the suite, and a traceback is visible in the
captured output.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hostile
import pytest

HARD_TIMEOUT = 240


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.out)  # type: ignore[no-any-return]

    def clean(self, *forbidden: str) -> None:
        """No traceback, and none of ``forbidden`` anywhere in the output."""
        for stream in (self.out, self.err):
            assert "Traceback" not in stream, stream[-3000:]
            for word in forbidden:
                assert word not in stream


def run_cli(
    args: Sequence[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    wrapper: Sequence[str] = (),
    timeout: float = HARD_TIMEOUT,
) -> Run:
    proc = subprocess.run(
        [*wrapper, sys.executable, "-m", "gitops_guard", *args],
        cwd=cwd,
        env={**os.environ, "GITOPS_GUARD_DAEMON": "0", **(env or {})},
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def _can(*cmd: str) -> bool:
    if shutil.which(cmd[0]) is None:
        return False
    try:
        return subprocess.run(list(cmd), capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


# -- the hostile tree -------------------------------------------------------------------------


@dataclass
class Scanned:
    tree: hostile.HostileTree
    cwd: Path
    args: list[str]
    run: Run


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One full scan of the hostile tree, shared by the tests that inspect it.

    It is run from the tree's *parent*, so the scan root (the current directory) also holds the
    "outside" folder: links must still not lead out of the folder that was named.
    """
    base = tmp_path_factory.mktemp("hostile")
    tree = hostile.build(base / "repo", base / "outside")
    args = [
        "scan",
        "repo",
        "--format",
        "json",
        "--no-cache",
        "--timeout",
        "120",
        "--max-file-size",
        str(hostile.MAX_BYTES),
    ]
    cache = str(tmp_path_factory.mktemp("hostile-cache"))
    return Scanned(tree, base, args, run_cli(args, base, env={"GITOPS_GUARD_CACHE_DIR": cache}))


@pytest.mark.slow
def test_hostile_tree_no_traceback_no_hang_no_escape(hostile_scan: Scanned) -> None:
    run, tree = hostile_scan.run, hostile_scan.tree
    assert run.code in (1, 3), run.err
    run.clean(hostile.OUTSIDE_MARKER, hostile.OUTSIDE_MARKER.lower(), tree.secret)
    report = run.report
    assert not tree.pwned.exists(), "scanned content was executed"
    # No scanner crashed, hung or raised on any input. Not scanned is not clean: what could not
    # be checked (the Python file Bandit cannot parse, the YAML bombs, the links out of the tree,
    # the remote Kustomize base, the chart without helm) fails the run, each error saying so.
    broken = f"repo/{tree.syntax_error_path}"
    explained = ("not checked", "not scanned", "never fetches", "not rendered")
    failures = [
        e
        for e in report["errors"]
        if e["kind"] == "error" and not any(word in e["message"] for word in explained)
    ]
    assert not failures, failures
    for rel in tree.skipped:
        kinds = {e["kind"] for e in report["errors"] if e["path"] == f"repo/{rel}"}
        want = "error" if tree.skipped[rel] == "outside" else "skipped"
        assert want in kinds, (rel, kinds)
    assert run.code == 3 and any(e["path"] == broken for e in report["errors"])
    # The outside world was never read: nothing reported from it or through a link to it.
    paths = {f["path"] for f in report["findings"]} | {e["path"] for e in report["errors"]}
    assert not any(p and p.startswith("outside") for p in paths)


@pytest.mark.slow
def test_hostile_tree_real_secret_still_reported(hostile_scan: Scanned) -> None:
    findings = hostile_scan.run.report["findings"]
    secret = f"repo/{hostile_scan.tree.secret_path}"
    assert any(
        f["scanner"] == "secrets" and f["path"] == secret and f["rule_id"] == "aws-access-key-id"
        for f in findings
    ), findings
    # Hostile names did not stop the ordinary findings either.
    assert any(f["path"] == "repo/names/with space.py" for f in findings)
    assert any(f["path"] == "repo/src/crlf.py" for f in findings)


@pytest.mark.slow
def test_hostile_tree_every_odd_input_has_a_notice(hostile_scan: Scanned) -> None:
    errors = hostile_scan.run.report["errors"]
    by_path: dict[str, list[str]] = {}
    for e in errors:
        by_path.setdefault(e["path"] or "", []).append(e["message"])
    broken = f"repo/{hostile_scan.tree.syntax_error_path}"
    assert any("syntax" in m for m in by_path.get(broken, [])), errors
    for rel, word in sorted(hostile_scan.tree.skipped.items()):
        messages = by_path.get(f"repo/{rel}", [])
        assert any(word in m for m in messages), (rel, messages)
    # Alias bombs, recursive aliases and deep nesting: skipped by Checkov, read as plain text
    # by detect-secrets, each with its own notice.
    for rel in ("k8s/bomb.yaml", ".github/workflows/bomb.yml", "k8s/recursive.yaml"):
        scanners = {e["scanner"] for e in errors if e["path"] == f"repo/{rel}"}
        assert {"iac", "secrets"} <= scanners, (rel, scanners)
    assert any("nested" in m for m in by_path["repo/k8s/deep.json"])


@pytest.mark.slow
@pytest.mark.skipif(not _can("unshare", "-n", "true"), reason="cannot create a network namespace")
def test_same_findings_without_network(hostile_scan: Scanned) -> None:
    """Every scanner, Checkov included, works the same with no network at all."""
    offline = run_cli(hostile_scan.args, hostile_scan.cwd, wrapper=["unshare", "-n"])
    offline.clean(hostile_scan.tree.secret)
    assert offline.code == hostile_scan.run.code
    online = hostile_scan.run.report
    assert offline.report["findings"] == online["findings"]
    assert offline.report["errors"] == online["errors"]


@pytest.mark.slow
@pytest.mark.skipif(not _can("strace", "-f", "-qq", "true"), reason="strace is not usable here")
def test_nothing_outside_the_named_folder_is_opened(hostile_scan: Scanned, tmp_path: Path) -> None:
    """The strongest form of "never followed out": no process of the run opens a file there."""
    log = tmp_path / "strace.log"
    traced = run_cli(
        hostile_scan.args,
        hostile_scan.cwd,
        wrapper=["strace", "-f", "-qq", "-y", "-e", "trace=open,openat,openat2", "-o", str(log)],
    )
    assert traced.code in (1, 3), traced.err
    tree = hostile_scan.tree
    assert str(tree.root / tree.secret_path) in log.read_text(errors="replace")  # it traced
    outside = str(tree.outside)
    opened = [line for line in log.read_text(errors="replace").splitlines() if outside in line]
    assert not opened, opened[:5]


@pytest.mark.slow
def test_nothing_is_executed(hostile_scan: Scanned) -> None:
    """setup.py, conftest.py, a package __init__, a Dockerfile RUN, a Terraform external data
    source and a !!python/object tag would each create this file if anything ran them."""
    assert not hostile_scan.tree.pwned.exists()
    findings = hostile_scan.run.report["findings"]
    # They were scanned, not skipped: Bandit read setup.py, Checkov read the Terraform.
    assert any(f["path"] == "repo/setup.py" for f in findings)
    assert any(f["path"] == "repo/tf/main.tf" for f in findings)


# -- engine faults ----------------------------------------------------------------------------

ENGINE_FAULTS = {
    "missing": ("raise ImportError('No module named bandit (simulated)')", "ImportError"),
    "raises": (
        "raise RuntimeError('engine exploded\\nsecond line quoting a file: ' + 'AKIA' + 'X' * 16)",
        "RuntimeError: engine exploded",
    ),
    "hangs": ("import time\ntime.sleep(120)", "timed out after 3s"),
    "crashes": ("import os\nos._exit(9)", "worker process died"),
}


@pytest.fixture
def small_tree(tmp_path: Path) -> Path:
    root = tmp_path / "small"
    root.mkdir()
    (root / "app.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")
    (root / "settings.py").write_text(f'KEY = "{hostile.aws_key(3)}"\n')
    return root


@pytest.mark.parametrize("fault", sorted(ENGINE_FAULTS))
def test_engine_fault_is_an_error_and_others_still_report(
    fault: str, small_tree: Path, tmp_path: Path
) -> None:
    """Bandit shadowed by a package that fails as named: exit 3, the source scanner named in an
    error, the secrets scanner's finding still reported."""
    body, expected = ENGINE_FAULTS[fault]
    shadow = tmp_path / "shadow" / "bandit"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(body + "\n")
    started = time.monotonic()
    run = run_cli(
        ["scan", ".", "-f", "json", "--scanners", "source,secrets", "--timeout", "3"],
        small_tree,
        env={"PYTHONPATH": str(shadow.parent)},
        timeout=90,
    )
    assert time.monotonic() - started < 60
    run.clean("second line", "AKIA" + "X" * 16)
    assert run.code == 3, run.err
    report = run.report
    failures = [e for e in report["errors"] if e["kind"] == "error"]
    assert [e["scanner"] for e in failures] == ["source"], failures
    assert expected in failures[0]["message"]
    assert "\n" not in failures[0]["message"]
    assert [(f["scanner"], f["path"]) for f in report["findings"]] == [("secrets", "settings.py")]


# -- Ctrl-C -----------------------------------------------------------------------------------


def _large_tree(root: Path) -> None:
    """Enough work for a few seconds on two cores: Python, manifests and Dockerfiles."""
    for i in range(150):
        d = root / f"pkg{i % 10}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"m{i}.py").write_text(
            "import subprocess\n\n\n"
            + "".join(
                f"def f{j}(x):\n    return subprocess.call(x, shell=True)\n\n\n" for j in range(40)
            )
        )
    for i in range(30):
        (root / "k8s").mkdir(exist_ok=True)
        (root / "k8s" / f"d{i}.yaml").write_text(
            textwrap.dedent(
                f"""\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: d{i}
                spec:
                  template:
                    spec:
                      containers:
                        - name: c
                          image: nginx:latest
                          securityContext:
                            privileged: true
                """
            )
        )
        (root / f"Dockerfile.{i}").write_text("FROM ubuntu:latest\nRUN apt-get update\n")


def _workers_started(pid: int) -> bool:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return False
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"gitops_guard" in cmdline:
            return True
    return False


def _group_alive(pgid: int) -> list[str]:
    alive = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(proc.name)
    return alive


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
@pytest.mark.parametrize(
    "command",
    [
        ["scan", ".", "--output", "json:{out}/report.json", "--jobs", "2"],
        ["baseline", "create", ".", "--file", "{out}/baseline.json", "--jobs", "2"],
    ],
    ids=["scan", "baseline-create"],
)
def test_ctrl_c_exits_130_and_leaves_nothing_half_written(
    command: list[str], tmp_path: Path
) -> None:
    root = tmp_path / "big"
    root.mkdir()
    _large_tree(root)
    out, cache, tmp = tmp_path / "out", tmp_path / "cache", tmp_path / "tmp"
    for d in (out, cache, tmp):
        d.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitops_guard", *(a.format(out=out) for a in command)],
        cwd=root,
        env={**os.environ, "GITOPS_GUARD_CACHE_DIR": str(cache), "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 60
        while not _workers_started(proc.pid):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no worker started"
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None, "the run finished before Ctrl-C: make the tree larger"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    err = stderr.decode("utf-8", "replace")
    assert proc.returncode == 130, err
    assert "Traceback" not in err and b"Traceback" not in stdout
    # Nothing written, not even a temporary file, where the report or baseline would go.
    assert list(out.iterdir()) == []
    # The cache holds only complete entries.
    assert not list(cache.rglob("*.tmp"))
    for entry in cache.rglob("*.json"):
        text = entry.read_text()  # a result entry: its MAC, a newline, its JSON body
        json.loads(text.partition("\n")[2] if entry.parent.parent.name.startswith("v") else text)
    # No worker outlives the run.
    deadline = time.monotonic() + 10
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(proc.pid)


# -- a cache that cannot be written -------------------------------------------------------------


@pytest.mark.skipif(
    not _can("unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"),
    reason="cannot mount a tmpfs in a private mount namespace",
)
@pytest.mark.parametrize("options", ["ro", "size=4k,nr_inodes=6"], ids=["read-only", "full"])
def test_unusable_cache_degrades_to_no_cache_with_a_notice(
    options: str, small_tree: Path, tmp_path: Path
) -> None:
    """The cache directory is a tmpfs mounted read-only, or a tiny one that fills up: root
    cannot bypass either (unlike file permissions)."""
    for i in range(6):
        (small_tree / f"more{i}.txt").write_text(f"file {i}\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    leftovers = tmp_path / "leftovers.txt"
    script = (
        'mount -t tmpfs -o "$1" tmpfs "$2" || exit 99; shift 3; "$@"; rc=$?; '
        'find "$0" -name "*.tmp" > "$LEFTOVERS"; exit $rc'
    )
    run = run_cli(
        ["scan", ".", "-f", "json", "--scanners", "source,secrets"],
        small_tree,
        env={"GITOPS_GUARD_CACHE_DIR": str(cache), "LEFTOVERS": str(leftovers)},
        wrapper=["unshare", "-m", "sh", "-c", script, str(cache), options, str(cache), "--"],
        timeout=120,
    )
    assert run.code == 1, run.err  # findings; an unusable cache is not a scanner failure
    run.clean()
    notices = [e for e in run.report["errors"] if "cache disabled" in e["message"]]
    assert notices and notices[0]["kind"] == "skipped", run.report["errors"]
    assert leftovers.read_text() == ""
    baseline = run_cli(
        ["scan", ".", "-f", "json", "--scanners", "source,secrets", "--no-cache"], small_tree
    )
    assert run.report["findings"] == baseline.report["findings"]


# -- one slow file costs only itself ------------------------------------------------------------


def test_a_slow_file_fails_the_run_and_the_others_are_still_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secrets scanner's per-file budget: a file that would keep it busy (here simulated by a
    slow read) is an error - not scanned is not clean - and the secret next to it is still found."""
    from gitops_guard import engine, targets
    from gitops_guard.scanners import secrets
    from gitops_guard.scanners.secrets import stream

    (tmp_path / "slow.txt").write_text("nothing\n")
    (tmp_path / "settings.py").write_text(f'KEY = "{hostile.aws_key(5)}"\n')
    real = stream.pieces

    def slow(path: Path, size: int) -> Iterator[stream.Piece]:
        if path.name == "slow.txt":
            time.sleep(30)
        return real(path, size)

    monkeypatch.setattr(stream, "pieces", slow)
    monkeypatch.setattr(secrets, "FILE_TIMEOUT", 1.0)
    monkeypatch.setattr(secrets, "SECONDS_PER_MIB", 0.0)
    ts = targets.discover([tmp_path], use_git=False)
    report = engine.run(ts, [secrets.SecretsScanner()], engine.EngineOptions(jobs=1, timeout=60))
    assert [(f.path, f.rule_id) for f in report.findings] == [("settings.py", "aws-access-key-id")]
    notices = [(e.path, e.kind.value, e.message) for e in report.errors]
    # not scanned is not clean: the other files are still reported, and the run fails (exit 3)
    assert notices == [("slow.txt", "error", "not scanned to the end: took longer than 1s")]
    assert report.failed
