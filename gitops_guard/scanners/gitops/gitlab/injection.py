"""GG011 - user-controlled CI/CD variables run as code.

GitLab hands a job's variables to the shell as environment variables, so ``echo
"$CI_COMMIT_MESSAGE"`` prints a message and runs nothing. It becomes code when the shell expands
it *into* a string that is parsed again: ``eval``, ``sh -c "..."``, ``python -c "..."``,
``node -e``, PowerShell's ``Invoke-Expression``. The variables a commit, branch, tag or merge
request author chooses (``vocabulary.toml``: ``CI_COMMIT_MESSAGE``, ``CI_MERGE_REQUEST_TITLE``,
``CI_COMMIT_BRANCH``...) are then a way to run commands with the job's credentials. Variables
defined from them (``variables: {TITLE: $CI_MERGE_REQUEST_TITLE}``, ``T="$CI_COMMIT_TITLE"`` in
the script) carry the taint. An expansion inside single quotes is left to the inner shell, which
reads it as a value: not flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yaml.nodes import Node, ScalarNode

from gitops_guard.models import Finding, Severity
from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops._common import CI_KINDS, Parsed
from gitops_guard.scanners.gitops._rule import Check, Findings
from gitops_guard.scanners.gitops.ci.gitlab import Pipeline
from gitops_guard.scanners.gitops.gitlab import pipelines
from gitops_guard.scanners.gitops.gitlab.vocabulary import vocabulary

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

_EXPANSION = re.compile(r"\$(?:\{([A-Za-z_]\w*)[^}]*\}|env:([A-Za-z_]\w*)|([A-Za-z_]\w*))")
_ASSIGN = re.compile(r"^([A-Za-z_]\w*)=(.*)$")
_DECLARE = frozenset({"export", "local", "declare", "readonly", "typeset"})
_WRAPPERS = frozenset({"sudo", "env", "time", "nohup", "exec", "command", "builtin", "xargs"})


@dataclass
class _Word:
    text: str
    expansions: list[str]
    """Variables expanded by this shell (outside single quotes)."""


def _commands(line: str) -> list[tuple[list[_Word], bool]]:
    """The simple commands of one shell line, as words with the variables each expands, and
    whether the command reads the previous one's output through a pipe."""
    commands: list[list[_Word]] = [[]]
    piped: set[int] = set()
    word, quote = "", ""
    names: list[str] = []
    i = 0

    def flush() -> None:
        nonlocal word, names
        if word:
            commands[-1].append(_Word(word, names))
        word, names = "", []

    while i < len(line):
        ch = line[i]
        if quote == "'":
            quote = "" if ch == "'" else quote
            word += ch
        elif ch == "\\" and i + 1 < len(line):
            word += line[i : i + 2]
            i += 1
        elif ch == "$" and (m := _EXPANSION.match(line, i)):
            names.append(m.group(1) or m.group(2) or m.group(3))
            word += m.group(0)
            i = m.end() - 1
        elif quote == '"':
            quote = "" if ch == '"' else quote
            word += ch
        elif ch in "'\"":
            quote = ch
            word += ch
        elif ch in " \t":
            flush()
        elif ch in ";&|()`":
            flush()
            if commands[-1]:
                commands.append([])
            pipe = ch == "|" and line[i + 1 : i + 2] != "|" and line[i - 1 : i] != "|"
            if pipe and len(commands) >= 2:
                piped.add(len(commands) - 1)
        elif ch == "#" and not word:
            break
        else:
            word += ch
        i += 1
    flush()
    return [(c, k in piped) for k, c in enumerate(commands) if c]


def _program(words: list[_Word]) -> tuple[str, list[_Word]]:
    """The program (base name, lower case) and its arguments, wrappers and ``VAR=`` removed."""
    i = 0
    while i < len(words) and (words[i].text in _WRAPPERS or _ASSIGN.match(words[i].text)):
        i += 1
    if i >= len(words):
        return "", []
    return words[i].text.rsplit("/", 1)[-1].lower(), words[i + 1 :]


