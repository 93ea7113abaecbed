"""Configuration: discovery, validation (exit 2 with file, key and suggestion), every key's effect,
the `config` command, and fuzzing of the parser."""

from __future__ import annotations

import contextlib
import json
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_guard import config as config_mod
from gitops_guard.config import Config, ConfigError, load, parse_size
from gitops_guard.models import Severity

BAD_PY = "import subprocess\nsubprocess.call(cmd, shell=True)\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ---- discovery ---------------------------------------------------------------------------------


def test_no_file_means_defaults(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert load(tmp_path) == Config()


def test_pyproject_table_and_origins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.gitops-guard]\nfail-on = "high"\n')
    cfg = load(tmp_path)
    assert cfg.fail_on is Severity.HIGH
    assert cfg.source == (tmp_path / "pyproject.toml").resolve()
    assert cfg.origin("fail-on") == str(cfg.source)
    assert cfg.origin("min-severity") == "default"


def test_pyproject_without_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitops-guard.toml", 'min-severity = "medium"\n')
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    cfg = load(tmp_path / "sub")
    assert cfg.min_severity is Severity.MEDIUM
    assert cfg.source == (tmp_path / ".gitops-guard.toml").resolve()


def test_nearest_wins_and_dedicated_file_before_pyproject(tmp_path: Path) -> None:
    write(tmp_path / ".gitops-guard.toml", 'fail-on = "critical"\n')
    write(tmp_path / "a" / "pyproject.toml", '[tool.gitops-guard]\nfail-on = "medium"\n')
    write(tmp_path / "a" / ".gitops-guard.toml", 'fail-on = "high"\n')
    assert load(tmp_path / "a").fail_on is Severity.HIGH
    assert load(tmp_path).fail_on is Severity.CRITICAL


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".gitops-guard.toml", 'fail-on = "critical"\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert load(tmp_path / "repo").source is None


def test_explicit_file_overrides_discovery(tmp_path: Path) -> None:
    write(tmp_path / ".gitops-guard.toml", 'fail-on = "critical"\n')
    other = write(tmp_path / "ci.toml", 'fail-on = "medium"\n')
    assert load(tmp_path, other).fail_on is Severity.MEDIUM


def test_dedicated_file_may_use_the_tool_table(tmp_path: Path) -> None:
    path = write(tmp_path / ".gitops-guard.toml", '[tool.gitops-guard]\nfail-on = "high"\n')
    assert load(tmp_path, path).fail_on is Severity.HIGH


# ---- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('fial-on = "high"', ["'fial-on'", "unknown key", "did you mean 'fail-on'"]),
        ('fail_on = "high"', ["'fail_on'", "did you mean 'fail-on'"]),
        ('fail-on = "hihg"', ["'fail-on'", "did you mean 'high'"]),
        ("fail-on = 3", ["'fail-on'", "expected a severity"]),
        ('scanners = ["sorce"]', ["'scanners'", "did you mean 'source'"]),
        ('scanners = "source"', ["'scanners'"]),
        ('exclude = "build/"', ["'exclude'", "list of strings"]),
        ('exclude = ["\\\\"]', ["'exclude'", "invalid gitignore-style pattern"]),
        ("max-file-size = -1", ["'max-file-size'"]),
        ('max-file-size = "lots"', ["'max-file-size'", "invalid size"]),
        ("skip-rules = [1]", ["'skip-rules'"]),
        ('severity = "high"', ["'severity'"]),
        ('[severity]\nB602 = "urgent"', ["'severity.B602'", "unknown severity"]),
        ("baseline = 1", ["'baseline'"]),
        ("[suppressions]\nrequire-reasons = true", ["require-reason"]),
        ('[suppressions]\nenabled = "yes"', ["'suppressions.enabled'", "true or false"]),
        ("[scanners.sorce]\nskips = []", ["'scanners.sorce'", "did you mean 'source'"]),
        ('[scanners.source]\nskip = ["B101"]', ["'scanners.source.skip'", "skips"]),
        ('[scanners.source]\nskips = "B101"', ["'scanners.source.skips'"]),
        ('[scanners]\nenabeld = ["source"]', ["'scanners.enabeld'", "enabled"]),
    ],
)
def test_invalid_values_name_file_key_and_suggestion(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path / ".gitops-guard.toml", text + "\n")
    with pytest.raises(ConfigError) as info:
        load(tmp_path, path)
    message = str(info.value)
    assert ".gitops-guard.toml" in message
    for part in expected:
        assert part in message


