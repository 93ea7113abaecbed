"""``scan --staged``: the index content, not the work tree; rename-, delete- and name-proof."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import gitplant
import pytest

from gitops_guard import staged

from ggtest import git

VULN = "import subprocess\nsubprocess.call(input(), shell=True)\n"
CLEAN = "def add(a, b):\n    return a + b\n"
#: AWS's documented example key, assembled at run time so this file trips no secret scanner.
AWS_KEY = "AKIA" + "Q7ZLR4KXW2NMP8TB"


def _scan(cli, *args: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    r = cli("scan", "--staged", "--no-cache", "--scanners", "source", "-f", "json", *args)
    assert r.code in (0, 1), r.out + r.err
    return r.json  # type: ignore[no-any-return]


def _b602(report: dict) -> list[tuple[str, int]]:  # type: ignore[type-arg]
    return [(f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == "B602"]


def test_sees_the_index_and_ignores_unstaged_edits(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "bad.py").write_text(VULN)
    (in_git_dir / "good.py").write_text(CLEAN)
    git(in_git_dir, "add", "bad.py", "good.py")
    # The work tree now says the opposite of the index.
    (in_git_dir / "bad.py").write_text(CLEAN)
    (in_git_dir / "good.py").write_text(CLEAN + VULN)
    (in_git_dir / "untracked.py").write_text(VULN)

    report = _scan(cli)
    assert _b602(report) == [("bad.py", 2)]
    assert report["summary"]["files_scanned"] == 2


def test_staged_fix_passes_although_the_work_tree_is_still_bad(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "app.py").write_text(VULN)
    git(in_git_dir, "add", "app.py")
    git(in_git_dir, "commit", "-qm", "vulnerable")
    (in_git_dir / "app.py").write_text(CLEAN)
    git(in_git_dir, "add", "app.py")
    (in_git_dir / "app.py").write_text(VULN + VULN)
    r = cli("scan", "--staged", "--no-cache", "--scanners", "source", "-f", "json")
    assert r.code == 0, r.out
    assert r.json["findings"] == []


def test_nothing_staged_scans_nothing(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "bad.py").write_text(VULN)
    r = cli("scan", "--staged", "--no-cache", "-f", "json")
    assert r.code == 0
    assert r.json["findings"] == [] and r.json["summary"]["files_scanned"] == 0


def test_renamed_file_is_scanned_under_its_new_name_and_deleted_files_not_at_all(
    in_git_dir: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    (in_git_dir / "old.py").write_text(VULN)
    (in_git_dir / "gone.py").write_text(VULN)
    git(in_git_dir, "add", ".")
    git(in_git_dir, "commit", "-qm", "init")
    git(in_git_dir, "mv", "old.py", "new.py")
    git(in_git_dir, "rm", "-q", "gone.py")
    assert _b602(_scan(cli)) == [("new.py", 2)]


def test_names_with_spaces_newlines_and_unicode(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    names = ["with space.py", "new\nline.py", "dir with space/ünï cödé.py", '"quoted".py']
    for name in names:
        (in_git_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (in_git_dir / name).write_text(VULN)
    git(in_git_dir, "add", ".")
    assert sorted(p for p, _ in _b602(_scan(cli))) == sorted(names)


def test_paths_restrict_the_staged_files(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "a").mkdir()
    (in_git_dir / "a" / "x.py").write_text(VULN)
    (in_git_dir / "y.py").write_text(VULN)
    git(in_git_dir, "add", ".")
    assert _b602(_scan(cli, "a")) == [("a/x.py", 2)]


def test_secret_in_the_index_only(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "settings.py").write_text(f'AWS_KEY = "{AWS_KEY}"\n')
    git(in_git_dir, "add", "settings.py")
    (in_git_dir / "settings.py").write_text('AWS_KEY = os.environ["AWS_KEY"]\n')
    r = cli("scan", "--staged", "--no-cache", "--scanners", "secrets", "-f", "json")
    assert r.code == 1
    assert [(f["path"], f["rule_id"]) for f in r.json["findings"]] == [
        ("settings.py", "aws-access-key-id")
    ]
    assert AWS_KEY not in r.out


def test_the_copy_is_private_and_removed(in_git_dir: Path) -> None:
    (in_git_dir / "a.py").write_text(CLEAN)
    git(in_git_dir, "add", "a.py")
    with staged.staged_targets(in_git_dir) as ts:
        (target,) = ts.targets
        copy_root = target.abspath.parent
        assert target.path == "a.py"
        assert target.abspath.read_text() == CLEAN
        assert stat.S_IMODE(copy_root.stat().st_mode) == 0o700
        assert in_git_dir.resolve() not in target.abspath.parents
    assert not copy_root.exists()


def test_the_copy_is_removed_on_interrupt(in_git_dir: Path) -> None:
    (in_git_dir / "a.py").write_text(CLEAN)
    git(in_git_dir, "add", "a.py")
    seen: list[Path] = []
    with pytest.raises(KeyboardInterrupt), staged.staged_targets(in_git_dir) as ts:
        seen.append(ts.targets[0].abspath.parent)
        raise KeyboardInterrupt
    assert seen and not seen[0].exists()


def test_terraform_module_context_comes_from_the_index(in_git_dir: Path) -> None:
    mod = in_git_dir / "infra"
    mod.mkdir()
    (mod / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = var.name\n}\n')
    (mod / "variables.tf").write_text('variable "name" {\n  default = "staged"\n}\n')
    (in_git_dir / "other.tf").write_text("# another module\n")
    git(in_git_dir, "add", ".")
    git(in_git_dir, "commit", "-qm", "init")
    (mod / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    git(in_git_dir, "add", "infra/main.tf")
    (mod / "variables.tf").write_text("# unstaged edit\n")
    (mod / "unstaged.tf").write_text("# untracked\n")
    with staged.staged_targets(in_git_dir) as ts:
        assert ts.explicit
        assert [t.path for t in ts.targets] == ["infra/main.tf"]
        assert [t.path for t in ts.context] == ["infra/variables.tf"]
        (ctx,) = ts.context
        assert "staged" in ctx.abspath.read_text()
        # Scanners that read the module folder next to the copy see the index, not the disk.
        assert sorted(p.name for p in ts.targets[0].abspath.parent.iterdir()) == [
            "main.tf",
            "variables.tf",
        ]


def test_symlinks_and_large_files_are_skipped_with_a_notice(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "big.py").write_text("x = 1\n" * 100)
    os.symlink("/etc/passwd", in_git_dir / "link.py")
    git(in_git_dir, "add", ".")
    r = cli("scan", "--staged", "--no-cache", "--max-file-size", "100", "-f", "json")
    assert r.code == 0, r.out + r.err
    skipped = {e["path"]: e["message"] for e in r.json["errors"] if e["kind"] == "skipped"}
    assert "limit" in skipped["big.py"]
    assert "symlink" in skipped["link.py"]


def test_outside_git_is_a_usage_error(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    r = cli("scan", "--staged")
    assert r.code == 2
    assert "git repository" in r.err


def test_staged_and_diff_base_together_is_a_usage_error(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("scan", "--staged", "--diff-base", "HEAD")
    assert r.code == 2 and "cannot be combined" in r.err


def test_initial_commit_diff_lines_counts_everything_as_new(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "bad.py").write_text(VULN)
    git(in_git_dir, "add", "bad.py")
    assert _b602(_scan(cli, "--diff-lines")) == [("bad.py", 2)]


def test_staged_diff_lines_reports_only_lines_the_commit_changes(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (in_git_dir / "app.py").write_text(VULN)
    git(in_git_dir, "add", "app.py")
    git(in_git_dir, "commit", "-qm", "legacy")
    (in_git_dir / "app.py").write_text(VULN + "subprocess.call(input(), shell=True)\n")
    git(in_git_dir, "add", "app.py")
    report = _scan(cli, "--diff-lines")
    assert _b602(report) == [("app.py", 3)]
    assert report["summary"]["outside_diff"] == 2  # B602 and B404 on the old lines


def test_helm_chart_and_kustomize_folder_are_copied_whole(in_git_dir: Path) -> None:
    chart = in_git_dir / "charts" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "deploy.yaml").write_text("kind: Deployment\n")
    overlay = in_git_dir / "overlays" / "prod"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text("resources: [svc.yaml]\n")
    (overlay / "svc.yaml").write_text("apiVersion: v1\nkind: Service\n")
    (in_git_dir / "elsewhere.yaml").write_text("a: 1\n")
    git(in_git_dir, "add", ".")
    git(in_git_dir, "commit", "-qm", "init")
    (chart / "templates" / "deploy.yaml").write_text("kind: Deployment\nspec: {}\n")
    (overlay / "kustomization.yaml").write_text("resources: [svc.yaml]\nnamespace: prod\n")
    git(in_git_dir, "add", ".")
    (chart / "values.yaml").write_text("replicas: 99  # unstaged\n")
    with staged.staged_targets(in_git_dir) as ts:
        assert sorted(t.path for t in ts.targets) == [
            "charts/web/templates/deploy.yaml",
            "overlays/prod/kustomization.yaml",
        ]
        copy = ts.targets[0].abspath.parents[3]
        on_disk = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file())
        assert on_disk == [
            "charts/web/Chart.yaml",
            "charts/web/templates/deploy.yaml",
            "charts/web/values.yaml",
            "overlays/prod/kustomization.yaml",
            "overlays/prod/svc.yaml",
        ]
        assert (copy / "charts/web/values.yaml").read_text() == "replicas: 1\n"


@pytest.mark.slow
def test_terraform_resolves_variables_from_the_staged_module(in_git_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Checkov evaluates the module as staged: the index says public-read, the disk private."""
    mod = in_git_dir / "infra"
    mod.mkdir()
    (mod / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    (mod / "variables.tf").write_text('variable "acl" {\n  default = "public-read"\n}\n')
    git(in_git_dir, "add", ".")
    git(in_git_dir, "commit", "-qm", "init")
    (mod / "main.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl    = var.acl\n}\n'
    )
    git(in_git_dir, "add", "infra/main.tf")
    (mod / "variables.tf").write_text('variable "acl" {\n  default = "private"\n}\n')
    args = ("scan", "--no-cache", "--scanners", "iac", "-f", "json")
    staged_report = cli(*args, "--staged").json
    assert staged_report["summary"]["files_scanned"] == 1
    hits = [(f["path"], f["rule_id"]) for f in staged_report["findings"]]
    assert ("infra/main.tf", "CKV_AWS_20") in hits
    assert all(path == "infra/main.tf" for path, _ in hits)  # context is not reported on
    work_tree = cli(*args, "infra/main.tf").json
    assert "CKV_AWS_20" not in {f["rule_id"] for f in work_tree["findings"]}


# -- a planted index ---------------------------------------------------------------------------

#: Names git itself never writes into a work tree, each a way out of a folder or into .git.
HOSTILE_NAMES = [
    "../escape.py",
    "a/../../escape.py",
    "a/b/../../../escape.py",
    "..\\escape.py",
    "a\\..\\..\\escape.py",
    "./x.py",
    "a//x.py",
    "a/./x.py",
    ".git/hooks/post-checkout",
    ".GIT/config",
    ".Git/x.py",
    ".git./x.py",
    ".git . /x.py",
    "git~1/config",
    "GIT~1/x.py",
    ".git::$INDEX_ALLOCATION/x.py",
    ".g\u200cit/config",
    "sub/.git/config",
    "sub\\.git\\config",
    "C:x.py",
]


def _outside_files(base: Path, repo: Path) -> set[Path]:
    return {p for p in base.rglob("*") if repo not in p.parents and p != repo}


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder of the run inside ``tmp_path``, so an escape from it is seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, "ABSOLUTE"])
def test_planted_index_names_are_refused_and_nothing_is_written_outside(
    name: str,
    in_git_dir: Path,
    tmp_path: Path,
    private_tmp: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """An index that names ``../x``, an absolute path or ``.GIT/config`` (git's verify_path
    refuses each) is an error naming the entry, and the copy writes nothing anywhere for it;
    the other staged files are still scanned."""
    victim = tmp_path / "victim.py"
    victim.write_text("ORIGINAL\n")
    if name == "ABSOLUTE":
        name = str(victim)
    before = _outside_files(tmp_path, in_git_dir)
    gitplant.plant(in_git_dir, {name: VULN.encode(), "ok.py": VULN.encode()})
    r = cli("scan", "--staged", "--no-cache", "--scanners", "source", "-f", "json")
    assert r.code == 3, r.out + r.err
    errors = [e for e in r.json["errors"] if e["kind"] == "error"]
    assert [e["path"] for e in errors] == [name]
    assert "refused" in errors[0]["message"]
    assert _b602(r.json) == [("ok.py", 2)]
    assert victim.read_text() == "ORIGINAL\n"
    assert _outside_files(tmp_path, in_git_dir) == before
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_path_problem_names_every_hostile_spelling(name: str) -> None:
    from gitops_guard import git as gitmod

    assert gitmod.path_problem(name) is not None
    assert gitmod.path_problem("/abs/x.py") is not None


@pytest.mark.parametrize(
    "name", ["a.py", "dir/.gitignore", ".github/workflows/ci.yml", "git~10/x", "a..b/c", "x\ty"]
)
def test_path_problem_accepts_ordinary_names(name: str) -> None:
    from gitops_guard import git as gitmod

    assert gitmod.path_problem(name) is None


def test_a_file_beneath_a_symlink_entry_stays_in_the_copy(
    in_git_dir: Path,
    tmp_path: Path,
    private_tmp: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """An index can hold ``a`` as a symlink to a folder outside and ``a/b.py`` as a file."""
    outside = tmp_path / "outside"
    outside.mkdir()
    gitplant.plant(in_git_dir, {"a/b.py": VULN.encode()}, symlinks={"a": str(outside)})
    r = cli("scan", "--staged", "--no-cache", "--scanners", "source", "-f", "json")
    assert r.code in (1, 3), r.out + r.err
    assert list(outside.iterdir()) == []
    assert "Traceback" not in r.err


def test_an_entry_under_a_file_entry_is_an_error_not_a_traceback(
    in_git_dir: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    gitplant.plant(in_git_dir, {"a": b"x = 1\n", "a/b.py": VULN.encode()})
    r = cli("scan", "--staged", "--no-cache", "--scanners", "source", "-f", "json")
    assert r.code == 3, r.out + r.err
    assert [e["path"] for e in r.json["errors"] if e["kind"] == "error"] == ["a/b.py"]


def test_the_copy_never_follows_a_link_it_finds(tmp_path: Path) -> None:
    """Whatever an earlier entry left in the copy, a later one cannot write through it."""
    root = tmp_path / "copy"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "a").symlink_to(outside)
    (root / "f.py").symlink_to(outside / "f.py")
    copy = staged.PrivateCopy(root)
    try:
        for name in ("a/b.py", "f.py", "../x.py"):
            with pytest.raises(OSError):
                copy.create(name).close()
        with copy.create("ok/x.py") as fh:
            fh.write(b"1")
    finally:
        copy.close()
    assert list(outside.iterdir()) == []
    assert (root / "ok" / "x.py").read_bytes() == b"1"