def _code_words(program: str, args: list[_Word]) -> list[_Word]:
    """The arguments a code-evaluating program parses as code."""
    flags = vocabulary().evaluators.get(program)
    if flags is None:
        return []
    if not flags:
        return args
    for k, arg in enumerate(args):
        text = arg.text.lower()
        short = [f[1:] for f in flags if len(f) == 2]
        if text in flags or (
            re.fullmatch(r"-[a-z]+", text) and any(letter in text[1:] for letter in short)
        ):
            return args[k + 1 : k + 2]
    return []


def injected(script: str, tainted: set[str]) -> list[tuple[int, str, str]]:
    """``(line index, program, variable)`` for each tainted variable a line runs as code;
    assignments from tainted variables extend ``tainted`` for the lines after them."""
    out: list[tuple[int, str, str]] = []
    for index, line in enumerate(script.split("\n")):
        before: list[str] = []  # what the previous command of a pipeline expands
        for words, piped in _commands(line.strip()):
            declared = words[1:] if words[0].text in _DECLARE else words
            assign = _ASSIGN.match(declared[0].text) if len(declared) == 1 else None
            if assign and set(declared[0].expansions) & tainted:
                tainted.add(assign.group(1))
            program, args = _program(words)
            code = _code_words(program, args)
            for word in code:
                out.extend((index, program, n) for n in word.expansions if n in tainted)
            if piped and not code and _reads_code_from_stdin(program, args):
                out.extend((index, program, n) for n in before if n in tainted)
            before = [n for w in words for n in w.expansions]
    return out


def _reads_code_from_stdin(program: str, args: list[_Word]) -> bool:
    """``... | sh``, ``... | python3 -``: an interpreter given no script reads one from stdin."""
    flags = vocabulary().evaluators.get(program)
    if not flags:  # not an interpreter, or eval (which does not read stdin)
        return False
    return all(a.text.startswith("-") for a in args)


def _tainted(pipeline: Pipeline, body: tuple[Node, Parsed]) -> set[str]:
    """User-controlled variables, and the variables a job or the pipeline defines from them."""
    tainted = set(vocabulary().user_controlled)
    scopes = [y.get(pipeline.doc, "variables")]
    found = pipeline.lookup(body, "variables")
    if found is not None:
        scopes.append(found[0])
    for scope in scopes:
        for key, _, value in y.pairs(scope):
            raw = y.text(value) or y.text(y.get(value, "value")) or ""
            if set(n for m in _EXPANSION.finditer(raw) for n in m.groups() if n) & tainted:
                tainted.add(key)
    return tainted


def check(file: Parsed, run: RunIndex) -> list[Finding]:
    out = Findings("GG011", file.path)
    seen: set[tuple[int, str]] = set()
    for pipeline in pipelines(file, run):
        for name, body in pipeline.jobs():
            tainted = _tainted(pipeline, body)
            for key in ("before_script", "script", "after_script"):
                found = (
                    pipeline.lookup(body, key) if key == "script" else pipeline.setting(body, key)
                )
                if found is None:
                    continue
                for scalar, origin in pipeline.script(found[0], found[1]):
                    if origin is not file or not isinstance(scalar, ScalarNode):
                        continue
                    lines, first, exact = y.scalar_lines(scalar, file.text)
                    for index, program, variable in injected("\n".join(lines), tainted):
                        line = first + index if exact else y.find_line(file.text, scalar, program)
                        if (line, variable) in seen:
                            continue
                        seen.add((line, variable))
                        out.add(
                            Severity.HIGH,
                            f"GitLab CI job '{name}' runs ${variable} as code ({program}): whoever "
                            "writes that commit, branch, tag or merge request chooses commands "
                            "that run with the job's variables.",
                            line,
                            resource=f"{name}/{key}",
                            anchor=(name, key, program, variable),
                            fix=f"pass ${variable} as data, never in code: use it quoted as an "
                            f'argument ("${variable}"), or inside single quotes given to {program}',
                        )
    return out.findings


RULE = Check("GG011", CI_KINDS, check)
