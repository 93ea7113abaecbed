"""Maintain gitops_guard/data/checkov_severity.toml (not needed at runtime).

    python tools/checkov_severity.py missing   # TOML stubs for checks of the installed Checkov
                                               # without an entry, and entries of no check
    python tools/checkov_severity.py docs      # the tables and exceptions of docs/scanners.md

After a Checkov upgrade: run ``missing``, give each new check a class (read its code where the
name is ambiguous), then ``docs`` and paste the tables into docs/scanners.md ("Checkov severity").
tests/scanners/test_checkov_severity.py fails until both are done.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

from gitops_guard.scanners.checkov_common import checks_of
from gitops_guard.scanners.checkov_severity import guess_severity, severity_table
from gitops_guard.scanners.dockerfile import DockerfileScanner
from gitops_guard.scanners.iac import IacScanner

ORDER = ["critical", "high", "medium", "low", "info"]
FIRST = ["CKV_K8S", "CKV2_K8S", "CKV_DOCKER", "CKV2_DOCKER", "CKV_GHA", "CKV2_GHA", "CKV_AWS"]


def natural(check_id: str) -> tuple[str, int]:
    prefix, _, number = check_id.rpartition("_")
    return prefix, int(number) if number.isdigit() else 0


def example_order(check_id: str) -> tuple[int, tuple[str, int]]:
    prefix = natural(check_id)[0]
    return (FIRST.index(prefix) if prefix in FIRST else len(FIRST), natural(check_id))


def missing() -> int:
    table = severity_table()
    names: dict[str, set[str]] = defaultdict(set)
    for _, check in checks_of((*DockerfileScanner.frameworks, *IacScanner.frameworks)):
        names[check.id].add(str(getattr(check, "name", check.id)).strip())
    for check_id in sorted(set(names) - set(table.checks), key=natural):
        name = sorted(names[check_id])[0]
        print(f'{check_id} = {{ class = "?" }}  # {name} (guess: {guess_severity(name).value})')
    for check_id in sorted(set(table.checks) - set(names), key=natural):
        print(f"# {check_id}: no such check in this Checkov; remove its entry")
    return 0


def docs() -> int:
    table = severity_table()
    members: dict[str, list[str]] = defaultdict(list)
    topics: dict[str, set[str]] = defaultdict(set)
    for check_id, entry in table.checks.items():
        members[entry.category].append(check_id)
        if entry.topic:
            topics[entry.topic].add(check_id)
    for (check_id, _), entry in table.variants.items():
        if entry.topic:
            topics[entry.topic].add(check_id)
    counts = Counter({k: len(v) for k, v in members.items()})
    print("| class | severity | checks | rationale | examples |\n|---|---|---|---|---|")
    for name, (severity, rationale) in sorted(
        table.classes.items(), key=lambda kv: (ORDER.index(kv[1][0].value), kv[0])
    ):
        examples = ", ".join(f"`{c}`" for c in sorted(members[name], key=example_order)[:3])
        print(f"| `{name}` | {severity.value} | {counts[name]} | {rationale} | {examples} |")
    print("\n| topic | severity | Checkov checks | other engines |\n|---|---|---|---|")
    for name, (severity, _, rules) in sorted(table.topics.items()):
        ids = sorted(topics[name], key=natural)
        shown = ", ".join(f"`{c}`" for c in ids[:5])
        if len(ids) > 5:
            shown += f" and {len(ids) - 5} more"
        others = ", ".join(f"`{r}`" for r in rules) or "—"
        print(f"| `{name}` | {severity.value} | {shown} | {others} |")
    print()
    for check_id in sorted(table.checks, key=natural):
        entry = table.checks[check_id]
        if entry.why:
            print(f"- `{check_id}` ({entry.category}): **{entry.severity.value}**. {entry.why}")
        for (variant_id, name), variant in sorted(table.variants.items()):
            if variant_id == check_id:
                also = f'is also Checkov\'s id for "{name}"'
                print(f"- `{check_id}` {also}: class `{variant.category}`.")
    return 0


if __name__ == "__main__":
    commands = {"missing": missing, "docs": docs}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]]())
