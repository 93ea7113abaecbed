"""Time gitops-guard against the tools a user would run instead, side by side, in one run.

Usage::

    python benchmarks/bench.py [--repo PATH] [--repeat 3] [--sizes 1000,10000,50000]
                               [--daemon] [--json OUT]

Two upstream sets, each run one tool after another on the same tree:

* ``wrapped``: the engines we wrap - ``bandit -r``, ``detect-secrets scan --all-files`` (the same
  1.5.0 we vendor, from its wheel), ``checkov -d``, ``hadolint`` on every Dockerfile and
  ``zizmor --offline`` on the tree (the pinned binaries gitops-guard runs);
* ``fastest``: the quickest setup for the same coverage - Bandit, gitleaks (or betterleaks)
  instead of detect-secrets, Checkov, hadolint, zizmor. A peer that is not installed is skipped
  and the table says so.

Scenarios (ratios; lower is better for gitops-guard): ``full`` cold scan (``--no-cache``) vs
each set; ``warm`` re-scan of the unchanged tree vs our own cold scan; ``commit3`` a 3-file
commit (Python, Dockerfile, Kubernetes manifest) vs the hooks of the wrapped engines
(``bandit FILES``, ``detect-secrets-hook FILES``, ``checkov -f FILES``, ``hadolint FILE``);
``commit_py`` a Python-only commit vs Bandit + ``detect-secrets-hook``; with ``--daemon`` the
3-file commit once more through a running ``gitops-guard daemon``; ``scaling`` generated trees
of N files, cold, with time and peak RSS. Peak RSS is the largest process of a command (wait4).
Nothing here asserts a timing; it prints tables and optionally writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess  # gitops-guard: ignore[B404] runs the fixed tool commands it times
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from gitops_guard.scanners.actions import ZIZMOR  # noqa: E402
from gitops_guard.scanners.checkov_common import OFFLINE_ENV  # noqa: E402
from gitops_guard.scanners.hadolint import HADOLINT  # noqa: E402

BIN = Path(sys.executable).parent
#: The unmodified detect-secrets 1.5.0 wheel our vendored copy is checked against.
DS_WHEEL = REPO_ROOT / "tests" / "fixtures" / "engines" / "detect_secrets-1.5.0-py3-none-any.whl"
DS_ENV = {"PYTHONPATH": str(DS_WHEEL)}
CK_ENV = dict(OFFLINE_ENV)
#: Bytecode is written as for any user (an environment that forbids it slows every side alike).
BASE_ENV = {"PYTHONDONTWRITEBYTECODE": ""}

Command = tuple[list[str], dict[str, str] | None]


@dataclass
class Timing:
    seconds: float
    peak_rss_mb: float


def run(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Timing:
    """Wall time and peak RSS (largest process of the tree) of one command."""
    start = time.perf_counter()
    full_env = {**os.environ, **BASE_ENV, **(env or {})}
    full_env = {k: v for k, v in full_env.items() if v != ""}
    # gitops-guard: ignore[B603] the commands are the benchmark's own, never user input
    proc = subprocess.Popen(
        list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=full_env, cwd=cwd
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"  warning: {' '.join(cmd[:3])}... exited {code}", file=sys.stderr)
    return Timing(elapsed, usage.ru_maxrss / 1024)


def median(cmds: Sequence[Command], repeat: int, cwd: Path | None = None) -> Timing:
    """Median over ``repeat`` runs of a sequence of commands run one after another."""
    samples = []
    for _ in range(repeat):
        total, peak = 0.0, 0.0
        for cmd, env in cmds:
            t = run(cmd, env, cwd)
            total += t.seconds
            peak = max(peak, t.peak_rss_mb)
        samples.append(Timing(total, peak))
    samples.sort(key=lambda t: t.seconds)
    return samples[len(samples) // 2]


def ours(*args: str) -> list[str]:
    return [str(BIN / "gitops-guard"), "scan", "-f", "json", *args]


def dockerfiles(repo: Path) -> list[str]:
    names = ("Dockerfile", "Containerfile")
    return sorted(
        str(p)
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.parts and (p.name in names or p.suffix == ".Dockerfile")
    )


def secrets_peer() -> list[str] | None:
    """gitleaks or betterleaks, if one is installed (neither ships on PyPI or Debian 12)."""
    for name in ("betterleaks", "gitleaks"):
        found = shutil.which(name)
        if found:
            return [found, "dir", "--no-banner", "--exit-code", "0"]
    return None


def upstream_full(repo: Path, secrets: list[str] | None) -> list[Command]:
    """The wrapped engines (or, with ``secrets``, the fastest set) on the whole tree."""
    ds = [sys.executable, "-m", "detect_secrets", "scan", "--all-files", str(repo)]
    cmds: list[Command] = [
        ([str(BIN / "bandit"), "-r", str(repo), "-f", "json", "-q"], None),
        (([*secrets, str(repo)], None) if secrets else (ds, DS_ENV)),
        (
            [str(BIN / "checkov"), "-d", str(repo), "-o", "json", "--quiet", "--skip-download"],
            CK_ENV,
        ),
        ([str(ZIZMOR.path()), "--offline", "--no-progress", "--format", "json", str(repo)], None),
    ]
    files = dockerfiles(repo)
    if files:
        cmds.append(([str(HADOLINT.path()), "-f", "json", "--no-fail", *files], None))
    return cmds


def upstream_hooks(files: Sequence[Path]) -> list[Command]:
    """What the engines' own pre-commit hooks run on a commit of ``files``."""
    py = [str(f) for f in files if f.suffix == ".py"]
    docker = [str(f) for f in files if f.name == "Dockerfile"]
    iac = [str(f) for f in files if f.suffix in (".yaml", ".yml")] + docker
    cmds: list[Command] = []
    if py:
        cmds.append(([str(BIN / "bandit"), "-q", *py], None))
    cmds.append(
        ([sys.executable, "-m", "detect_secrets.pre_commit_hook", *map(str, files)], DS_ENV)
    )
    if iac:
        ck = [str(BIN / "checkov"), "--quiet", "--skip-download"]
        for f in iac:
            ck += ["-f", f]
        cmds.append((ck, CK_ENV))
    if docker:
        cmds.append(([str(HADOLINT.path()), "--no-fail", *docker], None))
    return cmds


