"""What every human format (table, compact) does to text taken from a scanned tree - paths,
messages, resources - before it reaches a terminal or a CI log.

* Control and format characters (newline, tab, ESC, bidi overrides, zero-width spaces...) are shown
  as ``\\x1b``-style escapes, so one finding stays one line and nothing repaints the terminal.
* No line can be read as a GitHub Actions workflow command. The runner takes a line whose first
  non-blank characters are ``::`` as a command (``::stop-commands::TOKEN`` would silence every
  annotation after it), and ``##[`` anywhere in a line as a legacy one. A path that starts that way
  is shown as ``./<path>`` (the same file, still clickable); any other line that would start with
  ``::`` gets a backslash before it, and ``##[`` is shown as ``#\\x23[``.

``--format github`` escapes its own commands the way ``@actions/core`` does (formats/github.py).
"""

from __future__ import annotations


def clean(text: str) -> str:
    """``text`` on one line: every non-printable character (C0/C1 controls, line and paragraph
    separators, format characters) as a Python escape, ``##[`` defused."""
    out = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
    return out.replace("##[", "#\\x23[")


def path(text: str) -> str:
    """A path as a human format prints it: :func:`clean`, and ``./`` before a path that starts
    with ``:`` or blank space, so that a line starting with it is not a workflow command."""
    shown = clean(text)
    return f"./{shown}" if shown[:1] in (":", " ") else shown


def line(text: str) -> str:
    """One output line, made safe as a whole: a backslash before ``::`` at its (blank-stripped)
    start. Apply to every line built from scanned text (after :func:`clean`)."""
    stripped = text.lstrip(" ")
    if not stripped.startswith("::"):
        return text
    return f"{text[: len(text) - len(stripped)]}\\{stripped}"
