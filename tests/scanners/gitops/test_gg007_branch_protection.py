"""GG007: branch protection as code (Terraform, .github/settings.yml)."""

from __future__ import annotations

from pathlib import Path

from gg_helpers import line_of, of, scan_files

from gitops_guard.models import Severity
from gitops_guard.scanners.gitops._hcl import parse_hcl

WEAK_TF = """
# the trunk
resource "github_branch_protection" "main" {
  repository_id = github_repository.app.node_id
  pattern       = "main"
  enforce_admins      = false
  allows_deletions    = true
  allows_force_pushes = true   # "temporary"

  required_status_checks {
    strict   = true
    contexts = ["ci/test", "ci/{lint}"]
  }
}

resource "github_branch_protection" "features" {
  repository_id = github_repository.app.node_id
  pattern       = "feature/*"
  allows_force_pushes = true
}
"""

STRONG_TF = """
resource "github_branch_protection" "main" {
  repository_id       = github_repository.app.node_id
  pattern             = var.default_branch
  enforce_admins      = true
  allows_deletions    = false
  allows_force_pushes = false
  required_pull_request_reviews {
    required_approving_review_count = 2
    require_code_owner_reviews      = true
  }
}
"""


def gg007(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, Severity, str]]:
    return [
        (f.path, f.line, f.severity, f.message) for f in of(scan_files(tmp_path, files), "GG007")
    ]


def test_weak_terraform_branch_protection(tmp_path: Path) -> None:
    found = gg007(tmp_path, {"github.tf": WEAK_TF})
    lines = {(line, sev) for _, line, sev, _ in found}
    assert (
        line_of(tmp_path, "github.tf", "allows_force_pushes = true   #"),
        Severity.HIGH,
    ) in lines
    assert (line_of(tmp_path, "github.tf", "allows_deletions"), Severity.HIGH) in lines
    assert (line_of(tmp_path, "github.tf", "enforce_admins"), Severity.MEDIUM) in lines
    assert (
        line_of(tmp_path, "github.tf", 'resource "github_branch_protection" "main"'),
        Severity.HIGH,
    ) in lines  # no required review
    assert len(found) == 4  # feature/* is not the trunk


def test_strong_terraform_branch_protection(tmp_path: Path) -> None:
    assert gg007(tmp_path, {"github.tf": STRONG_TF}) == []


def test_zero_approvals(tmp_path: Path) -> None:
    text = STRONG_TF.replace("= 2", "= 0")
    found = gg007(tmp_path, {"github.tf": text})
    assert len(found) == 1 and "zero" in found[0][3]


def test_rulesets_combine_within_a_file(tmp_path: Path) -> None:
    text = """
    resource "github_repository_ruleset" "history" {
      name        = "history"
      repository  = github_repository.app.name
      target      = "branch"
      enforcement = "active"
      conditions {
        ref_name {
          include = ["~DEFAULT_BRANCH"]
          exclude = []
        }
      }
      rules {
        non_fast_forward = true
        deletion         = true
      }
    }

    resource "github_repository_ruleset" "review" {
      name        = "review"
      repository  = github_repository.app.name
      target      = "branch"
      enforcement = "active"
      conditions {
        ref_name {
          include = ["refs/heads/main"]
          exclude = []
        }
      }
      bypass_actors {
        actor_id    = 5
        actor_type  = "RepositoryRole"
        bypass_mode = "always"
      }
      rules {
        pull_request {
          required_approving_review_count = 1
        }
      }
    }
    """
    found = gg007(tmp_path, {"rulesets.tf": text})
    assert len(found) == 1 and "bypass" in found[0][3]
    assert found[0][1] == line_of(tmp_path, "rulesets.tf", "bypass_actors")


def test_ruleset_missing_everything(tmp_path: Path) -> None:
    text = """
    resource "github_repository_ruleset" "main" {
      name        = "main"
      repository  = "app"
      target      = "branch"
      enforcement = "active"
      rules {
        required_signatures = true
      }
    }
    """
    assert len(gg007(tmp_path, {"ruleset.tf": text})) == 3


def test_probot_settings(tmp_path: Path) -> None:
    text = """
    repository:
      name: app
    branches:
      - name: main
        protection:
          required_pull_request_reviews: null
          required_status_checks:
            strict: true
            contexts: []
          enforce_admins: false
          allow_force_pushes: true
          restrictions: null
      - name: gh-pages-preview
        protection:
          allow_force_pushes: true
    """
    found = gg007(tmp_path, {".github/settings.yml": text})
    assert len(found) == 3
    assert {line for _, line, _, _ in found} == {
        line_of(tmp_path, ".github/settings.yml", "required_pull_request_reviews"),
        line_of(tmp_path, ".github/settings.yml", "enforce_admins"),
        line_of(tmp_path, ".github/settings.yml", "allow_force_pushes: true"),
    }


