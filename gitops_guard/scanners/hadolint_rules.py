"""hadolint's rules as data: id, hadolint's default level, our severity, description.

Written from hadolint's documentation (the rules table of its README, hadolint 2.15.1) and the
messages its binary prints; ShellCheck's ``SCxxxx`` rules are not listed (there are hundreds):
they take the severity of the level hadolint reports (:data:`LEVEL_SEVERITY`).

Our severity ranks what the rule protects against, not how hadolint files it (see
docs/scanners.md, "hadolint severity"); a rule that tests the same problem as a Checkov check
ranks as that problem's class does in ``data/checkov_severity.toml`` (a test holds them equal):

* ``high`` - the image comes from an untrusted registry (DL3026) or bakes credentials into its
  layers (DL3064);
* ``medium`` - the image runs as root (DL3002, the run-as-root class), a mutable base image
  (DL3006, DL3007) and Dockerfiles that break or do not do what they say (invalid order, wrong
  ``COPY --from``, unparsable file);
* ``low`` - unpinned packages (reproducibility) and shell or build hygiene;
* ``info`` - style, labels and layer-size advice.
"""

from __future__ import annotations

import sys
from importlib import resources

from gitops_guard.models import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: hadolint's levels -> our severities, for ShellCheck rules and for a rule whose level the
#: configuration changed (``levels``): its default error/warning/info/style threshold matches
#: our default ``fail-on = "low"`` (style does not fail).
LEVEL_SEVERITY = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "info": Severity.LOW,
    "style": Severity.INFO,
}

#: Levels a rule can be given in ``levels`` (hadolint's ``override`` lists).
LEVELS = ("error", "warning", "info", "style")

#: Label value formats of ``label-schema`` (hadolint's ``LabelType``).
LABEL_TYPES = ("email", "hash", "rfc3339", "semver", "spdx", "text", "url")


def _load() -> dict[str, tuple[str, Severity, str]]:
    text = resources.files(__package__).joinpath("hadolint_rules.toml").read_text("utf-8")
    return {
        rid: (str(e["level"]), Severity(str(e["severity"])), str(e["description"]))
        for rid, e in tomllib.loads(text).items()
    }


#: id -> (hadolint's default level, our severity, description), from ``hadolint_rules.toml``.
#: Level ``ignore``: off unless the configuration gives it a level.
RULES: dict[str, tuple[str, Severity, str]] = _load()


#: Rules that report each label of ``label-schema`` on its own ("Label `x` is missing.").
PER_LABEL = frozenset(
    {"DL3049", "DL3051", "DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058"}
)


def severity(rule_id: str, level: str) -> Severity:
    """Our severity for a finding of ``rule_id`` that hadolint reported at ``level``: the
    curated one while the level is the rule's default, else the level's."""
    entry = RULES.get(rule_id)
    if entry is not None and entry[0] in (level, "ignore"):
        return entry[1]
    return LEVEL_SEVERITY.get(level, Severity.MEDIUM)
