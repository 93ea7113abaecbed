"""The curated Checkov severity table (gitops_guard/data/checkov_severity.toml).

The slow tests enumerate the registries of the installed (pinned) Checkov and prove the table covers
exactly its checks; the others check the table against itself, the docs and the other engines.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections import Counter, defaultdict
from importlib import metadata
from pathlib import Path

import pytest

from gitops_guard.config import Config
from gitops_guard.models import Report, Severity
from gitops_guard.scanners import checkov_severity
from gitops_guard.scanners.checkov_common import checks_of
from gitops_guard.scanners.checkov_severity import guess_severity, severity_for, severity_table
from gitops_guard.scanners.dockerfile import DockerfileScanner
from gitops_guard.scanners.gitops import GitopsScanner
from gitops_guard.scanners.iac import IacScanner
from gitops_guard.scanners.interface import ScanContext
from gitops_guard.scanners.source import SourceScanner
from gitops_guard.targets import discover
from gitops_guard.triage import apply

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

REPO = Path(__file__).parents[2]
TABLE = severity_table()


@pytest.fixture(scope="module")
def pinned_checks() -> dict[str, set[str]]:
    """check id -> every name the installed Checkov gives it, over every framework we route."""
    names: dict[str, set[str]] = defaultdict(set)
    frameworks = (*DockerfileScanner.frameworks, *IacScanner.frameworks)
    for _, check in checks_of(frameworks):
        names[check.id].add(str(getattr(check, "name", check.id)).strip())
    return dict(names)


# --- coverage of the pinned Checkov ---------------------------------------------------------------
def test_the_table_is_for_the_installed_and_pinned_checkov() -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    assert f'"checkov=={TABLE.checkov}"' in pyproject
    assert metadata.version("checkov") == TABLE.checkov


@pytest.mark.slow
def test_every_check_of_the_pinned_checkov_has_an_entry(pinned_checks: dict[str, set[str]]) -> None:
    missing = sorted(set(pinned_checks) - set(TABLE.checks))
    stubs = [
        f'{cid} = {{ class = "?" }}  # {sorted(pinned_checks[cid])[0]} '
        f"(keyword guess: {guess_severity(sorted(pinned_checks[cid])[0]).value})"
        for cid in missing
    ]
    assert not missing, "checks without an entry in checkov_severity.toml:\n" + "\n".join(stubs)


@pytest.mark.slow
def test_every_entry_names_a_check_of_the_pinned_checkov(
    pinned_checks: dict[str, set[str]],
) -> None:
    assert sorted(set(TABLE.checks) - set(pinned_checks)) == []
    for check_id, name in TABLE.variants:
        assert name in pinned_checks[check_id], (check_id, name)


@pytest.mark.slow
def test_every_check_and_name_resolves_without_the_keyword_guess(
    pinned_checks: dict[str, set[str]],
) -> None:
    for check_id, names in pinned_checks.items():
        for name in names:
            assert TABLE.entry(check_id, name) is not None, (check_id, name)


@pytest.mark.slow
def test_rules_lists_the_curated_severities() -> None:
    rules = {r.id: r for r in IacScanner().rules()}
    assert rules["CKV_K8S_17"].severity is Severity.HIGH
    assert rules["CKV_AWS_79"].severity is Severity.HIGH
    assert {r.id: r.severity for r in DockerfileScanner().rules()}["CKV_DOCKER_2"] is Severity.LOW


# --- the table itself -----------------------------------------------------------------------------
def test_every_class_has_a_rationale_and_checks() -> None:
    used = Counter(e.category for e in (*TABLE.checks.values(), *TABLE.variants.values()))
    for name, (_, rationale) in TABLE.classes.items():
        assert len(rationale) > 40, name
        assert used[name] > 0, f"class {name} has no check"


def test_an_own_severity_differs_from_its_class_and_says_why() -> None:
    raw = _raw_checks()
    overridden = {cid: item for cid, item in raw.items() if "severity" in item}
    assert overridden
    for cid, item in overridden.items():
        assert item["severity"] != TABLE.classes[item["class"]][0].value, cid
        assert len(item.get("why", "")) > 20, cid
    assert all("why" not in item or "severity" in item for item in raw.values())


def test_checks_of_a_topic_never_outrank_it() -> None:
    """A topic's severity is its worst case over every engine; a milder case may rank lower
    (a fixed tag without digest, two approvals instead of one)."""
    by_topic: dict[str, list[Severity]] = defaultdict(list)
    for entry in (*TABLE.checks.values(), *TABLE.variants.values()):
        if entry.topic is not None:
            by_topic[entry.topic].append(entry.severity)
    assert set(by_topic) == set(TABLE.topics)
    for topic, severities in by_topic.items():
        ceiling = TABLE.topics[topic][0]
        assert max(s.rank for s in severities) <= ceiling.rank, topic


def test_topic_rules_of_installed_engines_exist() -> None:
    known = {f"gitops-guard:{r.id}" for r in GitopsScanner().rules()}
    known |= {f"bandit:{r.id}" for r in SourceScanner().rules()}
    known.add("detect-secrets:*")
    for topic, (_, _, rules) in TABLE.topics.items():
        for rule in rules:
            if rule.split(":")[0] in {"gitops-guard", "bandit", "detect-secrets"}:
                assert rule in known, (topic, rule)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('{ class = "no-such-class" }', "unknown class or topic"),
        ('{ class = "tiller", topic = "no-such-topic" }', "unknown class or topic"),
        ('{ class = "tiller", severity = "low" }', "a severity needs a why"),
    ],
)
def test_a_broken_table_is_refused_naming_the_entry(entry: str, problem: str) -> None:
    raw = textwrap.dedent(
        f"""\
        checkov = "3.3.30"
        [classes.tiller]
        severity = "high"
        rationale = "r"
        [topics.t]
        severity = "high"
        problem = "p"
        [checks]
        CKV_K8S_34 = {entry}
        """
    )
    with pytest.raises(ValueError, match=f"CKV_K8S_34: {problem}"):
        checkov_severity.parse_table(raw)


# --- decisions a security reviewer expects --------------------------------------------------------
@pytest.mark.parametrize(
    ("check_id", "severity"),
    [
        # host namespaces, privileged, the docker socket, wildcard RBAC: all high, never split
        ("CKV_K8S_16", "high"),
        ("CKV_K8S_17", "high"),
        ("CKV_K8S_18", "high"),
        ("CKV_K8S_19", "high"),
        ("CKV_K8S_27", "high"),
        ("CKV_K8S_49", "high"),
        ("CKV_AWS_79", "high"),  # IMDSv1, although its name says "Version"
        ("CKV_AWS_41", "high"),
        ("CKV_AWS_1", "high"),
        ("CKV_AWS_20", "high"),
        ("CKV_AWS_24", "high"),
        ("CKV2_GHA_1", "high"),
        ("CKV_GHA_2", "high"),
        ("CKV2_DOCKER_2", "high"),
        ("CKV_K8S_38", "medium"),
        ("CKV_K8S_20", "medium"),
        ("CKV_K8S_23", "medium"),
        ("CKV_DOCKER_8", "medium"),
        ("CKV2_K8S_6", "medium"),  # as GG006
        ("CKV_K8S_14", "medium"),
        ("CKV_AWS_19", "medium"),
        ("CKV_AWS_18", "medium"),
        ("CKV_AWS_158", "low"),  # a customer-managed key on data already encrypted
        ("CKV_K8S_43", "low"),
        ("CKV_K8S_11", "low"),
        ("CKV_K8S_8", "low"),
        ("CKV_DOCKER_2", "low"),
        ("CKV_AWS_21", "low"),
        ("CKV_AWS_144", "low"),
        ("CKV_AWS_153", "info"),
    ],
)
def test_reviewed_severity(check_id: str, severity: str) -> None:
    assert severity_for(check_id).value == severity


def test_a_reused_id_is_ranked_by_its_name() -> None:
    # Terraform: security contact emails; ARM/Bicep: a SecureString parameter with a default.
    assert severity_for("CKV_AZURE_131", "Ensure that 'Security contact emails' is set").value == (
        "low"
    )
    hardcoded = severity_table().entry(
        "CKV_AZURE_131", "SecureString parameter should not have hardcoded default values"
    )
    assert hardcoded is not None
    assert (hardcoded.severity, hardcoded.topic) == (Severity.HIGH, "hardcoded-secret")


def test_a_check_the_table_does_not_know_gets_the_keyword_guess() -> None:
    assert severity_for("CKV_NEW_1", "Ensure no hard-coded secrets exist in X") is Severity.HIGH
    assert severity_for("CKV_NEW_2", "Ensure X has a description") is Severity.LOW
    assert severity_for("CKV_NEW_3", "Ensure X has access logging enabled") is Severity.MEDIUM
    assert checkov_severity.topic_for("CKV_NEW_1") is None


# --- docs -----------------------------------------------------------------------------------------
def test_docs_render_every_class_with_its_severity_and_count() -> None:
    docs = (REPO / "docs" / "scanners.md").read_text()
    counts = Counter(e.category for e in TABLE.checks.values())
    for name, (severity, _) in TABLE.classes.items():
        row = re.search(
            rf"^\| `{re.escape(name)}` \| (\w+) \| (\d+) \|.*\|(.*)\|$", docs, re.MULTILINE
        )
        assert row is not None, f"docs/scanners.md has no row for class {name}"
        assert row.group(1) == severity.value, name
        assert int(row.group(2)) == counts[name], name
        for example in re.findall(r"`(CKV\w+)`", row.group(3)):
            assert TABLE.checks[example].category == name, (name, example)
    for topic in TABLE.topics:
        assert f"`{topic}`" in docs, topic
    for check_id, entry in TABLE.checks.items():
        if entry.why:
            assert f"- `{check_id}` ({entry.category}): **{entry.severity.value}**." in docs
    for check_id, name in TABLE.variants:
        assert f'- `{check_id}` is also Checkov\'s id for "{name}"' in docs
    assert f"every one of the {len(TABLE.checks)} checks the pinned Checkov ({TABLE.checkov})" in (
        " ".join(docs.split())
    )


# --- end to end -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_real_findings_carry_the_curated_severity_and_config_still_overrides(
    tmp_path: Path,
) -> None:
    (tmp_path / "pod.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: Pod
            metadata:
              name: debug
              namespace: tools
            spec:
              hostPID: true
              containers:
                - name: shell
                  image: busybox:1.36
            """
        )
    )
    scanner = IacScanner()
    ts = discover([tmp_path], use_git=False)
    mine = [t for t in ts.targets if scanner.applies(t)]
    result = scanner.scan(scanner.units(mine, ts.explicit), ScanContext(root=ts.root))
    found = {f.rule_id: f.severity for f in result.findings}
    assert found["CKV_K8S_17"] is Severity.HIGH  # host PID, no longer "low"
    assert found["CKV_K8S_43"] is Severity.LOW
    assert found["CKV_K8S_11"] is Severity.LOW

    cfg = Config(severity={"CKV_K8S_17": Severity.CRITICAL, "CKV_K8S_1*": Severity.INFO})
    triaged = {f.rule_id: f.severity for f in apply(Report(result.findings), cfg).findings}
    assert triaged["CKV_K8S_17"] is Severity.CRITICAL  # the exact id wins over the glob
    assert triaged["CKV_K8S_11"] is Severity.INFO


def _raw_checks() -> dict[str, dict[str, str]]:
    path = REPO / "gitops_guard" / "data" / "checkov_severity.toml"
    data: dict[str, dict[str, dict[str, str]]] = tomllib.loads(path.read_text())
    return data["checks"]
