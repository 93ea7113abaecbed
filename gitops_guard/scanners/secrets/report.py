"""From candidates to findings: one finding per secret value and file, named for what it is.

Candidates of both engines are grouped when they hold the same value, or overlap on a line (the
catalogue's GitHub token and detect-secrets' ``GitHubTokenDetector`` on the same characters; a
key block and the ``PrivateKeyDetector`` hit on its first line). The group's finding is the most
specific candidate's (a catalogue format over detect-secrets' format detectors over the generic and
entropy detectors), at the group's first line; its other lines are ``occurrences``, the other
detectors ``sources``, their fingerprints ``merged``. The fingerprint hashes the value with the
rule (never the line), so it is what any one occurrence's would be.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from gitops_guard import project
from gitops_guard.models import Finding, Severity, stable_hash
from gitops_guard.scanners.interface import Rule
from gitops_guard.scanners.secrets import catalogue, checks, filters
from gitops_guard.scanners.secrets.catalogue import Detector, Hit
from gitops_guard.scanners.secrets.upstream import HELP_URL as UPSTREAM_URL
from gitops_guard.scanners.secrets.upstream import UpstreamHit

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass

ANCHOR_SALT = "gitops-guard-secret-1"
HELP_URL = project.doc_url("scanners.md", "secrets")
TOOL = "gitops-guard"
UPSTREAM = "detect-secrets"
_CONF_RANK = {"high": 0, "medium": 1, "low": 2}
#: Candidate kinds, most specific first.
_KIND_RANK = {
    "format": 0,
    "decoded": 0,
    "keyed": 1,
    "upstream-format": 2,
    "generic": 3,
    "upstream": 4,
}


@dataclass
class Candidate:
    """A secret one detector found at one place. Holds the value: never leaves the package."""

    rule: str
    tool: str
    name: str
    value: str
    line: int
    end_line: int
    col: int
    """Column span on ``line`` (0-based; ``end_col`` may run past the line for blocks); ``col``
    is -1 when unknown (detect-secrets after a transformer changed the line)."""
    end_col: int
    confidence: str
    kind: str
    severity: str = "high"
    rotate: str = ""
    provider: str = ""
    where: str = ""
    start: int = 0
    end: int = 0
    """Offsets in the piece (for the overlap between pieces of a large file)."""
    detector_obj: Detector | None = field(default=None, repr=False)

    @classmethod
    def of_hit(cls, hit: Hit, **where: Any) -> Candidate:
        d = hit.detector
        kind = "generic" if "generic" in d.tags else "keyed" if "keyed" in d.tags else "format"
        if "loose" in d.tags:
            kind = "generic"
        return cls(
            rule=d.id,
            tool=TOOL,
            name=d.name,
            value=hit.value,
            confidence=hit.confidence,
            kind="decoded" if where.get("where") and kind == "format" else kind,
            severity=d.severity,
            rotate=d.rotate,
            provider=d.provider,
            detector_obj=d,
            **where,
        )


def _upstream_meta() -> dict[str, dict[str, Any]]:
    return catalogue.upstream_table()


_HEXISH = re.compile(r"[0-9a-fA-F]+|[A-Za-z0-9+/=_-]+")


def upstream_verdict(
    value: str,
    line: str,
    col: int,
    path: str,
    heuristic: bool,
    encrypted: bool = False,
    text_before: str = "",
) -> str:
    """Our precision filters on a detect-secrets secret: ``"example"`` (a placeholder or
    documentation value: kept, at info severity, so nothing upstream reports is lost), ``"drop"``
    (only for the entropy and keyword plugins' guesses: references, UUIDs, labels and paths,
    ciphertext, names that are about a secret or public, digests where digests belong) or
    ``"keep"``."""
    if filters.is_placeholder(value, sequences=False):
        return "example"
    if not heuristic:
        return "keep"
    if filters.is_reference(value) or filters.inside_reference(line, col, len(value)):
        return "drop"
    if filters.is_uuid(value):
        return "drop"
    if filters.is_plain_text(value):
        return "drop"
    if encrypted and filters.in_encrypted_block(text_before, len(text_before)):
        return "drop"
    name = filters.assignment_name(line, col)
    if name and (filters.name_is_not_a_secret(name) or filters.is_digest_name(name)):
        return "drop"
    if _HEXISH.fullmatch(value) and filters.is_digest_context(value, line, path):
        return "drop"
    return "keep"


def _key_follows(lines: Sequence[str], index: int) -> bool:
    """Key material after a private-key header (a ``BEGIN ... PRIVATE KEY`` line of docs, or a
    PuTTY header with nothing after it, has none)."""
    block = "\n".join(lines[index : index + 120])
    end = re.search(r"-----END|Private-MAC:", block)
    return checks.key_material(block[: end.start()] if end else block)


def from_upstream(
    hits: Iterable[UpstreamHit], text: str, first_line: int, seen: int, path: str
) -> list[Candidate]:
    """detect-secrets' secrets as candidates, located on their line where the value is there."""
    lines = text.split("\n")
    seen_line = first_line + text.count("\n", 0, seen) if seen else first_line - 1
    encrypted = filters.is_encrypted_text(text)
    out = []
    meta = _upstream_meta()
    for h in hits:
        index = h.line - 1
        if h.line <= seen_line - first_line + 1 and seen:
            continue  # in the overlap with the previous piece
        line_text = lines[index] if 0 <= index < len(lines) else ""
        col = line_text.find(h.value) if h.value else -1
        m = meta.get(h.plugin, {})
        before = "\n".join(lines[max(0, index - 200) : index + 1]) if encrypted else ""
        verdict = upstream_verdict(
            h.value, line_text, col, path, bool(m.get("heuristic")), encrypted, before
        )
        if h.plugin == "PrivateKeyDetector" and not _key_follows(lines, index):
            verdict = "example"
        if verdict == "drop":
            continue
        example = verdict == "example"
        name = str(m.get("name", f"Possible secret: {h.secret_type}"))
        out.append(
            Candidate(
                rule=h.plugin,
                tool=UPSTREAM,
                name=name + (" (looks like a placeholder or example)" if example else ""),
                value=h.value,
                line=h.line + first_line - 1,
                end_line=h.line + first_line - 1,
                col=col,
                end_col=col + len(h.value) if col >= 0 else -1,
                confidence="low" if example else str(m.get("confidence", "high")),
                kind="upstream" if m.get("heuristic") else "upstream-format",
                severity="info" if example else str(m.get("severity", "high")),
                rotate=str(m.get("rotate", "")),
            )
        )
    return out


