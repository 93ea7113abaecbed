"""Nothing drift prints leaks a value (issue 14): every hostile input below plants a canary where a
credential would sit, and the canary must appear in no report format, no notice and no error,
while the finding still says which field changed. docs/security.md ("drift") lists them."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.drift import DriftInputError, drift_from_manifests, drift_from_plan
from gitops_guard.formats import Format, render
from gitops_guard.models import Report

CANARY = "canary-7f3a"
"""Plain text (no credential shape of its own), so only the mask under test can hide it."""


def _outputs(report: Report) -> str:
    texts = [render(fmt, report) for fmt in Format]
    texts += [repr(report), json.dumps([f.to_dict() for f in report.findings])]
    return "\n".join(texts)


def _message(report: Report) -> str:
    (finding,) = report.findings
    assert CANARY not in _outputs(report)
    return finding.message


# --- Terraform: a value marked sensitive on one side only is masked on both -----------------------


def _plan(tmp_path: Path, before: object, after: object, b_marks: object, a_marks: object) -> Path:
    entry = {
        "address": "aws_db_instance.main",
        "mode": "managed",
        "type": "aws_db_instance",
        "name": "main",
        "change": {
            "actions": ["update"],
            "before": before,
            "after": after,
            "before_sensitive": b_marks,
            "after_sensitive": a_marks,
        },
    }
    plan = {"format_version": "1.2", "planned_values": {}, "resource_drift": [entry]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


OLD, NEW = f"{CANARY}-old", f"{CANARY}-new"
ONE_SIDED: list[tuple[str, dict[str, Any], dict[str, Any], object, object, str]] = [
    # (case, before, after, before_sensitive, after_sensitive, expected in the message)
    ("after only", {"x": OLD}, {"x": NEW}, {}, {"x": True}, "x: (sensitive) -> (sensitive)"),
    ("before only", {"x": OLD}, {"x": NEW}, {"x": True}, {}, "x: (sensitive) -> (sensitive)"),
    (
        "in a map",
        {"m": {"k": OLD, "n": 1}},
        {"m": {"k": NEW, "n": 1}},
        {},
        {"m": {"k": True}},
        "m.k: (sensitive) -> (sensitive)",
    ),
    (
        "in a list of blocks",
        {"b": [{"k": OLD}]},
        {"b": [{"k": NEW}]},
        {"b": [{}]},
        {"b": [{"k": True}]},
        "b[0].k: (sensitive) -> (sensitive)",
    ),
    (
        "a block removed from a list that changed length",
        {"b": [{"k": OLD, "id": 1}]},
        {"b": [{"k": NEW, "id": 2}, {"k": NEW, "id": 3}]},
        {},
        {"b": [{"k": True}, {"k": True}]},
        'b[0]: {"id":1,"k":"(sensitive)"} -> (absent)',
    ),
    (
        "a whole object as a bool",
        {"x": OLD, "y": 1},
        {"x": NEW, "y": 2},
        True,
        False,
        "(all): (sensitive) -> (sensitive)",
    ),
    (
        "a nested object as a bool",
        {"m": {"k": OLD}},
        {"m": {"k": NEW}},
        {},
        {"m": True},
        "m: (sensitive) -> (sensitive)",
    ),
    ("a mark that is not a bool", {"x": OLD}, {"x": NEW}, {}, {"x": 1}, "x: (sensitive)"),
    (
        "marks shaped unlike the value",
        {"x": OLD},
        {"x": NEW},
        {},
        {"x": {"k": True}},
        "x: (sensitive) -> (sensitive)",
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "b_marks", "a_marks", "expected"),
    [case[1:] for case in ONE_SIDED],
    ids=[case[0] for case in ONE_SIDED],
)
def test_terraform_masks_both_sides_of_a_value_marked_on_one(
    tmp_path: Path, before: object, after: object, b_marks: object, a_marks: object, expected: str
) -> None:
    report = drift_from_plan(_plan(tmp_path, before, after, b_marks, a_marks))
    assert expected in _message(report)


def test_a_sensitive_setting_cleared_is_still_judged_without_showing_it(tmp_path: Path) -> None:
    before, after = {"kms_key_id": f"arn:aws:kms:key/{CANARY}"}, {"kms_key_id": ""}
    report = drift_from_plan(_plan(tmp_path, before, after, {"kms_key_id": True}, {}))
    message = _message(report)
    assert "encryption turned off (kms_key_id)" in message
    assert 'kms_key_id: (sensitive) -> ""' in message
    assert report.findings[0].severity.value == "high"


def test_terraform_version_notice_quotes_only_the_version(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    plan = {"format_version": "0.1", "terraform_version": f"0.14.11-{CANARY}", "planned_values": {}}
    path.write_text(json.dumps(plan))
    (notice,) = drift_from_plan(path).errors
    assert "Terraform 0.14.11 does not record drift" in notice.message
    assert CANARY not in notice.message


# --- Kubernetes: credential-shaped live values are redacted ---------------------------------------


def _deployment(container: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", **container}]}}},
    }


def _config_map(data: dict[str, str], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "app", "namespace": "shop"}
    if annotations is not None:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def _kube(tmp_path: Path, manifest: object, live: object) -> Report:
    (tmp_path / "m.yaml").write_text(json.dumps(manifest))
    (tmp_path / "live.yaml").write_text(json.dumps(live))
    return drift_from_manifests(tmp_path / "m.yaml", tmp_path / "live.yaml")


GITHUB_TOKEN = "ghp_" + base64.b32encode(hashlib.sha256(CANARY.encode()).digest()).decode()[:36]
RANDOM = base64.b64encode(hashlib.sha256(CANARY.encode()).digest()).decode()[:40]
KUBE_CASES: list[tuple[str, object, object, str, str]] = [
    # (case, manifest, live, secret value, expected in the message)
    (
        "URL credentials in an env value",
        _deployment({"env": [{"name": "DATABASE_URL", "value": f"postgres://app:{OLD}@db/shop"}]}),
        _deployment({"env": [{"name": "DATABASE_URL", "value": f"postgres://app:{NEW}@db/shop"}]}),
        CANARY,
        "containers[web].env[DATABASE_URL].value: value changed (redacted)",
    ),
    (
        "a --flag=value argument",
        _deployment({"args": ["serve", f"--db-password={OLD}"]}),
        _deployment({"args": ["serve", f"--db-password={NEW}"]}),
        CANARY,
        "containers[web].args: value changed (redacted)",
    ),
    (
        "a --flag value argument pair",
        _deployment({"args": ["serve"]}),
        _deployment({"args": ["serve", "--token", NEW]}),
        CANARY,
        'containers[web].args: ["serve"] -> ["serve","--token","(sensitive)"]',
    ),
    (
        "a live-only env var whose name says nothing",
        _deployment({"env": [{"name": "LOG_LEVEL", "value": "info"}]}),
        _deployment(
            {
                "env": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "GIT_REMOTE", "value": f"https://{GITHUB_TOKEN}@github.com/o/r"},
                ]
            }
        ),
        GITHUB_TOKEN,
        'env[GIT_REMOTE]: (absent) -> {"name":"GIT_REMOTE","value":"https://***@github.com/o/r"}',
    ),
    (
        "a password pair inside ConfigMap data",
        _config_map({"application.properties": f"db.url=jdbc:x\ndb.password={OLD}\n"}),
        _config_map({"application.properties": f"db.url=jdbc:x\ndb.password={NEW}\n"}),
        CANARY,
        'data["application.properties"]: value changed (redacted)',
    ),
    (
        "a ConfigMap key that names a credential",
        _config_map({"mode": "a"}),
        _config_map({"mode": "a", "api-token": NEW}),
        CANARY,
        "data.api-token: (absent) -> (sensitive)",
    ),
    (
        "a high-entropy token in ConfigMap data",
        _config_map({"id": "x"}),
        _config_map({"id": RANDOM}),
        RANDOM,
        "data.id: x -> ***",
    ),
    (
        "a token as a map key",
        _config_map({}),
        _config_map({GITHUB_TOKEN: "x"}),
        GITHUB_TOKEN,
        "data.***: (absent) -> x",
    ),
    (
        "a known token format in an annotation",
        _config_map({}, {"example.com/webhook": "off"}),
        _config_map({}, {"example.com/webhook": f"on {GITHUB_TOKEN}"}),
        GITHUB_TOKEN,
        'metadata.annotations["example.com/webhook"]: off -> on ***',
    ),
    (
        "an annotation whose key names a credential",
        _config_map({}, {"example.com/auth": OLD}),
        _config_map({}, {"example.com/auth": NEW}),
        CANARY,
        'metadata.annotations["example.com/auth"]: (sensitive) -> (sensitive)',
    ),
]


@pytest.mark.parametrize(
    ("manifest", "live", "secret", "expected"),
    [case[1:] for case in KUBE_CASES],
    ids=[case[0] for case in KUBE_CASES],
)
def test_kubernetes_credential_shaped_values_are_redacted(
    tmp_path: Path, manifest: object, live: object, secret: str, expected: str
) -> None:
    report = _kube(tmp_path, manifest, live)
    message = _message(report)
    assert secret not in _outputs(report)
    assert expected in message


def test_secret_data_is_never_shown_whatever_its_shape(tmp_path: Path) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"}}
    value = base64.b64encode(NEW.encode()).decode()
    manifest = {**secret, "stringData": {"user": "app"}}
    for live_data in ({"user": "YXBw", "extra": value}, value, [value]):
        message = _message(_kube(tmp_path, manifest, {**secret, "data": live_data}))
        assert value not in message
        assert "(sensitive)" in message


def test_plain_values_are_still_shown(tmp_path: Path) -> None:
    image = "registry.example.com/shop/web@sha256:" + hashlib.sha256(b"web").hexdigest()
    report = _kube(
        tmp_path,
        _deployment({"image": "nginx:1.25.3", "args": ["--log-level=info"]}),
        _deployment({"image": image, "args": ["--log-level=debug"]}),
    )
    (finding,) = report.findings
    assert f"image: nginx:1.25.3 -> {image}" in finding.message
    assert 'args: ["--log-level=info"] -> ["--log-level=debug"]' in finding.message


# --- parse errors quote nothing of the input -----------------------------------------------------

TAGGED = f"apiVersion: v1\nkind: ConfigMap\ndata:\n  password: !<tag:{CANARY}> x\n"


def test_live_export_parse_error_is_redacted(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(json.dumps(_config_map({})))
    (tmp_path / "live.yaml").write_text(TAGGED)
    with pytest.raises(DriftInputError) as exc:
        drift_from_manifests(tmp_path / "m.yaml", tmp_path / "live.yaml")
    assert "is not valid YAML" in str(exc.value) and "(line 4, column 13)" in str(exc.value)
    assert CANARY not in str(exc.value)


def test_manifest_parse_error_notice_is_redacted(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "ok.yaml").write_text(json.dumps(_config_map({})))
    (tmp_path / "m" / "bad.yaml").write_text(TAGGED)
    (tmp_path / "live.yaml").write_text(json.dumps(_config_map({})))
    report = drift_from_manifests(tmp_path / "m", tmp_path / "live.yaml")
    (notice,) = report.errors
    assert notice.message.startswith("not valid YAML:")
    assert CANARY not in _outputs(report)
