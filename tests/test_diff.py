"""``--diff-base REF`` and ``--diff-lines``: changed files, changed lines, "hold the line"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gitops_guard.diff import ChangedLines, parse_patch, unquote
from gitops_guard.models import Finding, Severity

from ggtest import git

VULN_LINE = "subprocess.call(input(), shell=True)\n"
VULN = "import subprocess\n" + VULN_LINE


def _finding(path: str, line: int, end: int = 0) -> Finding:
    return Finding("source", "bandit", "B602", Severity.HIGH, "m", path, line, end or line)


# -- patch parsing ---------------------------------------------------------------------------


def test_parse_patch_ranges_deletions_and_new_files() -> None:
    patch = (
        b"diff --git a/m.py b/m.py\n"
        b"index 1..2 100644\n"
        b"--- a/m.py\n"
        b"+++ b/m.py\n"
        b"@@ -3 +3 @@ x\n"
        b"-old\n"
        b"+new\n"
        b"@@ -10,2 +9,0 @@\n"
        b"-gone\n"
        b"-gone too\n"
        b"@@ -20,0 +20,3 @@\n"
        b"+++ not a header, an added line starting with ++\n"
        b"+b\n"
        b"+c\n"
        b"\\ No newline at end of file\n"
        b"diff --git a/n.py b/n.py\n"
        b"new file mode 100644\n"
        b"--- /dev/null\n"
        b"+++ b/n.py\n"
        b"@@ -0,0 +1 @@\n"
        b"+x\n"
    )
    changed = parse_patch(patch)
    assert changed.ranges["m.py"] == ((3, 3), (9, 10), (20, 22))
    assert changed.new_files == {"n.py"}
    assert "not a header" not in str(changed.ranges)


def test_quoted_names_are_unquoted() -> None:
    assert unquote(b'"b/new\\nline \\"q\\" \\303\\274.py"') == 'b/new\nline "q" ü.py'
    assert unquote(b"b/plain name.py") == "b/plain name.py"
    patch = b'diff --git "a/x\\ty" "b/x\\ty"\n--- "a/x\\ty"\n+++ "b/x\\ty"\n@@ -1 +1 @@\n-a\n+b\n'
    assert parse_patch(patch).ranges == {"x\ty": ((1, 1),)}
    spaced = b"--- a/with space\t\n+++ b/with space\t\n@@ -1 +1 @@\n-a\n+b\n"
    assert parse_patch(spaced).ranges == {"with space": ((1, 1),)}


def test_covers_overlap_new_files_and_whole_file_findings() -> None:
    changed = ChangedLines(ranges={"a.tf": ((10, 12),)}, new_files=frozenset({"new.py"}))
    assert changed.covers(_finding("a.tf", 5, 10))  # a resource block ending on a changed line
    assert changed.covers(_finding("a.tf", 12, 30))
    assert not changed.covers(_finding("a.tf", 13, 30))
    assert not changed.covers(_finding("a.tf", 0))  # whole-file finding in a modified file
    assert not changed.covers(_finding("other.py", 11))
    assert changed.covers(_finding("new.py", 0))


def test_covers_every_place_of_a_finding() -> None:
    """A finding is one problem with all its places: any changed place keeps it."""
    changed = ChangedLines(ranges={"a.env": ((20, 20),), "overlay/kustomization.yaml": ((3, 3),)})
    repeated = replace(_finding("a.env", 2), occurrences=(9, 20))  # the same secret, 3 lines
    assert changed.covers(repeated)
    assert not changed.covers(replace(repeated, occurrences=(9,)))
    folded = replace(_finding("base/deploy.yaml", 1, 30), also_in=("overlay/kustomization.yaml:3",))
    assert changed.covers(folded)
    assert not changed.covers(replace(folded, also_in=("overlay/kustomization.yaml:4",)))


# -- end to end ------------------------------------------------------------------------------


def _repo_with_history(repo: Path) -> None:
    (repo / "legacy.py").write_text(VULN)
    (repo / "untouched.py").write_text(VULN)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "legacy")
    git(repo, "checkout", "-qb", "feature")


def test_diff_base_scans_only_changed_files(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _repo_with_history(in_git_dir)
    (in_git_dir / "legacy.py").write_text(VULN + "x = 1\n")
    git(in_git_dir, "commit", "-qam", "touch legacy")
    (in_git_dir / "new.py").write_text(VULN)  # untracked: counts as changed
    r = cli("scan", "--diff-base", "main", "--no-cache", "--scanners", "source", "-f", "json")
    assert r.code == 1
    assert {f["path"] for f in r.json["findings"]} == {"legacy.py", "new.py"}


def test_diff_lines_holds_the_line(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _repo_with_history(in_git_dir)
    (in_git_dir / "legacy.py").write_text(VULN + "x = 1\n" + VULN_LINE)  # line 4 is new
    git(in_git_dir, "commit", "-qam", "new vulnerable call")
    args = ("--diff-base", "main", "--no-cache", "--scanners", "source", "-f", "json")
    r = cli("scan", *args, "--diff-lines")
    assert r.code == 1
    assert [(f["path"], f["line"]) for f in r.json["findings"]] == [("legacy.py", 4)]
    assert r.json["summary"]["outside_diff"] == 2
    # Working-tree edits count too: fixing the new line makes the diff clean.
    (in_git_dir / "legacy.py").write_text(VULN + "x = 1\n")
    r = cli("scan", *args, "--diff-lines")
    assert r.code == 0, r.out


def test_diff_base_ignores_deleted_files_and_follows_renames(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _repo_with_history(in_git_dir)
    git(in_git_dir, "rm", "-q", "untouched.py")
    git(in_git_dir, "mv", "legacy.py", "renamed.py")
    git(in_git_dir, "commit", "-qm", "move")
    r = cli("scan", "--diff-base", "main", "--no-cache", "--scanners", "source", "-f", "json")
    assert {f["path"] for f in r.json["findings"]} == {"renamed.py"}
    r = cli("scan", "--diff-base", "main", "--diff-lines", "--no-cache", "-f", "json")
    assert r.code == 0, r.out  # a pure rename changes no line


def test_no_changes_scans_nothing(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _repo_with_history(in_git_dir)
    r = cli("scan", "--diff-base", "main", "--no-cache", "-f", "json")
    assert r.code == 0 and r.json["summary"]["files_scanned"] == 0


def test_bad_ref_is_a_clear_usage_error(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _repo_with_history(in_git_dir)
    r = cli("scan", "--diff-base", "no-such-branch")
    assert r.code == 2
    assert "not a valid revision: 'no-such-branch'" in r.err
    r = cli("scan", "--diff-base", "--upload-pack=evil")
    assert r.code == 2


def test_diff_lines_needs_a_base(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("scan", "--diff-lines")
    assert r.code == 2 and "--diff-lines needs" in r.err


def test_diff_base_before_the_first_commit(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("scan", "--diff-base", "main")
    assert r.code == 2


_KEY_BODY = [
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
    "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo",
]


def test_diff_lines_keeps_a_key_pasted_into_a_committed_placeholder(  # type: ignore[no-untyped-def]
    in_git_dir: Path, cli
) -> None:
    """The private key's finding sits on the unchanged BEGIN line, its body is what changed."""
    begin, end = "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----"
    (in_git_dir / "tls.pem").write_text(f"{begin}\nPASTE THE KEY HERE\n{end}\n")
    git(in_git_dir, "add", ".")
    git(in_git_dir, "commit", "-qm", "placeholder")
    (in_git_dir / "tls.pem").write_text("\n".join([begin, *_KEY_BODY, end]) + "\n")
    git(in_git_dir, "add", ".")
    r = cli("scan", "--staged", "--diff-lines", "--no-cache", "--scanners", "secrets", "-f", "json")
    assert r.code == 1, r.out
    assert [(f["path"], f["line"]) for f in r.json["findings"]] == [("tls.pem", 1)]


def test_diff_lines_keeps_a_secret_repeated_on_a_changed_line(  # type: ignore[no-untyped-def]
    in_git_dir: Path, cli
) -> None:
    """One finding per secret value: its new occurrence on a changed line keeps it."""
    token = "ghp_" + "R7mK2pQ9xW4vL8nT3bY6cZ1dF5gH0jS2aE7u"
    (in_git_dir / "app.env").write_text(f"GITHUB_TOKEN={token}\nA=1\n")
    git(in_git_dir, "add", ".")
    git(in_git_dir, "commit", "-qm", "legacy token")
    (in_git_dir / "app.env").write_text(f"GITHUB_TOKEN={token}\nA=1\nBACKUP_TOKEN={token}\n")
    git(in_git_dir, "add", ".")
    args = ("scan", "--staged", "--diff-lines", "--no-cache", "--scanners", "secrets", "-f", "json")
    r = cli(*args)
    assert r.code == 1, r.out
    assert [f["path"] for f in r.json["findings"]] == ["app.env"]
    # Unchanged everywhere: nothing on the changed lines.
    (in_git_dir / "app.env").write_text(f"GITHUB_TOKEN={token}\nA=2\n")
    git(in_git_dir, "add", ".")
    assert cli(*args).code == 0
