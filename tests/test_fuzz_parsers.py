"""Fuzzing the small parsers of untrusted input that no other test module fuzzes: file
classification, the YAML/JSON walk guards, git's NUL-separated names, --output specs, severities,
and the text that reaches a report. (Config, baseline, suppressions and drift inputs are fuzzed in
their own test modules.)"""

from __future__ import annotations

import os
import string
from pathlib import Path

import hostile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_guard import git, output, safeyaml, targets
from gitops_guard.formats import Format
from gitops_guard.models import Severity
from gitops_guard.redact import first_line
from gitops_guard.targets import Kind

from ggtest import git as run_git

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = {v for k, v in vars(Kind).items() if k.isupper()}

path_part = st.text(
    alphabet=st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=12,
)
rel_paths = st.lists(path_part, min_size=1, max_size=5).map("/".join)
raw_names = st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b)


@FUZZ
@given(path=rel_paths, head=st.binary(max_size=2048), charts=st.frozensets(rel_paths, max_size=3))
def test_classify_never_raises_and_names_known_kinds(
    path: str, head: bytes, charts: frozenset[str]
) -> None:
    kinds = targets.classify(path, head, charts)
    assert kinds <= KINDS
    assert (not kinds) == targets.is_binary(head)


@FUZZ
@given(name=raw_names, head=st.binary(max_size=512))
def test_classify_takes_any_file_name_git_or_the_os_gives(name: bytes, head: bytes) -> None:
    targets.classify(os.fsdecode(name), head)


@FUZZ
@given(text=st.text(max_size=400))
def test_yaml_guard_never_raises(text: str) -> None:
    for problem in (safeyaml.problem(text), safeyaml.json_problem(text)):
        assert problem is None or isinstance(problem, str)


yaml_alphabet = st.sampled_from([*"[]{}&*-:, \n'\"!#ab1|>", "&a ", "*a", "&b ", "*b"])


@FUZZ
@given(parts=st.lists(yaml_alphabet, max_size=80))
def test_yaml_guard_on_yaml_shaped_noise(parts: list[str]) -> None:
    problem = safeyaml.problem("".join(parts))
    assert problem is None or "YAML" in problem


@FUZZ
@given(levels=st.integers(2, 12), width=st.integers(2, 10))
def test_yaml_guard_bounds_every_alias_bomb(levels: int, width: int) -> None:
    """Flagged exactly when the expansion passes the limit; a small anchor file is fine."""
    text = hostile.billion_laughs("kind: x", levels=levels, width=width)
    size = [1 + width]  # l0: a sequence of `width` scalars
    for _ in range(1, levels):
        size.append(1 + width * size[-1])  # l{i}: a sequence of `width` aliases of l{i-1}
    # The top mapping, `kind: x`, `lols` and its mapping, one key per level.
    expanded = 5 + levels + sum(size)
    problem = safeyaml.problem(text, safeyaml.Limits(max_nodes=100_000))
    assert (problem is not None) == (expanded > 100_000), (levels, width, expanded, problem)


@FUZZ
@given(depth=st.integers(1, 1500), kind=st.sampled_from(["[", "{a: ", "- "]))
def test_yaml_guard_bounds_nesting(depth: int, kind: str) -> None:
    if kind == "- ":
        depth = min(depth, 300)
        text = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x\n"
        collections = depth
    else:
        close = "]" if kind == "[" else "}"
        text = "a: " + kind * depth + ("" if kind == "[" else "1") + close * depth + "\n"
        collections = depth + 1  # the top-level mapping is one more
    problem = safeyaml.problem(text, safeyaml.Limits(max_depth=100))
    deep = collections > 100
    assert (problem is not None and "nested" in problem) == deep, (depth, kind, problem)


@FUZZ
@given(depth=st.integers(0, 500), noise=st.text(alphabet='[]{}"\\', max_size=30))
def test_json_guard_counts_real_nesting_only(depth: int, noise: str) -> None:
    inside_a_string = '"' + noise.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = "[" * depth + inside_a_string + "]" * depth
    problem = safeyaml.json_problem(text, max_depth=200)
    assert (problem is not None) == (depth > 200)


@FUZZ
@given(names=st.lists(raw_names, max_size=8))
def test_git_nul_separated_names_round_trip(names: list[bytes]) -> None:
    out = b"".join(n + b"\0" for n in names)
    assert git._split_z(out) == [os.fsdecode(n) for n in names]


@FUZZ
@given(names=st.lists(raw_names, min_size=1, max_size=6))
def test_git_index_entries_keep_tabs_and_newlines_in_names(names: list[bytes]) -> None:
    out = b"".join(b"100644 " + b"0" * 40 + b" 0\t" + name + b"\0" for name in names)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(git, "_run", lambda args, cwd, **kw: out)
        entries = git.index_entries(Path("."))
    assert [e.path for e in entries] == [os.fsdecode(n) for n in names]


spec_text = st.text(
    alphabet=string.ascii_letters + string.digits + ":/._- " + "é\u202e", max_size=24
)
formats = st.lists(
    st.one_of(st.sampled_from([f.value for f in Format] + ["JSON", "Sarif"]), spec_text),
    max_size=3,
)


@FUZZ
@given(fmts=formats, outs=st.lists(spec_text, max_size=3))
def test_output_plan_accepts_or_explains(fmts: list[str], outs: list[str]) -> None:
    try:
        dests = output.plan(fmts, outs, Format.JSON)
    except output.OutputSpecError as exc:
        assert str(exc)
        return
    assert dests and all(isinstance(d.format, Format) for d in dests)
    assert sum(d.path is None for d in dests) <= max(1, len(fmts))


@FUZZ
@given(value=st.text(max_size=20))
def test_severity_parse_accepts_or_explains(value: str) -> None:
    try:
        sev = Severity.parse(value)
    except ValueError as exc:
        assert "choose from" in str(exc)
        return
    assert sev.value == value.strip().lower()


@FUZZ
@given(text=st.text(max_size=600))
def test_engine_messages_keep_one_bounded_line(text: str) -> None:
    line = first_line(text)  # what the engine applies to engine messages
    assert "\n" not in line and "\r" not in line and len(line) <= 300


@FUZZ
@given(text=st.text(alphabet=st.characters(), max_size=200))
def test_report_text_is_always_valid_utf8(text: str) -> None:
    """Lone surrogates (undecodable file-name bytes) never make writing a report fail."""
    fixed = output.valid_utf8(text)
    fixed.encode("utf-8")
    if not any("\ud800" <= c <= "\udfff" for c in text):
        assert fixed == text


def test_hostile_names_in_a_real_git_repository(in_git_dir: Path) -> None:
    names = [b"with space.py", b"new\nline.py", b"-rf.py", b"tab\there.py", b"latin1-\xe9.py"]
    for name in names:
        with open(os.path.join(os.fsencode(in_git_dir), name), "wb") as fh:
            fh.write(b"x = 1\n")
    run_git(in_git_dir, "add", "--", *(os.fsdecode(n) for n in names[:2]))
    ts = targets.discover([in_git_dir])
    assert sorted(t.path for t in ts.targets) == sorted(os.fsdecode(n) for n in names)
