"""GG008-GG013: GitLab CI supply-chain rules, on real-shaped pipelines."""

from __future__ import annotations

from pathlib import Path

import pytest
from gg_helpers import line_of, of, scan_files

from gitops_guard.models import Severity
from gitops_guard.scanners.gitops.gitlab.injection import injected
from gitops_guard.scanners.gitops.gitlab.vocabulary import vocabulary

SHA = "787123b47f14b552955ca2786bc9542ae66fee5b"

# Every include form GitLab documents, in one pipeline.
INCLUDES = f"""
include:
  - local: '/.gitlab/ci/build.yml'
  - '/.gitlab/ci/lint.yml'
  - remote: 'https://example.com/ci/deploy.yml'
  - 'https://example.com/ci/notify.yml'
  - remote: 'https://example.com/ci/pinned.yml'
    integrity: 'sha256-L3/GAoKaw0Arw6hDCKeKQlV1QPEgHYxGBHsH4zG1IY8='
  - project: 'platform/ci-templates'
    ref: main
    file: '/templates/build.yml'
  - project: 'platform/ci-templates'
    file:
      - '/templates/test.yml'
  - project: 'platform/ci-templates'
    ref: {SHA}
    file: '/templates/pinned.yml'
  - project: 'platform/ci-templates'
    ref: v2.3.1
    file: '/templates/released.yml'
  - template: Security/SAST.gitlab-ci.yml
  - component: $CI_SERVER_FQDN/components/secret-detection/secret-detection@~latest
  - component: gitlab.com/components/opentofu/full-pipeline@1
  - component: gitlab.com/components/sast/sast@2.1.0
  - component: gitlab.com/components/code-quality/code-quality@{SHA}

stages: [build, test]

unit:
  stage: test
  script: [make test]
"""


def rule(tmp_path: Path, rule_id: str, files: dict[str, str]) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in of(scan_files(tmp_path, files), rule_id)]


def test_remote_includes_are_flagged_on_their_lines(tmp_path: Path) -> None:
    found = rule(tmp_path, "GG008", {".gitlab-ci.yml": INCLUDES})
    assert [line for line, _ in found] == [
        line_of(tmp_path, ".gitlab-ci.yml", "ci/deploy.yml"),
        line_of(tmp_path, ".gitlab-ci.yml", "ci/notify.yml"),
    ]


def test_a_single_url_include_is_remote_too(tmp_path: Path) -> None:
    text = "include: 'http://example.com/ci.yml'\njob:\n  script: [make]\n"
    found = rule(tmp_path, "GG008", {".gitlab-ci.yml": text})
    assert len(found) == 1 and "plain http" in found[0][1]


def test_unpinned_project_and_component_includes(tmp_path: Path) -> None:
    found = rule(tmp_path, "GG009", {".gitlab-ci.yml": INCLUDES})
    lines = [line for line, _ in found]
    assert lines == [
        line_of(tmp_path, ".gitlab-ci.yml", "ref: main"),
        line_of(tmp_path, ".gitlab-ci.yml", "- '/templates/test.yml'") - 2,  # the project: line
        line_of(tmp_path, ".gitlab-ci.yml", "@~latest"),
        line_of(tmp_path, ".gitlab-ci.yml", "full-pipeline@1"),
    ]
    assert "'main'" in found[0][1] and "no ref" in found[1][1]
    assert "~latest" in found[2][1] and "version '1'" in found[3][1]


def test_a_project_include_pinned_to_a_commit_is_never_reported(tmp_path: Path) -> None:
    text = f"""
    include:
      - project: 'platform/ci-templates'
        ref: {SHA}
        file: '/templates/build.yml'
    build:
      script: [make]
    """
    result = scan_files(tmp_path, {".gitlab-ci.yml": text})
    assert result.findings == ()


@pytest.mark.parametrize("ref", ["$TEMPLATES_REF", "stable", "v1", "release/2024"])
def test_moving_and_run_time_refs_are_unpinned(tmp_path: Path, ref: str) -> None:
    text = f"include:\n  project: a/b\n  ref: '{ref}'\n  file: x.yml\njob:\n  script: [make]\n"
    assert len(rule(tmp_path, "GG009", {".gitlab-ci.yml": text})) == 1


def test_includes_in_an_included_gitlab_file_are_judged_there(tmp_path: Path) -> None:
    files = {
        ".gitlab-ci.yml": "include:\n  - local: .gitlab/ci/deploy.gitlab-ci.yml\n",
        ".gitlab/ci/deploy.gitlab-ci.yml": "include:\n  - remote: https://example.com/x.yml\n",
    }
    found = of(scan_files(tmp_path, files), "GG008")
    assert [f.path for f in found] == [".gitlab/ci/deploy.gitlab-ci.yml"]


