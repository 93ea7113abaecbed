"""The ``actions`` scanner: the real zizmor binary of the pinned wheel, offline, on real files."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from gitops_guard import config
from gitops_guard.models import ErrorKind, ScanResult, Severity
from gitops_guard.scanners import _binary, actions, zizmor_audits
from gitops_guard.scanners.actions import ActionsScanner
from gitops_guard.scanners.interface import ScanContext
from gitops_guard.targets import Kind, classify, discover

WORKFLOW = """\
on:
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""
COMPOSITE = """\
name: greet
description: says hello
runs:
  using: composite
  steps:
    - run: echo "${{ github.event.issue.title }}"
      shell: bash
    - uses: some/action@main
"""
DEPENDABOT = """\
version: 2
updates:
  - package-ecosystem: pip
    directory: /
    schedule:
      interval: daily
    insecure-external-code-execution: allow
"""


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def scan(root: Path, options: dict[str, object] | None = None) -> ScanResult:
    scanner = ActionsScanner()
    ts = discover([root], use_git=False)
    mine = [t for t in ts.targets if scanner.applies(t)]
    return scanner.scan(scanner.units(mine, ts.explicit), ScanContext(ts.root, options or {}))


def pairs(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.rule_id, f.path) for f in result.findings}


def test_pinned_binary_runs_and_reports_its_version() -> None:
    assert ActionsScanner().engine_label() == "zizmor 1.32.0"
    assert ActionsScanner().engine_version() == actions.ZIZMOR.signature()


def test_workflow_findings(tmp_path: Path) -> None:
    write(tmp_path, {".github/workflows/ci.yml": WORKFLOW})
    result = scan(tmp_path)
    assert not result.errors
    by_rule = {f.rule_id: f for f in result.findings}
    assert {"template-injection", "unpinned-uses", "dangerous-triggers"} <= set(by_rule)
    injection = by_rule["template-injection"]
    assert (injection.tool, injection.scanner) == ("zizmor", "actions")
    assert (injection.path, injection.line) == (".github/workflows/ci.yml", 8)
    assert injection.severity is Severity.HIGH and injection.confidence == "high"
    assert injection.help_url == "https://docs.zizmor.sh/audits/#template-injection"
    assert injection.message.startswith("code injection via template expansion")
    assert "pull_request.title" not in injection.message  # zizmor's quoted feature stays out


def test_actions_dependabot_and_pre_commit_are_routed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "action.yml": COMPOSITE,  # a repository that is an action
            "nested/tool/action.yaml": COMPOSITE,
            ".github/dependabot.yml": DEPENDABOT,
            ".pre-commit-config.yaml": "repos:\n- repo: http://github.com/x/y\n  rev: v1\n"
            "  hooks:\n  - id: z\n",
        },
    )
    result = scan(tmp_path)
    assert {
        ("template-injection", "action.yml"),
        ("unpinned-uses", "nested/tool/action.yaml"),
        ("dependabot-execution", ".github/dependabot.yml"),
        ("insecure-url-scheme", ".pre-commit-config.yaml"),
    } <= pairs(result)
    assert Kind.GITHUB_ACTION in classify("x/action.yml", b"name: a\n")
    assert Kind.DEPENDABOT in classify(".github/dependabot.yaml", b"version: 2\n")
    assert Kind.DEPENDABOT not in classify("dependabot.yml", b"version: 2\n")
    assert Kind.PRE_COMMIT in classify("a/.pre-commit-hooks.yaml", b"- id: x\n")


def test_inline_ignore_comment_is_honoured(tmp_path: Path) -> None:
    text = WORKFLOW.replace(
        '.title }}"', '.title }}" # zizmor: ignore[template-injection] reviewed'
    )
    write(tmp_path, {".github/workflows/ci.yml": text})
    rules = {f.rule_id for f in scan(tmp_path).findings}
    assert "template-injection" not in rules and "unpinned-uses" in rules


def test_no_configuration_or_token_changes_what_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """zizmor would read zizmor.yml beside the file or in any parent, ZIZMOR_CONFIG, and go
    online with GH_TOKEN; none of it applies."""
    outside = tmp_path / "outside"
    root = outside / "repo"
    ignore_all = "rules:\n" + "".join(
        f"  {audit}:\n    disable: true\n" for audit in ("template-injection", "unpinned-uses")
    )
    write(outside, {"zizmor.yml": ignore_all})
    write(root, {".github/workflows/ci.yml": WORKFLOW, ".github/zizmor.yml": ignore_all})
    (outside / "env.yml").write_text(ignore_all)
    baseline = pairs(scan(root))
    monkeypatch.setenv("GH_TOKEN", "ghp_" + "x" * 36)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "y" * 36)
    monkeypatch.setenv("ZIZMOR_CONFIG", str(outside / "env.yml"))
    monkeypatch.setenv("ZIZMOR_NO_ONLINE_AUDITS", "false")
    result = scan(root)
    assert not result.errors
    assert pairs(result) == baseline
    assert {"template-injection", "unpinned-uses"} <= {r for r, _ in baseline}


def test_persona_and_unpinned_uses_policies(tmp_path: Path) -> None:
    write(tmp_path, {".github/workflows/ci.yml": WORKFLOW})
    regular = pairs(scan(tmp_path))
    assert regular <= pairs(scan(tmp_path, {"persona": "pedantic"}))
    relaxed = pairs(scan(tmp_path, {"unpinned-uses": {"actions/*": "ref-pin", "*": "hash-pin"}}))
    assert ("unpinned-uses", ".github/workflows/ci.yml") in regular
    assert ("unpinned-uses", ".github/workflows/ci.yml") not in relaxed


