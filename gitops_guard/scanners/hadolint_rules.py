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

from gitops_guard.models import Severity

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

H, M, L, N = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

#: id -> (hadolint's default level, our severity, description). Level ``ignore``: off unless
#: the configuration gives it a level (``levels = { DL3057 = "warning" }``).
RULES: dict[str, tuple[str, Severity, str]] = {
    "DL1000": ("error", M, "Dockerfile could not be parsed"),
    "DL1001": ("ignore", L, "Please refrain from using inline ignore pragmas"),
    "DL3000": ("error", L, "Use absolute WORKDIR"),
    "DL3001": (
        "info",
        L,
        "Commands like ssh, vim, shutdown, service, ps, top make no sense in a container",
    ),
    "DL3002": ("warning", M, "Last USER should not be root"),
    "DL3003": ("warning", L, "Use WORKDIR to switch to a directory"),
    "DL3004": ("error", L, "Do not use sudo as it leads to unpredictable behavior"),
    "DL3006": ("warning", M, "Always tag the version of an image explicitly"),
    "DL3007": ("warning", M, "Using latest is prone to errors; pin the version explicitly"),
    "DL3008": ("warning", L, "Pin versions in apt-get install"),
    "DL3009": ("info", N, "Delete the apt-get lists after installing something"),
    "DL3010": ("info", N, "Use ADD for extracting archives into an image"),
    "DL3011": ("error", M, "Valid UNIX ports range from 0 to 65535"),
    "DL3012": ("error", M, "Multiple HEALTHCHECK instructions"),
    "DL3013": ("warning", L, "Pin versions in pip"),
    "DL3014": ("warning", L, "Use the -y switch to avoid manual input"),
    "DL3015": ("info", N, "Avoid additional packages by specifying --no-install-recommends"),
    "DL3016": ("warning", L, "Pin versions in npm"),
    "DL3018": ("warning", L, "Pin versions in apk add"),
    "DL3019": ("info", N, "Use the --no-cache switch with apk add"),
    "DL3020": ("error", L, "Use COPY instead of ADD for files and folders"),
    "DL3021": (
        "error",
        M,
        "COPY with more than 2 arguments requires the last argument to end with /",
    ),
    "DL3022": ("warning", M, "COPY --from should reference a previously defined FROM alias"),
    "DL3023": ("error", M, "COPY --from cannot reference its own FROM alias"),
    "DL3024": ("error", L, "FROM aliases (stage names) must be unique"),
    "DL3025": ("warning", L, "Use arguments JSON notation for CMD and ENTRYPOINT arguments"),
    "DL3026": ("error", H, "Use only an allowed registry in the FROM image"),
    "DL3027": ("warning", L, "Do not use apt, use apt-get or apt-cache instead"),
    "DL3028": ("warning", L, "Pin versions in gem install"),
    "DL3029": ("warning", L, "Do not use --platform flag with FROM"),
    "DL3030": ("warning", L, "Use the -y switch to avoid manual input: yum install -y"),
    "DL3032": ("warning", N, "yum clean all missing after yum command"),
    "DL3033": ("warning", L, "Specify version with yum install -y <package>-<version>"),
    "DL3034": ("warning", L, "Non-interactive switch missing from zypper command"),
    "DL3035": ("warning", L, "Do not use zypper dist-upgrade"),
    "DL3036": ("warning", N, "zypper clean missing after zypper use"),
    "DL3037": ("warning", L, "Specify version with zypper install -y <package>=<version>"),
    "DL3038": ("warning", L, "Use the -y switch to avoid manual input: dnf install -y"),
    "DL3040": ("warning", N, "dnf clean all missing after dnf command"),
    "DL3041": ("warning", L, "Specify version with dnf install -y <package>-<version>"),
    "DL3042": ("warning", N, "Avoid cache directory with pip install --no-cache-dir"),
    "DL3043": ("error", M, "ONBUILD, FROM or MAINTAINER triggered from within ONBUILD"),
    "DL3044": (
        "error",
        M,
        "Do not refer to an environment variable in the ENV statement that defines it",
    ),
    "DL3045": ("warning", L, "COPY to a relative destination without WORKDIR set"),
    "DL3046": (
        "warning",
        N,
        "useradd without flag -l and a high UID results in an excessively large image",
    ),
    "DL3047": ("info", N, "wget without --progress bloats build logs"),
    "DL3048": ("style", N, "Invalid label key"),
    "DL3049": ("info", L, "Label is missing (label-schema)"),
    "DL3050": ("info", L, "Superfluous label(s) present (strict-labels)"),
    "DL3051": ("warning", L, "Label is empty (label-schema)"),
    "DL3052": ("warning", L, "Label is not a valid URL (label-schema)"),
    "DL3053": ("warning", L, "Label is not a valid RFC 3339 time (label-schema)"),
    "DL3054": ("warning", L, "Label is not a valid SPDX license identifier (label-schema)"),
    "DL3055": ("warning", L, "Label is not a valid git hash (label-schema)"),
    "DL3056": ("warning", L, "Label does not conform to semantic versioning (label-schema)"),
    "DL3057": ("ignore", L, "HEALTHCHECK instruction missing"),
    "DL3058": ("warning", L, "Label is not a valid RFC 5322 email address (label-schema)"),
    "DL3059": ("info", N, "Multiple consecutive RUN instructions; consider consolidation"),
    "DL3060": ("info", N, "yarn cache clean missing after yarn install"),
    "DL3061": (
        "error",
        M,
        "Invalid instruction order; a Dockerfile must begin with FROM, ARG or a comment",
    ),
    "DL3062": ("warning", L, "Pin versions in go install"),
    "DL3063": ("warning", L, "Stage name should not be a reserved word"),
    "DL3064": ("warning", H, "Potentially sensitive data should not be used in ARG or ENV"),
    "DL3065": ("warning", N, "FROM --platform=$TARGETPLATFORM is redundant (the default)"),
    "DL3066": ("info", N, "Non-numeric user id may not be resolvable by the host system"),
    "DL3067": ("warning", M, "Do not copy an entire filesystem from another stage"),
    "DL4000": ("error", N, "MAINTAINER is deprecated"),
    "DL4001": ("warning", L, "Either use wget or curl, but not both"),
    "DL4003": ("warning", M, "Multiple CMD instructions found; only the last takes effect"),
    "DL4004": ("error", M, "Multiple ENTRYPOINT instructions found; only the last takes effect"),
    "DL4005": ("warning", L, "Use SHELL to change the default shell"),
    "DL4006": ("warning", L, "Set the SHELL option -o pipefail before RUN with a pipe in it"),
}


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
