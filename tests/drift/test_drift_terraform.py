"""Terraform drift from real `terraform show -json` plan shapes (tests/drift/fixtures/terraform)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.drift import DriftInputError, drift_from_plan
from gitops_guard.formats import Format, render
from gitops_guard.models import Severity

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def _write(tmp_path: Path, plan: object, name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(plan))
    return path


def _entry(
    rtype: str,
    before: object,
    after: object,
    actions: tuple[str, ...] = ("update",),
    name: str = "this",
) -> dict[str, object]:
    return {
        "address": f"{rtype}.{name}",
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": list(actions),
            "before": before,
            "after": after,
            "after_unknown": {},
            "before_sensitive": {},
            "after_sensitive": {},
        },
    }


def _plan(*entries: dict[str, object]) -> dict[str, object]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.7.5",
        "planned_values": {"root_module": {}},
        "resource_drift": list(entries),
        "resource_changes": [],
    }


def test_opened_security_group_is_reported_high_with_its_address() -> None:
    report = drift_from_plan(FIXTURES / "refresh_only.json")
    assert report.scanners == ("drift",)
    sg = next(f for f in report.findings if f.resource == "aws_security_group.web")
    assert sg.rule_id == "DRIFT-TF-UPDATE"
    assert sg.severity is Severity.HIGH
    assert sg.scanner == "drift" and sg.tool == "gitops-guard"
    assert "ingress opened to 0.0.0.0/0 port 22/tcp" in sg.message
    assert sg.line == 21  # the entry's "address" line in the pretty-printed plan
    assert sg.path.endswith("fixtures/terraform/refresh_only.json")


def test_tag_only_drift_is_low_and_shows_both_values() -> None:
    report = drift_from_plan(FIXTURES / "refresh_only.json")
    tags = next(f for f in report.findings if f.resource == "module.storage.aws_s3_bucket.logs")
    assert tags.severity is Severity.LOW
    assert "tags.Owner: platform -> data-team" in tags.message
    assert [f.resource for f in report.findings] == [
        "aws_security_group.web",
        "module.storage.aws_s3_bucket.logs",
    ]


def test_plan_without_drift_has_no_findings() -> None:
    report = drift_from_plan(FIXTURES / "no_drift.json")
    assert report.findings == ()
    assert report.errors == ()


def test_deleted_resources() -> None:
    report = drift_from_plan(FIXTURES / "deleted.json")
    by_resource = {f.resource: f for f in report.findings}
    pab = by_resource["aws_s3_bucket_public_access_block.data"]
    assert pab.rule_id == "DRIFT-TF-DELETE"
    assert pab.severity is Severity.HIGH
    assert "deleted outside Terraform" in pab.message
    bastion = by_resource["aws_instance.bastion[0]"]
    assert bastion.severity is Severity.MEDIUM
    assert bastion.line == 1  # `terraform show -json` writes one line


def test_sensitive_values_never_appear_in_any_output() -> None:
    report = drift_from_plan(FIXTURES / "sensitive.json")
    (finding,) = report.findings
    assert "password: (sensitive) -> (sensitive)" in finding.message
    assert "instance_class: db.t3.medium -> db.t3.large" in finding.message
    outputs = [json.dumps([f.to_dict() for f in report.findings]), repr(report)]
    outputs += [render(fmt, report) for fmt in (Format.JSON, Format.SARIF, Format.TABLE)]
    for text in outputs:
        assert "Tr0ub4dor" not in text
        assert "correct-horse" not in text


def test_sensitive_nested_block_is_masked(tmp_path: Path) -> None:
    entry = _entry(
        "aws_lambda_function",
        {"environment": [{"variables": {"API_TOKEN": "tok-before-1", "MODE": "a"}}]},
        {"environment": [{"variables": {"API_TOKEN": "tok-after-2", "MODE": "b"}}]},
    )
    entry["change"]["before_sensitive"] = {"environment": [{"variables": True}]}  # type: ignore[index]
    entry["change"]["after_sensitive"] = {"environment": [{"variables": True}]}  # type: ignore[index]
    (finding,) = drift_from_plan(_write(tmp_path, _plan(entry))).findings
    assert "environment[0].variables: (sensitive) -> (sensitive)" in finding.message
    assert "tok-" not in finding.message


@pytest.mark.parametrize("version", ["0.2", "1.0", "1.1", "1.2"])
def test_supported_format_versions(tmp_path: Path, version: str) -> None:
    plan = _fixture("refresh_only.json")
    plan["format_version"] = version
    report = drift_from_plan(_write(tmp_path, plan))
    assert [f.severity for f in report.findings] == [Severity.HIGH, Severity.LOW]


def test_old_terraform_without_drift_support_gets_a_notice(tmp_path: Path) -> None:
    plan = {"format_version": "0.1", "terraform_version": "0.14.11", "planned_values": {}}
    report = drift_from_plan(_write(tmp_path, plan))
    assert report.findings == ()
    (notice,) = report.errors
    assert "0.14.11 does not record drift" in notice.message
    assert not report.failed


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"format_version": "1.2", "resource_drift": [', "is not valid JSON (line 1"),
        ("", "is not valid JSON"),
        ("[1, 2]", "is not a Terraform plan"),
        ('{"resource_drift": []}', "has no valid format_version"),
        ('{"format_version": "2.0", "resource_drift": []}', "format_version 2.0"),
        ('{"format_version": "1.0", "values": {}}', "is Terraform state, not a plan"),
        ('{"format_version": "1.2", "variables": {}}', "is not a Terraform plan"),
        ('{"format_version": "1.2", "resource_drift": {}}', "resource_drift is not a list"),
        ('{"format_version": "1.2", "resource_drift": [{"change": {}}]}', "has no address"),
        (
            '{"format_version": "1.2", "resource_drift": [{"address": "a.b", "change": {}}]}',
            "resource_drift[0] has no list of actions",
        ),
    ],
)
def test_unusable_plans_raise_a_clear_error(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(DriftInputError) as exc:
        drift_from_plan(path)
    assert expected in str(exc.value)
    assert str(exc.value).startswith("plan plan.json")


def test_binary_plan_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "drift.tfplan"
    path.write_bytes(b"PK\x03\x04\x14\x00\x08\x00\x08\x00\xff\xfe tfplan")
    with pytest.raises(DriftInputError, match="not UTF-8 text"):
        drift_from_plan(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(DriftInputError, match="does not exist"):
        drift_from_plan(tmp_path / "nope.json")
    with pytest.raises(DriftInputError, match="is a directory"):
        drift_from_plan(tmp_path)


def test_utf16_from_powershell_redirection_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes((FIXTURES / "refresh_only.json").read_text().encode("utf-16"))
    assert len(drift_from_plan(path).findings) == 2


# (resource type, before, after, severity, words in the message)
SECURITY_CASES: list[tuple[str, object, object, Severity, str]] = [
    (
        "aws_security_group_rule",
        {
            "type": "ingress",
            "cidr_blocks": ["10.0.0.0/8"],
            "from_port": 3389,
            "to_port": 3389,
            "protocol": "tcp",
        },
        {
            "type": "ingress",
            "cidr_blocks": ["0.0.0.0/0"],
            "from_port": 3389,
            "to_port": 3389,
            "protocol": "tcp",
        },
        Severity.HIGH,
        "ingress opened to 0.0.0.0/0 port 3389/tcp",
    ),
    (
        "aws_vpc_security_group_ingress_rule",
        {"cidr_ipv6": "2001:db8::/32", "ip_protocol": "-1"},
        {"cidr_ipv6": "::/0", "ip_protocol": "-1"},
        Severity.HIGH,
        "ingress opened to ::/0 all traffic",
    ),
    (
        "aws_s3_bucket_acl",
        {"acl": "private", "bucket": "b"},
        {"acl": "public-read", "bucket": "b"},
        Severity.HIGH,
        "ACL set to public-read",
    ),
    (
        "aws_s3_bucket_public_access_block",
        {"block_public_acls": True, "block_public_policy": True},
        {"block_public_acls": True, "block_public_policy": False},
        Severity.HIGH,
        "public access block block_public_policy turned off",
    ),
    (
        "aws_s3_bucket_policy",
        {
            "policy": json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Principal": {"AWS": "arn:aws:iam::1:root"},
                            "Resource": "arn:aws:s3:::b/*",
                        }
                    ]
                }
            )
        },
        {
            "policy": json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Principal": "*",
                            "Resource": "arn:aws:s3:::b/*",
                        }
                    ]
                }
            )
        },
        Severity.CRITICAL,
        "IAM widened: principal *",
    ),
    (
        "aws_iam_policy",
        {
            "policy": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}'
        },
        {
            "policy": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
            '"Resource":"*"}]}'
        },
        Severity.CRITICAL,
        "IAM widened: admin Action * on Resource *",
    ),
    (
        "aws_iam_role",
        {
            "assume_role_policy": json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                        }
                    ]
                }
            )
        },
        {
            "assume_role_policy": json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {
                                "Service": "ec2.amazonaws.com",
                                "AWS": "arn:aws:iam::999988887777:root",
                            },
                        }
                    ]
                }
            )
        },
        Severity.HIGH,
        "IAM widened: principal arn:aws:iam::999988887777:root",
    ),
    (
        "aws_iam_role",
        {"managed_policy_arns": []},
        {"managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
        Severity.HIGH,
        "policy arn:aws:iam::aws:policy/AdministratorAccess attached",
    ),
    (
        "aws_s3_bucket",
        {
            "server_side_encryption_configuration": [
                {
                    "rule": [
                        {"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}
                    ]
                }
            ]
        },
        {"server_side_encryption_configuration": []},
        Severity.HIGH,
        "encryption turned off (server_side_encryption_configuration)",
    ),
    (
        "aws_ebs_volume",
        {"encrypted": True, "size": 20},
        {"encrypted": False, "size": 20},
        Severity.HIGH,
        "encryption turned off (encrypted)",
    ),
    (
        "aws_cloudtrail",
        {"enable_logging": True, "name": "org"},
        {"enable_logging": False, "name": "org"},
        Severity.HIGH,
        "logging turned off (enable_logging)",
    ),
    (
        "aws_lb",
        {"access_logs": [{"bucket": "logs", "enabled": True, "prefix": ""}]},
        {"access_logs": [{"bucket": "logs", "enabled": False, "prefix": ""}]},
        Severity.HIGH,
        "logging turned off (access_logs[0].enabled)",
    ),
    (
        "aws_db_instance",
        {"publicly_accessible": False},
        {"publicly_accessible": True},
        Severity.HIGH,
        "publicly_accessible turned on",
    ),
    (
        "google_storage_bucket_iam_member",
        {"member": "group:data@example.com", "role": "roles/storage.objectViewer"},
        {"member": "allUsers", "role": "roles/storage.objectViewer"},
        Severity.HIGH,
        "access granted to all users",
    ),
    (
        "aws_security_group",
        {"description": "web", "tags": {"Name": "web"}},
        {"description": "changed by hand", "tags": {"Name": "web"}},
        Severity.LOW,
        "description: web -> changed by hand",
    ),
    (
        "aws_instance",
        {"instance_type": "t3.micro"},
        {"instance_type": "t3.large"},
        Severity.MEDIUM,
        "instance_type: t3.micro -> t3.large",
    ),
    (
        "aws_iam_policy",
        {
            "policy": '{"Version": "2012-10-17", '
            '"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}'
        },
        {"policy": '{"Statement":[{"Action":"s3:*","Effect":"Allow"}],"Version":"2012-10-17"}'},
        Severity.INFO,
        "no attribute differs once normalised",
    ),
]


@pytest.mark.parametrize(("rtype", "before", "after", "severity", "words"), SECURITY_CASES)
def test_security_relevant_drift_table(
    tmp_path: Path, rtype: str, before: object, after: object, severity: Severity, words: str
) -> None:
    (finding,) = drift_from_plan(_write(tmp_path, _plan(_entry(rtype, before, after)))).findings
    assert finding.severity is severity, finding.message
    assert words in finding.message


def test_iam_policy_diff_names_the_statement_field(tmp_path: Path) -> None:
    before = {"policy": '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'}
    after = {"policy": '{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'}
    (finding,) = drift_from_plan(
        _write(tmp_path, _plan(_entry("aws_iam_policy", before, after)))
    ).findings
    assert "policy.Statement[0].Action: s3:GetObject -> s3:*" in finding.message
    assert "IAM widened: action s3:*" in finding.message


def test_replace_and_noop_actions(tmp_path: Path) -> None:
    replaced = _entry("aws_instance", {"ami": "a"}, {"ami": "b"}, ("delete", "create"), "web")
    noop = _entry("aws_instance", {"ami": "a"}, {"ami": "a"}, ("no-op",), "db")
    report = drift_from_plan(_write(tmp_path, _plan(replaced, noop)))
    assert [(f.rule_id, f.resource) for f in report.findings] == [
        ("DRIFT-TF-REPLACE", "aws_instance.web")
    ]


def test_findings_are_deterministic_and_fingerprints_stable(tmp_path: Path) -> None:
    plan = _fixture("refresh_only.json")
    first = drift_from_plan(_write(tmp_path, plan, "a.json"))
    reordered = copy.deepcopy(plan)
    reordered["resource_drift"].reverse()
    second = drift_from_plan(_write(tmp_path, reordered, "a.json"))
    assert [f.resource for f in first.findings] == [f.resource for f in second.findings]
    assert {f.fingerprint for f in first.findings} == {f.fingerprint for f in second.findings}
