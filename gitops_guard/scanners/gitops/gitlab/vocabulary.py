"""The GitLab rules' vocabulary (``vocabulary.toml``), read once into a frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from gitops_guard.scanners.gitops._vocabulary import read


@dataclass(frozen=True)
class Vocabulary:
    """Every table of ``vocabulary.toml`` (field names follow :func:`.._vocabulary.read`)."""

    user_controlled: frozenset[str]
    evaluators: dict[str, tuple[str, ...]]
    artifacts_workspace: frozenset[str]
    artifacts_credential_files: tuple[str, ...]
    mr_conditions: tuple[str, ...]
    mr_templates: frozenset[str]


def parse(text: str) -> Vocabulary:
    """The vocabulary of a ``vocabulary.toml`` text; raises ValueError naming a bad key."""
    return read(Vocabulary, text, "gitlab vocabulary", {})


@cache
def vocabulary() -> Vocabulary:
    data = resources.files("gitops_guard.scanners.gitops.gitlab").joinpath("vocabulary.toml")
    return parse(data.read_text("utf-8"))
