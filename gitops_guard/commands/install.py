"""``gitops-guard install`` / ``uninstall``: our hooks in the repository's .pre-commit-config.yaml.

By default the entry is a ``repo: local`` hook with ``language: system``: it runs the gitops-guard
installed here, so pre-commit clones nothing and builds no environment (it works offline, on the
first commit). ``--repo URL`` (and ``--rev``) pin a published hook repository instead.

The file is edited as text, never round-tripped through a YAML library, so the user's comments,
order and formatting survive. Our entry sits between two marker comments; ``install`` replaces
that block (idempotent), ``uninstall`` removes it. The edited text is parsed before it is written:
every repository the user had must still be there, unchanged, else nothing is written. The write is
atomic and read back; the previous content is kept outside the work tree, in the user cache
directory (:func:`backup_dir`), so nothing new appears in ``git status``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

from gitops_guard import git, project
from gitops_guard.atomic import atomic_write
from gitops_guard.cache import default_dir
from gitops_guard.errors import UsageError
from gitops_guard.exit_codes import ExitCode
from gitops_guard.hooks import BY_ID

CONFIG = ".pre-commit-config.yaml"
#: Backups kept per repository (the oldest go first).
KEEP_BACKUPS = 10
BEGIN = (
    "# >>> gitops-guard (managed by `gitops-guard install`; `gitops-guard uninstall` removes it)"
)
END = "# <<< gitops-guard"
NEW_FILE_HEADER = "# See https://pre-commit.com for more information\n"

_REPOS_BLOCK = re.compile(r"^repos:[ \t]*(#.*)?$")
_REPOS_EMPTY_FLOW = re.compile(r"^repos:[ \t]*\[[ \t]*\][ \t]*(#.*)?$")
_REPOS_ANY = re.compile(r"^repos[ \t]*:")


class EditError(Exception):
    """The file cannot be edited safely; nothing was written."""


class AlreadyConfigured(Exception):
    """gitops-guard is in the config already, written by hand (outside our markers)."""


@dataclass(frozen=True)
class Edit:
    text: str
    """The new content."""
    message: str
    """What changed, for the user."""


def _quote(value: str) -> str:
    """A YAML single-quoted scalar (backslashes stay literal, as a regex needs)."""
    return "'" + value.replace("'", "''") + "'"


def render_block(
    hook_ids: Sequence[str], *, repo: str, rev: str, local: bool, indent: str, nl: str = "\n"
) -> str:
    """Our marked entry of the ``repos`` list, at ``indent``."""
    lines = [BEGIN]
    if local:
        lines += ["- repo: local", "  hooks:"]
        for hook_id in hook_ids:
            hook = BY_ID[hook_id]
            lines += [
                f"    - id: {hook.id}",
                f"      name: {_quote(hook.name)}",
                f"      entry: {hook.entry}",
                "      language: system",
                f"      types: [{', '.join(hook.types)}]",
            ]
            if hook.files is not None:
                lines.append(f"      files: {_quote(hook.files)}")
            if hook.stages:
                lines += [
                    f"      stages: [{', '.join(hook.stages)}]",
                    "      pass_filenames: false",
                    "      always_run: true",
                ]
            lines.append("      require_serial: true")
    else:
        plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9._/+-]*", rev) is not None
        pin = f"  rev: {rev if plain else _quote(rev)}"
        if re.fullmatch(r"[0-9a-f]{7,64}", rev):
            pin += "  # pragma: allowlist secret"  # a commit id, not a hex-encoded key
        lines += [f"- repo: {repo}", pin, "  hooks:"]
        lines += [f"    - id: {hook_id}" for hook_id in hook_ids]
    lines.append(END)
    return "".join(f"{indent}{line}{nl}" for line in lines)


def _parse(text: str, what: str) -> dict[str, object]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise EditError(f"{what} is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EditError(f"{what} is not a mapping with a `repos:` list")
    return data


def _repos(data: dict[str, object]) -> list[object]:
    repos = data.get("repos")
    if repos is None:
        return []
    if not isinstance(repos, list):
        raise EditError("`repos:` is not a list")
    return repos


def _ours(entry: object) -> bool:
    """A repository entry that runs gitops-guard hooks (ours or written by hand)."""
    if not isinstance(entry, dict):
        return False
    url = str(entry.get("repo", "")).rstrip("/").removesuffix(".git")
    hooks = entry.get("hooks") or []
    ids = {h.get("id") for h in hooks if isinstance(h, dict)} if isinstance(hooks, list) else set()
    ours = project.repository()
    if ours is not None and url == ours.rstrip("/").removesuffix(".git"):
        return True
    return url.endswith("/gitops-guard") or bool(ids & set(BY_ID))


def _managed_span(lines: list[str]) -> tuple[int, int] | None:
    begin = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    end = [i for i, line in enumerate(lines) if line.strip() == END]
    if not begin and not end:
        return None
    if len(begin) != 1 or len(end) != 1 or end[0] < begin[0]:
        raise EditError(f"the `{BEGIN[:16]}...` markers are damaged; fix them by hand")
    return begin[0], end[0]


def _check(before: dict[str, object], after_text: str, *, expect_ours: bool) -> None:
    """The edit kept every other key and repository as it was, and added/removed ours."""
    after = _parse(after_text, "the edited file")
    old = [r for r in _repos(before) if not _ours(r)]
    new_repos = _repos(after)
    if [r for r in new_repos if not _ours(r)] != old:
        raise EditError("editing would change other repositories; nothing written")
    if any(after.get(k) != v for k, v in before.items() if k != "repos"):
        raise EditError("editing would change other settings; nothing written")
    if expect_ours != any(_ours(r) for r in new_repos):
        raise EditError("the edit did not come out as expected; nothing written")


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def plan_install(
    text: str | None, hook_ids: Sequence[str], *, repo: str, rev: str, local: bool
) -> Edit | None:
    """The new content of the config (None: nothing to change)."""
    if text is None:
        body = NEW_FILE_HEADER + "repos:\n"
        body += render_block(hook_ids, repo=repo, rev=rev, local=local, indent="  ")
        _check({}, body, expect_ours=True)
        return Edit(body, f"created {CONFIG}")
    before = _parse(text, CONFIG)
    nl = _newline(text)
    lines = text.splitlines(keepends=True)
    span = _managed_span(lines)
    if span is not None:
        b, e = span
        here = lines[b][: len(lines[b]) - len(lines[b].lstrip())]
        block = render_block(hook_ids, repo=repo, rev=rev, local=local, indent=here, nl=nl)
        new = "".join(lines[:b]) + block + "".join(lines[e + 1 :])
        if new == text:
            return None
        _check(before, new, expect_ours=True)
        return Edit(new, f"updated the gitops-guard entry in {CONFIG}")
    for entry in _repos(before):
        if _ours(entry):
            raise AlreadyConfigured()
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
    key = next((i for i, line in enumerate(lines) if _REPOS_ANY.match(line)), None)
    if key is None:
        block = render_block(hook_ids, repo=repo, rev=rev, local=local, indent="  ", nl=nl)
        new = "".join(lines) + f"repos:{nl}" + block
    else:
        if _REPOS_EMPTY_FLOW.match(lines[key].rstrip("\r\n")):
            comment = lines[key].split("#", 1)[1].rstrip("\r\n") if "#" in lines[key] else ""
            lines[key] = "repos:" + (f"  #{comment}" if comment else "") + nl
        elif not _REPOS_BLOCK.match(lines[key].rstrip("\r\n")):
            raise EditError(
                "`repos:` is written in flow style ([...]); add the entry by hand "
                "(`gitops-guard install --print` shows it)"
            )
        indent: str | None = None
        last = key
        for i in range(key + 1, len(lines)):
            stripped = lines[i].strip()
            if not stripped or stripped.startswith("#"):
                continue
            width = len(lines[i]) - len(lines[i].lstrip(" "))
            if width == 0 and not stripped.startswith("-"):
                break
            if indent is None and stripped.startswith("-"):
                indent = " " * width
            last = i
        block = render_block(
            hook_ids,
            repo=repo,
            rev=rev,
            local=local,
            indent="  " if indent is None else indent,
            nl=nl,
        )
        new = "".join(lines[: last + 1]) + block + "".join(lines[last + 1 :])
    _check(before, new, expect_ours=True)
    return Edit(new, f"added gitops-guard to {CONFIG}")


def plan_uninstall(text: str) -> Edit | None:
    before = _parse(text, CONFIG)
    lines = text.splitlines(keepends=True)
    span = _managed_span(lines)
    if span is None:
        if any(_ours(r) for r in _repos(before)):
            raise EditError(
                f"gitops-guard hooks in {CONFIG} were not added by `gitops-guard install`; "
                "remove them by hand"
            )
        return None
    b, e = span
    rest = lines[:b] + lines[e + 1 :]
    new = "".join(rest)
    after = _parse(new, "the edited file")
    if "repos" in after and after["repos"] is None:
        key = next(i for i, line in enumerate(rest) if _REPOS_BLOCK.match(line.rstrip("\r\n")))
        rest[key] = rest[key].replace("repos:", "repos: []", 1)
        new = "".join(rest)
    _check(before, new, expect_ours=False)
    return Edit(new, f"removed gitops-guard from {CONFIG}")


def _top() -> Path:
    top = git.toplevel(Path.cwd())
    if top is None:
        raise UsageError("not inside a git repository (run it from the repository to protect)")
    return top


def backup_dir(top: Path) -> Path:
    """Where the previous versions of ``top``'s config are kept: outside the work tree, under the
    user cache directory (``GITOPS_GUARD_CACHE_DIR`` or the platform's), one folder per
    repository. ``cache clear`` leaves them."""
    key = hashlib.sha256(str(top.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return default_dir() / "install-backups" / f"{top.name}-{key}"


def _backup(top: Path, old: str) -> Path | None:
    """Save ``old`` and keep the last :data:`KEEP_BACKUPS`; None when it cannot be saved (the
    edit is still verified, and ``uninstall`` restores the original byte for byte)."""
    folder = backup_dir(top)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"{time.time_ns() % 1_000_000_000:09d}"
    dest = folder / f"{stamp}{CONFIG}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(dest, old)
        for stale in sorted(folder.glob(f"*{CONFIG}"))[:-KEEP_BACKUPS]:
            stale.unlink()
    except OSError:
        return None
    return dest


def _write(top: Path, path: Path, old: str | None, edit: Edit) -> str:
    """Replace the config atomically and read it back; the note to show about the backup."""
    saved = _backup(top, old) if old is not None else None
    atomic_write(path, edit.text)
    if _read(path) != edit.text:
        if old is not None:
            atomic_write(path, old)
        raise UsageError(f"{CONFIG} did not read back as written; the previous content is restored")
    if old is None:
        return ""
    if saved is None:
        return " (no backup could be saved; `gitops-guard uninstall` restores the previous file)"
    return f" (previous content saved as {saved})"


def _read(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def _run_pre_commit_install(top: Path, run: bool | None) -> None:
    if run is None:
        run = sys.stdin.isatty() and click.confirm(
            "Run `pre-commit install` now, so the hooks run on every commit?", default=True
        )
    if not run:
        click.echo("Next: `pre-commit install` makes the hooks run on every commit.")
        return
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=top, check=False)
    if proc.returncode != 0:
        raise UsageError("`pre-commit install` failed (see above)")


def _where(repo: str | None, rev: str | None, local: bool) -> tuple[bool, str, str]:
    """``(local, repo, rev)`` from the options: local unless a repository is asked for."""
    if local and (repo is not None or rev is not None):
        raise UsageError("--local runs the installed gitops-guard; it takes no --repo or --rev")
    if repo is None and rev is None:
        return True, "local", ""
    if repo is None:
        repo = project.repository()
        if repo is None:
            raise UsageError(
                "--rev needs --repo URL: this build of gitops-guard names no published "
                "repository (without either, `install` runs the installed gitops-guard)"
            )
    return False, repo, rev or project.release_tag()


def _check_on_path() -> None:
    """A local hook runs ``gitops-guard`` from PATH: say so now if a commit would not find it."""
    if shutil.which("gitops-guard") is None:
        click.echo(
            "gitops-guard: warning: `gitops-guard` is not on PATH here, so commits will fail with "
            "'Executable `gitops-guard` not found' until it is (activate the environment that "
            "has it, or install it with pipx).",
            err=True,
        )


@click.command("install")
@click.option(
    "--hook",
    "hook_ids",
    multiple=True,
    type=click.Choice(sorted(BY_ID)),
    help="Hook to enable, repeatable. Default: gitops-guard (every scanner, one process).",
)
@click.option(
    "--repo",
    default=None,
    metavar="URL",
    help="Pin hooks published in this git repository (pre-commit clones it and builds their "
    "environment) instead of running the installed gitops-guard.",
)
@click.option(
    "--rev",
    default=None,
    metavar="REV",
    help="Tag or commit to pin with --repo (`rev:`). Default: v<installed version>.",
)
@click.option(
    "--local",
    is_flag=True,
    help="`repo: local` hooks with `language: system` running the gitops-guard on PATH "
    "(the default; the flag only makes it explicit).",
)
@click.option(
    "--run-pre-commit-install/--no-run-pre-commit-install",
    "run_install",
    default=None,
    help="Run `pre-commit install` afterwards. Default: ask on a terminal, else don't.",
)
@click.option(
    "--print", "print_only", is_flag=True, help="Print the entry instead of editing the file."
)
def install(
    hook_ids: tuple[str, ...],
    repo: str | None,
    rev: str | None,
    local: bool,
    run_install: bool | None,
    print_only: bool,
) -> int:
    """Add gitops-guard to this repository's .pre-commit-config.yaml (created if missing).

    By default the hooks run the gitops-guard installed here (`repo: local`, `language:
    system`): nothing is cloned or downloaded. --repo URL [--rev REV] pins a published hook
    repository instead. Comments and other hooks are kept; the previous file is saved in the
    user cache directory, not in the work tree. Running it again updates the entry.
    """
    ids = list(dict.fromkeys(hook_ids)) or ["gitops-guard"]
    local, repo_url, pin = _where(repo, rev, local)
    edit: Edit | None
    if print_only:
        click.echo(render_block(ids, repo=repo_url, rev=pin, local=local, indent="  "), nl=False)
        return ExitCode.OK
    top = _top()
    path = top / CONFIG
    old = _read(path)
    try:
        edit = plan_install(old, ids, repo=repo_url, rev=pin, local=local)
    except AlreadyConfigured:
        click.echo(
            f"gitops-guard is already in {CONFIG} (added by hand); left unchanged. "
            "Remove that entry first to let `gitops-guard install` manage it."
        )
    except EditError as exc:
        raise UsageError(f"{CONFIG}: {exc}") from None
    else:
        if edit is None:
            click.echo(f"{CONFIG} already has this gitops-guard entry; nothing to change.")
        else:
            note = _write(top, path, old, edit)
            click.echo(f"gitops-guard: {edit.message}{note}.")
    if local:
        _check_on_path()
    _run_pre_commit_install(top, run_install)
    return ExitCode.OK


@click.command("uninstall")
def uninstall() -> int:
    """Remove the entry `gitops-guard install` added to .pre-commit-config.yaml."""
    top = _top()
    path = top / CONFIG
    old = _read(path)
    if old is None:
        click.echo(f"no {CONFIG} here; nothing to remove.")
        return ExitCode.OK
    try:
        edit = plan_uninstall(old)
    except EditError as exc:
        raise UsageError(f"{CONFIG}: {exc}") from None
    if edit is None:
        click.echo(f"{CONFIG} has no gitops-guard entry; nothing to remove.")
        return ExitCode.OK
    note = _write(top, path, old, edit)
    click.echo(f"gitops-guard: {edit.message}{note}.")
    return ExitCode.OK