def test_unloadable_files_are_skipped_with_a_notice(tmp_path: Path) -> None:
    write(tmp_path, {"tool/action.yml": "hello: world\n"})  # not an action
    only_bad = scan(tmp_path)
    assert [(e.path, e.kind) for e in only_bad.errors] == [("tool/action.yml", ErrorKind.SKIPPED)]
    write(tmp_path, {".github/workflows/ci.yml": WORKFLOW, ".github/workflows/bad.yml": "on: [\n"})
    mixed = scan(tmp_path)
    assert {e.path for e in mixed.errors} == {"tool/action.yml", ".github/workflows/bad.yml"}
    assert all(e.kind is ErrorKind.SKIPPED for e in mixed.errors)
    assert ("template-injection", ".github/workflows/ci.yml") in pairs(mixed)


def test_missing_binary_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absent = _binary.Binary("no-such-distribution-xyz", "zizmor", "zizmor==1.32.0")
    monkeypatch.setattr(actions, "ZIZMOR", absent)
    write(tmp_path, {".github/workflows/ci.yml": WORKFLOW})
    (error,) = scan(tmp_path).errors
    assert error.kind is ErrorKind.ERROR and "pip install 'zizmor==1.32.0'" in error.message


def test_audit_table_matches_the_binary() -> None:
    """Every audit the pinned binary links to is listed, and nothing else."""
    blob = actions.ZIZMOR.path().read_bytes()
    linked = {m.decode() for m in re.findall(rb"https://docs\.zizmor\.sh/audits/#([a-z-]+)", blob)}
    listed = {r.id for r in ActionsScanner().rules()}
    assert listed == set(zizmor_audits.AUDITS) and listed >= zizmor_audits.ONLINE
    for audit in listed:
        assert f"https://docs.zizmor.sh/audits/#{audit}".encode() in blob, audit
    # The binary's strings run together ("unpinned-usesunpinned action..."): each link starts
    # with a listed audit.
    unlisted = {raw for raw in linked if not any(raw.startswith(a) for a in listed)}
    assert unlisted <= {"-configuration"}  # a link to the configuration page, not an audit


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"persona": "paranoid"}, "expected one of regular, pedantic, auditor"),
        ({"unpinned-uses": {"*": "sha-pin"}}, "did you mean 'hash-pin'"),
        ({"min-confidence": "high"}, "unknown key"),
    ],
)
def test_options_are_validated(table: dict[str, object], message: str, tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=message):
        config.parse({"scanners": {"actions": table}}, tmp_path / ".gitops-guard.toml")


def _zizmor_dir(root: Path) -> set[tuple[str, str]]:
    """What ``zizmor --offline <dir>`` reports, as (audit, path) pairs."""
    proc = subprocess.run(
        [str(actions.ZIZMOR.path()), "--offline", "--no-progress", "--format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
        env=_binary.clean_env(),
        check=False,
    )
    found = set()
    for item in json.loads(proc.stdout):
        for loc in item["locations"]:
            if loc["symbolic"]["kind"] == "Primary":
                path = loc["symbolic"]["key"]["Local"]["verbatim_path"]
                found.add((item["ident"], path.removeprefix("./")))
    return found


@pytest.mark.parametrize("corpus", ["cfngoat", "flux2-kustomize-helm-example"])
def test_never_less_than_zizmor_on_the_directory(cli, corpora: Path, corpus: str) -> None:  # type: ignore[no-untyped-def]
    root = (corpora / corpus).resolve()  # scanning through a symlinked folder finds nothing
    upstream = _zizmor_dir(root)
    result = cli("scan", "--no-cache", "--scanners", "actions", "--format", "json", str(root))
    ours = {(f["rule_id"], f["path"]) for f in result.json["findings"]}
    ours |= {
        (s.split(":", 1)[1], f["path"])
        for f in result.json["findings"]
        for s in f["sources"]
        if s.startswith("zizmor:")
    }
    assert upstream and upstream <= ours


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        (".github/workflows/ci.yml", True),
        ("svc/.github/workflows/ci.yaml", True),
        ("action.yml", True),
        ("tools/x/action.yaml", True),
        (".github/dependabot.yml", True),
        (".pre-commit-config.yaml", True),
        (".pre-commit-hooks.yaml", True),
        ("transaction.yml", False),
        (".github/workflows/README.md", False),
        ("docs/dependabot.yml", False),
    ],
)
def test_hook_files_cover_what_the_scanner_reads(path: str, matches: bool) -> None:
    from gitops_guard.hooks import HOOKS

    (hook,) = [h for h in HOOKS if h.id == "gitops-guard-actions"]
    assert hook.files is not None
    assert bool(re.search(hook.files, path)) is matches
    kinds = classify(path, b"on: push\n")
    assert bool(kinds & ActionsScanner.kinds) is matches


def test_no_flagged_value_reaches_a_message(tmp_path: Path) -> None:
    secret = "hunter2-registry-password-value"
    write(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: push\npermissions: {}\njobs:\n  a:\n"
            "    runs-on: ubuntu-latest\n    container:\n      image: registry.example.com/app:1\n"
            f"      credentials:\n        username: bot\n        password: {secret}\n"
            f"    steps:\n      - run: echo {secret}\n"
        },
    )
    result = scan(tmp_path)
    assert "hardcoded-container-credentials" in {f.rule_id for f in result.findings}
    assert all(secret not in f.message for f in result.findings)
    assert all(secret not in e.message for e in result.errors)
