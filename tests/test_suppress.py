"""Inline suppressions: the parser, scoping, invalid comments, and real engines end to end in
Python, Kubernetes YAML, a Dockerfile and Terraform - plus the engines' own markers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard import scanners as registry
from gitops_guard.models import Finding, Severity
from gitops_guard.suppress import FileSuppressions, comment_styles, parse_line

CHECKOV = {"dockerfile", "iac"} <= set(registry.available())
needs_checkov = pytest.mark.skipif(not CHECKOV, reason="the Checkov scanners are not installed")


def finding(rule: str = "B602", line: int = 3, end: int = 0, **kw: object) -> Finding:
    base: dict[str, object] = {
        "scanner": "source",
        "tool": "bandit",
        "rule_id": rule,
        "severity": Severity.HIGH,
        "message": "m",
        "path": "a.py",
        "line": line,
        "end_line": end or line,
    }
    return Finding(**{**base, **kw})  # type: ignore[arg-type]


# ---- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "styles", "ids", "reason"),
    [
        ("x = 1  # gitops-guard: ignore[B602] validated", ("#",), ("B602",), "validated"),
        ("# gitops-guard: ignore[B602,B404] both fine", ("#",), ("B602", "B404"), "both fine"),
        ("# gitops-guard: ignore[ B602 , B404 ]: why", ("#",), ("B602", "B404"), "why"),
        (
            "// gitops-guard: ignore[CKV_AWS_24] bastion",
            ("#", "//", "/*"),
            ("CKV_AWS_24",),
            "bastion",
        ),
        ("/* gitops-guard: ignore[CKV_AWS_24] r */", ("#", "//", "/*"), ("CKV_AWS_24",), "r"),
        ("# noqa gitops-guard: ignore[B1] - dash", ("#",), ("B1",), "dash"),
        ("# GITOPS-GUARD: IGNORE[B1] shout", ("#",), ("B1",), "shout"),
        ("# gitops-guard: ignore reason only", ("#",), (), "reason only"),
        ("# gitops-guard: ignore[B1]", ("#",), ("B1",), ""),
        ("# gitops-guard: ignore[B1 unclosed", ("#",), (), "[B1 unclosed"),
    ],
)
def test_parse_line(text: str, styles: tuple[str, ...], ids: tuple[str, ...], reason: str) -> None:
    sup = parse_line(text, 7, styles)
    assert sup is not None
    assert (sup.line, sup.ids, sup.reason) == (7, ids, reason)


@pytest.mark.parametrize(
    ("text", "styles"),
    [
        ("x = 'gitops-guard: ignore[B1] no comment here'", ("#",)),
        ("// gitops-guard: ignore[B1] slash is not a YAML comment", ("#",)),
        ('{"a": "# gitops-guard: ignore[B1] json"}', ()),
        ("# gitops-guard: ignored[B1] not the marker", ("#",)),
        ("# gitops-guard ignore[B1] no colon", ("#",)),
    ],
)
def test_not_a_suppression(text: str, styles: tuple[str, ...]) -> None:
    assert parse_line(text, 1, styles) is None


def test_comment_styles() -> None:
    assert comment_styles("app.py") == ("#",)
    assert comment_styles("k8s/deploy.yaml") == ("#",)
    assert comment_styles("Dockerfile") == ("#",)
    assert "//" in comment_styles("main.tf") and "#" in comment_styles("main.tf")
    assert comment_styles("main.tf.json") == ()
    assert comment_styles("package.json") == ()
    assert comment_styles("Jenkinsfile") == ("//", "/*")


def test_problems() -> None:
    assert parse_line("# gitops-guard: ignore[B1] ok", 1) is not None
    assert parse_line("# gitops-guard: ignore[B1] ok", 1).problem is None  # type: ignore[union-attr]
    assert "no rule id" in parse_line("# gitops-guard: ignore why", 1).problem  # type: ignore[union-attr, operator]
    assert "no reason" in parse_line("# gitops-guard: ignore[B1]", 1).problem  # type: ignore[union-attr, operator]


# ---- scope ------------------------------------------------------------------------------------


def test_scope_same_line_line_above_and_comment_block() -> None:
    lines = [
        "import os",  # 1
        "# gitops-guard: ignore[B602] a",  # 2
        "# more words",  # 3
        "call()  # gitops-guard: ignore[B404] b",  # 4
        "other()",  # 5
        "",  # 6
        "x()",  # 7
    ]
    fs = FileSuppressions("a.py", lines)
    assert [s.line for s in fs.scope(finding(line=4))] == [4, 2]
    # a trailing comment on a code line does not reach the line below
    assert list(fs.scope(finding(line=5))) == []
    assert list(fs.scope(finding(line=7))) == []
    # anywhere inside a multi-line finding
    assert [s.line for s in fs.scope(finding(line=1, end=5))] == [2, 4]


def test_matches_merged_sources_and_tool_prefix() -> None:
    sup = parse_line("# gitops-guard: ignore[B105] test fixture", 1)
    assert sup is not None
    merged = finding(rule="KeywordDetector", sources=("bandit:B105",))
    assert sup.names(merged)
    assert not sup.names(finding(rule="KeywordDetector"))
    prefixed = parse_line("# gitops-guard: ignore[detect-secrets:KeywordDetector] r", 1)
    assert prefixed is not None
    assert prefixed.names(finding(rule="KeywordDetector", tool="detect-secrets"))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120), st.sampled_from([("#",), ("#", "//", "/*"), (), ("<!--",)]))
def test_parse_line_never_raises(text: str, styles: tuple[str, ...]) -> None:
    sup = parse_line(text, 1, styles)
    if sup is not None:
        assert all(i and "]" not in i and "," not in i for i in sup.ids)
        assert sup.problem is None or isinstance(sup.problem, str)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(max_size=40), max_size=15),
    st.integers(0, 20),
    st.integers(0, 25),
)
def test_file_scope_never_raises(lines: list[str], line: int, end: int) -> None:
    fs = FileSuppressions(
        "x.tf", [f"# gitops-guard: ignore[{t}] r" if i % 3 else t for i, t in enumerate(lines)]
    )
    list(fs.scope(finding(line=line, end=end)))


# ---- end to end: real engines on real files ----------------------------------------------------


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))


def rules(result) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(f["path"], f["rule_id"]) for f in result.json["findings"]}


def test_python_inline_ignore(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        in_git_dir,
        "app.py",
        """
        import subprocess  # gitops-guard: ignore[B404] the runner needs subprocess


        def run(arg):
            # gitops-guard: ignore[B602] arg is an enum value, validated by the caller
            return subprocess.call("ls " + arg, shell=True)


        def other(arg):
            return subprocess.call("ls " + arg, shell=True)
        """,
    )
    r = cli("scan", "--scanners", "source", "-f", "json")
    found = [(f["rule_id"], f["line"]) for f in r.json["findings"]]
    assert found == [("B602", 10)]
    assert r.json["summary"]["suppressed"] == 2


def test_python_invalid_suppressions_are_findings(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        in_git_dir,
        "app.py",
        """
        import subprocess  # gitops-guard: ignore[B404]
        subprocess.call(x, shell=True)  # gitops-guard: ignore because I said so
        # a comment that mentions gitops-guard: ignore[B999] in passing, far from findings

        y = 1
        """,
    )
    r = cli("scan", "--scanners", "source", "-f", "json")
    found = sorted((f["rule_id"], f["line"]) for f in r.json["findings"])
    # neither suppresses: no reason / no rule id; each is reported once, B999 is out of scope
    assert found == [("B404", 1), ("B602", 2), ("GG-SUPPRESS", 1), ("GG-SUPPRESS", 2)]
    gg = [f for f in r.json["findings"] if f["rule_id"] == "GG-SUPPRESS"]
    assert all(f["scanner"] == "gitops-guard" and f["severity"] == "low" for f in gg)
    assert r.code == 1

    write(in_git_dir, ".gitops-guard.toml", "[suppressions]\nrequire-reason = false\n")
    r = cli("scan", "--scanners", "source", "-f", "json")
    found = sorted((f["rule_id"], f["line"]) for f in r.json["findings"])
    assert found == [("B602", 2), ("GG-SUPPRESS", 2)]  # a rule id is never optional

    write(
        in_git_dir,
        ".gitops-guard.toml",
        "[suppressions]\nrequire-reason = false\nreport-invalid = false\n",
    )
    r = cli("scan", "--scanners", "source", "-f", "json")
    assert sorted((f["rule_id"], f["line"]) for f in r.json["findings"]) == [("B602", 2)]

    write(in_git_dir, ".gitops-guard.toml", "[suppressions]\nenabled = false\n")
    r = cli("scan", "--scanners", "source", "-f", "json")
    assert sorted(f["rule_id"] for f in r.json["findings"]) == ["B404", "B602"]


def test_suppression_names_a_merged_source(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        in_git_dir,
        "settings.py",
        'password = "hunter2-Xy"  # gitops-guard: ignore[B105] test fixture\n',
    )
    r = cli("scan", "--scanners", "source,secrets", "-f", "json")
    assert r.json["findings"] == [], r.out
    assert r.json["summary"]["suppressed"] == 1


def test_native_nosec(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        in_git_dir,
        "a.py",
        "import subprocess  # nosec B404\nsubprocess.call(x, shell=True)  # nosec\n",
    )
    r = cli("scan", "--scanners", "source", "-f", "json")
    assert r.json["findings"] == [] and r.code == 0


def test_native_allowlist_secret(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    key = "AKIA" + "IOSFODNN7EXAMPLE"
    write(in_git_dir, "a.env", f"KEY={key}  # pragma: allowlist secret\n")
    r = cli("scan", "--scanners", "secrets", "-f", "json")
    assert r.json["findings"] == [] and r.code == 0
    write(in_git_dir, "a.env", f"KEY={key}\n")
    assert cli("scan", "--scanners", "secrets", "-f", "json").json["findings"]


K8S = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: example/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          securityContext:
            allowPrivilegeEscalation: true
"""


