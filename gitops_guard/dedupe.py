"""Report one problem once, even when several engines (or one engine twice) report it.

Two findings are the same problem when they are on the same file and line and either carry the same
rule of the same tool, or belong to the same *topic* below (a hard-coded password found by Bandit
B105 and by detect-secrets; an unpinned image found by Checkov and by our GitOps rules). The
survivor is the most severe one (ties: the more specific engine, see ``_PREFERENCE``); it names the
others in ``Finding.sources``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from gitops_guard.models import Finding

#: rule id -> topic. Rules of different engines that describe the same problem.
TOPICS: dict[str, str] = {
    # Hard-coded credentials: Bandit's string checks vs detect-secrets' detectors.
    "B105": "hardcoded-secret",
    "B106": "hardcoded-secret",
    "B107": "hardcoded-secret",
    # Image not pinned / mutable tag: Checkov's Dockerfile and Kubernetes checks vs GG005.
    "CKV_DOCKER_7": "mutable-image",
    "CKV_K8S_14": "mutable-image",
    "CKV_K8S_43": "mutable-image",
    "GG005": "mutable-image",
    # Plaintext Kubernetes Secret: our GG002 vs a secret detector on the same line.
    "GG002": "hardcoded-secret",
    # Checkov's hard-coded credential checks (provider keys, Lambda environment, EC2 / VM user
    # data) vs detect-secrets on the same line.
    "CKV_AWS_41": "hardcoded-secret",
    "CKV_AWS_45": "hardcoded-secret",
    "CKV_AWS_46": "hardcoded-secret",
    "CKV_AZURE_45": "hardcoded-secret",
    # --- hadolint and zizmor twins (issue 17) -- moved by the merging rewrite. -------------------
    # Matched by what the checks test, not by name. Dockerfiles: Checkov vs hadolint, on the
    # instruction's first line.
    "CKV_DOCKER_4": "docker-add-not-copy",
    "DL3020": "docker-add-not-copy",
    "CKV_DOCKER_8": "docker-last-user-root",
    "DL3002": "docker-last-user-root",
    "DL3006": "mutable-image",  # FROM without a tag
    "DL3007": "mutable-image",  # FROM ...:latest
    "CKV_DOCKER_10": "docker-relative-workdir",
    "DL3000": "docker-relative-workdir",
    "CKV_DOCKER_11": "docker-duplicate-stage-name",
    "DL3024": "docker-duplicate-stage-name",
    "CKV_DOCKER_6": "docker-maintainer",
    "DL4000": "docker-maintainer",
    "CKV_DOCKER_9": "docker-apt",
    "DL3027": "docker-apt",
    "CKV2_DOCKER_1": "docker-sudo",
    "DL3004": "docker-sudo",
    "CKV_DOCKER_2": "docker-no-healthcheck",
    "DL3057": "docker-no-healthcheck",  # off unless levels enables it
    # GitHub Actions: Checkov vs zizmor. zizmor points at the expression or key, Checkov at the
    # step or workflow: they meet once merging compares line ranges.
    "CKV_GHA_2": "gha-template-injection",
    "template-injection": "gha-template-injection",
    "CKV2_GHA_1": "gha-excessive-permissions",
    "excessive-permissions": "gha-excessive-permissions",
    "CKV_GHA_1": "gha-insecure-commands",
    "insecure-commands": "gha-insecure-commands",
    "unpinned-images": "mutable-image",  # a job or service container image
    "hardcoded-container-credentials": "hardcoded-secret",
    # --- end of hadolint and zizmor twins ---------------------------------------------------------
}

#: Lower wins when severities tie: the engine whose rule is the more specific.
_PREFERENCE = {"secrets": 0, "gitops": 1, "actions": 1, "iac": 2, "dockerfile": 2, "source": 3}
#: Then, within one scanner: the engine dedicated to the file kind (hadolint before Checkov).
_TOOL_PREFERENCE = {"hadolint": 0, "zizmor": 0}


def topic(finding: Finding) -> str | None:
    if finding.scanner == "secrets":
        return "hardcoded-secret"
    return TOPICS.get(finding.rule_id)


def _rank(f: Finding) -> tuple[int, int, int, str, str, str]:
    # The fingerprint breaks the last ties, so the survivor (and so the fingerprint a baseline or
    # SARIF records) never depends on the order engines reported in: detect-secrets yields two
    # KeywordDetector secrets on one line in hash-seed order.
    return (
        -f.severity.rank,
        _PREFERENCE.get(f.scanner, 9),
        _TOOL_PREFERENCE.get(f.tool, 9),
        f.tool,
        f.rule_id,
        f.fingerprint,
    )


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        t = topic(f)
        key = (
            (f.path, str(f.line), "topic", t)
            if t is not None
            else (f.path, str(f.line), f.tool, f.rule_id, f.resource or "")
        )
        groups.setdefault(key, []).append(f)
    out: list[Finding] = []
    for group in groups.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        group.sort(key=_rank)
        primary = group[0]
        others = sorted(
            {f"{f.tool}:{f.rule_id}" for f in group[1:]} - {f"{primary.tool}:{primary.rule_id}"}
        )
        out.append(replace(primary, sources=tuple(others)))
    return out
