"""GG007 - branch protection as code protects the trunk.

Read where a repository manages its own settings: Terraform ``github_branch_protection`` /
``github_branch_protection_v3`` / ``github_repository_ruleset`` resources, and probot-settings
``.github/settings.yml`` (``branches:`` and ``rulesets:``). For a protected trunk (a pattern such
as ``main``, ``master``, ``trunk``, ``develop``, ``prod*``, ``release*``, ``*``, the default
branch, or a Terraform expression we cannot resolve), flag:

* force pushes allowed (HIGH) - history can be rewritten under reviewers' feet;
* deletion allowed (HIGH);
* no required pull-request review, or zero approvals (HIGH);
* admins not bound by the rules (``enforce_admins`` false/absent, a ruleset bypass actor with
  ``bypass_mode = "always"`` that is an admin role) (MEDIUM).

Rulesets combine: rules missing from one ruleset of a file are only flagged when no other
ruleset of that file targeting the trunk provides them.

Terraform is read by a small HCL block reader (attributes and nested blocks with their lines);
nothing is evaluated and no provider or module is fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yaml.nodes import Node

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import Parsed, finding

RULE = "GG007"
_TRUNK_RE = re.compile(
    r"^(refs/heads/)?(main|master|trunk|develop|development|default|prod\w*|release\S*|\*\*?|"
    r"~DEFAULT_BRANCH|~ALL|gh-pages)$",
    re.I,
)
_ADMIN_ROLE_IDS = frozenset({"5"})  # RepositoryRole 5 = admin


# -- a small HCL block reader ------------------------------------------------------------------


@dataclass
class Block:
    type: str
    labels: list[str]
    line: int
    attrs: dict[str, tuple[str, int]] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]

    def value(self, key: str) -> str | None:
        got = self.attrs.get(key)
        return None if got is None else got[0]


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def _skip(self, newlines: bool = True) -> None:
        t = self.text
        while self.pos < len(t):
            ch = t[self.pos]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.pos += 1
            elif ch == "#" or t.startswith("//", self.pos):
                end = t.find("\n", self.pos)
                self.pos = len(t) if end < 0 else end
            elif t.startswith("/*", self.pos):
                end = t.find("*/", self.pos + 2)
                self.pos = len(t) if end < 0 else end + 2
            else:
                break

    def _string(self) -> str:
        t = self.text
        self.pos += 1
        buf: list[str] = []
        while self.pos < len(t) and t[self.pos] != '"':
            if t[self.pos] == "\\" and self.pos + 1 < len(t):
                buf.append(t[self.pos : self.pos + 2])
                self.pos += 2
                continue
            buf.append(t[self.pos])
            self.pos += 1
        self.pos += 1
        return "".join(buf)

    def _expression(self) -> str:
        """Raw text of an attribute value, up to the end of line at bracket depth 0."""
        t = self.text
        start = self.pos
        depth = 0
        while self.pos < len(t):
            ch = t[self.pos]
            if ch == '"':
                self._string()
                continue
            if t.startswith("<<", self.pos):
                m = re.match(r"<<-?([A-Za-z_]\w*)", t[self.pos :])
                if m:
                    end = re.compile(rf"^\s*{m.group(1)}\s*$", re.M).search(t, self.pos)
                    self.pos = len(t) if end is None else end.end()
                    continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (ch in "\n#" or t.startswith(("//", "/*"), self.pos)):
                break
            self.pos += 1
        return t[start : self.pos].strip()

    def body(self, block: Block) -> Block:
        t = self.text
        while True:
            self._skip()
            if self.pos >= len(t) or t[self.pos] == "}":
                self.pos += 1
                return block
            m = re.compile(r"[A-Za-z_][\w-]*").match(t, self.pos)
            if not m:
                self.pos += 1
                continue
            name, start = m.group(0), self.pos
            self.pos = m.end()
            self._skip(newlines=False)
            if self.pos < len(t) and t[self.pos] == "=" and not t.startswith("==", self.pos):
                self.pos += 1
                self._skip(newlines=False)
                block.attrs[name] = (self._expression(), self.line(start))
                continue
            labels: list[str] = []
            while self.pos < len(t) and t[self.pos] == '"':
                labels.append(self._string())
                self._skip(newlines=False)
            if self.pos < len(t) and t[self.pos] == "{":
                self.pos += 1
                block.blocks.append(self.body(Block(name, labels, self.line(start))))


def parse_hcl(text: str) -> Block:
    return _Reader(text).body(Block("", [], 1))


def _literal(expr: str | None) -> str | None:
    if expr is None:
        return None
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == expr[-1] == '"':
        return expr[1:-1]
    return expr


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


# -- Terraform ---------------------------------------------------------------------------------


def _tf_branch_protection(p: Parsed, res: Block) -> list[Finding]:
    out: list[Finding] = []
    name = ".".join([res.labels[0], res.labels[1]]) if len(res.labels) >= 2 else "resource"
    pattern = _literal(res.value("pattern") or res.value("branch"))
    if not _is_trunk(pattern):
        return out
    shown = pattern or "?"

    def add(severity: Severity, what: str, line: int, key: str) -> None:
        out.append(
            finding(
                RULE,
                severity,
                f"{name} (branch '{shown}') {what}.",
                p.path,
                line,
                resource=name,
                anchor=(name, key),
            )
        )

    for key, what in (
        ("allows_force_pushes", "allows force pushes"),
        ("allows_deletions", "allows the branch to be deleted"),
    ):
        if _literal(res.value(key)) == "true":
            add(Severity.HIGH, what + "; set it to false", res.attrs[key][1], key)
    reviews = res.blocks_of("required_pull_request_reviews")
    if not reviews:
        add(
            Severity.HIGH,
            "requires no pull-request review; add required_pull_request_reviews "
            "with required_approving_review_count >= 1",
            res.line,
            "reviews",
        )
    else:
        count = _literal(reviews[0].value("required_approving_review_count"))
        if count == "0":
            add(
                Severity.HIGH,
                "requires zero approving reviews; set required_approving_review_count >= 1",
                reviews[0].attrs["required_approving_review_count"][1],
                "reviews",
            )
    admins = _literal(res.value("enforce_admins"))
    if admins is None or admins == "false":
        line = res.attrs["enforce_admins"][1] if "enforce_admins" in res.attrs else res.line
        add(
            Severity.MEDIUM,
            "does not enforce the rules on admins; set enforce_admins = true",
            line,
            "enforce_admins",
        )
    return out


def _tf_rulesets(p: Parsed, rulesets: list[Block]) -> list[Finding]:
    out: list[Finding] = []
    trunk: list[tuple[str, Block]] = []
    for res in rulesets:
        name = ".".join(res.labels[:2]) if len(res.labels) >= 2 else "ruleset"
        target = _literal(res.value("target")) or "branch"
        if target != "branch":
            continue
        includes: list[str] = []
        for cond in res.blocks_of("conditions"):
            for ref in cond.blocks_of("ref_name"):
                includes.extend(re.findall(r'"([^"]*)"', ref.value("include") or ""))
        if includes and not any(_is_trunk(i) for i in includes):
            continue
        if _literal(res.value("enforcement")) == "disabled":
            out.append(
                finding(
                    RULE,
                    Severity.MEDIUM,
                    f"{name} protects the trunk but its enforcement is disabled.",
                    p.path,
                    res.attrs["enforcement"][1],
                    resource=name,
                    anchor=(name, "enforcement"),
                )
            )
            continue
        trunk.append((name, res))
        for actor in res.blocks_of("bypass_actors"):
            actor_type = _literal(actor.value("actor_type")) or ""
            actor_id = _literal(actor.value("actor_id")) or ""
            mode = _literal(actor.value("bypass_mode")) or "always"
            admin = actor_type == "OrganizationAdmin" or (
                actor_type == "RepositoryRole" and actor_id in _ADMIN_ROLE_IDS
            )
            if admin and mode == "always":
                out.append(
                    finding(
                        RULE,
                        Severity.MEDIUM,
                        f"{name} lets admins bypass the trunk rules at any time "
                        '(bypass_mode "always"); use "pull_request" or remove it.',
                        p.path,
                        actor.line,
                        resource=name,
                        anchor=(name, "bypass"),
                    )
                )
    if not trunk:
        return out
    first_name, first = trunk[0]
    rules = [b for _, r in trunk for b in r.blocks_of("rules")]

    def has(attr: str) -> bool:
        return any(_literal(r.value(attr)) == "true" for r in rules)

    if not has("non_fast_forward"):
        out.append(
            finding(
                RULE,
                Severity.HIGH,
                f"{first_name}: no ruleset for the trunk blocks "
                "force pushes; add rules { non_fast_forward = true }.",
                p.path,
                first.line,
                resource=first_name,
                anchor=(first_name, "force"),
            )
        )
    if not has("deletion"):
        out.append(
            finding(
                RULE,
                Severity.HIGH,
                f"{first_name}: no ruleset for the trunk "
                "restricts deletion; add rules { deletion = true }.",
                p.path,
                first.line,
                resource=first_name,
                anchor=(first_name, "deletion"),
            )
        )
    reviews = [b for r in rules for b in r.blocks_of("pull_request")]
    counts = [_literal(b.value("required_approving_review_count")) for b in reviews]
    if not reviews or all(c in (None, "0") for c in counts):
        out.append(
            finding(
                RULE,
                Severity.HIGH,
                f"{first_name}: no ruleset for the trunk "
                "requires an approving review; add rules { pull_request { "
                "required_approving_review_count = 1 } }.",
                p.path,
                first.line,
                resource=first_name,
                anchor=(first_name, "reviews"),
            )
        )
    return out


def _terraform(p: Parsed) -> list[Finding]:
    root = parse_hcl(p.text)
    out: list[Finding] = []
    rulesets: list[Block] = []
    for res in root.blocks_of("resource"):
        kind = res.labels[0] if res.labels else ""
        if kind in ("github_branch_protection", "github_branch_protection_v3"):
            out.extend(_tf_branch_protection(p, res))
        elif kind in ("github_repository_ruleset", "github_organization_ruleset"):
            rulesets.append(res)
    out.extend(_tf_rulesets(p, rulesets))
    return out


# -- .github/settings.yml ----------------------------------------------------------------------


def _settings_branch(p: Parsed, branch: Node) -> list[Finding]:
    out: list[Finding] = []
    pattern = y.text(y.get(branch, "name"))
    protection = y.get(branch, "protection")
    if not _is_trunk(pattern) or y.is_empty(protection):
        return out
    res = f"branches.{pattern}"

    def add(severity: Severity, what: str, node: Node | None, key: str) -> None:
        out.append(
            finding(
                RULE,
                severity,
                f".github/settings.yml branch '{pattern}' {what}.",
                p.path,
                y.line(node or protection),
                resource=res,
                anchor=(res, key),
            )
        )

    for key, what in (
        ("allow_force_pushes", "allows force pushes"),
        ("allow_deletions", "allows the branch to be deleted"),
    ):
        if y.boolean(y.get(protection, key)) is True:
            add(Severity.HIGH, what, y.get(protection, key), key)
    reviews = y.get(protection, "required_pull_request_reviews")
    count = y.text(y.get(reviews, "required_approving_review_count"))
    if y.is_empty(reviews) or count == "0":
        add(
            Severity.HIGH,
            "requires no approving pull-request review",
            y.get(protection, "required_pull_request_reviews"),
            "reviews",
        )
    if y.boolean(y.get(protection, "enforce_admins")) is not True:
        add(
            Severity.MEDIUM,
            "does not enforce the rules on admins (enforce_admins)",
            y.get(protection, "enforce_admins"),
            "enforce_admins",
        )
    return out


def _settings(p: Parsed) -> list[Finding]:
    out: list[Finding] = []
    for doc in p.docs:
        for branch in y.items(y.get(doc, "branches")):
            out.extend(_settings_branch(p, branch))
        for ruleset in y.items(y.get(doc, "rulesets")):
            name = y.text(y.get(ruleset, "name")) or "ruleset"
            if (y.text(y.get(ruleset, "target")) or "branch") != "branch":
                continue
            includes = y.strings(y.get(ruleset, "conditions", "ref_name", "include"))
            if includes and not any(_is_trunk(i) for i in includes):
                continue
            types = {y.text(y.get(r, "type")) for r in y.items(y.get(ruleset, "rules"))}
            res = f"rulesets.{name}"
            for rule_type, what in (
                ("non_fast_forward", "does not block force pushes"),
                ("deletion", "does not restrict deletion"),
                ("pull_request", "requires no pull-request review"),
            ):
                if rule_type not in types:
                    out.append(
                        finding(
                            RULE,
                            Severity.HIGH,
                            f".github/settings.yml ruleset '{name}' {what}.",
                            p.path,
                            y.line(ruleset),
                            resource=res,
                            anchor=(res, rule_type),
                        )
                    )
            for actor in y.items(y.get(ruleset, "bypass_actors")):
                actor_type = y.text(y.get(actor, "actor_type")) or ""
                actor_id = y.text(y.get(actor, "actor_id")) or ""
                mode = y.text(y.get(actor, "bypass_mode")) or "always"
                if mode == "always" and (
                    actor_type == "OrganizationAdmin"
                    or (actor_type == "RepositoryRole" and actor_id in _ADMIN_ROLE_IDS)
                ):
                    out.append(
                        finding(
                            RULE,
                            Severity.MEDIUM,
                            f".github/settings.yml ruleset '{name}' lets admins "
                            "bypass it at any time.",
                            p.path,
                            y.line(actor),
                            resource=res,
                            anchor=(res, "bypass"),
                        )
                    )
    return out


def check(p: Parsed) -> list[Finding]:
    if p.path.endswith(".tf"):
        return _terraform(p)
    return _settings(p)