@needs_checkov
def test_kubernetes_inline_ignore(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "k8s/plain.yaml", K8S)
    write(
        in_git_dir,
        "k8s/above.yaml",
        "# gitops-guard: ignore[CKV_K8S_20] init needs setuid\n" + K8S.lstrip(),
    )
    inside = K8S.replace(
        "allowPrivilegeEscalation: true",
        "allowPrivilegeEscalation: true  # gitops-guard: ignore[CKV_K8S_20] setuid helper",
    )
    write(in_git_dir, "k8s/inside.yaml", inside)
    r = cli("scan", "--scanners", "iac", "-f", "json")
    found = rules(r)
    assert ("k8s/plain.yaml", "CKV_K8S_20") in found
    assert ("k8s/above.yaml", "CKV_K8S_20") not in found
    assert ("k8s/inside.yaml", "CKV_K8S_20") not in found
    # only the named rule: the others on the same resource stay
    assert ("k8s/above.yaml", "CKV_K8S_23") in found


@needs_checkov
def test_kubernetes_native_checkov_skip(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    native = K8S.replace(
        "metadata:\n  name: web\n",
        "metadata:\n  name: web\n  annotations:\n"
        '    checkov.io/skip1: "CKV_K8S_20=init needs setuid"\n',
    )
    write(in_git_dir, "k8s/native.yaml", native)
    found = rules(cli("scan", "--scanners", "iac", "-f", "json"))
    assert ("k8s/native.yaml", "CKV_K8S_20") not in found
    assert ("k8s/native.yaml", "CKV_K8S_23") in found


@needs_checkov
def test_dockerfile_inline_ignore_and_native_skip(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "plain/Dockerfile", "FROM python:latest\nCOPY . /app\n")
    write(
        in_git_dir,
        "ours/Dockerfile",
        "# gitops-guard: ignore[CKV_DOCKER_7] the tag is pinned by the build system\n"
        "FROM python:latest\nCOPY . /app\n",
    )
    write(
        in_git_dir,
        "native/Dockerfile",
        "#checkov:skip=CKV_DOCKER_7:the tag is pinned by the build system\n"
        "FROM python:latest\nCOPY . /app\n",
    )
    result = cli("scan", "--scanners", "dockerfile", "-f", "json")
    found = rules(result)
    # CKV_DOCKER_7 merges with its hadolint twin DL3007 (which these comments do not silence):
    # count it as a rule id or a merged source.
    found |= {
        (f["path"], s.split(":", 1)[1]) for f in result.json["findings"] for s in f["sources"]
    }
    assert ("plain/Dockerfile", "CKV_DOCKER_7") in found
    assert ("ours/Dockerfile", "CKV_DOCKER_7") not in found
    assert ("native/Dockerfile", "CKV_DOCKER_7") not in found
    assert ("ours/Dockerfile", "CKV_DOCKER_3") in found


TF = """
resource "aws_security_group" "ssh" {
  name        = "ssh"
  description = "ssh"
  %s
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


@needs_checkov
def test_terraform_inline_ignore_and_native_skip(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir, "plain/main.tf", TF % "")
    write(in_git_dir, "hash/main.tf", TF % "# gitops-guard: ignore[CKV_AWS_24] bastion, SEC-12")
    write(in_git_dir, "slash/main.tf", TF % "// gitops-guard: ignore[CKV_AWS_24] bastion, SEC-12")
    write(in_git_dir, "block/main.tf", TF % "/* gitops-guard: ignore[CKV_AWS_24] bastion */")
    write(in_git_dir, "native/main.tf", TF % "#checkov:skip=CKV_AWS_24:bastion, SEC-12")
    found = rules(cli("scan", "--scanners", "iac", "-f", "json"))
    assert ("plain/main.tf", "CKV_AWS_24") in found
    for d in ("hash", "slash", "block", "native"):
        assert (f"{d}/main.tf", "CKV_AWS_24") not in found, d