def default_repo(tmp: Path) -> Path:
    """A real multi-language tree of a few hundred files: this repository as committed (Python,
    tests, docs, workflows, Dockerfile, TOML), ../shared/corpora (Kubernetes, Kustomize, Helm,
    Flux, CloudFormation, workflows, Dockerfile)."""
    repo = tmp / "repo"
    repo.mkdir()
    archive = subprocess.run(  # gitops-guard: ignore[B603,B607] git archive of this checkout
        ["git", "archive", "HEAD"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(  # gitops-guard: ignore[B603,B607] unpacks it
        ["tar", "-x", "-C", str(repo)], input=archive, check=True
    )
    corpora = REPO_ROOT.parent / "shared" / "corpora"
    if corpora.is_dir():
        shutil.copytree(corpora, repo / "corpora")
    return repo


def commit_files(tmp: Path) -> tuple[list[Path], Path]:
    """A Python file, a Dockerfile and a Kubernetes manifest, as a typical small commit."""
    d = tmp / "commit"
    d.mkdir()
    (d / "app.py").write_text(
        "import subprocess\n\n\ndef handler(event):\n"
        "    return subprocess.run(event['cmd'], shell=True, check=False)\n" * 3
    )
    (d / "Dockerfile").write_text(
        "FROM python:3.12-slim\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n"
        'CMD ["python", "/app/app.py"]\n'
    )
    (d / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"
        "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
        "      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n"
        "          image: example/web:1.2.3\n"
    )
    return [d / "app.py", d / "Dockerfile", d / "deployment.yaml"], d


def synthetic_tree(root: Path, n: int) -> None:
    """N files in the mix of a typical service repository."""
    kinds = ["py", "py", "py", "yaml", "yaml", "tf", "md", "txt", "json", "Dockerfile"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        d = root / f"pkg{i // 100:04d}"
        d.mkdir(parents=True, exist_ok=True)
        if kind == "py":
            (d / f"mod{i}.py").write_text(
                f"import os\n\n\ndef f{i}(x):\n    return os.path.join(x, '{i}')\n" * 4
            )
        elif kind == "yaml":
            (d / f"cm{i}.yaml").write_text(
                f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n  k: v{i}\n"
            )
        elif kind == "tf":
            (d / f"main{i}.tf").write_text(
                f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n}}\n'
            )
        elif kind == "Dockerfile":
            (d / f"svc{i}.Dockerfile").write_text("FROM alpine:3.20\nUSER 1000\n")
        else:
            (d / f"doc{i}.{kind}").write_text(f"document {i}\n" * 10)


def _row(name: str, a: Timing, b: Timing | None, target: float, vs: str) -> dict[str, object]:
    ratio = a.seconds / b.seconds if b else None
    shown = f"{ratio:7.3f}" if ratio is not None else "      -"
    theirs = f"{b.seconds:9.2f}" if b else "  skipped"
    peak = f"{a.peak_rss_mb:6.0f}/{b.peak_rss_mb:<6.0f}" if b else f"{a.peak_rss_mb:6.0f}/-     "
    print(f"{name:<22} {a.seconds:8.2f} {theirs} {shown} {target:7.2f} {peak}  {vs}")
    return {
        "scenario": name,
        "ours_s": round(a.seconds, 3),
        "baseline_s": round(b.seconds, 3) if b else None,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "target": target,
        "baseline": vs,
        "ours_peak_rss_mb": round(a.peak_rss_mb, 1),
        "baseline_peak_rss_mb": round(b.peak_rss_mb, 1) if b else None,
    }


def _daemon(env: dict[str, str], files: list[Path], cwd: Path, repeat: int) -> Timing | None:
    gg = str(BIN / "gitops-guard")
    start = run([gg, "daemon", "start"], env)
    if start.seconds <= 0:
        return None
    try:
        run([gg, "scan", "-f", "json", *map(str, files)], {**env, "GITOPS_GUARD_DAEMON": "1"}, cwd)
        return median(
            [(ours(*map(str, files), "--no-cache"), {**env, "GITOPS_GUARD_DAEMON": "1"})],
            repeat,
            cwd,
        )
    finally:
        run([gg, "daemon", "stop"], env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", type=Path, help="real repository to scan (default: see docs)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--daemon", action="store_true", help="also time the daemon on the commit")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    args = ap.parse_args()

    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    peer = secrets_peer()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        env = {"GITOPS_GUARD_CACHE_DIR": str(tmp / "cache"), "GITOPS_GUARD_DAEMON": "0"}
        repo = args.repo.resolve() if args.repo else default_repo(tmp)
        n_files = sum(1 for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts)
        print(f"repository: {repo} ({n_files} files); {results['machine']}")
        print(f"fastest secrets peer: {peer[0] if peer else 'none installed (skipped)'}")

        wrapped = median(upstream_full(repo, None), args.repeat)
        fastest = median(upstream_full(repo, peer), args.repeat) if peer else None
        cold = median([(ours(str(repo), "--no-cache"), env)], args.repeat)
        run(ours(str(repo)), env)  # populate the cache
        warm = median([(ours(str(repo)), env)], args.repeat)
        files, cwd = commit_files(tmp)
        hooks = median(upstream_hooks(files), args.repeat, cwd)
        ours3 = median([(ours(*map(str, files), "--no-cache"), env)], args.repeat, cwd)
        hooks_py = median(upstream_hooks(files[:1]), args.repeat, cwd)
        ours_py = median([(ours(str(files[0]), "--no-cache"), env)], args.repeat, cwd)

        print(
            f"\n{'scenario':<22} {'ours s':>8} {'theirs s':>9} {'ratio':>7} {'target':>7} "
            f"{'RSS MB':>13}  vs"
        )
        table = [
            _row(
                "full (cold)",
                cold,
                wrapped,
                0.35,
                "bandit, detect-secrets, checkov, hadolint, zizmor",
            ),
            _row("full (cold), fastest", cold, fastest, 0.45, "bandit, gitleaks, checkov, ..."),
            _row("warm re-scan", warm, cold, 0.03, "our cold scan"),
            _row("3-file commit", ours3, hooks, 0.35, "bandit+ds-hook+checkov -f+hadolint"),
            _row("Python-only commit", ours_py, hooks_py, 0.8, "bandit + detect-secrets-hook"),
        ]
        if args.daemon:
            served = _daemon(env, files, cwd, args.repeat)
            if served is not None:
                table.append(_row("3-file, daemon", served, hooks, 0.35, "the same hooks"))
                table.append(_row("3-file, daemon vs cold", served, ours3, 1.0, "our cold commit"))
        results["scenarios"] = table

        scaling = []
        print(f"\n{'files':>6} {'ours s':>8} {'ms/file':>8} {'peak RSS MB':>12}")
        for n in [int(s) for s in args.sizes.split(",") if s]:
            tree = tmp / f"syn{n}"
            synthetic_tree(tree, n)
            t = median([(ours(str(tree), "--no-cache"), env)], 1)
            print(f"{n:>6} {t.seconds:8.2f} {t.seconds / n * 1000:8.2f} {t.peak_rss_mb:12.1f}")
            scaling.append(
                {"files": n, "seconds": round(t.seconds, 3), "peak_rss_mb": round(t.peak_rss_mb, 1)}
            )
            shutil.rmtree(tree)
        results["scaling"] = scaling
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
