"""Fuzzing the drift parsers (issue 10): any input either works or raises DriftInputError."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_guard.drift import DriftInputError, drift_from_manifests, drift_from_plan

FIXTURES = Path(__file__).parent / "fixtures"
PLAN = json.loads((FIXTURES / "terraform" / "refresh_only.json").read_text())
LIVE = (FIXTURES / "k8s" / "live.yaml").read_text()
MANIFEST = (FIXTURES / "k8s" / "manifests" / "deployment.yaml").read_text()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[head] = _replace(value[head], tuple(rest), new)
    return copy


def _run(fn: Any, *texts: tuple[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, text in texts:
            path = Path(tmp, name)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8", errors="surrogatepass")
            paths.append(path)
        try:
            fn(*paths)
        except DriftInputError as exc:
            assert str(exc) and "\n" not in str(exc)


PLAN_PATHS = _paths(PLAN)
LIVE_ITEMS = st.sampled_from(range(4))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PLAN_PATHS), json_values), min_size=1, max_size=4))
def test_mutated_plans(mutations: list[tuple[tuple[Any, ...], Any]]) -> None:
    plan: Any = PLAN
    for path, value in mutations:
        try:
            plan = _replace(plan, path, value)
        except (KeyError, IndexError, TypeError, ValueError):  # path gone after a mutation
            continue
    _run(drift_from_plan, ("plan.json", json.dumps(plan)))


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_random_plan_bytes(data: bytes | str) -> None:
    _run(drift_from_plan, ("plan.json", data))


@FUZZ
@given(st.integers(0, len(LIVE) - 1), st.integers(0, 40), st.text(max_size=20))
def test_spliced_live_exports(start: int, length: int, insert: str) -> None:
    text = LIVE[:start] + insert + LIVE[start + length :]
    _run(drift_from_manifests, ("m.yaml", MANIFEST), ("live.yaml", text))


@FUZZ
@given(st.integers(0, len(MANIFEST) - 1), st.integers(0, 30), st.text(max_size=20))
def test_spliced_manifests(start: int, length: int, insert: str) -> None:
    text = MANIFEST[:start] + insert + MANIFEST[start + length :]
    _run(drift_from_manifests, ("m.yaml", text), ("live.yaml", LIVE))


@FUZZ
@given(json_values, json_values)
def test_structured_kubernetes_objects(spec: Any, live_spec: Any) -> None:
    def obj(body: Any) -> str:
        return json.dumps(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": body,
            }
        )

    _run(drift_from_manifests, ("m.yaml", obj(spec)), ("live.yaml", obj(live_spec)))