def test_invalid_toml_and_misspelt_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.gitops-guard\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML"):
        load(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool.gitops_guard]\nfail-on = "high"\n')
    with pytest.raises(ConfigError, match=r"did you mean \[tool.gitops-guard\]"):
        load(tmp_path)


def test_unknown_key_exits_2_through_the_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / ".git" / "HEAD", "")
    write(tmp_path / "pyproject.toml", '[tool.gitops-guard]\nfail-onn = "high"\n')
    write(tmp_path / "a.py", "x = 1\n")
    r = cli("scan", str(tmp_path), "--scanners", "source")
    assert r.code == 2
    assert "pyproject.toml" in r.err and "'fail-onn'" in r.err and "'fail-on'" in r.err
    assert "Traceback" not in r.err
    write(tmp_path / "pyproject.toml", "[tool.gitops-guard\n")
    r = cli("scan", str(tmp_path), "--scanners", "source")
    assert r.code == 2 and "invalid TOML" in r.err and "Traceback" not in r.err


def test_missing_config_file_exits_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("scan", str(tmp_path), "--config", str(tmp_path / "nope.toml"))
    assert r.code == 2 and "no such file" in r.err


def test_every_key_parses(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".gitops-guard.toml",
        """
exclude = ["vendor/", "*.generated.py"]
fail-on = "medium"
min-severity = "low"
skip-rules = ["CKV_K8S_*"]
enable-rules = ["CKV_K8S_20"]
max-file-size = "1MiB"
baseline = ".gitops-guard-baseline.json"

[scanners]
disabled = ["iac"]

[scanners.source]
skips = ["B101"]

[severity]
B602 = "critical"
"CKV_*" = "low"

[suppressions]
require-reason = false
report-invalid = false
""",
    )
    cfg = load(tmp_path, path)
    assert cfg.scanners is not None and "iac" not in cfg.scanners and "source" in cfg.scanners
    assert cfg.scanner_options == {"source": {"skips": ["B101"]}}
    assert cfg.exclude == ("vendor/", "*.generated.py")
    assert (cfg.fail_on, cfg.min_severity) == (Severity.MEDIUM, Severity.LOW)
    assert cfg.max_file_size == 1024 * 1024
    assert cfg.baseline == (tmp_path / ".gitops-guard-baseline.json").resolve()
    assert cfg.rule_skipped("CKV_K8S_8") and not cfg.rule_skipped("CKV_K8S_20")
    assert not cfg.rule_skipped("B602")
    assert cfg.severity_for(["B602"]) is Severity.CRITICAL
    assert cfg.severity_for(["CKV_AWS_20"]) is Severity.LOW
    assert cfg.severity_for(["B101"]) is None
    assert not cfg.suppressions.require_reason and not cfg.suppressions.report_invalid
    assert cfg.suppressions.enabled


def test_scanners_list_form(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'scanners = ["source", "secrets"]\n')
    assert load(tmp_path, path).scanners == ("source", "secrets")


def test_excluded_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "repo" / ".gitops-guard.toml", 'exclude = ["/build/", "*.min.js"]\n')
    cfg = load(tmp_path, path)
    root = tmp_path / "repo"
    assert cfg.excluded(root, "build/x.py")
    assert not cfg.excluded(root, "src/build.py")
    assert cfg.excluded(root, "web/app.min.js")
    # scanning a sub-directory: target paths are relative to it, patterns stay anchored
    assert cfg.excluded(root / "build", "x.py")


