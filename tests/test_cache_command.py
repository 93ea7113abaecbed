"""The result cache through the CLI: warm runs do no engine work; `cache info|clear`."""

from __future__ import annotations

import os
from pathlib import Path

from ggtest import REPO


def test_warm_rescan_runs_no_engine_and_matches_cold(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example = REPO / "examples" / "vulnerable-app"
    cold = cli("scan", str(example), "--scanners", "source,secrets", "-f", "json")
    warm = cli("scan", str(example), "--scanners", "source,secrets", "-f", "json")
    assert cold.code == warm.code == 1
    assert cold.json["findings"] == warm.json["findings"]
    assert cold.json["summary"]["engine_tasks"] >= 1
    assert warm.json["summary"]["engine_tasks"] == 0
    assert warm.json["summary"]["cache_misses"] == 0
    nocache = cli("scan", str(example), "--scanners", "source,secrets", "-f", "json", "--no-cache")
    assert nocache.json["findings"] == cold.json["findings"]
    assert "cache_hits" not in nocache.json["summary"]


def test_cache_info_and_clear(cli) -> None:  # type: ignore[no-untyped-def]
    cli("scan", str(REPO / "examples"), "--scanners", "source", "-f", "json")
    info = cli("cache", "info")
    assert info.code == 0
    assert os.environ["GITOPS_GUARD_CACHE_DIR"] in info.out
    assert "entries:   0" not in info.out
    cleared = cli("cache", "clear")
    assert cleared.code == 0 and "removed" in cleared.out
    assert "entries:   0" in cli("cache", "info").out
