"""A small HCL block reader for GG007: blocks with their labels, attributes as raw expression text
with their lines, nested blocks. Nothing is evaluated; heredocs, strings and comments are skipped
correctly enough to find the blocks of a Terraform file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


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


def literal(expr: str | None) -> str | None:
    if expr is None:
        return None
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == expr[-1] == '"':
        return expr[1:-1]
    return expr
