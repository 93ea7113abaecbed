"""Follow a CI command into the repository: ``./scripts/deploy.sh``, ``bash hack/e2e.sh``,
``make deploy`` - so a pipeline that deploys through a script or a Makefile target is seen, and
one that creates its kind cluster in ``make kind-up`` is recognised as a test job.

Only files of the scan are read (never outside the scan root), nothing is executed, and the
search is bounded (depth 3, each file read once per run).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from gitops_guard.scanners.gitops.ci.classify import Verdict, classify_script
from gitops_guard.scanners.gitops.ci.shell import Command

_MAX_DEPTH = 3
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ash", "source", ".", "pwsh", "powershell"})
_SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".ps1")
_MAKE_FLAGS_WITH_VALUE = frozenset(
    {"-C", "-f", "--file", "--directory", "-j", "--jobs", "-I", "-o", "-W", "-l"}
)
_ASSIGN_RE = re.compile(
    r"^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[:?+!]?=\s*(.*)$"
)
_TARGET_RE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?!=)\s*([^=]*?)\s*(?:#.*)?$")
_VAR_RE = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")


def _repo_path(word: str, base: str = "") -> str | None:
    if not word or word.startswith(("/", "$", "~", "-")) or "://" in word:
        return None
    path = posixpath.normpath(posixpath.join(base, word))
    return None if path.startswith("..") else path


class Follower:
    """Callable used by :func:`classify_script` for commands it does not know."""

    def __init__(self, read: Callable[[str], str | None]) -> None:
        self._read = read
        self._cache: dict[tuple[str, str], list[Verdict]] = {}
        self._active: set[tuple[str, str]] = set()

    def __call__(self, cmd: Command, depth: int = 0) -> list[Verdict]:
        if depth >= _MAX_DEPTH or not cmd.words:
            return []
        prog = cmd.program
        words = cmd.words
        if prog in ("make", "gmake"):
            return self._make(list(words[1:]), depth)
        path: str | None = None
        if prog in _SHELLS:
            args = [w for w in words[1:] if not w.startswith("-")]
            path = _repo_path(args[0]) if args else None
        elif "/" in words[0] or prog.endswith(_SCRIPT_SUFFIXES):
            path = _repo_path(words[0])
        if path is None:
            return []
        return [(op, f"{path}: {label}") for op, label in self._script(path, depth)]

    def _once(self, key: tuple[str, str], compute: Callable[[], list[Verdict]]) -> list[Verdict]:
        if key in self._cache:
            return self._cache[key]
        if key in self._active:
            return []
        self._active.add(key)
        try:
            result = compute()
        finally:
            self._active.discard(key)
        self._cache[key] = result
        return result

    def _script(self, path: str, depth: int) -> list[Verdict]:
        def compute() -> list[Verdict]:
            text = self._read(path)
            if text is None:
                return []
            follow = lambda c: self(c, depth + 1)  # noqa: E731
            return [v for v, _ in classify_script(text, follow)]

        return self._once(("script", path), compute)

    def _make(self, args: list[str], depth: int) -> list[Verdict]:
        directory, makefile, targets = "", "", []
        i = 0
        while i < len(args):
            a = args[i]
            if a in _MAKE_FLAGS_WITH_VALUE and i + 1 < len(args):
                if a in ("-C", "--directory"):
                    directory = args[i + 1]
                elif a in ("-f", "--file"):
                    makefile = args[i + 1]
                i += 2
                continue
            if a.startswith("--directory="):
                directory = a.split("=", 1)[1]
            elif a.startswith("--file="):
                makefile = a.split("=", 1)[1]
            elif not a.startswith("-") and "=" not in a:
                targets.append(a)
            i += 1
        base = _repo_path(directory) if directory else ""
        if base is None:
            return []
        candidates = [makefile] if makefile else ["GNUmakefile", "Makefile", "makefile"]
        for name in candidates:
            path = _repo_path(name, base)
            if path is None:
                continue
            text = self._read(path)
            if text is not None:
                recipes, default = _parse_makefile(text)
                out: list[Verdict] = []
                for target in targets or ([default] if default else []):
                    label = f"make {target}"
                    for op, what in self._target(path, recipes, target, depth):
                        out.append((op, f"{label}: {what}"))
                return out
        return []

    def _target(
        self,
        path: str,
        recipes: dict[str, tuple[list[str], str]],
        target: str,
        depth: int,
        level: int = 0,
    ) -> list[Verdict]:
        if target not in recipes or level > 5:
            return []

        def compute() -> list[Verdict]:
            prereqs, recipe = recipes[target]
            out: list[Verdict] = []
            for prereq in prereqs:
                out.extend(self._target(path, recipes, prereq, depth, level + 1))
            follow = lambda c: self(c, depth + 1)  # noqa: E731
            out.extend(v for v, _ in classify_script(recipe, follow))
            return out

        return self._once((path, target), compute)


def _parse_makefile(text: str) -> tuple[dict[str, tuple[list[str], str]], str]:
    """Targets -> (prerequisites, recipe as a shell script with variables expanded), and the
    default goal. Good enough for the Makefiles CI calls; not a make implementation."""
    variables: dict[str, str] = {}
    recipes: dict[str, tuple[list[str], list[str]]] = {}
    default = ""
    current: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        if line.startswith("\t"):
            body = line[1:].lstrip("@-+ \t")
            for target in current:
                recipes[target][1].append(body)
            continue
        m = _ASSIGN_RE.match(line)
        if m:
            variables.setdefault(m.group(1), m.group(2).strip())
            current = []
            continue
        m = _TARGET_RE.match(line)
        if m and not line.startswith((" ", "#")):
            names = [n for n in m.group(1).split() if "%" not in n]
            prereqs = [p for p in m.group(2).split() if not p.startswith("|")]
            current = names
            for name in names:
                recipes.setdefault(name, ([], []))[0].extend(prereqs)
                if not default and not name.startswith("."):
                    default = name
            continue
        if line.strip() and not line.startswith("#"):
            current = [] if not line.startswith(" ") else current

    def expand(value: str) -> str:
        for _ in range(4):
            new = _VAR_RE.sub(lambda m: variables.get(m.group(1), m.group(1)), value)
            if new == value:
                break
            value = new
        return value.replace("$$", "$")

    return {t: (p, expand("\n".join(r))) for t, (p, r) in recipes.items()}, default
