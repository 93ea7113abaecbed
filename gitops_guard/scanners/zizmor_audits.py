"""zizmor's audits as data, for ``gitops-guard rules`` and SARIF: id -> (severity, description).

Written from zizmor's audit documentation (docs.zizmor.sh/audits, zizmor 1.32.0); the test
checks the ids against the audits the pinned binary knows. zizmor gives each *finding* its own
severity (an action pinned to a branch is worse than one pinned to a tag), which is what a
finding carries; the severity here is the audit's usual one, for listing only. Audits marked
online need the GitHub API and never run here (``--offline``): they are listed with ``(online)``.
"""

from __future__ import annotations

#: Audits that need the network: skipped by ``--offline``.
ONLINE = frozenset(
    {"impostor-commit", "known-vulnerable-actions", "ref-confusion", "stale-action-refs"}
)

AUDITS: dict[str, tuple[str, str]] = {
    "adhoc-packages": ("low", "ad-hoc installation of packages"),
    "anonymous-definition": ("informational", "workflow or action definition without a name"),
    "archived-uses": ("medium", "action or reusable workflow from archived repository"),
    "artipacked": ("medium", "credential persistence through GitHub Actions artifacts"),
    "bot-conditions": ("high", "spoofable bot actor check"),
    "cache-poisoning": ("high", "runtime artifacts potentially vulnerable to a cache poisoning"),
    "concurrency-limits": ("low", "insufficient job-level concurrency limits"),
    "dangerous-triggers": ("high", "use of fundamentally insecure workflow trigger"),
    "dependabot-cooldown": ("medium", "insufficient cooldown in Dependabot updates"),
    "dependabot-execution": ("high", "external code execution in Dependabot updates"),
    "excessive-permissions": ("medium", "overly broad permissions"),
    "forbidden-uses": ("high", "forbidden action or repository used"),
    "github-app": ("high", "dangerous use of GitHub App tokens"),
    "github-env": ("high", "dangerous use of environment file"),
    "hardcoded-container-credentials": ("high", "hardcoded credential in container configuration"),
    "impostor-commit": ("high", "commit with no history in referenced repository (online)"),
    "insecure-commands": ("high", "execution of insecure workflow commands is enabled"),
    "insecure-url-scheme": ("medium", "use of an insecure scheme within a URL"),
    "known-vulnerable-actions": ("high", "action has a known vulnerability (online)"),
    "misfeature": ("low", "usage of GitHub Actions misfeatures"),
    "obfuscation": ("low", "obfuscated usage of GitHub Actions features"),
    "overprovisioned-secrets": ("medium", "excessively provisioned secrets"),
    "ref-confusion": ("medium", "git ref for action with ambiguous ref type (online)"),
    "ref-version-mismatch": (
        "medium",
        "action's hash pin has mismatched or missing version comment",
    ),
    "secrets-inherit": ("medium", "secrets unconditionally inherited by called workflow"),
    "secrets-outside-env": ("medium", "secrets referenced without a dedicated environment"),
    "self-hosted-runner": ("informational", "runs on a self-hosted runner"),
    "self-repository": ("informational", "use GitHub's dedicated self-repository syntax"),
    "stale-action-refs": ("low", "commit hash does not point to a Git tag (online)"),
    "superfluous-actions": ("low", "action functionality is already included by the runner"),
    "template-injection": ("high", "code injection via template expansion"),
    "typosquat-uses": ("high", "repository reference resembles a popular repository"),
    "undocumented-permissions": ("low", "permissions without explanatory comments"),
    "unpinned-images": ("high", "unpinned image references"),
    "unpinned-tools": ("medium", "action installs an unpinned external tool"),
    "unpinned-uses": ("high", "unpinned action reference"),
    "unredacted-secrets": ("medium", "leaked secret values"),
    "unsound-condition": ("high", "unsound conditional expression"),
    "unsound-contains": ("medium", "unsound contains condition"),
    "unsound-ternary": ("low", "unsound pseudo-ternary expression"),
    "use-trusted-publishing": ("informational", "prefer trusted publishing for authentication"),
}
