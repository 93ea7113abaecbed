"""Configuration: ``[tool.gitops-guard]`` in pyproject.toml or ``.gitops-guard.toml``.

:func:`load` finds the file (from the scan root upward to the repository's top, the first
directory that has one wins; outside a repository only the scan root itself; ``--config FILE``
overrides), parses it with :mod:`tomllib` and validates it into a frozen :class:`Config`.
A file found that way is used only when it and its folder belong to the current user and are
not writable by others (:mod:`gitops_guard.ownership`, what git's ``safe.directory`` checks):
another user's ``.gitops-guard.toml`` in a shared parent is ignored with a notice, never
obeyed. A configured baseline stays inside that boundary.

Anything wrong - invalid TOML, an unknown key, a wrong type, an unknown scanner or severity -
raises :class:`ConfigError` whose message names the file and the key and suggests a fix; the CLI
turns it into exit 2. docs/configuration.md documents every key.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gitops_guard import ownership
from gitops_guard.config_model import (
    COMMAND_LINE,
    DEFAULT,
    DEFAULT_MAX_FILE_SIZE,
    Config,
    ConfigError,
    SuppressionSettings,
    compile_patterns,
)
from gitops_guard.models import Severity
from gitops_guard.targets import TargetSet

__all__ = [
    "COMMAND_LINE",
    "DEFAULT",
    "DEFAULT_MAX_FILE_SIZE",
    "Config",
    "ConfigError",
    "SuppressionSettings",
    "exclude_targets",
    "find",
    "load",
    "locate",
    "parse",
    "parse_size",
]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEDICATED = ".gitops-guard.toml"
PYPROJECT = "pyproject.toml"
TABLE = "tool.gitops-guard"
#: Options of built-in scanners (``[tool.gitops-guard.scanners.NAME]``), checked like the rest:
#: option -> kind. Scanners not listed here receive their table unchecked.
#: Kinds: ``list`` (of strings), ``bool``, ``choice:a|b`` (one of), ``table:a|b`` (a table of
#: string keys whose values are one of ``a|b``).
SCANNER_OPTIONS: dict[str, dict[str, str]] = {
    "source": {"skips": "list", "tests": "list"},
    # hadolint, beside Checkov (gitops_guard/scanners/hadolint.py; the choices are tested
    # against gitops_guard/scanners/hadolint_rules.py).
    "dockerfile": {
        "hadolint": "bool",
        "trusted-registries": "list",
        "label-schema": "table:email|hash|rfc3339|semver|spdx|text|url",
        "strict-labels": "bool",
        "levels": "table:error|warning|info|style",
        "disable-ignore-pragma": "bool",
    },
    # Helm charts and Kustomize overlays this machine cannot render (gitops_guard/scanners/iac.py).
    "iac": {"unrendered": "choice:fail|notice"},
    # zizmor (gitops_guard/scanners/actions.py).
    "actions": {
        "persona": "choice:regular|pedantic|auditor",
        "unpinned-uses": "table:hash-pin|ref-pin|any",
    },
}


# ---- finding the file ------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = ownership.read_regular(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"{_display(path)}: cannot read: {reason}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_display(path)}: invalid TOML: {exc}") from None
    return data


def check_regular(path: Path, what: str) -> None:
    """ConfigError unless ``path`` is missing or a regular file (never a FIFO or a device)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"{what} {_display(path)}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{what} {_display(path)}: not a regular file")


def _tool_table(path: Path, data: Mapping[str, Any]) -> dict[str, Any] | None:
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return None
    table = tool.get("gitops-guard")
    if table is None:
        for near in ("gitops_guard", "gitopsguard", "gitops-gaurd"):
            if near in tool:
                raise ConfigError(
                    f"{_display(path)}: [tool.{near}] is not read; "
                    f"did you mean [tool.gitops-guard]?"
                )
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: [tool.gitops-guard] must be a table")
    return table


