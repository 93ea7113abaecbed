"""What GG007 can know about a Terraform module's inputs without running Terraform: the module
blocks of the run that call a local module directory (their arguments), the ``*.tfvars`` files
that set a root module's variables, and each variable's ``default``.

Expressions stay text; :func:`truthy`, :func:`presence` and :func:`number` evaluate only what is
literal (``null``, ``false``, ``[]``, ``{ count = 2 }``, a ternary on one variable) and answer
None for anything else, so callers say "cannot tell" rather than guess.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitops_guard.scanners.gitops._hcl import parse_hcl

if TYPE_CHECKING:
    from gitops_guard.scanners.gitops._run import RunIndex

_META_ARGS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
_FALSY = frozenset({"null", "false", "[]", "{}", '""', "0", "toset([])", "tolist([])"})
_VAR = re.compile(r"\bvar\.([A-Za-z_][\w-]*)")


@dataclass(frozen=True)
class Caller:
    """One way a module's variables get their values."""

    label: str
    """``module.NAME (path:line)`` or the ``.tfvars`` file."""
    args: dict[str, str]
    """Variable name -> expression text."""


@dataclass
class Modules:
    callers: dict[str, list[Caller]] = field(default_factory=dict)
    """Module directory -> what calls it."""
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)
    """Module directory -> variable -> ``default`` expression."""

    def value(self, directory: str, caller: Caller | None, name: str) -> str | None:
        """The expression a variable has for ``caller``: its argument, else its default."""
        if caller is not None and name in caller.args:
            return caller.args[name]
        return self.defaults.get(directory, {}).get(name)


def modules(run: RunIndex) -> Modules:
    """The module calls, tfvars and variable defaults of the run (computed once per run)."""
    out = Modules()
    for path in sorted(run.targets):
        if not path.endswith((".tf", ".tfvars")):
            continue
        text = run.text(path)
        if text is None:
            continue
        root = parse_hcl(text)
        here = posixpath.dirname(path) or "."
        if path.endswith(".tfvars"):
            name = posixpath.basename(path)
            if name == "terraform.tfvars" or name.endswith(".auto.tfvars"):
                args = {k: v for k, (v, _) in root.attrs.items()}
                out.callers.setdefault(here, []).append(Caller(path, args))
            continue
        for block in root.blocks_of("variable"):
            if block.labels and "default" in block.attrs:
                out.defaults.setdefault(here, {})[block.labels[0]] = block.attrs["default"][0]
        for block in root.blocks_of("module"):
            source = (block.value("source") or "").strip().strip('"')
            if not source.startswith(("./", "../")) or not block.labels:
                continue
            target = posixpath.normpath(posixpath.join(here, source))
            args = {k: v for k, (v, _) in block.attrs.items() if k not in _META_ARGS}
            label = f"module.{block.labels[0]} ({path}:{block.line})"
            out.callers.setdefault(target, []).append(Caller(label, args))
    return out


def truthy(expr: str | None) -> bool | None:
    """Whether a literal expression is set and non-empty; None when it is not a literal."""
    if expr is None:
        return None
    value = re.sub(r"\s+", "", expr)
    if value in _FALSY:
        return False
    if value in ("true",) or re.fullmatch(r"[1-9]\d*", value) or re.fullmatch(r'".+"', value):
        return True
    if value[:1] in "[{" and value[-1:] in "]}" and "var." not in value:
        return True
    return None


def _condition(cond: str, values: dict[str, str | None]) -> bool | None:
    """A condition on one variable: ``var.x``, ``!var.x``, ``var.x == null``, ``var.x != null``,
    ``length(var.x) > 0``."""
    names = set(_VAR.findall(cond))
    if len(names) != 1:
        return None
    name = names.pop()
    value = values.get(name)
    c = re.sub(r"\s+", "", cond)
    v = f"var.{name}"
    if value is None:
        return None
    is_null = re.sub(r"\s+", "", value) == "null"
    if c in (v, f"{v}==true"):
        return truthy(value)
    if c in (f"!{v}", f"{v}==false"):
        got = truthy(value)
        return None if got is None else not got
    if c == f"{v}==null":
        return is_null
    if c == f"{v}!=null":
        return not is_null
    if c in (f"length({v})>0", f"length({v})!=0", f"length({v})>=1"):
        return truthy(value)
    return None


def presence(for_each: str, values: dict[str, str | None]) -> bool | None:
    """Whether a ``dynamic`` block with this ``for_each`` produces a block, given the values of
    the variables it reads (None: cannot tell)."""
    expr = for_each.strip()
    m = re.fullmatch(r"(.+?)\?(.+?):(.+)", expr, re.S)
    if m:
        cond = _condition(m.group(1), values)
        when_true, when_false = truthy(m.group(2)), truthy(m.group(3))
        if cond is None:
            return None
        chosen = when_true if cond else when_false
        if chosen is not None:
            return chosen
        branch = m.group(2) if cond else m.group(3)
        return presence(branch, values)
    names = set(_VAR.findall(expr))
    if not names:
        return truthy(expr)
    got = [truthy(values.get(n)) for n in names]
    if any(g is False for g in got):
        return False  # [var.x] with x null, var.x[*], toset(var.x) with x empty
    return True if all(g is True for g in got) else None


def number(expr: str | None, values: dict[str, str | None], iterated: str | None) -> int | None:
    """An integer attribute: a literal, ``var.x``, or a key of an object-valued variable
    (``<block>.value.KEY``, ``each.value.KEY``, ``var.x.KEY``, ``lookup(var.x, "KEY", n)``);
    ``iterated`` is the variable a dynamic block iterates over."""
    if expr is None:
        return None
    text = expr.strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    m = re.fullmatch(r"var\.([\w-]+)", text)
    if m:
        value = values.get(m.group(1))
        return int(value.strip()) if value and value.strip().isdigit() else None
    m = re.search(r"\.value\.([\w-]+)|var\.[\w-]+\.([\w-]+)|lookup\([^,]+,\s*\"([\w-]+)\"", text)
    if not m:
        return None
    key = m.group(1) or m.group(2) or m.group(3)
    owner = _VAR.search(text)
    source = values.get(owner.group(1)) if owner else (values.get(iterated) if iterated else None)
    found = re.search(rf"\b{re.escape(key)}\s*[=:]\s*(\d+)", source or "")
    if found:
        return int(found.group(1))
    default = re.search(r",\s*(\d+)\s*\)\s*$", text)  # lookup(..., "key", 1) / try(..., 1)
    return int(default.group(1)) if default else None


def variables(expr: str) -> set[str]:
    """Names of the variables an expression reads."""
    return set(_VAR.findall(expr))