@pytest.mark.parametrize(
    ("value", "size"),
    [(10, 10), ("10", 10), ("2k", 2048), ("2KB", 2048), ("2MiB", 2 << 20), ("1g", 1 << 30)],
)
def test_parse_size(value: int | str, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize("value", [0, -5, "0", "", "1.5M", "ten", "5 TB"])
def test_parse_size_rejects(value: int | str) -> None:
    assert parse_size(value) is None


# ---- effect through the CLI -------------------------------------------------------------------


def test_config_values_apply_to_scan(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir / "app.py", BAD_PY)
    write(in_git_dir / "vendor" / "lib.py", BAD_PY)
    write(in_git_dir / "low.py", "assert x\n")
    write(
        in_git_dir / ".gitops-guard.toml",
        'exclude = ["vendor/"]\nmin-severity = "medium"\nfail-on = "critical"\n'
        'scanners = ["source"]\n[severity]\nB602 = "medium"\n',
    )
    r = cli("scan", "-f", "json")
    paths = {(f["path"], f["rule_id"], f["severity"]) for f in r.json["findings"]}
    assert paths == {("app.py", "B602", "medium")}
    assert r.json["summary"]["hidden_below_threshold"] >= 2  # B404 and B101 are low
    assert r.code == 0  # fail-on critical
    # the command line wins over the file
    r = cli("scan", "-f", "json", "--fail-on", "medium", "--min-severity", "info")
    assert r.code == 1
    assert {f["rule_id"] for f in r.json["findings"]} >= {"B602", "B404", "B101"}


def test_skip_rules_and_enable_rules(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir / "app.py", BAD_PY + "assert x\n")
    write(in_git_dir / ".gitops-guard.toml", 'skip-rules = ["B*"]\nenable-rules = ["B602"]\n')
    r = cli("scan", "--scanners", "source", "-f", "json")
    assert {f["rule_id"] for f in r.json["findings"]} == {"B602"}
    assert r.json["summary"]["suppressed"] == 0  # skipped rules count as not checked


def test_config_command_shows_origins(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir / "pyproject.toml", '[tool.gitops-guard]\nfail-on = "high"\n')
    r = cli("config")
    assert r.code == 0
    line = next(x for x in r.out.splitlines() if x.startswith("fail-on"))
    assert '"high"' in line and "pyproject.toml" in line
    line = next(x for x in r.out.splitlines() if x.startswith("min-severity"))
    assert "# default" in line
    r = cli("config", "--fail-on", "critical", "--json")
    doc = r.json
    setting = next(s for s in doc["settings"] if s["key"] == "fail-on")
    assert setting == {"key": "fail-on", "value": "critical", "origin": "command line"}


def test_config_command_reports_errors(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir / ".gitops-guard.toml", "exclud = []\n")
    r = cli("config")
    assert r.code == 2 and "did you mean 'exclude'" in r.err


# ---- fuzzing -----------------------------------------------------------------------------------

_keys = st.sampled_from([*config_mod.KEYS, "suppressions", "scanners", "nope", "fail_on"])
_scalars = st.one_of(
    st.booleans(),
    st.integers(-10, 10**9),
    st.text(string.printable, max_size=12),
    st.lists(st.text(string.printable, max_size=8), max_size=3),
)
_values = st.recursive(
    _scalars, lambda inner: st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys, _values, max_size=4))