def _table_of(path: Path) -> tuple[dict[str, Any], str] | None:
    """The gitops-guard table of ``path`` and how to name it in messages, or None."""
    data = _read_toml(path)
    if path.name == PYPROJECT:
        table = _tool_table(path, data)
        return None if table is None else (table, f"[{TABLE}]")
    # A dedicated file holds the keys at its top level; [tool.gitops-guard] is accepted too.
    if set(data) == {"tool"} and (table := _tool_table(path, data)) is not None:
        return table, f"[{TABLE}]"
    return data, ""


@dataclass(frozen=True)
class Located:
    """The outcome of configuration discovery."""

    path: Path | None
    """The file to use, or None for the defaults."""
    boundary: Path
    """The folder discovery stays in: the repository's top, else the scan root."""
    ignored: tuple[tuple[Path, str], ...] = ()
    """Files found but not used, and why (another user's, writable by others...)."""


def boundary(root: Path) -> Path:
    """The repository's top holding ``root`` (the nearest folder with a ``.git``), else
    ``root`` itself: configuration, and the baseline it names, are looked for only there."""
    for directory in (root, *root.parents):
        if os.path.lexists(directory / ".git"):
            return directory
    return root


def locate(root: Path) -> Located:
    """The configuration file for a scan rooted at ``root``: in ``root`` or the nearest parent
    up to :func:`boundary`, ``.gitops-guard.toml`` before ``pyproject.toml`` (only one with
    ``[tool.gitops-guard]``); a file :func:`ownership.untrusted` rejects is passed over, and
    noted."""
    top = boundary(root)
    ignored: list[tuple[Path, str]] = []
    directory = root
    while True:
        for candidate in (directory / DEDICATED, directory / PYPROJECT):
            if not candidate.is_file():
                continue
            reason = ownership.untrusted(candidate, top)
            if reason is not None:
                ignored.append((candidate, reason))
                continue
            if candidate.name == DEDICATED or _tool_table(candidate, _read_toml(candidate)):
                return Located(candidate, top, tuple(ignored))
        if directory == top or directory == directory.parent:
            return Located(None, top, tuple(ignored))
        directory = directory.parent


def find(root: Path) -> Path | None:
    """The configuration file :func:`locate` picks for ``root``."""
    return locate(root).path


def load(root: Path, explicit: Path | None = None) -> Config:
    """Find and validate the configuration for a scan rooted at ``root``. A configured baseline
    of a discovered file must stay inside the repository (or scan root); ``--config FILE`` is
    the user's own and is trusted as it is."""
    found = locate(root.resolve()) if explicit is None else None
    path = explicit if found is None else found.path
    ignored = () if found is None else found.ignored
    if path is None:
        return Config(ignored_files=ignored)
    read = _table_of(path)
    if read is None:
        raise ConfigError(f"{_display(path)}: has no [{TABLE}] table")
    table, where = read
    cfg = parse(table, path.resolve(), where)
    if found is not None and cfg.baseline is not None:
        top = found.boundary.resolve()
        if cfg.baseline != top and top not in cfg.baseline.parents:
            raise ConfigError(
                f"{_display(path)}: key 'baseline': {cfg.baseline} is outside {top}; "
                "a configuration found in the tree may only name a baseline inside it"
            )
    if cfg.baseline is not None:
        check_regular(cfg.baseline, "baseline")
    return replace(cfg, ignored_files=ignored)


# ---- validation -------------------------------------------------------------------------------


