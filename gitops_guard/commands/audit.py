"""``gitops-guard baseline audit``: review what a baseline accepts, one entry at a time.

The tree is scanned as ``baseline create`` would (nothing hidden), so each entry is shown where it
is now: rule, file and line, the engine's message and the flagged line with every value masked
(:func:`gitops_guard.redact.mask_line`; a secret's value is never printed). The reviewer marks it
``accepted`` with a reason, or ``real`` (a real problem: it is no longer hidden, so ``scan`` reports
it until it is fixed), or skips it. Verdicts and reasons go into the baseline file (optional
``verdict`` and ``reason`` fields that older gitops-guard versions ignore), written atomically when
the walk ends or on ``q``; Ctrl-C writes nothing. ``--list`` prints every entry and its verdict
without asking anything.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import click
from rich.console import Console
from rich.text import Text

from gitops_guard import baseline as baseline_mod
from gitops_guard import dedupe, pipeline
from gitops_guard.commands.common import recording_options, shown
from gitops_guard.errors import UsageError
from gitops_guard.exit_codes import ExitCode
from gitops_guard.formats import escape as esc
from gitops_guard.models import Finding
from gitops_guard.redact import mask_line

Entry = baseline_mod.Entry
CHOICES = {"a": "accept", "r": "real problem", "s": "skip", "q": "save and quit"}


class _Located:
    """Where each baseline entry's findings are in the current tree."""

    def __init__(self, outcome: pipeline.Outcome) -> None:
        self.by_fingerprint: dict[str, list[Finding]] = {}
        self.secret_lines: set[tuple[str, int]] = set()
        for f in outcome.report.findings:
            for fp in (f.fingerprint, *f.merged):
                self.by_fingerprint.setdefault(fp, []).append(f)
            if dedupe.topic(f) == "hardcoded-secret":
                self.secret_lines.add((f.path, f.line))
        self.files = {t.path: t.abspath for t in outcome.targets.targets}
        self._lines: dict[str, list[str]] = {}

    def line(self, f: Finding) -> str | None:
        """The flagged line, masked; None for a whole-file finding or an unreadable file."""
        if f.line < 1 or f.path not in self.files:
            return None
        if f.path not in self._lines:
            try:
                data = self.files[f.path].read_bytes()
            except OSError:
                data = b""
            self._lines[f.path] = data.decode("utf-8", "replace").splitlines()
        lines = self._lines[f.path]
        if f.line > len(lines):
            return None
        secret = (f.path, f.line) in self.secret_lines or dedupe.topic(f) == "hardcoded-secret"
        return esc.clean(mask_line(lines[f.line - 1], secret=secret))


def _show(console: Console, n: int, total: int, entry: Entry, where: _Located) -> None:
    found = where.by_fingerprint.get(entry.fingerprint, [])
    head = Text(f"[{n}/{total}] ", style="dim")
    head.append(f"{esc.clean(entry.scanner)}/{esc.clean(entry.rule_id)}", style="bold")
    head.append(f"  {esc.path(entry.path)}")
    if found:
        head.append(":" + ",".join(str(f.line) for f in found[:5] if f.line))
    head.append(f"  (count {entry.count})", style="dim")
    console.print(head, soft_wrap=True)
    if not found:
        console.print(
            Text("      not found by this scan: fixed, or outside what was scanned", style="dim"),
            soft_wrap=True,
        )
    for f in found[:3]:
        console.print(Text(f"      {esc.clean(' '.join(f.message.split()))}"), soft_wrap=True)
        line = where.line(f)
        if line is not None:
            console.print(Text(f"{f.line:>6} | {line}", style="cyan"), soft_wrap=True)
    if entry.verdict is not None:
        verdict = Text(f"      verdict: {entry.verdict}", style="green")
        if entry.reason:
            verdict.append(f" - {esc.clean(entry.reason)}")
        console.print(verdict, soft_wrap=True)


