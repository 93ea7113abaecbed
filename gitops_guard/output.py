"""Where rendered reports go: standard output or files (written atomically).

The rules (docs/ci.md, "Outputs"):

* ``--format FMT`` (repeatable) says what goes to standard output; without one, the default
  (table on a terminal, json otherwise). Several formats may share standard output only if at
  most one of them is a document (json, sarif, junit, gitlab): ``--format table --format github``
  is fine in a CI log, ``--format json --format sarif`` would be one unparsable stream.
* ``--output FMT:FILE`` (repeatable) writes FMT to FILE. The prefix must be a known format.
* A bare ``--output FILE`` *moves* the last ``--format`` from standard output to FILE, so
  ``--format table --format sarif --output report.sarif`` shows the table and saves SARIF. With no
  ``--format`` the format comes from the extension (``.sarif``, ``.json``, ``.xml`` for JUnit).
  Only one bare FILE per run; use FMT:FILE for more.

Everything is checked before the scan starts (unknown format, two outputs to one file, a directory
that cannot be written), so a typo costs no scan time. Nothing is written until the scan is
complete and every report has rendered: Ctrl-C or a failing formatter leaves no partial report;
each file is replaced atomically, so a reader sees the old file or the new one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gitops_guard.atomic import atomic_write
from gitops_guard.errors import UsageError
from gitops_guard.formats import Format, RenderOptions, render
from gitops_guard.models import Report


@dataclass(frozen=True)
class Destination:
    format: Format
    path: Path | None
    """None for standard output."""


class OutputSpecError(UsageError):
    """A bad ``--format``/``--output`` combination (the CLI exits 2 before scanning)."""


class OutputWriteError(UsageError):
    """A report could not be written after the scan (exit 2, one line, no traceback)."""


#: Formats that are one document each: two of them cannot share standard output.
DOCUMENTS = frozenset({"json", "sarif", "junit", "gitlab"})
#: Extensions that name a format unambiguously, for a bare ``--output FILE`` without ``--format``.
BY_SUFFIX = {".sarif": "sarif", ".json": "json", ".xml": "junit"}


def _choices() -> str:
    return ", ".join(f.value for f in Format)


def _format(name: str, where: str = "") -> Format:
    try:
        return Format(name.strip().lower())
    except ValueError:
        raise OutputSpecError(
            f"unknown format {name!r}{where} (choose from {_choices()})"
        ) from None


def _split(spec: str) -> tuple[Format | None, str]:
    """``FMT:FILE`` -> (format, file); a bare FILE -> (None, FILE). A one-letter head is a
    Windows drive, not a format; any longer word before ``:`` must be a format (a typo such as
    ``sarf:out.sarif`` is an error, not a file name; write ``./name:with-colon`` for those)."""
    head, sep, tail = spec.partition(":")
    if not sep or len(head) <= 1 or not head.replace("-", "").isalnum() or tail.startswith("\\"):
        return None, spec
    if not tail:
        raise OutputSpecError(f"--output {spec}: missing file name after {head}:")
    return _format(head, f" in --output {spec}"), tail


def _infer(path: str) -> Format:
    name = path.lower()
    for suffix, fmt in BY_SUFFIX.items():
        if name.endswith(suffix):
            return Format(fmt)
    raise OutputSpecError(
        f"--output {path}: cannot tell the format from the file name; "
        f"write --output FORMAT:{path} (formats: {_choices()})"
    )


def check_writable(path: Path) -> None:
    """Raise :class:`OutputSpecError` when ``path`` can clearly not be written (a directory, or
    under a directory that is not writable or is a file). Missing directories are created later."""
    if path.is_dir():
        raise OutputSpecError(f"--output {path}: is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputSpecError(f"--output {path}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputSpecError(f"--output {path}: directory {probe} is not writable")


def plan(formats: Sequence[str], outputs: Sequence[str], default: Format) -> list[Destination]:
    """Turn ``--format``/``--output`` values into destinations (see module docstring); raises
    :class:`OutputSpecError` with one clear line for anything wrong."""
    fmts = [_format(f) for f in formats]
    files: list[Destination] = []
    bare: list[str] = []
    for spec in outputs:
        fmt, file = _split(spec)
        if fmt is None:
            bare.append(file)
        else:
            files.append(Destination(fmt, Path(file)))
    if len(bare) > 1:
        raise OutputSpecError(
            f"only one --output FILE without a format prefix (got {', '.join(bare)}); "
            "use --output FORMAT:FILE for more"
        )
    if bare:
        moved = fmts.pop() if fmts else _infer(bare[0])
        files.append(Destination(moved, Path(bare[0])))
        stdout = fmts if formats else [default]
    else:
        stdout = fmts or [default]
    documents = [f.value for f in stdout if f.value in DOCUMENTS]
    if len(documents) > 1:
        raise OutputSpecError(
            f"--format {' and '.join(documents)} cannot share standard output; "
            f"write one to a file, e.g. --output {documents[-1]}:report.{documents[-1]}"
        )
    seen: dict[str, str] = {}
    for d in files:
        path = d.path or Path()
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise OutputSpecError(
                f"--output {path}: named twice ({seen[key]} and {d.format.value})"
            )
        seen[key] = d.format.value
        check_writable(path)
    return [Destination(f, None) for f in stdout] + files


def valid_utf8(text: str) -> str:
    """``text`` as valid UTF-8 whatever the locale and the format: the undecodable bytes of a
    file name (which ``os.fsdecode`` keeps as lone surrogates) become U+FFFD, valid in JSON,
    XML and a terminal alike (SARIF URIs keep the raw bytes, percent-encoded)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _write_stdout(text: str) -> None:
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:  # a terminal in a legacy encoding: the text is valid UTF-8
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))


def emit(
    report: Report,
    dests: Sequence[Destination],
    *,
    color: bool,
    width: int | None,
    group_by: str = "file",
) -> None:
    """Render every destination first, then write: a failed render writes nothing. Standard
    output comes first, then each file, atomically."""

    def options(d: Destination) -> RenderOptions:
        return RenderOptions(color=color and d.path is None, width=width, group_by=group_by)

    rendered = [(d, valid_utf8(render(d.format, report, options(d)))) for d in dests]
    for d, text in rendered:
        if d.path is None:
            _write_stdout(text)
    sys.stdout.flush()
    for d, text in rendered:
        if d.path is None:
            continue
        try:
            d.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(d.path, text)
        except OSError as exc:
            raise OutputWriteError(
                f"cannot write {d.format.value} report to {d.path}: {exc.strerror or exc}"
            ) from None