def suggest(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a near miss, else the known names (empty for none)."""
    options = sorted(choices)
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(options)})" if options else ""


class _Checker:
    def __init__(self, path: Path, where: str) -> None:
        self.path = path
        self.where = where
        self.origin = str(path)

    def fail(self, key: str, problem: str) -> ConfigError:
        table = f"{self.where} " if self.where.startswith("[") else ""
        return ConfigError(f"{_display(self.path)}: {table}key {key!r}: {problem}")

    def unknown(self, key: str, known: Iterable[str]) -> ConfigError:
        return self.fail(key, f"unknown key{suggest(key, known)}")

    def string_list(self, key: str, value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            raise self.fail(key, f"expected a list of strings, got a string (write [{value!r}])")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of strings, got {_type(value)}")
        return tuple(value)

    def boolean(self, key: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_type(value)}")
        return value

    def severity(self, key: str, value: object) -> Severity:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a severity string, got {_type(value)}")
        try:
            return Severity.parse(value)
        except ValueError:
            names = [s.value for s in Severity]
            raise self.fail(
                key, f"unknown severity {value!r}{suggest(value.lower(), names)}"
            ) from None

    def size(self, key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(
                key, f"expected a number of bytes or a size like '2MiB', got {_type(value)}"
            )
        n = parse_size(value)
        if n is None:
            raise self.fail(key, f"invalid size {value!r} (use bytes, or e.g. '512KiB', '2MB')")
        return n


def _type(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


_SIZE_RE = re.compile(r"^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(value: int | str) -> int | None:
    """Bytes from ``1048576``, ``'1024k'``, ``'2MB'``, ``'2MiB'`` (K, M, G are powers of 1024);
    None when invalid or not positive."""
    if isinstance(value, int):
        return value if value > 0 else None
    m = _SIZE_RE.match(value)
    if m is None:
        return None
    n = int(m.group(1)) * 1024 ** " kmg".index((m.group(2) or " ").lower())
    return n if n > 0 else None


KEYS = (
    "scanners",
    "exclude",
    "fail-on",
    "min-severity",
    "skip-rules",
    "enable-rules",
    "severity",
    "max-file-size",
    "baseline",
    "suppressions",
)
SUPPRESSION_KEYS = ("enabled", "require-reason", "report-invalid", "report-unused")


def parse(table: Mapping[str, Any], path: Path, where: str = f"[{TABLE}]") -> Config:
    """Validate one gitops-guard table read from ``path`` into a :class:`Config`."""
    from gitops_guard import scanners as registry

    check = _Checker(path, where)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    known_scanners = sorted(registry.available())
    for key, value in table.items():
        if key not in KEYS:
            raise check.unknown(key, KEYS)
        origins[key] = check.origin
        if key == "scanners":
            enabled, options = _scanners(check, value, known_scanners, origins)
            if enabled is not None:
                values["scanners"] = enabled
            else:
                origins.pop("scanners")
            values["scanner_options"] = options
        elif key == "exclude":
            patterns = check.string_list(key, value)
            for p in patterns:
                try:
                    compile_patterns([p])
                except ValueError:
                    raise check.fail(key, f"invalid gitignore-style pattern {p!r}") from None
            values["exclude"] = patterns
        elif key in ("fail-on", "min-severity"):
            values[key.replace("-", "_")] = check.severity(key, value)
        elif key in ("skip-rules", "enable-rules"):
            values[key.replace("-", "_")] = check.string_list(key, value)
        elif key == "severity":
            if not isinstance(value, dict):
                raise check.fail(key, f"expected a table of rule id = severity, got {_type(value)}")
            values["severity"] = {
                str(rid): check.severity(f"severity.{rid}", sev) for rid, sev in value.items()
            }
        elif key == "max-file-size":
            values["max_file_size"] = check.size(key, value)
        elif key == "baseline":
            if not isinstance(value, str) or not value.strip():
                raise check.fail(key, f"expected a file path string, got {_type(value)}")
            values["baseline"] = (path.parent / value).resolve()
        elif key == "suppressions":
            origins.pop(key)
            values["suppressions"] = _suppressions(check, value, origins)
    return Config(**values, source=path, origins=origins)


def _scanners(
    check: _Checker, value: object, known: list[str], origins: dict[str, str]
) -> tuple[tuple[str, ...] | None, dict[str, dict[str, object]]]:
    """``scanners = [...]`` (the enabled list), or a table with ``enabled``/``disabled`` lists and
    one sub-table of options per scanner."""
    if isinstance(value, list):
        return _names(check, "scanners", value, known), {}
    if not isinstance(value, dict):
        raise check.fail(
            "scanners", f"expected a list of scanner names or a table, got {_type(value)}"
        )
    enabled: tuple[str, ...] | None = None
    disabled: tuple[str, ...] = ()
    options: dict[str, dict[str, object]] = {}
    for key, sub in value.items():
        if key == "enabled":
            enabled = _names(check, "scanners.enabled", sub, known)
        elif key == "disabled":
            disabled = _names(check, "scanners.disabled", sub, known)
        elif not isinstance(sub, dict):
            if key in known:
                raise check.fail(
                    f"scanners.{key}", f"expected a table of options, got {_type(sub)}"
                )
            raise check.unknown(f"scanners.{key}", ["enabled", "disabled"])
        elif key not in known:
            raise check.fail(f"scanners.{key}", f"unknown scanner{suggest(key, known)}")
        else:
            options[key] = _scanner_options(check, key, sub)
            origins[f"scanners.{key}"] = check.origin
    if enabled is None and not disabled:
        return None, options
    chosen = tuple(n for n in (enabled if enabled is not None else known) if n not in disabled)
    if not chosen:
        raise check.fail("scanners", "no scanner left to run")
    return chosen, options


def _names(check: _Checker, key: str, value: object, known: list[str]) -> tuple[str, ...]:
    names = check.string_list(key, value)
    for name in names:
        if name not in known:
            raise check.fail(key, f"unknown scanner {name!r}{suggest(name, known)}")
    return names


def _scanner_options(check: _Checker, name: str, table: dict[str, Any]) -> dict[str, object]:
    schema = SCANNER_OPTIONS.get(name)
    if schema is None:
        return dict(table)
    out: dict[str, object] = {}
    for key, value in table.items():
        kind = schema.get(key)
        full = f"scanners.{name}.{key}"
        if kind is None:
            raise check.unknown(full, [f"scanners.{name}.{k}" for k in schema])
        out[key] = _option_value(check, full, kind, value)
    return out


def _option_value(check: _Checker, key: str, kind: str, value: object) -> object:
    """One scanner option checked against its kind (see :data:`SCANNER_OPTIONS`)."""
    kind, _, allowed = kind.partition(":")
    choices = allowed.split("|") if allowed else []

    def one_of(where: str, item: object) -> str:
        if not isinstance(item, str) or item not in choices:
            got = repr(item) if isinstance(item, str) else _type(item)
            suggestion = suggest(item, choices) if isinstance(item, str) else ""
            raise check.fail(where, f"expected one of {', '.join(choices)}, got {got}{suggestion}")
        return item

    if kind == "list":
        return list(check.string_list(key, value))
    if kind == "bool":
        return check.boolean(key, value)
    if kind == "choice":
        return one_of(key, value)
    if kind == "table":
        if not isinstance(value, dict):
            raise check.fail(key, f"expected a table, got {_type(value)}")
        return {str(k): one_of(f"{key}.{k}", v) for k, v in value.items()}
    return value


def _suppressions(check: _Checker, value: object, origins: dict[str, str]) -> SuppressionSettings:
    if not isinstance(value, dict):
        raise check.fail("suppressions", f"expected a table, got {_type(value)}")
    settings: dict[str, bool] = {}
    for key, sub in value.items():
        full = f"suppressions.{key}"
        if key not in SUPPRESSION_KEYS:
            raise check.unknown(full, [f"suppressions.{k}" for k in SUPPRESSION_KEYS])
        settings[key.replace("-", "_")] = check.boolean(full, sub)
        origins[full] = check.origin
    return SuppressionSettings(**settings)


def exclude_targets(
    target_set: TargetSet, config: Config, also: Iterable[Path | None] = ()
) -> TargetSet:
    """``target_set`` without the files ``exclude`` matches (named files included) and without
    the files ``also`` names (the baseline file, whose fingerprints are not worth scanning)."""
    skip = {os.path.abspath(p) for p in also if p is not None}
    if not config.exclude and not config.cli_exclude and not skip:
        return target_set
    kept = tuple(
        t
        for t in target_set.targets
        if os.path.abspath(target_set.root / t.path) not in skip
        and not config.excluded(target_set.root, t.path)
    )
    return replace(target_set, targets=kept)