def upstream_rules() -> list[Rule]:
    return [
        Rule(
            id=plugin,
            name=str(m["name"]),
            description=f"detect-secrets {plugin}: {m['name']}",
            severity=Severity(str(m.get("severity", "high"))),
            help_url=UPSTREAM_URL,
        )
        for plugin, m in sorted(_upstream_meta().items())
    ]


def _overlap(a: Candidate, b: Candidate) -> bool:
    if a.line <= b.line <= a.end_line or b.line <= a.line <= b.end_line:
        if a.end_line > a.line or b.end_line > b.line:
            return True  # a block covers the other's line
        if a.col < 0 or b.col < 0:
            return a.value in b.value or b.value in a.value
        return a.col < b.end_col and b.col < a.end_col
    return False


def _groups(cands: Sequence[Candidate]) -> list[list[Candidate]]:
    parent = list(range(len(cands)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_value: dict[str, int] = {}
    for i, c in enumerate(cands):
        j = by_value.setdefault(c.value, i)
        parent[find(i)] = find(j)
    by_line: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        for ln in range(c.line, min(c.end_line, c.line + 400) + 1):
            by_line.setdefault(ln, []).append(i)
    for members in by_line.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                if _overlap(cands[members[x]], cands[members[y]]):
                    parent[find(members[x])] = find(members[y])
    groups: dict[int, list[Candidate]] = {}
    for i, c in enumerate(cands):
        groups.setdefault(find(i), []).append(c)
    return list(groups.values())


def _rank(c: Candidate) -> tuple[int, int, int, str]:
    return (_KIND_RANK.get(c.kind, 9), _CONF_RANK[c.confidence], c.line, c.rule)


def anchor(c: Candidate) -> str:
    """Salted hash of the value with its type: the fingerprint's content part. For
    detect-secrets' plugins the type is its ``secret_type``, as before the catalogue."""
    secret_hash = hashlib.sha1(c.value.encode("utf-8", "surrogatepass")).hexdigest()
    kind = c.rule if c.tool == TOOL else _secret_type(c)
    return stable_hash(ANCHOR_SALT, kind, secret_hash)[:24]


def _secret_type(c: Candidate) -> str:
    return str(_upstream_meta().get(c.rule, {}).get("secret_type", c.rule))


def _fix(c: Candidate) -> str:
    where = f" in {c.provider}'s console or API settings" if c.provider else " where it was issued"
    first = c.rotate or f"Revoke or regenerate the credential{where}"
    return (
        f"Rotate it first: {first}. Then remove it and read it at run time from a secret store "
        "or the environment; deleting it from the file (or from git history) does not revoke it."
    )


def _near_miss(group: Sequence[Candidate]) -> bool:
    """Only heuristic detectors found it, and the value starts like a provider's token it is
    not (a truncated or hand-made sample): the catalogue, which knows the format, says no."""
    if any(c.kind not in ("upstream", "generic") for c in group):
        return False
    return any(catalogue.load().prefix_of(c.value) for c in group)


def findings(scanner: str, path: str, cands: Sequence[Candidate], head: str) -> list[Finding]:
    generated = filters.is_generated(path, head)
    fixture = filters.is_test_fixture(path)
    out: list[Finding] = []
    for group in _groups(cands):
        if _near_miss(group):
            continue
        group.sort(key=_rank)
        primary = group[0]
        confidence = min((c.confidence for c in group), key=_CONF_RANK.__getitem__)
        if fixture:
            confidence = catalogue.lower_confidence(confidence)
        if generated and confidence != "high":
            continue
        lines = sorted({c.line for c in group} - set(range(primary.line, primary.end_line + 1)))
        first = min(primary.line, *lines) if lines else primary.line
        if first != primary.line:
            lines = sorted((set(lines) | {primary.line}) - {first})
        message = primary.name + (f" ({primary.where})" if primary.where else "")
        base = Finding(
            scanner=scanner,
            tool=primary.tool,
            rule_id=primary.rule,
            severity=Severity(primary.severity),
            message=message,
            path=path,
            line=first,
            end_line=primary.end_line if first == primary.line else first,
            confidence=confidence,
            anchor=anchor(primary),
            help_url=HELP_URL if primary.tool == TOOL else UPSTREAM_URL,
            column=primary.col + 1 if primary.col >= 0 and first == primary.line else 0,
            occurrences=tuple(lines),
            fix=_fix(primary),
        )
        others = {
            (c.tool, c.rule): c
            for c in group[1:]
            if (c.tool, c.rule) != (primary.tool, primary.rule)
        }
        merged = sorted(
            {
                replace(base, tool=c.tool, rule_id=c.rule, anchor=anchor(c)).fingerprint
                for c in others.values()
            }
            - {base.fingerprint}
        )
        out.append(
            replace(
                base,
                sources=tuple(sorted(f"{t}:{r}" for t, r in others)),
                # Every engine found the value at each of its lines: one problem per occurrence
                # (a baseline that accepted it once hides it only there).
                merged=tuple(fp for fp in merged for _ in range(1 + len(lines))),
            )
        )
    return out