# -- GG010 -----------------------------------------------------------------------------------------

IMAGES = f"""
image: alpine:3.20
default:
  image: node:20
  services:
    - name: postgres:16@sha256:{"b" * 64}
      alias: db

.docker:
  image: docker:latest
  services: [docker:dind]

build:
  extends: .docker
  script: [docker build .]

test:
  script: [npm test]

lint:
  image:
    name: ghcr.io/org/linter@sha256:{"c" * 64}
    entrypoint: [""]
  script: [lint]

release:
  image: $CI_REGISTRY_IMAGE/release:$CI_COMMIT_SHA
  script: [release]
"""


def test_job_images_without_digest(tmp_path: Path) -> None:
    found = of(scan_files(tmp_path, {".gitlab-ci.yml": IMAGES}), "GG010")
    got = [(f.line, f.severity) for f in found]
    assert got == [
        (line_of(tmp_path, ".gitlab-ci.yml", "image: node:20"), Severity.LOW),
        (line_of(tmp_path, ".gitlab-ci.yml", "image: docker:latest"), Severity.MEDIUM),
        (line_of(tmp_path, ".gitlab-ci.yml", "services: [docker:dind]"), Severity.LOW),
    ]
    assert "'build'" in found[1].message and "'test'" in found[0].message
    assert found[0].fix == "pin by digest: node:20@sha256:... (Renovate keeps it current)"


# -- GG011 -----------------------------------------------------------------------------------------

INJECTION = """
variables:
  TITLE: $CI_MERGE_REQUEST_TITLE

notes:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - echo "$CI_COMMIT_MESSAGE"
    - eval "echo $CI_COMMIT_MESSAGE"
    - sh -c "notify --title $TITLE"
    - sh -c 'notify --title "$CI_MERGE_REQUEST_TITLE"'
    - git checkout "$CI_COMMIT_BRANCH"
    - |
      BRANCH="$CI_COMMIT_REF_NAME"
      bash -ec "deploy ${BRANCH}"
      echo "$CI_MERGE_REQUEST_DESCRIPTION" | sh
    - echo "$CI_COMMIT_REF_SLUG" | sh
"""


def test_user_controlled_variables_run_as_code(tmp_path: Path) -> None:
    found = of(scan_files(tmp_path, {".gitlab-ci.yml": INJECTION}), "GG011")
    got = [(f.line, f.message.split("$", 1)[1].split(" ", 1)[0]) for f in found]
    assert got == [
        (line_of(tmp_path, ".gitlab-ci.yml", 'eval "echo'), "CI_COMMIT_MESSAGE"),
        (line_of(tmp_path, ".gitlab-ci.yml", 'sh -c "notify'), "TITLE"),
        (line_of(tmp_path, ".gitlab-ci.yml", "bash -ec"), "BRANCH"),
        (line_of(tmp_path, ".gitlab-ci.yml", 'DESCRIPTION" | sh'), "CI_MERGE_REQUEST_DESCRIPTION"),
    ]
    assert all(f.severity is Severity.HIGH and f.fix for f in found)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ('eval "$CI_COMMIT_TITLE"', ["CI_COMMIT_TITLE"]),
        ("eval 'echo $CI_COMMIT_TITLE'", []),
        ('python3 -c "print(\\"$CI_COMMIT_TAG\\")"', ["CI_COMMIT_TAG"]),
        ('pwsh -Command "Write-Host $env:CI_COMMIT_MESSAGE"', ["CI_COMMIT_MESSAGE"]),
        ('Invoke-Expression "$env:CI_MERGE_REQUEST_TITLE"', ["CI_MERGE_REQUEST_TITLE"]),
        ('curl -d "$CI_MERGE_REQUEST_TITLE" https://x', []),
        ('echo "$CI_COMMIT_MESSAGE" | grep -q fix || true', []),
        ('printf %s "$CI_COMMIT_MESSAGE" | python3 -', ["CI_COMMIT_MESSAGE"]),
        ('FOO=$CI_COMMIT_MESSAGE eval "x $FOO"', []),  # FOO is set after eval's word expands
        ('export T="$CI_COMMIT_MESSAGE"\neval echo $T', ["T"]),
    ],
)
def test_what_counts_as_code(script: str, expected: list[str]) -> None:
    tainted = set(vocabulary().user_controlled)
    assert [v for _, _, v in injected(script, tainted)] == expected


# -- GG012 -----------------------------------------------------------------------------------------

