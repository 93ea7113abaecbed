"""Kustomize, offline and inside the scanned tree.

A kustomization may name files and directories in many fields (resources, bases, components,
patches, transformers, generators, validators, configurations, replacements, openapi, the files
and env files of generators), and any of them may be a URL that ``kubectl kustomize`` would fetch
or a path that leads out of the scanned tree. :func:`problem` walks every field of a
kustomization and of each local kustomization it includes, and refuses (an error: the overlay is
not rendered, so what only a render evaluates would go unchecked) any remote reference, any path
that resolves outside the scan root and any missing file. :func:`inputs` lists the local files a
render reads, for the cache key. :func:`install` makes Checkov's renderer run ``kubectl`` with no
kubeconfig, no proxy it could use, git unable to fetch, and a deadline, and records a failed
render instead of dropping it silently.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_guard import safeyaml, text
from gitops_guard.redact import error_message

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: Fields holding a list of paths (or URLs).
_LIST_KEYS = (
    "resources",
    "bases",
    "components",
    "crds",
    "patchesStrategicMerge",
    "configurations",
    "transformers",
    "generators",
    "validators",
)
#: Fields holding a list of ``{path: ...}`` entries (or inline content).
_PATH_ITEM_KEYS = ("patches", "patchesJson6902", "replacements")
_GENERATOR_KEYS = ("configMapGenerator", "secretGenerator")
#: Forms kustomize (go-getter) reads as remote: a URL, scp-like git, or a host/org/repo path.
_REMOTE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://|git@|git::|[a-z0-9-]+(?:\.[a-z0-9-]+)+\.[a-z]{2,}/|"
    r"(?:github\.com|gitlab\.com|bitbucket\.org)[/:])",
    re.IGNORECASE,
)
RENDER_SECONDS = 60.0


def is_remote(ref: str) -> bool:
    return bool(_REMOTE.match(ref.strip())) or "?ref=" in ref or "//" in ref.lstrip("./")


def find(directory: Path) -> Path | None:
    """The kustomization file of ``directory``, if it has one."""
    for name in NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def load(path: Path) -> dict[str, Any]:
    """A kustomization's mapping ({} when unreadable), parsed once per version of the file."""
    try:
        st = path.stat()
    except OSError:
        return {}
    return dict(_load(str(path), st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=512)
def _load(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    try:
        return safeyaml.load_mapping(text.read(Path(path)))
    except OSError:
        return {}


def _refs(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every ``(field, reference)`` of one kustomization; inline content is not a reference."""
    for key in _LIST_KEYS:
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, str) and "\n" not in entry.strip():
                yield key, entry.strip()
    for key in _PATH_ITEM_KEYS:
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            ref = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(ref, str) and "\n" not in ref.strip():
                yield key, ref.strip()
    for key in _GENERATOR_KEYS:
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            for field in ("files", "envs"):
                values = entry.get(field)
                for value in values if isinstance(values, list) else []:
                    if isinstance(value, str):
                        yield f"{key}.{field}", value.split("=", 1)[-1].strip()
            if isinstance(entry.get("env"), str):
                yield f"{key}.env", entry["env"].strip()
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield "openapi", openapi["path"].strip()


@dataclass
class Walk:
    """What rendering one kustomization reads."""

    files: set[Path]
    problem: str | None = None


def walk(directory: Path, root: Path) -> Walk:
    """Every local file a render of ``directory`` reads (following included kustomizations), or
    the first reason it must not be rendered offline inside ``root``."""
    real_root = root.resolve()
    out = Walk(files=set())
    seen: set[Path] = set()
    stack = [directory]
    while stack and out.problem is None:
        here = stack.pop()
        kfile = find(here)
        if kfile is None or here.resolve() in seen:
            continue
        seen.add(here.resolve())
        out.files.add(kfile)
        data = load(kfile)
        if "helmCharts" in data or "helmGlobals" in data:
            out.problem = f"{_shown(kfile, root)} uses helmCharts (needs helm and a download)"
            break
        for key, ref in _refs(data):
            where = f"{_shown(kfile, root)}: {key} entry {ref}"
            if is_remote(ref):
                out.problem = f"{where} is remote; gitops-guard never fetches"
                break
            target = (here / ref).resolve()
            if target != real_root and real_root not in target.parents:
                out.problem = f"{where} leads outside the scanned tree"
                break
            if target.is_dir():
                if find(target) is None:
                    out.problem = f"{where} is a directory without a kustomization"
                    break
                stack.append(here / ref)
            elif target.is_file():
                out.files.add(here / ref)
            else:
                out.problem = f"{where} does not exist"
                break
    return out


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def is_component(path: Path) -> bool:
    """A ``kind: Component`` kustomization is rendered only by the kustomizations including it."""
    return load(path).get("kind") == "Component"


# -- rendering -----------------------------------------------------------------------------------

#: Kustomization directory -> why its render failed (filled by the installed renderer).
FAILURES: dict[str, str] = {}


def safe_env(home: str) -> dict[str, str]:
    """The environment ``kubectl kustomize`` runs in: no cluster credentials, no usable proxy,
    git unable to fetch or run helpers, nothing of the user's configuration."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    return {
        **keep,
        "HOME": home,
        "KUBECONFIG": os.devnull,
        "XDG_CONFIG_HOME": home,
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "GIT_ALLOW_PROTOCOL": "none",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
    }


def render(directory: str, command: str) -> tuple[bytes | None, str | None]:
    """``kubectl kustomize`` (or ``kustomize build``) of ``directory``: (output, None), or
    (None, why it failed)."""
    args = [command, "kustomize" if command == "kubectl" else "build", "."]
    with tempfile.TemporaryDirectory(prefix="gitops-guard-kustomize-") as home:
        try:
            proc = subprocess.run(
                args,
                cwd=directory,
                env=safe_env(home),
                capture_output=True,
                timeout=RENDER_SECONDS,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return None, f"render took longer than {RENDER_SECONDS:g}s"
        except OSError as exc:
            return None, f"cannot run {command}: {exc.strerror or exc}"
    if proc.returncode != 0:
        reason = _reason(proc.stderr.decode("utf-8", "replace")) or f"exit code {proc.returncode}"
        return None, error_message(reason)
    return proc.stdout, None


def _reason(stderr: str) -> str:
    """The cause in kubectl's log line (``... "command failed" err="..."`` or a multi-line
    ``err=<`` block: its first and last lines; never the configuration it quotes in between)."""
    _, sep, err = stderr.partition(" err=")
    if not sep:
        return stderr.strip().removeprefix("error: ").splitlines()[0] if stderr.strip() else ""
    if err.startswith('"'):
        return err.strip().strip('"').replace('\\"', '"').splitlines()[0]
    lines = [line.strip() for line in err.lstrip("<").splitlines()]
    lines = [line for line in lines if line and line != ">"]
    if not lines:
        return ""
    return lines[0] if len(lines) == 1 else f"{lines[0].rstrip(':`')} ... {lines[-1]}"


def install(runner_cls: Any) -> None:
    """Make Checkov's Kustomize runner render through :func:`render` (idempotent)."""

    def get_output(self: Any, file_path: str, command: str, source_type: str | None) -> Any:
        output, failure = render(file_path, command)
        if failure is not None:
            FAILURES[os.path.realpath(file_path)] = failure
        return output

    runner_cls._get_kubectl_output = get_output
