"""GG007 - branch protection as code protects the trunk.

Read where a repository manages its own settings: Terraform ``github_branch_protection`` /
``github_branch_protection_v3`` / ``github_repository_ruleset`` resources, and probot-settings
``.github/settings.yml`` (``branches:`` and ``rulesets:``). For a protected trunk (a pattern such
as ``main``, ``master``, ``trunk``, ``develop``, ``prod*``, ``release*``, ``*``, the default
branch, or a Terraform expression we cannot resolve), flag:

* force pushes allowed (HIGH) - history can be rewritten under reviewers' feet;
* deletion allowed (HIGH);
* no required pull-request review, or zero approvals (HIGH). A reusable module whose
  ``required_pull_request_reviews`` is a ``dynamic`` block filled from variables is judged with
  the arguments of its callers in the scan (``module`` blocks with a local ``source``, and
  ``terraform.tfvars`` / ``*.auto.tfvars``); without a caller, or when an argument is not a
  literal, it is a LOW "cannot tell" (:mod:`._terraform`);
* admins not bound by the rules (``enforce_admins`` false/absent, a ruleset bypass actor with
  ``bypass_mode = "always"`` that is an admin role) (MEDIUM).

Rulesets combine: rules missing from one ruleset of a file are only flagged when no other
ruleset of that file targeting the trunk provides them.

Terraform is read by a small HCL block reader (:mod:`._hcl`: attributes and nested blocks with
their lines); nothing is evaluated and no provider or module is fetched.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from yaml.nodes import Node

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed
from gitops_guard.scanners.gitops._hcl import Block, literal, parse_hcl
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.scanners.gitops._terraform import modules, number, presence, variables
from gitops_guard.targets import Kind

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

ID = "GG007"
_TRUNK_RE = re.compile(
    r"^(refs/heads/)?(main|master|trunk|develop|development|default|prod\w*|release\S*|\*\*?|"
    r"~DEFAULT_BRANCH|~ALL|gh-pages)$",
    re.I,
)
_ADMIN_ROLE_IDS = frozenset({"5"})  # RepositoryRole 5 = admin
_REVIEWS = "required_pull_request_reviews"
#: The fix of each Terraform finding, by its anchor key.
_FIX = {
    "allows_force_pushes": "set allows_force_pushes = false",
    "allows_deletions": "set allows_deletions = false",
    "reviews": "add required_pull_request_reviews { required_approving_review_count = 1 }",
    "enforce_admins": "set enforce_admins = true",
    "bypass": 'set bypass_mode = "pull_request" for admin bypass actors, or remove them',
}
_SETTINGS_FIX = {
    "allow_force_pushes": "set protection.allow_force_pushes: false",
    "allow_deletions": "set protection.allow_deletions: false",
    "reviews": "set protection.required_pull_request_reviews.required_approving_review_count: 1",
    "enforce_admins": "set protection.enforce_admins: true",
}


def _is_trunk(pattern: str | None) -> bool:
    if pattern is None:
        return True
    if (
        "${" in pattern
        or not re.match(r"^[\w./*~-]+$", pattern)
        or ("." in pattern and (not pattern.startswith(("release", "refs/"))))
    ):
        return True  # an expression (var.default_branch...): assume it protects the trunk
    return bool(_TRUNK_RE.match(pattern))


def _admin_bypass(actor_type: str, actor_id: str, mode: str) -> bool:
    """A ruleset bypass actor that is an admin and may bypass at any time."""
    admin = actor_type == "OrganizationAdmin" or (
        actor_type == "RepositoryRole" and actor_id in _ADMIN_ROLE_IDS
    )
    return admin and (mode or "always") == "always"


# -- Terraform ---------------------------------------------------------------------------------


def _dynamic_reviews(
    out: Findings, res: Block, dyn: Block, name: str, shown: str, run: RunIndex
) -> None:
    """``dynamic "required_pull_request_reviews"``: judged with the arguments of the module's
    callers in the scan (module blocks, tfvars); at most a LOW "cannot tell" without them."""
    directory = posixpath.dirname(out.path) or "."
    for_each = dyn.value("for_each") or ""
    content = next(iter(dyn.blocks_of("content")), None)
    count_expr = content.value("required_approving_review_count") if content else None
    names = variables(for_each) | variables(count_expr or "")
    iterated = next(iter(variables(for_each))) if len(variables(for_each)) == 1 else None
    mods = run.memo("GG007.modules", lambda: modules(run))
    callers = mods.callers.get(directory, [])
    bad: dict[str, list[str]] = {}
    for caller in callers:
        values = {n: mods.value(directory, caller, n) for n in names}
        present = presence(for_each, values)
        if present is False:
            bad.setdefault("requires no pull-request review", []).append(caller.label)
        elif present and number(count_expr, values, iterated) == 0:
            bad.setdefault("requires zero approving reviews", []).append(caller.label)
    shown_vars = ", ".join(f"var.{n}" for n in sorted(names)) or "a local value"
    dynamic = f"required_pull_request_reviews is a dynamic block filled from {shown_vars}"
    if bad:
        what, labels = next(iter(bad.items()))
        more = f" and {len(labels) - 3} more" if len(labels) > 3 else ""
        severity, confidence = Severity.HIGH, "high"
        message = f"{what} as called by {', '.join(labels[:3])}{more} ({dynamic})."
    elif not callers or any(
        presence(for_each, {n: mods.value(directory, c, n) for n in names}) is None for c in callers
    ):
        why = "no module call or tfvars in the scan sets it" if not callers else "not literal"
        severity, confidence = Severity.LOW, "low"
        message = f"cannot tell whether a pull-request review is required; {dynamic} ({why})."
    else:
        return
    out.add(
        severity,
        f"{name} (branch '{shown}') {message}",
        dyn.line,
        resource=name,
        anchor=(name, "reviews"),
        fix=f"make every caller pass {shown_vars} with required_approving_review_count >= 1, or "
        "make the module require a review",
        confidence=confidence,
    )


def _tf_branch_protection(out: Findings, res: Block, run: RunIndex) -> None:
    name = ".".join([res.labels[0], res.labels[1]]) if len(res.labels) >= 2 else "resource"
    pattern = literal(res.value("pattern") or res.value("branch"))
    if not _is_trunk(pattern):
        return
    shown = pattern or "?"

    def add(severity: Severity, what: str, line: int, key: str) -> None:
        message = f"{name} (branch '{shown}') {what}."
        out.add(severity, message, line, resource=name, anchor=(name, key), fix=_FIX[key])

    for key, what in (
        ("allows_force_pushes", "allows force pushes"),
        ("allows_deletions", "allows the branch to be deleted"),
    ):
        if literal(res.value(key)) == "true":
            add(Severity.HIGH, what + "; set it to false", res.attrs[key][1], key)
    reviews = res.blocks_of("required_pull_request_reviews")
    dynamic = [b for b in res.blocks_of("dynamic") if b.labels[:1] == [_REVIEWS]]
    if not reviews and dynamic:
        _dynamic_reviews(out, res, dynamic[0], name, shown, run)
    elif not reviews:
        add(
            Severity.HIGH,
            "requires no pull-request review; add required_pull_request_reviews "
            "with required_approving_review_count >= 1",
            res.line,
            "reviews",
        )
    elif literal(reviews[0].value("required_approving_review_count")) == "0":
        add(
            Severity.HIGH,
            "requires zero approving reviews; set required_approving_review_count >= 1",
            reviews[0].attrs["required_approving_review_count"][1],
            "reviews",
        )
    admins = literal(res.value("enforce_admins"))
    if admins is None or admins == "false":
        line = res.attrs["enforce_admins"][1] if "enforce_admins" in res.attrs else res.line
        add(
            Severity.MEDIUM,
            "does not enforce the rules on admins; set enforce_admins = true",
            line,
            "enforce_admins",
        )


def _tf_trunk_ruleset(out: Findings, res: Block) -> bool:
    """True for an enforced ruleset that targets the trunk; reports its admin bypasses."""
    name = ".".join(res.labels[:2]) if len(res.labels) >= 2 else "ruleset"
    if (literal(res.value("target")) or "branch") != "branch":
        return False
    includes: list[str] = []
    for cond in res.blocks_of("conditions"):
        for ref in cond.blocks_of("ref_name"):
            includes.extend(re.findall(r'"([^"]*)"', ref.value("include") or ""))
    if includes and not any(_is_trunk(i) for i in includes):
        return False
    if literal(res.value("enforcement")) == "disabled":
        out.add(
            Severity.MEDIUM,
            f"{name} protects the trunk but its enforcement is disabled.",
            res.attrs["enforcement"][1],
            resource=name,
            anchor=(name, "enforcement"),
            fix='set enforcement = "active"',
        )
        return False
    for actor in res.blocks_of("bypass_actors"):
        if _admin_bypass(
            literal(actor.value("actor_type")) or "",
            literal(actor.value("actor_id")) or "",
            literal(actor.value("bypass_mode")) or "",
        ):
            out.add(
                Severity.MEDIUM,
                f"{name} lets admins bypass the trunk rules at any time "
                '(bypass_mode "always"); use "pull_request" or remove it.',
                actor.line,
                resource=name,
                anchor=(name, "bypass"),
                fix=_FIX["bypass"],
            )
    return True


#: What the trunk rulesets of a file must provide together: (anchor key, what is missing, fix).
_RULESET_NEEDS = (
    ("force", "blocks force pushes", "rules { non_fast_forward = true }"),
    ("deletion", "restricts deletion", "rules { deletion = true }"),
    (
        "reviews",
        "requires an approving review",
        "rules { pull_request { required_approving_review_count = 1 } }",
    ),
)


def _tf_rulesets(out: Findings, rulesets: list[Block]) -> None:
    trunk = [res for res in rulesets if _tf_trunk_ruleset(out, res)]
    if not trunk:
        return
    first = trunk[0]
    first_name = ".".join(first.labels[:2]) if len(first.labels) >= 2 else "ruleset"
    rules = [b for r in trunk for b in r.blocks_of("rules")]
    reviews = [b for r in rules for b in r.blocks_of("pull_request")]
    provided = {
        "force": any(literal(r.value("non_fast_forward")) == "true" for r in rules),
        "deletion": any(literal(r.value("deletion")) == "true" for r in rules),
        "reviews": any(
            literal(b.value("required_approving_review_count")) not in (None, "0") for b in reviews
        ),
    }
    for key, what, fix in _RULESET_NEEDS:
        if not provided[key]:
            out.add(
                Severity.HIGH,
                f"{first_name}: no ruleset for the trunk {what}; add {fix}.",
                first.line,
                resource=first_name,
                anchor=(first_name, key),
                fix=f"add {fix} to a ruleset that targets the trunk",
            )


def _terraform(out: Findings, p: Parsed, run: RunIndex) -> None:
    root = parse_hcl(p.text)
    rulesets: list[Block] = []
    for res in root.blocks_of("resource"):
        kind = res.labels[0] if res.labels else ""
        if kind in ("github_branch_protection", "github_branch_protection_v3"):
            _tf_branch_protection(out, res, run)
        elif kind in ("github_repository_ruleset", "github_organization_ruleset"):
            rulesets.append(res)
    _tf_rulesets(out, rulesets)


# -- .github/settings.yml ----------------------------------------------------------------------


def _settings_branch(out: Findings, branch: Node) -> None:
    pattern = y.text(y.get(branch, "name"))
    protection = y.get(branch, "protection")
    if not _is_trunk(pattern) or y.is_empty(protection):
        return
    res = f"branches.{pattern}"

    def add(severity: Severity, what: str, node: Node | None, key: str) -> None:
        message = f".github/settings.yml branch '{pattern}' {what}."
        at = node or protection
        out.add(severity, message, at, resource=res, anchor=(res, key), fix=_SETTINGS_FIX[key])

    for key, what in (
        ("allow_force_pushes", "allows force pushes"),
        ("allow_deletions", "allows the branch to be deleted"),
    ):
        if y.boolean(y.get(protection, key)) is True:
            add(Severity.HIGH, what, y.get(protection, key), key)
    reviews = y.get(protection, "required_pull_request_reviews")
    count = y.text(y.get(reviews, "required_approving_review_count"))
    if y.is_empty(reviews) or count == "0":
        add(Severity.HIGH, "requires no approving pull-request review", reviews, "reviews")
    if y.boolean(y.get(protection, "enforce_admins")) is not True:
        add(
            Severity.MEDIUM,
            "does not enforce the rules on admins (enforce_admins)",
            y.get(protection, "enforce_admins"),
            "enforce_admins",
        )


_SETTINGS_RULE_TYPES = (
    ("non_fast_forward", "does not block force pushes"),
    ("deletion", "does not restrict deletion"),
    ("pull_request", "requires no pull-request review"),
)


def _settings_ruleset(out: Findings, ruleset: Node) -> None:
    name = y.text(y.get(ruleset, "name")) or "ruleset"
    if (y.text(y.get(ruleset, "target")) or "branch") != "branch":
        return
    includes = y.strings(y.get(ruleset, "conditions", "ref_name", "include"))
    if includes and not any(_is_trunk(i) for i in includes):
        return
    types = {y.text(y.get(r, "type")) for r in y.items(y.get(ruleset, "rules"))}
    res = f"rulesets.{name}"
    for rule_type, what in _SETTINGS_RULE_TYPES:
        if rule_type not in types:
            message = f".github/settings.yml ruleset '{name}' {what}."
            fix = f"add a rule of type {rule_type} to the ruleset"
            anchor = (res, rule_type)
            out.add(Severity.HIGH, message, ruleset, resource=res, anchor=anchor, fix=fix)
    for actor in y.items(y.get(ruleset, "bypass_actors")):
        if _admin_bypass(
            y.text(y.get(actor, "actor_type")) or "",
            y.text(y.get(actor, "actor_id")) or "",
            y.text(y.get(actor, "bypass_mode")) or "",
        ):
            message = f".github/settings.yml ruleset '{name}' lets admins bypass it at any time."
            anchor = (res, "bypass")
            out.add(
                Severity.MEDIUM, message, actor, resource=res, anchor=anchor, fix=_FIX["bypass"]
            )


def check(p: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings(ID, p.path)
    if p.path.endswith(".tf"):
        _terraform(out, p, run)
        return out.findings
    for doc in p.docs:
        for branch in y.items(y.get(doc, "branches")):
            _settings_branch(out, branch)
        for ruleset in y.items(y.get(doc, "rulesets")):
            _settings_ruleset(out, ruleset)
    return out.findings


RULE = Check(ID, frozenset({Kind.GITHUB_SETTINGS}), check)
