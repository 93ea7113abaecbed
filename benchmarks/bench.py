"""Time gitops-guard against Bandit, detect-secrets and Checkov run directly, in one run.

Usage::

    python benchmarks/bench.py [--repo PATH] [--repeat 3] [--sizes 100,1000,10000] [--json OUT]

Scenarios (each a ratio; lower is better for gitops-guard):

* ``full``      cold full scan (``--no-cache``) vs ``bandit -r`` + ``detect-secrets scan`` +
                ``checkov -d`` one after another;
* ``warm``      re-scan of the unchanged tree with the cache vs our own cold scan;
* ``commit3``   a 3-file commit (Python, Dockerfile, Kubernetes YAML) vs the upstream hooks
                (``bandit FILES``, ``detect-secrets-hook FILES``, ``checkov -f FILES``);
* ``commit_py`` a Python-only commit vs ``bandit FILE`` + ``detect-secrets-hook FILE``;
* ``scaling``   synthetic trees of N files: our cold scan time and peak RSS per size.

Upstream detect-secrets runs from the unmodified 1.5.0 wheel whose code our secrets scanner
vendors (tests/fixtures/engines), through its own CLI. Checkov runs with the same offline
settings we use (no guideline download, no update check) so neither side waits on a network
that is not there.
Nothing here asserts a timing; it prints a table and optionally writes JSON.
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

from gitops_guard.scanners.checkov_common import OFFLINE_ENV  # noqa: E402

#: Upstream detect-secrets 1.5.0's unmodified wheel (the secrets scanner vendors its code).
VENDORED_WHEEL = (
    REPO_ROOT / "tests" / "fixtures" / "engines" / "detect_secrets-1.5.0-py3-none-any.whl"
)

BIN = Path(sys.executable).parent


@dataclass
class Timing:
    seconds: float
    peak_rss_mb: float


def run(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Timing:
    """Wall time and peak RSS (largest process of the tree) of one command."""
    start = time.perf_counter()
    # gitops-guard: ignore[B603] the commands are the benchmark's own, never user input
    proc = subprocess.Popen(
        list(cmd),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        print(f"  warning: {' '.join(cmd[:3])}... exited {proc.returncode}", file=sys.stderr)
    return Timing(elapsed, usage.ru_maxrss / 1024)


def median(
    cmds: Sequence[tuple[Sequence[str], dict[str, str] | None]],
    repeat: int,
    cwd: Path | None = None,
) -> Timing:
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


DS_ENV = {"PYTHONPATH": str(VENDORED_WHEEL)}
CK_ENV = dict(OFFLINE_ENV)


def upstream_full(repo: Path) -> list[tuple[list[str], dict[str, str] | None]]:
    git = (repo / ".git").exists()
    ds = [sys.executable, "-m", "detect_secrets", "scan", str(repo)]
    if not git:
        ds.insert(4, "--all-files")
    return [
        ([str(BIN / "bandit"), "-r", str(repo), "-f", "json", "-q"], None),
        (ds, DS_ENV),
        (
            [str(BIN / "checkov"), "-d", str(repo), "-o", "json", "--quiet", "--skip-download"],
            CK_ENV,
        ),
    ]


def upstream_hooks(files: Sequence[Path]) -> list[tuple[list[str], dict[str, str] | None]]:
    py = [str(f) for f in files if f.suffix == ".py"]
    iac = [str(f) for f in files if f.suffix != ".py"]
    cmds: list[tuple[list[str], dict[str, str] | None]] = []
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
    return cmds


def default_repo(tmp: Path) -> Path:
    """A real multi-language tree: ../shared/corpora (Kubernetes, Kustomize, Helm, Flux,
    CloudFormation, workflows, Dockerfile), our examples, and Bandit's sdist (Python) when
    .ci/bandit-src holds it."""
    repo = tmp / "repo"
    repo.mkdir()
    corpora = REPO_ROOT.parent / "shared" / "corpora"
    if corpora.is_dir():
        shutil.copytree(corpora, repo / "corpora")
    shutil.copytree(REPO_ROOT / "examples", repo / "examples")
    for src in sorted((REPO_ROOT / ".ci" / "bandit-src").glob("bandit-*/")):
        shutil.copytree(src, repo / src.name, ignore=shutil.ignore_patterns("*.egg-info"))
        break
    return repo


def commit_files(repo: Path, tmp: Path) -> tuple[list[Path], Path]:
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
        d = root / f"pkg{i // 100:03d}"
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", type=Path, help="real repository to scan (default: see docs)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    args = ap.parse_args()

    results: dict[str, object] = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
    }
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        cache = tmp / "cache"
        env = {"GITOPS_GUARD_CACHE_DIR": str(cache)}
        repo = args.repo.resolve() if args.repo else default_repo(tmp)
        n_files = sum(1 for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts)
        print(f"repository: {repo} ({n_files} files); {results['machine']}")

        up = median(upstream_full(repo), args.repeat)
        cold = median([(ours(str(repo), "--no-cache"), env)], args.repeat)
        run(ours(str(repo)), env)  # populate the cache
        warm = median([(ours(str(repo)), env)], args.repeat)
        files, cwd = commit_files(repo, tmp)
        hooks = median(upstream_hooks(files), args.repeat, cwd)
        ours3 = median([(ours(*map(str, files), "--no-cache"), env)], args.repeat, cwd)
        hooks_py = median(upstream_hooks(files[:1]), args.repeat, cwd)
        ours_py = median([(ours(str(files[0]), "--no-cache"), env)], args.repeat, cwd)

        rows = [
            ("full (cold)", cold, up, 0.6, "bandit + detect-secrets + checkov -d"),
            ("warm re-scan", warm, cold, 0.05, "our cold scan"),
            ("3-file commit", ours3, hooks, 0.5, "bandit + detect-secrets-hook + checkov -f"),
            ("Python-only commit", ours_py, hooks_py, 1.0, "bandit + detect-secrets-hook"),
        ]
        print(f"\n{'scenario':<20} {'ours s':>8} {'theirs s':>9} {'ratio':>7} {'target':>7}  vs")
        table = []
        for name, a, b, target, vs in rows:
            ratio = a.seconds / b.seconds
            print(f"{name:<20} {a.seconds:8.2f} {b.seconds:9.2f} {ratio:7.3f} {target:7.2f}  {vs}")
            table.append(
                {
                    "scenario": name,
                    "ours_s": round(a.seconds, 3),
                    "baseline_s": round(b.seconds, 3),
                    "ratio": round(ratio, 3),
                    "target": target,
                    "baseline": vs,
                    "ours_peak_rss_mb": round(a.peak_rss_mb, 1),
                }
            )
        results["scenarios"] = table

        scaling = []
        print(f"\n{'files':>6} {'ours s':>8} {'s/1k files':>11} {'peak RSS MB':>12}")
        for n in [int(s) for s in args.sizes.split(",") if s]:
            tree = tmp / f"syn{n}"
            synthetic_tree(tree, n)
            t = median([(ours(str(tree), "--no-cache"), env)], 1)
            print(f"{n:>6} {t.seconds:8.2f} {t.seconds / n * 1000:11.2f} {t.peak_rss_mb:12.1f}")
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
