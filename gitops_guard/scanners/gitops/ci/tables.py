"""GG001's vocabulary (``cluster_ops.toml``), read once into typed, frozen tables.

The file is data, not code: adding an action, a verb or a cloud CLI is an edit there. Reading it
checks every key and category, so a typo fails the test suite rather than silently flagging less.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator
from dataclasses import MISSING, dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class Op(str, enum.Enum):
    """What a command, action or setting does to a cluster (docs/rules/GG001.md); the value is
    the member's name in lower case, as the TOML file spells it."""

    @staticmethod
    def _generate_next_value_(name: str, start: int, count: int, last_values: list[Any]) -> str:
        return name.lower()

    MUTATE = enum.auto()
    """Changes a cluster (``kubectl apply``, ``helm upgrade``, ``argocd app sync``...)."""
    CLOUD_CRED = enum.auto()
    """Fetches credentials of a managed or remote cluster (``get-credentials``, ``oc login``)."""
    SECRET_KUBECONFIG = enum.auto()
    """Writes or passes a kubeconfig taken from a CI secret."""
    KUBECONFIG_VAR = enum.auto()
    """Writes a kubeconfig from a CI variable: a secret unless the job made its own cluster."""
    LOCAL_CLUSTER = enum.auto()
    """Creates a throwaway cluster inside the job (kind, k3d, minikube, k3s...)."""
    CLOUD_CLUSTER = enum.auto()
    """Creates a managed cluster inside the job (an ephemeral e2e cluster)."""


@dataclass(frozen=True)
class Cli:
    """A tool whose first positional argument is its verb."""

    mutating: frozenset[str]
    """Verbs that change a cluster."""
    value_flags: frozenset[str] = frozenset()
    """Global flags that take a value (skipped when looking for the verb)."""


@dataclass(frozen=True)
class CloudRule:
    """One thing a cloud CLI does to a cluster, recognised by its positional words."""

    programs: frozenset[str]
    op: Op
    label: str
    words: tuple[tuple[str, ...], ...] = ()
    """Word sequences, any of which must occur in order among the positional words."""
    first: frozenset[str] = frozenset()
    """When set, the first positional word must be one of these."""
    unless: tuple[tuple[str, ...], ...] = ()
    """Word sequences that exclude the rule."""


@dataclass(frozen=True)
class Action:
    """What a GitHub Action does, and where its command is when it wraps a CLI."""

    op: Op | None = None
    inputs: tuple[str, ...] = ()
    program: str = ""
    """Program the inputs are passed to ("" when an input is a whole script)."""


@dataclass(frozen=True)
class Tables:
    """Every table of the file. A field is the root key of its name, else ``section_key``
    (``kubectl_names`` is ``names`` of ``[kubectl]``); its type says how the value is read."""

    harmless: frozenset[str]
    kubectl: Cli
    kubectl_names: frozenset[str]
    kubectl_wrappers: frozenset[str]
    kubectl_rollout_read: frozenset[str]
    helm: Cli
    helm_names: frozenset[str]
    flux: Cli
    argocd_flags: frozenset[str]
    argocd_app_nouns: frozenset[str]
    argocd_app_mutating: frozenset[str]
    argocd_admin_nouns: frozenset[str]
    argocd_admin_mutating: frozenset[str]
    verbs: dict[str, Cli]
    local_programs: frozenset[str]
    local_task_runners: frozenset[str]
    cloud: tuple[CloudRule, ...]
    kubeconfig_writers: frozenset[str]
    kubeconfig_copiers: frozenset[str]
    kubeconfig_path_vars: frozenset[str]
    actions: dict[str, Action]
    unknown_command_inputs: tuple[str, ...]
    unknown_script_programs: frozenset[str]
    action_paths: dict[str, Op]
    azure_script_tasks: tuple[str, ...]
    azure_kubernetes: frozenset[str]
    azure_manifest: frozenset[str]
    azure_helm: frozenset[str]
    gitlab_reserved: frozenset[str]
    generic_script_keys: frozenset[str]


_RECORDS: dict[str, type[Any]] = {"Cli": Cli, "CloudRule": CloudRule, "Action": Action}


class _Reader:
    """Converts TOML values by a field's annotation, remembering every leaf it read."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def value(self, value: object, kind: str, where: str) -> object:
        if kind in _RECORDS:
            return self.record(_RECORDS[kind], value, where)
        if kind.startswith("dict[str, "):
            inner = kind[len("dict[str, ") : -1]
            items = _table(value, where).items()
            return {k: self.value(v, inner, f"{where}.{k}") for k, v in items}
        self.used.add(where)
        if kind in ("frozenset[str]", "tuple[str, ...]"):
            words = _words(value, where)
            return frozenset(words) if kind.startswith("frozenset") else words
        if kind == "tuple[tuple[str, ...], ...]":
            return tuple(_words(v, where) for v in _list(value, where))
        if kind.startswith("tuple[") and kind.endswith(", ...]"):
            self.used.discard(where)
            inner = kind[len("tuple[") : -len(", ...]")]
            return tuple(
                self.value(v, inner, f"{where}[{i}]") for i, v in enumerate(_list(value, where))
            )
        if kind in ("Op", "Op | None"):
            try:
                return Op(value)
            except ValueError:
                raise ValueError(f"{where}: unknown category {value!r}") from None
        if kind == "str" and isinstance(value, str):
            return value
        raise ValueError(f"{where}: expected {kind}")

    def record(self, cls: type[Any], value: object, where: str) -> Any:
        data = _table(value, where)
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            if f.name in data:
                kwargs[f.name] = self.value(data[f.name], str(f.type), f"{where}.{f.name}")
            elif f.default is MISSING:
                raise ValueError(f"{where}: missing key {f.name}")
        return cls(**kwargs)


def _table(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a table")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list")
    return value


def _words(value: object, where: str) -> tuple[str, ...]:
    items = _list(value, where)
    if not all(isinstance(v, str) for v in items):
        raise ValueError(f"{where}: expected a list of strings")
    return tuple(str(v) for v in items)


def _leaves(value: object, where: str) -> Iterator[str]:
    """Paths of every value of a TOML document (tables and arrays of tables entered)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{where}.{key}" if where else key)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, inner in enumerate(value):
            yield from _leaves(inner, f"{where}[{i}]")
    else:
        yield where


def parse(text: str) -> Tables:
    """Tables of a ``cluster_ops.toml`` text; raises ValueError naming a bad or unknown key."""
    root = tomllib.loads(text)
    reader = _Reader()
    kwargs: dict[str, object] = {}
    for f in fields(Tables):
        section, _, key = f.name.partition("_")
        if f.name in root:
            value, where = root[f.name], f.name
        elif key and isinstance(root.get(section), dict) and key in root[section]:
            value, where = root[section][key], f"{section}.{key}"
        else:
            raise ValueError(f"cluster_ops: missing {f.name}")
        kwargs[f.name] = reader.value(value, str(f.type), where)
    unknown = sorted(set(_leaves(root, "")) - reader.used)
    if unknown:
        raise ValueError(f"cluster_ops: unknown keys {', '.join(unknown)}")
    return Tables(**kwargs)  # type: ignore[arg-type]


@cache
def tables() -> Tables:
    """The package's tables, read on first use."""
    text = (
        resources.files("gitops_guard.scanners.gitops.ci")
        .joinpath("cluster_ops.toml")
        .read_text("utf-8")
    )
    return parse(text)
