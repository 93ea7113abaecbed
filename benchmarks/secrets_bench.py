"""The `secrets` scanner beside `detect-secrets scan --all-files`, run directly, on the same trees.

Usage::

    python benchmarks/secrets_bench.py [--repeat 3] [--files 3000] [--json OUT] [PATH ...]

Trees: ../shared/corpora and this repository (copied, without .git and .venv), a generated tree
of ``--files`` source and config files (Python, YAML, JSON, shell, Terraform, .env, Markdown with
a few real-format secrets among them), and any PATH given. Ours is
``gitops-guard scan --scanners secrets --no-cache -f json`` (its default of 2 workers on this
machine: the scanner is splittable); upstream is the 1.5.0 wheel's own CLI, single-process as it
always is. Each time is the median of ``--repeat`` runs. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import string
import subprocess  # gitops-guard: ignore[B404] runs the fixed tool commands it times
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
WHEEL = REPO_ROOT / "tests" / "fixtures" / "engines" / "detect_secrets-1.5.0-py3-none-any.whl"
BIN = Path(sys.executable).parent


def _median(cmd: list[str], cwd: Path, env: dict[str, str], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        # gitops-guard: ignore[B603] the commands are the benchmark's own, never user input
        proc = subprocess.run(
            cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, check=False
        )
        samples.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            print(f"  warning: {cmd[0]} exited {proc.returncode}", file=sys.stderr)
    samples.sort()
    return samples[len(samples) // 2]


def ours(tree: Path, repeat: int, cache: Path) -> float:
    cmd = [str(BIN / "gitops-guard"), "scan", "--scanners", "secrets", "--no-cache"]
    cmd += ["-f", "json", "."]
    return _median(cmd, tree, {"GITOPS_GUARD_CACHE_DIR": str(cache)}, repeat)


def upstream(tree: Path, repeat: int) -> float:
    cmd = [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."]
    return _median(cmd, tree, {"PYTHONPATH": str(WHEEL)}, repeat)


def generated(root: Path, files: int, seed: int = 7) -> Path:
    """A tree shaped like a service repository: mostly code and config, few secrets."""
    rng = random.Random(seed)
    words = ["user", "order", "cache", "client", "config", "handler", "value", "item", "port"]

    def ident() -> str:
        return "_".join(rng.choice(words) for _ in range(rng.randint(1, 3)))

    def token(n: int) -> str:
        return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))

    makers = {
        ".py": lambda: "\n".join(
            f"def {ident()}(x):\n    {ident()} = x.get('{ident()}', {rng.randint(0, 99)})\n"
            f"    return {ident()}  # {' '.join(rng.choice(words) for _ in range(6))}"
            for _ in range(40)
        ),
        ".yaml": lambda: "\n".join(
            f"{ident()}:\n  name: {ident()}\n  image: nginx:1.{rng.randint(1, 27)}\n"
            f"  replicas: {rng.randint(1, 5)}"
            for _ in range(40)
        ),
        ".json": lambda: json.dumps({ident(): {ident(): token(12)} for _ in range(60)}, indent=2),
        ".sh": lambda: "\n".join(f"echo {ident()} && cd /srv/{ident()}" for _ in range(60)),
        ".tf": lambda: "\n".join(
            f'resource "aws_s3_bucket" "{ident()}" {{\n  bucket = "{ident()}"\n}}'
            for _ in range(30)
        ),
        ".md": lambda: "\n".join(" ".join(rng.choice(words) for _ in range(12)) for _ in range(80)),
    }
    tree = root / "generated"
    for i in range(files):
        ext = rng.choice(list(makers))
        path = tree / f"pkg{i % 40}" / f"{ident()}_{i}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = makers[ext]()
        if i % 97 == 0:  # a few real-format secrets
            text += f'\nAPI_TOKEN = "ghp_{token(36)}"\npassword = "{token(10)}!9"\n'
        path.write_text(text + "\n")
    return tree


def trees(root: Path, files: int, extra: list[Path]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    corpora = REPO_ROOT.parent / "shared" / "corpora"
    if corpora.is_dir():
        out["corpora"] = Path(shutil.copytree(corpora, root / "corpora"))
    ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".mypy_cache")
    out["gitops-guard"] = Path(shutil.copytree(REPO_ROOT, root / "self", ignore=ignore))
    if "corpora" in out:  # both together: one real repository of some size
        both = root / "both"
        shutil.copytree(out["corpora"], both / "corpora")
        shutil.copytree(out["gitops-guard"], both / "gitops-guard")
        out["corpora+gitops-guard"] = both
    out[f"generated-{files}"] = generated(root, files)
    for path in extra:
        out[path.name] = path
    return out


def evaluate(root: Path) -> dict[str, dict[str, float]]:
    """Recall and noise on tests/scanners/secrets_eval (our labelled set), ours and upstream's.
    A case is flagged by us when a finding above info is on it (info does not fail a run)."""
    sys.path.insert(0, str(REPO_ROOT / "tests" / "scanners"))
    from test_secrets_eval import cases

    out: dict[str, dict[str, float]] = {}
    for kind in ("positives", "negatives"):
        examples = cases(kind)
        tree = root / f"eval-{kind}"
        for i, (name, text) in enumerate(examples):
            path = tree / f"case{i:03d}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n")
        # gitops-guard: ignore[B603] the benchmark's own fixed commands
        ours_doc = json.loads(
            subprocess.run(
                [
                    str(BIN / "gitops-guard"),
                    "scan",
                    "--scanners=secrets",
                    "--no-cache",
                    "-fjson",
                    ".",
                ],
                cwd=tree,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "GITOPS_GUARD_CACHE_DIR": str(root / "cache")},
            ).stdout
        )
        ours = {f["path"].split("/")[0] for f in ours_doc["findings"] if f["severity"] != "info"}
        any_severity = {f["path"].split("/")[0] for f in ours_doc["findings"]}
        # gitops-guard: ignore[B603] the benchmark's own fixed commands
        up_doc = json.loads(
            subprocess.run(
                [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."],
                cwd=tree,
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONPATH": str(WHEEL)},
            ).stdout
        )
        up = {name.split("/")[0] for name, items in up_doc["results"].items() if items}
        n = len(examples)
        out[kind] = {
            "cases": n,
            "ours": len(ours) / n,
            "ours_any_severity": len(any_severity) / n,
            "detect_secrets": len(up) / n,
        }
        print(
            f"{kind:10} {n:4} cases  flagged: ours {len(ours)} (with info: {len(any_severity)})"
            f"  detect-secrets {len(up)}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--eval-only", action="store_true", help="only recall and noise")
    args = ap.parse_args(argv)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="gg-secrets-bench-") as tmp:
        root = Path(tmp)
        rows.append({"eval": evaluate(root)})
        if args.eval_only:
            return 0
        for name, tree in trees(root, args.files, args.paths).items():
            files = sum(1 for p in tree.rglob("*") if p.is_file())
            mib = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file()) / (1 << 20)
            up = upstream(tree, args.repeat)
            us = ours(tree, args.repeat, root / "cache")
            rows.append(
                {
                    "tree": name,
                    "files": files,
                    "mib": round(mib, 2),
                    "ours": us,
                    "detect_secrets": up,
                    "ratio": us / up,
                }
            )
            print(
                f"{name:24} {files:6} files {mib:7.2f} MiB  ours {us:6.2f}s  "
                f"detect-secrets {up:6.2f}s  ratio {us / up:.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
