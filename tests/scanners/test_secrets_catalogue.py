"""The credential catalogue: its data is complete and consistent, and each of its detectors finds
its own format and not the same text blanked out or with another prefix or name.

Samples are drawn from each detector's definition (secrets_samples.py), so the repository holds no
credential-shaped literal; hand-written examples in realistic files are in test_secrets_eval.py.
"""

from __future__ import annotations

import re
import sys

import pytest
from secrets_samples import Sample, make

from gitops_guard.scanners.secrets import catalogue, checks
from gitops_guard.scanners.secrets.detect import detect

CAT = catalogue.load()
#: Detectors defined by a pattern (the generic detector is code: test_secrets_generic.py).
IDS = [d.id for d in CAT.detectors if d.finder is None]


def _rules(text: str) -> set[str]:
    return {c.rule for c in detect(CAT, text, "config/app.txt", 1, 0)}


def _sample(d: catalogue.Detector) -> Sample:
    """The first of a few seeded samples that the detector must find (a random draw can, rarely,
    make a placeholder-looking run: those are filtered on purpose)."""
    for attempt in range(4):
        sample = make(d, attempt)
        if sample.value and d.id in _rules(sample.line):
            return sample
    pytest.fail(f"{d.id}: no sample of its own format is found: {make(d).line!r}")


def test_the_catalogue_is_hundreds_of_formats_of_hundreds_of_providers() -> None:
    assert len(CAT.detectors) >= 350
    assert len({d.provider for d in CAT.detectors}) >= 200


def test_every_detector_is_complete() -> None:
    for d in CAT.detectors:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", d.id), d.id
        assert d.provider and d.name and d.keywords, d.id
        assert all(k == k.lower() and len(k) >= 2 for k in d.keywords), d.id
        assert d.confidence in catalogue.CONFIDENCES and d.severity in {
            "critical",
            "high",
            "medium",
            "low",
        }, d.id


def test_every_data_file_says_where_its_formats_come_from() -> None:
    for name, data in catalogue.data_files():
        assert data.decode().startswith("# "), name


def test_prefixes_are_derived_from_the_patterns() -> None:
    by_id = CAT.by_id
    assert by_id["github-pat"].prefix == "ghp_"
    assert by_id["aws-access-key-id"].prefix == ""  # alternatives: no single prefix
    assert CAT.prefix_of("glpat-" + "a" * 20) == "glpat-"


@pytest.mark.parametrize("ident", IDS)
def test_each_detector_finds_its_format(ident: str) -> None:
    _sample(CAT.by_id[ident])


@pytest.mark.parametrize("ident", IDS)
def test_each_detector_ignores_the_value_blanked_and_another_prefix_or_name(ident: str) -> None:
    d = CAT.by_id[ident]
    sample = _sample(d)
    assert ident not in _rules(sample.blanked), sample.blanked
    if sample.renamed:
        assert ident not in _rules(sample.renamed), sample.renamed


def test_github_checksums_raise_confidence() -> None:
    d = CAT.by_id["github-pat"]
    good = _sample(d).value
    assert checks.crc32_base62_tail(good)
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    hits = {h.value: h.confidence for h in CAT.scan(f"t = {good}\nu = {bad}\n")}
    assert hits == {good: "high", bad: "medium"}


def test_the_keyword_prefilter_decides_which_detectors_run() -> None:
    assert CAT.candidates("nothing to see here") == []
    assert "github-pat" in {d.id for d in CAT.candidates("token = ghp_...")}


if __name__ == "__main__":  # pragma: no cover - print every sample, for review
    for d in CAT.detectors:
        sys.stdout.write(f"{d.id}: {make(d).line}")