def test_parse_raises_only_config_error(table: dict[str, object]) -> None:
    with contextlib.suppress(ConfigError):
        config_mod.parse(table, Path("/x/.gitops-guard.toml"), "")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_toml_text_raises_only_config_error(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ".gitops-guard.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with contextlib.suppress(ConfigError):
            load(Path(d), path)


def test_source_scanner_options_reach_bandit(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    write(in_git_dir / "a.py", "import subprocess\nassert x\n")
    write(in_git_dir / ".gitops-guard.toml", '[scanners.source]\nskips = ["B101", "B404"]\n')
    assert cli("scan", "--scanners", "source", "-f", "json").json["findings"] == []
    write(in_git_dir / ".gitops-guard.toml", '[scanners.source]\ntests = ["B101"]\n')
    r = cli("scan", "--scanners", "source", "-f", "json")
    assert [f["rule_id"] for f in r.json["findings"]] == ["B101"]


# ---- whose configuration is obeyed -----------------------------------------------------------

AWS_KEY = "AKIA" + "Q7ZLR4KXW2NMP8TB"
EXCLUDE_ALL = 'exclude = ["*"]\n'


def _secrets_scan(cli, *args: str):  # type: ignore[no-untyped-def]
    r = cli("scan", "--no-cache", "--scanners", "secrets", "-f", "json", *args)
    assert "Traceback" not in r.err
    return r


def _project(folder: Path) -> Path:
    write(folder / "settings.py", f'KEY = "{AWS_KEY}"\n')
    return folder


def test_outside_git_a_parent_folder_config_is_not_read(
    cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another user's ``exclude = ["*"]`` in a shared parent must not turn a scan into exit 0."""
    write(tmp_path / "shared" / ".gitops-guard.toml", EXCLUDE_ALL)
    write(tmp_path / "shared" / "pyproject.toml", f"[tool.gitops-guard]\n{EXCLUDE_ALL}")
    monkeypatch.chdir(_project(tmp_path / "shared" / "project"))
    r = _secrets_scan(cli)
    assert r.code == 1, r.out
    assert r.json["summary"]["config_files"] == []


def _other_user() -> int:
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    return 65534


@pytest.mark.parametrize(
    "spoil", ["file-owner", "folder-owner", "file-mode", "folder-mode", "link"]
)
def test_a_config_that_is_not_the_users_own_is_ignored_with_a_notice(
    cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spoil: str,
) -> None:
    repo = _project(tmp_path / "repo")
    (repo / ".git").mkdir()
    sub = repo / "sub"
    config = write(sub / ".gitops-guard.toml", EXCLUDE_ALL)
    write(sub / "b.py", f'KEY = "{AWS_KEY}"\n')
    if spoil == "file-owner":
        os.chown(config, _other_user(), -1)
    elif spoil == "folder-owner":
        os.chown(sub, _other_user(), -1)
    elif spoil == "file-mode":
        config.chmod(0o666)
    elif spoil == "folder-mode":
        sub.chmod(0o777)
    else:
        outside = write(tmp_path / "elsewhere.toml", EXCLUDE_ALL)
        config.unlink()
        config.symlink_to(outside)
    monkeypatch.chdir(sub)
    r = _secrets_scan(cli, ".")
    # The secret is found either way; a link out of the tree is also not scanned (exit 3).
    assert r.code == (3 if spoil == "link" else 1), r.out
    assert [f["path"] for f in r.json["findings"]] == ["b.py"]
    notices = [e["message"] for e in r.json["errors"] if "ignored" in e["message"]]
    assert len(notices) == 1 and str(config) in notices[0], r.json["errors"]
    assert r.json["summary"]["config_files"] == []


def test_a_config_in_a_sticky_shared_folder_that_is_the_users_own_is_read(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    write(shared / ".gitops-guard.toml", 'fail-on = "high"\n')
    cfg = load(shared)
    assert cfg.fail_on is Severity.HIGH and cfg.ignored_files == ()


def test_json_summary_names_the_configuration_file(cli, in_git_dir: Path) -> None:  # type: ignore[no-untyped-def]
    config = write(in_git_dir / ".gitops-guard.toml", 'fail-on = "high"\n')
    _project(in_git_dir)
    r = _secrets_scan(cli)
    assert r.json["summary"]["config_files"] == [str(config.resolve())]


@pytest.mark.parametrize(
    "value", ["../outside.json", "/etc/passwd", "/dev/zero", "sub/../../x.json"]
)
def test_a_configured_baseline_outside_the_repository_is_a_usage_error(
    cli,  # type: ignore[no-untyped-def]
    in_git_dir: Path,
    value: str,
) -> None:
    write(in_git_dir / ".gitops-guard.toml", f"baseline = {value!r}\n")
    _project(in_git_dir)
    r = _secrets_scan(cli)
    assert r.code == 2, r.out + r.err
    assert "baseline" in r.err and "outside" in r.err


def test_a_baseline_that_is_a_fifo_or_a_device_is_never_opened(
    cli,  # type: ignore[no-untyped-def]
    in_git_dir: Path,
) -> None:
    os.mkfifo(in_git_dir / "fifo.json")
    _project(in_git_dir)
    write(in_git_dir / ".gitops-guard.toml", "baseline = 'fifo.json'\n")
    r = _secrets_scan(cli)
    assert r.code == 2 and "not a regular file" in r.err, r.err
    (in_git_dir / ".gitops-guard.toml").unlink()
    for named in ("fifo.json", "/dev/zero"):
        r = _secrets_scan(cli, "--baseline", named)
        assert r.code == 2 and "not a regular file" in r.err, (named, r.err)


def test_a_config_file_that_is_a_fifo_is_never_opened(
    tmp_path: Path,
) -> None:
    """Read with a timeout in a subprocess: a FIFO opened for reading would block forever."""
    import subprocess
    import sys

    repo = _project(tmp_path / "repo")
    (repo / ".git").mkdir()
    os.mkfifo(repo / ".gitops-guard.toml")
    os.mkfifo(repo / "pyproject.toml")
    proc = subprocess.run(
        [sys.executable, "-m", "gitops_guard", "config", "--json"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["file"] is None
