"""The gitops scanner as a whole: registration, rule catalogue, docs, hostile YAML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gg_helpers import line_of, of, scan_files

from gitops_guard.models import ErrorKind
from gitops_guard.scanners import load
from gitops_guard.scanners.gitops import GitopsScanner
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops.ci.shell import split

REPO = Path(__file__).resolve().parents[3]


def test_registered_as_an_entry_point() -> None:
    scanners, failures = load(["gitops"])
    assert not failures
    assert isinstance(scanners[0], GitopsScanner)
    assert scanners[0].cross_file and scanners[0].distribution is None


def test_every_rule_has_a_docs_page_and_url() -> None:
    rules = GitopsScanner().rules()
    assert [r.id for r in rules] == [f"GG{i:03d}" for i in range(1, 14)]
    index = (REPO / "docs" / "rules" / "README.md").read_text()
    for rule in rules:
        assert rule.help_url and rule.help_url.endswith(f"docs/rules/{rule.id}.md")
        page = (REPO / "docs" / "rules" / f"{rule.id}.md").read_text()
        for heading in (
            "Risk",
            "What is flagged",
            "What is not flagged",
            "Fix",
            "Example",
            "Suppress",
        ):
            assert re.search(rf"^## {heading}", page, re.M), (rule.id, heading)
        assert rule.id in index


BILLION_LAUGHS = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_not_expanded(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"lol.yaml": BILLION_LAUGHS})
    assert [e.kind for e in result.errors] == [ErrorKind.ERROR]  # not checked is not clean
    assert "expands" in result.errors[0].message or "aliases" in result.errors[0].message


def test_recursive_alias_is_refused() -> None:
    loaded = y.load("a: &a [1, *a]\n")
    assert loaded.docs == () and loaded.problem and "recursive" in loaded.problem


def test_helm_template_is_skipped_with_a_notice(tmp_path: Path) -> None:
    text = """
    apiVersion: v1
    kind: Secret
    metadata:
      name: {{ .Release.Name }}
    data:
    {{- range $k, $v := .Values.secrets }}
      {{ $k }}: {{ $v | b64enc }}
    {{- end }}
    """
    result = scan_files(tmp_path, {"manifests/secret.yaml": text})
    assert result.findings == ()
    assert result.errors and result.errors[0].kind is ErrorKind.SKIPPED
    assert "templated" in result.errors[0].message


def test_documents_before_a_syntax_error_are_still_checked(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  token: abc-123-xyz\n"
        "---\napiVersion: v1\nkind: ConfigMap\ndata: [unclosed\n"
    )
    result = scan_files(tmp_path, {"mixed.yaml": text})
    assert len(of(result, "GG002")) == 1
    # The rest was not checked: an error (a template would be a notice, above).
    assert result.errors[0].kind is ErrorKind.ERROR and "line" in result.errors[0].message
    assert "exclude" in result.errors[0].message


def test_utf16_crlf_and_empty_files(tmp_path: Path) -> None:
    wf = (
        "on: push\r\njobs:\r\n  d:\r\n    runs-on: x\r\n    steps:\r\n"
        "      - run: kubectl apply -f k\r\n"
    )
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "a.yml").write_bytes(wf.encode("utf-16"))
    (tmp_path / ".github" / "workflows" / "b.yml").write_bytes(wf.encode())
    (tmp_path / ".github" / "workflows" / "empty.yml").write_bytes(b"")
    result = scan_files(tmp_path, {})
    assert sorted((f.path, f.line) for f in of(result, "GG001")) == [
        (".github/workflows/a.yml", 6),
        (".github/workflows/b.yml", 6),
    ]


def test_unknown_tags_do_not_break_parsing(tmp_path: Path) -> None:
    text = """
    deploy:
      script:
        - !reference [.setup, script]
        - kubectl apply -f k8s/
    .setup:
      script:
        - !!python/object/apply:os.system ["echo pwned"]
    """
    result = scan_files(tmp_path, {".gitlab-ci.yml": text})
    assert [f.line for f in of(result, "GG001")] == [
        line_of(tmp_path, ".gitlab-ci.yml", "kubectl apply")
    ]


def test_deeply_nested_yaml_does_not_crash(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 5000 + "]" * 5000 + "\n"
    result = scan_files(tmp_path, {"deep.yaml": text})
    assert result.findings == ()


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("a && b || c; d | e & f", ["a", "b", "c", "d", "e", "f"]),
        ("kubectl apply \\\n  -f x", ["kubectl apply -f x"]),
        ("FOO=1 BAR=2 sudo -u root kubectl get po", ["kubectl get po"]),
        (
            "if kubectl get ns x; then kubectl delete ns x; fi",
            ["kubectl get ns x", "kubectl delete ns x"],
        ),
        ("echo 'a && b' # kubectl apply", ["echo a && b"]),
        ("echo ${REF#refs/heads/}", ["echo ${REF#refs/heads/}"]),
        (
            "cat <<EOF | kubectl apply -f -\nkind: X\nEOF\nnext",
            ["cat", "kubectl apply -f -", "next"],
        ),
        ("bash -c 'helm upgrade x y'", ["helm upgrade x y"]),
        ('echo "unbalanced', ['echo "unbalanced']),
    ],
)
def test_shell_splitting(script: str, expected: list[str]) -> None:
    assert [" ".join(c.words) for c in split(script)] == expected


def test_shell_lines_and_pipes() -> None:
    cmds = split("echo a\n\nkustomize build . \\\n  | kubectl apply -f -\n")
    assert [(c.words[0], c.line, c.piped) for c in cmds] == [
        ("echo", 0, False),
        ("kustomize", 2, False),
        ("kubectl", 2, True),
    ]
