"""Hostile drift inputs are refused with DriftInputError, quickly and without expanding them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_guard.drift import DriftInputError, drift_from_manifests, drift_from_plan
from gitops_guard.drift.inputs import MAX_DEPTH, load_yaml

LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]"
            for i in range(8)
        ),
    ]
)
MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n"


def test_billion_laughs_live_export_is_refused(tmp_path: Path) -> None:
    live = tmp_path / "live.yaml"
    live.write_text(LAUGHS)
    manifests = tmp_path / "m.yaml"
    manifests.write_text(MANIFEST)
    with pytest.raises(DriftInputError, match="billion laughs"):
        drift_from_manifests(manifests, live)


def test_billion_laughs_manifest_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "ok.yaml").write_text(MANIFEST)
    (tmp_path / "m" / "laughs.yaml").write_text(LAUGHS)
    live = tmp_path / "live.yaml"
    live.write_text(MANIFEST)
    report = drift_from_manifests(tmp_path / "m", live)
    assert report.findings == ()
    (notice,) = report.errors
    assert "billion laughs" in notice.message


def test_a_few_aliases_are_fine() -> None:
    (doc,) = load_yaml("base: &b {x: 1}\nother: *b\nthird: *b\n", "live export", "x")
    assert doc.data == {"base": {"x": 1}, "other": {"x": 1}, "third": {"x": 1}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &a [*a]\n", "refers to the node that contains it"),
        ("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5), "nested more than"),
        ("[" * 5000 + "]" * 5000, "not valid YAML"),
        ("a: !!python/name:os.system\n", "not valid YAML"),
        ("t: 2001-02-30\n", "invalid value"),
        ("? [a, b]\n: c\n", "not valid YAML"),
        ("a: \x00\n", "not valid YAML"),
    ],
)
def test_hostile_yaml(text: str, expected: str) -> None:
    with pytest.raises(DriftInputError, match=expected):
        load_yaml(text, "live export", "live.yaml")


def test_deep_json_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "1.2", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(DriftInputError, match="nested"):
        drift_from_plan(path)


def test_symlink_out_of_the_manifest_dir_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(MANIFEST.replace("name: a", "name: secret-elsewhere"))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "ok.yaml").write_text(MANIFEST)
    (tmp_path / "m" / "link.yaml").symlink_to(outside)
    live = tmp_path / "live.yaml"
    live.write_text(MANIFEST)
    report = drift_from_manifests(tmp_path / "m", live)
    assert report.findings == ()  # secret-elsewhere would be MISSING if it had been read
    assert [e.message for e in report.errors] == [
        "not a regular file inside the manifest directory"
    ]
