"""Every output format: registered, rendering, and snapshot-tested on one fixed report."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gitops_guard.formats import _FORMATTERS, Format, RenderOptions, formatter, render
from gitops_guard.models import Report

#: Snapshot file per format (a per-format extension keeps them readable in an editor).
EXTENSION = {"json": "json", "sarif": "sarif", "junit": "xml", "gitlab": "json"}


def test_every_format_has_a_formatter() -> None:
    assert set(_FORMATTERS) == set(Format)
    for fmt in Format:
        assert callable(formatter(fmt))


@pytest.mark.parametrize("fmt", list(Format), ids=lambda f: f.value)
def test_every_format_renders_the_empty_report(fmt: Format) -> None:
    text = render(fmt, Report(findings=()), RenderOptions())
    assert isinstance(text, str)
    assert text.endswith("\n") or text == ""


@pytest.mark.parametrize("fmt", list(Format), ids=lambda f: f.value)
def test_snapshot(fmt: Format, report: Report, snapshot: Callable[[str, str], None]) -> None:
    text = render(fmt, report, RenderOptions(color=False, width=100))
    snapshot(f"{fmt.value}.{EXTENSION.get(fmt.value, 'txt')}", text)


@pytest.mark.parametrize("fmt", list(Format), ids=lambda f: f.value)
def test_rendering_is_deterministic(fmt: Format, report: Report) -> None:
    options = RenderOptions(color=False, width=100)
    assert render(fmt, report, options) == render(fmt, report, options)


def test_only_the_table_imports_rich() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from gitops_guard.formats import Format, render\n"
        "from gitops_guard.models import Report\n"
        "for f in Format:\n"
        "    if f is not Format.TABLE:\n"
        "        render(f, Report(findings=()))\n"
        "assert 'rich' not in sys.modules, [m for m in sys.modules if m.startswith('rich')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("group_by", ["rule", "severity"])
def test_grouped_table_snapshot(
    group_by: str, report: Report, snapshot: Callable[[str, str], None]
) -> None:
    text = render(Format.TABLE, report, RenderOptions(color=False, width=90, group_by=group_by))
    assert all(len(line) <= 90 and line == line.rstrip() for line in text.splitlines())
    snapshot(f"table-by-{group_by}.txt", text)


def test_notices_are_collapsed_by_reason_actionable_first() -> None:
    from dataclasses import replace

    from gitops_guard.models import ErrorKind, ScanError

    base = Report(findings=())
    binaries = tuple(
        ScanError("gitops-guard", "binary file; not scanned", f"img/{i}.png", ErrorKind.SKIPPED)
        for i in range(130)
    )
    chart = ScanError(
        "iac", "helm is not installed; Helm chart not rendered", "chart", ErrorKind.SKIPPED
    )
    text = render(
        Format.TABLE,
        replace(base, errors=(*binaries, chart)),
        RenderOptions(color=False, width=120),
    )
    lines = [line for line in text.splitlines() if line.startswith("skipped:")]
    assert len(lines) == 2
    assert "helm is not installed" in lines[0]
    assert "130 files (img/0.png, img/1.png, img/2.png +127 more)" in lines[1]
