"""GG001's vocabulary (``cluster_ops.toml``), read once into typed, frozen tables.

The file is data, not code: adding an action, a verb or a cloud CLI is an edit there. Reading it
(:func:`.._vocabulary.read`) checks every key and category, so a typo fails the test suite rather
than silently flagging less.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from gitops_guard.scanners.gitops._vocabulary import read


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


def parse(text: str) -> Tables:
    """Tables of a ``cluster_ops.toml`` text; raises ValueError naming a bad or unknown key."""
    records = {"Cli": Cli, "CloudRule": CloudRule, "Action": Action, "Op": Op}
    return read(Tables, text, "cluster_ops", records)


@cache
def tables() -> Tables:
    """The package's tables, read on first use."""
    text = (
        resources.files("gitops_guard.scanners.gitops.ci")
        .joinpath("cluster_ops.toml")
        .read_text("utf-8")
    )
    return parse(text)