def _ask(prompt: str) -> str | None:
    """One line from standard input (stripped); None at its end."""
    click.echo(prompt, nl=False)
    answer = sys.stdin.readline()
    if not answer:
        click.echo()
        return None
    if not sys.stdin.isatty():  # answers piped in: show them, so the transcript reads well
        click.echo(answer.strip())
    return answer.strip()


def _decide(entry: Entry) -> Entry | None:
    """The reviewer's verdict on ``entry`` (unchanged for skip); None to stop the walk."""
    keys = ", ".join(f"[{k}] {v}" for k, v in CHOICES.items())
    while True:
        choice = _ask(f"  {keys}: ")
        if choice is None or choice.lower() == "q":
            return None
        choice = choice.lower()[:1]
        if choice == "s":
            return entry
        if choice == "a":
            while True:
                reason = _ask("  reason it is acceptable (required): ")
                if reason is None:
                    return None
                if baseline_mod.clean_reason(reason):
                    return replace(
                        entry,
                        verdict=baseline_mod.ACCEPTED,
                        reason=baseline_mod.clean_reason(reason),
                    )
        if choice == "r":
            note = _ask("  note (optional): ")
            return replace(
                entry, verdict=baseline_mod.REAL, reason=baseline_mod.clean_reason(note or "")
            )
        click.echo(f"  please answer one of: {', '.join(CHOICES)}")


@click.command("audit")
@click.option("--list", "list_only", is_flag=True, help="Print every entry; ask nothing.")
@click.option(
    "--all", "revisit", is_flag=True, help="Also walk entries that already have a verdict."
)
@recording_options
def audit(request: pipeline.ScanRequest, list_only: bool, revisit: bool) -> int:
    """Walk the baseline's entries: show each flagged line (values masked) and mark it accepted,
    with a reason, or a real problem (then `scan` reports it again). Answers are read from
    standard input; `q` saves and stops, Ctrl-C leaves the file as it was."""
    outcome = pipeline.record(request)
    dest = outcome.baseline_path
    if not dest.exists():
        raise UsageError(
            f"{shown(dest)}: no such baseline file (create one with `gitops-guard baseline create`)"
        )
    old = baseline_mod.load(dest)
    where = _Located(outcome)
    console = Console(highlight=False, emoji=False, markup=False, soft_wrap=True)
    if outcome.report.failed:
        click.echo(
            "gitops-guard: a scanner failed; some entries may show as not found "
            "(run `gitops-guard scan` to see why)",
            err=True,
        )
    todo = [e for e in old.entries if revisit or e.verdict is None or list_only]
    if list_only:
        for n, entry in enumerate(todo, start=1):
            _show(console, n, len(todo), entry, where)
        _summary(old)
        return ExitCode.OK
    if not todo:
        click.echo(f"{shown(dest)}: every entry has a verdict (`--all` walks them again)")
        return ExitCode.OK
    decided: dict[str, Entry] = {}
    for n, entry in enumerate(todo, start=1):
        _show(console, n, len(todo), entry, where)
        verdict = _decide(entry)
        if verdict is None:
            break
        decided[entry.fingerprint] = verdict
    new = baseline_mod.Baseline(tuple(decided.get(e.fingerprint, e) for e in old.entries))
    changed = sum(1 for a, b in zip(old.entries, new.entries, strict=True) if a != b)
    if changed:
        baseline_mod.write(dest, new)
    click.echo(f"{shown(dest)}: {changed} verdict(s) recorded")
    _summary(new)
    return ExitCode.OK


def _summary(data: baseline_mod.Baseline) -> None:
    counts = {v: sum(1 for e in data.entries if e.verdict == v) for v in baseline_mod.VERDICTS}
    open_ = sum(1 for e in data.entries if e.verdict is None)
    click.echo(
        f"{len(data)} entries: {counts[baseline_mod.ACCEPTED]} accepted, "
        f"{counts[baseline_mod.REAL]} real (reported by scan until fixed), {open_} not audited"
    )
