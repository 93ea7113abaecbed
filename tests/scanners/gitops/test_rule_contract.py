"""The GitOps rule contract: every rule registered once, with a catalogue entry, called the same
way over one run index that reads each file once; GG001's vocabulary is data that loads strictly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gg_helpers import of, scan_files

from gitops_guard import text
from gitops_guard.scanners.gitops import GitopsScanner, registered
from gitops_guard.scanners.gitops._common import RULES
from gitops_guard.scanners.gitops.ci import PARSERS
from gitops_guard.scanners.gitops.ci import tables as t
from gitops_guard.scanners.gitops.ci.judge import _WHAT

PACKAGE_TOML = Path(t.__file__).with_name("cluster_ops.toml")


def test_every_registered_rule_has_a_catalogue_entry_and_reads_scanned_kinds() -> None:
    rules = registered()
    assert [r.id for r in rules] == sorted({r.id for r in rules}), "one rule per id, sorted"
    assert [r.id for r in rules] == [r.id for r in RULES]
    for rule in rules:
        assert rule.kinds and rule.kinds <= GitopsScanner.kinds, rule.id


def test_one_parser_per_platform_with_one_signature() -> None:
    names = {p.__module__.rsplit(".", 1)[-1] for p in PARSERS.values()}
    assert len(names) == len(PARSERS)
    assert all(p.__name__ == "parse" for p in PARSERS.values())


def test_each_file_is_read_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    real = text.read

    def counting(path: Path, fallback: text.Fallback = "replace") -> str:
        reads.append(path.name)
        return real(path, fallback)

    monkeypatch.setattr(text, "read", counting)
    result = scan_files(
        tmp_path,
        {
            ".github/workflows/deploy.yml": """
            on: push
            jobs:
              deploy:
                runs-on: ubuntu-latest
                steps:
                  - uses: ./.github/actions/ship
                  - run: ./deploy.sh && ./deploy.sh
            """,
            ".github/actions/ship/action.yml": """
            runs:
              using: composite
              steps:
                - run: kubectl apply -f k8s/
                  shell: bash
            """,
            "deploy.sh": "helm upgrade app ./chart\n",
            "k8s/app.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: app}
            spec:
              template:
                spec:
                  containers: [{name: app, image: "nginx:1.25"}]
            """,
        },
    )
    assert of(result, "GG001") and of(result, "GG005") and of(result, "GG006")
    assert sorted(reads) == sorted(set(reads)), reads


# -- GG001's vocabulary ----------------------------------------------------------------------


def test_the_package_vocabulary_loads_and_covers_every_category() -> None:
    tables = t.tables()
    used = {a.op for a in tables.actions.values()} | set(tables.action_paths.values())
    used |= {rule.op for rule in tables.cloud}
    # throwaway clusters are recognised by name patterns in code (kind, k3d...), the rest by data
    assert used - {None} == set(t.Op) - {t.Op.LOCAL_CLUSTER}
    assert set(_WHAT) | {t.Op.LOCAL_CLUSTER, t.Op.CLOUD_CLUSTER} == set(t.Op)
    for name in [*tables.actions, *tables.action_paths]:
        assert re.fullmatch(r"[a-z0-9_.-]+/[a-z0-9_./-]+", name), name
    for name, action in tables.actions.items():
        assert not action.program or action.inputs, f"{name}: a program needs inputs"


def test_a_program_is_dispatched_by_one_table_only() -> None:
    tables = t.tables()
    groups = [
        tables.kubectl_names,
        tables.helm_names,
        frozenset(tables.verbs),
        tables.harmless,
        frozenset({"flux", "argocd", "kpt", "istioctl", "tkn"}),
        frozenset(p for rule in tables.cloud for p in rule.programs),
    ]
    for i, a in enumerate(groups):
        for b in groups[i + 1 :]:
            assert not a & b, a & b
    # a throwaway-cluster program is recognised before any table: it must not be in one
    assert not tables.local_programs & frozenset().union(*groups)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[verbs.ct]\nmutating", "[verbs.ct]\nmutatin"), "verbs.ct: missing key mutating"),
        (
            ('"okteto/context" = { op = "cloud_cred" }', '"okteto/context" = { op = "cloud" }'),
            "unknown category 'cloud'",
        ),
        (
            ('"werf/actions" = {}', '"werf/actions" = { input = ["x"] }'),
            "unknown keys actions.werf/actions.input",
        ),
        (("reserved = [", "reserve = ["), "missing gitlab_reserved"),
        (
            ('harmless = ["kubeseal"', 'harmles = ["x"]\nharmless = ["kubeseal"'),
            "unknown keys harmles",
        ),
    ],
)
def test_a_typo_in_the_vocabulary_fails_loudly(edit: tuple[str, str], message: str) -> None:
    source = PACKAGE_TOML.read_text("utf-8")
    assert edit[0] in source
    with pytest.raises(ValueError, match=re.escape(message)):
        t.parse(source.replace(edit[0], edit[1], 1))


def test_every_vocabulary_file_ships_in_the_wheel() -> None:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    root = Path(t.__file__).parents[4]
    data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    shipped = data["tool"]["setuptools"]["package-data"]
    package = root / "gitops_guard" / "scanners" / "gitops"
    for toml in package.rglob("*.toml"):
        owner = ".".join(toml.parent.relative_to(root).parts)
        assert "*.toml" in shipped.get(owner, []), f"{toml} is not in package-data"