ARTIFACTS = """
build:
  script: [make]
  artifacts:
    paths:
      - dist/
      - .
      - deploy/kubeconfig
      - $CI_PROJECT_DIR/.npmrc
      - reports/junit.xml

package:
  script: [make package]
  artifacts:
    untracked: true

workspace-without-git:
  script: [make]
  artifacts:
    paths: ["**/*"]
    exclude: [".git/**"]

tf:
  script: [terraform apply]
  artifacts:
    paths: [infra/terraform.tfstate]
"""


def test_artifacts_that_capture_credentials_or_git(tmp_path: Path) -> None:
    found = of(scan_files(tmp_path, {".gitlab-ci.yml": ARTIFACTS}), "GG012")
    got = [(f.line, f.severity) for f in found]
    assert got == [
        (line_of(tmp_path, ".gitlab-ci.yml", "- ."), Severity.HIGH),
        (line_of(tmp_path, ".gitlab-ci.yml", "kubeconfig"), Severity.HIGH),
        (line_of(tmp_path, ".gitlab-ci.yml", ".npmrc"), Severity.HIGH),
        (line_of(tmp_path, ".gitlab-ci.yml", "untracked: true"), Severity.MEDIUM),
        (line_of(tmp_path, ".gitlab-ci.yml", "tfstate"), Severity.HIGH),
    ]
    assert ".git" in found[0].message and "'kubeconfig'" in found[1].message


# -- GG013 -----------------------------------------------------------------------------------------

MR_PIPELINES = """
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH

preview:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  id_tokens:
    AWS_ID_TOKEN:
      aud: https://sts.amazonaws.com
  script: [./deploy-preview.sh]

integration:
  secrets:
    DATABASE_PASSWORD:
      vault: ci/db/password@secret
  script: [make integration]

deploy:
  rules:
    - if: $CI_COMMIT_REF_PROTECTED == "true"
  id_tokens:
    AWS_ID_TOKEN:
      aud: https://sts.amazonaws.com
  script: [./deploy.sh]

not-in-mr:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      when: never
    - when: always
  secrets:
    TOKEN:
      vault: ci/token@secret
  script: [make]
"""


def test_merge_request_pipelines_holding_credentials(tmp_path: Path) -> None:
    found = of(scan_files(tmp_path, {".gitlab-ci.yml": MR_PIPELINES}), "GG013")
    assert [(f.line, f.resource) for f in found] == [
        (line_of(tmp_path, ".gitlab-ci.yml", "id_tokens:"), "preview/credentials"),
        (line_of(tmp_path, ".gitlab-ci.yml", "secrets:"), "integration/credentials"),
    ]
    assert "AWS_ID_TOKEN" in found[0].message and "DATABASE_PASSWORD" in found[1].message


def test_only_merge_requests_counts(tmp_path: Path) -> None:
    text = "e2e:\n  only: [merge_requests]\n  id_tokens:\n    T:\n      aud: x\n  script: [e2e]\n"
    assert len(of(scan_files(tmp_path, {".gitlab-ci.yml": text}), "GG013")) == 1
    branch = text.replace("[merge_requests]", "[main]")
    assert of(scan_files(tmp_path / "b", {".gitlab-ci.yml": branch}), "GG013") == []


# -- the whole pack ----------------------------------------------------------------------------


def test_a_clean_pipeline_has_no_gitlab_findings(tmp_path: Path) -> None:
    text = f"""
    include:
      - local: .gitlab/ci/build.yml
      - project: platform/ci-templates
        ref: {SHA}
        file: /templates/test.yml
      - component: gitlab.com/components/sast/sast@2.1.0
    default:
      image: python:3.12-slim@sha256:{"d" * 64}
    test:
      script:
        - pip install -r requirements.txt
        - pytest -q
        - echo "$CI_COMMIT_MESSAGE"
      artifacts:
        paths: [reports/]
    """
    files = {".gitlab-ci.yml": text, ".gitlab/ci/build.yml": "build:\n  script: [make]\n"}
    result = scan_files(tmp_path, files)
    assert [f.rule_id for f in result.findings] == []


def test_vocabulary_typos_fail_loudly() -> None:
    from gitops_guard.scanners.gitops.gitlab.vocabulary import parse

    source = Path(__file__).parents[3] / "gitops_guard/scanners/gitops/gitlab/vocabulary.toml"
    text = source.read_text("utf-8")
    with pytest.raises(ValueError, match=r"unknown keys mr\.condition"):
        parse(text.replace("conditions = [", 'condition = ["x"]\nconditions = ['))