def test_strong_probot_settings(tmp_path: Path) -> None:
    text = """
    branches:
      - name: main
        protection:
          required_pull_request_reviews:
            required_approving_review_count: 1
          enforce_admins: true
          allow_force_pushes: false
          allow_deletions: false
    """
    assert gg007(tmp_path, {".github/settings.yml": text}) == []


def test_hcl_reader_survives_strings_heredocs_and_comments() -> None:
    text = """
    /* block comment with { brace */
    resource "github_branch_protection" "x" {
      pattern = "main" // trailing
      description = <<EOT
      not { a block
      EOT
      list = ["a}", "b{"]
      required_pull_request_reviews {
        required_approving_review_count = 1
      }
    }
    resource "unterminated" "y" {
    """
    root = parse_hcl(text)
    resources = root.blocks_of("resource")
    assert resources[0].labels == ["github_branch_protection", "x"]
    assert resources[0].value("pattern") == '"main"'
    assert resources[0].blocks_of("required_pull_request_reviews")


# -- a reusable module whose reviews come from its callers (issue 15) ---------------------------

MODULE = """
variable "repository_id" { type = string }
variable "required_pull_request_reviews" {
  type = object({
    approvals     = number
    dismiss_stale = optional(bool, true)
  })
  default = null
}

resource "github_branch_protection" "this" {
  repository_id       = var.repository_id
  pattern             = "main"
  enforce_admins      = true
  allows_force_pushes = false

  dynamic "required_pull_request_reviews" {
    for_each = var.required_pull_request_reviews == null ? [] : [var.required_pull_request_reviews]
    content {
      required_approving_review_count = required_pull_request_reviews.value.approvals
      dismiss_stale_reviews           = required_pull_request_reviews.value.dismiss_stale
    }
  }
}
"""


def reviews(tmp_path: Path, files: dict[str, str]) -> list[tuple[Severity, str, str | None]]:
    found = of(scan_files(tmp_path, {"modules/protection/main.tf": MODULE, **files}), "GG007")
    return [(f.severity, f.message, f.confidence) for f in found if "review" in f.message]


def test_a_module_without_callers_is_at_most_a_low_cannot_tell(tmp_path: Path) -> None:
    found = reviews(tmp_path, {})
    assert [(sev, conf) for sev, _, conf in found] == [(Severity.LOW, "low")]
    assert "cannot tell" in found[0][1] and "var.required_pull_request_reviews" in found[0][1]


def test_callers_that_pass_a_review_make_it_pass(tmp_path: Path) -> None:
    root = """
    module "app" {
      source        = "../modules/protection"
      repository_id = "R_1"
      required_pull_request_reviews = {
        approvals = 2
      }
    }
    """
    assert reviews(tmp_path, {"live/main.tf": root}) == []


def test_a_caller_that_passes_no_review_is_named(tmp_path: Path) -> None:
    root = """
    module "app" {
      source        = "../modules/protection"
      repository_id = "R_1"
      required_pull_request_reviews = { approvals = 1 }
    }

    module "docs" {
      source        = "../modules/protection"
      repository_id = "R_2"
    }
    """
    found = reviews(tmp_path, {"live/main.tf": root})
    assert [sev for sev, _, _ in found] == [Severity.HIGH]
    assert (
        "requires no pull-request review as called by module.docs (live/main.tf:7)" in found[0][1]
    )
    assert "module.app" not in found[0][1]


def test_a_caller_that_passes_zero_approvals_is_flagged(tmp_path: Path) -> None:
    root = """
    module "app" {
      source = "../modules/protection"
      required_pull_request_reviews = {
        approvals = 0
      }
    }
    """
    found = reviews(tmp_path, {"live/main.tf": root})
    assert [sev for sev, _, _ in found] == [Severity.HIGH]
    assert "zero approving reviews" in found[0][1]


def test_tfvars_are_the_callers_of_a_root_module(tmp_path: Path) -> None:
    tfvars = "required_pull_request_reviews = {\n  approvals = 1\n}\n"
    files = {"modules/protection/terraform.tfvars": tfvars}
    assert reviews(tmp_path, files) == []


def test_a_toggle_variable_is_evaluated(tmp_path: Path) -> None:
    module = MODULE.replace(
        "var.required_pull_request_reviews == null ? [] : [var.required_pull_request_reviews]",
        "var.require_reviews ? [1] : []",
    ).replace("required_pull_request_reviews.value.approvals", "var.approvals")
    on = 'module "a" {\n  source = "../m"\n  require_reviews = true\n  approvals = 1\n}\n'
    off = 'module "b" {\n  source = "../m"\n  require_reviews = false\n}\n'
    files = {"m/main.tf": module, "live/a.tf": on, "live/b.tf": off}
    found = of(scan_files(tmp_path, files), "GG007")
    messages = [f.message for f in found if "review" in f.message]
    assert len(messages) == 1 and "module.b (live/b.tf:1)" in messages[0]
