"""``--format junit``: JUnit XML for CI test dashboards (Jenkins, GitLab, Azure Pipelines...).

``<testsuites>`` holds one ``<testsuite>`` per scanner. Inside, one ``<testcase>`` per rule and
file (``classname`` = path, ``name`` = rule id) with one ``<failure>`` listing every line where the
rule fired; a scanner error is a test case with an ``<error>``, a skipped file one with
``<skipped>``. A scanner that ran and found nothing has one passing test case, so dashboards show
it as green rather than absent. Control characters that XML 1.0 cannot hold are escaped.
"""

from __future__ import annotations

import re

# gitops-guard: ignore[B405] this module only builds XML; it never parses untrusted input.
import xml.etree.ElementTree as ET

from gitops_guard.formats import RenderOptions, escape
from gitops_guard.models import ErrorKind, Finding, Report, ScanError

#: Characters XML 1.0 forbids even as references.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(value: str) -> str:
    return _INVALID_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


class _Suite:
    def __init__(self, name: str) -> None:
        self.name = name
        self.cases: list[ET.Element] = []
        self.failures = self.errors = self.skipped = 0


def _case(classname: str, name: str) -> ET.Element:
    case = ET.Element("testcase", {"classname": clean(classname), "name": clean(name)})
    case.set("time", "0")
    return case


def _failure_case(path: str, rule_id: str, group: list[Finding]) -> ET.Element:
    case = _case(path, rule_id)
    case.set("file", clean(path))
    worst = max(group, key=lambda f: f.severity.rank)
    lines = sorted({f.line for f in group})
    numbered = [str(n) for n in lines if n]
    where = (
        f"at line{'s' if len(numbered) > 1 else ''} {', '.join(numbered)}"
        if numbered
        else "in the whole file"
    )
    n = len(group)
    failure = ET.SubElement(
        case,
        "failure",
        {
            "message": clean(f"{n} finding{'s' if n != 1 else ''} {where}: {worst.message}"),
            "type": f"{worst.tool}.{rule_id}.{worst.severity.value}",
        },
    )
    body = []
    for f in sorted(group, key=lambda f: (f.line, f.message)):
        # Each line may reach a CI log as it is: a path must not start a workflow command.
        shown = escape.path(f.path)
        text = f"{shown}:{f.line}" if f.line else shown
        text += f": [{f.severity.value}] {f.message}"
        if f.resource:
            text += f" [{f.resource}]"
        if f.sources:
            text += f" (also: {', '.join(f.sources)})"
        body.append(escape.line(text))
    if worst.help_url:
        body.append(f"See {worst.help_url}")
    failure.text = clean("\n".join(body))
    return case


def _error_case(e: ScanError) -> ET.Element:
    case = _case(e.path or "gitops-guard", f"{e.scanner} {e.kind.value}")
    if e.path:
        case.set("file", clean(e.path))
    if e.kind is ErrorKind.ERROR:
        ET.SubElement(case, "error", {"message": clean(e.message), "type": "ScannerError"})
    else:
        ET.SubElement(case, "skipped", {"message": clean(e.message)})
    return case


def render(report: Report, options: RenderOptions) -> str:
    suites: dict[str, _Suite] = {name: _Suite(name) for name in report.scanners}

    def suite(name: str) -> _Suite:
        return suites.setdefault(name, _Suite(name))

    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in report.findings:
        groups.setdefault((f.scanner, f.path, f.rule_id), []).append(f)
    for (scanner, path, rule_id), group in sorted(groups.items()):
        s = suite(scanner)
        s.cases.append(_failure_case(path, rule_id, group))
        s.failures += 1
    for e in report.errors:
        s = suite(e.scanner)
        s.cases.append(_error_case(e))
        if e.kind is ErrorKind.ERROR:
            s.errors += 1
        else:
            s.skipped += 1
    for s in suites.values():
        if s.name in report.scanners and not s.failures and not s.errors:
            s.cases.insert(0, _case(f"gitops-guard.{s.name}", "no findings"))

    root = ET.Element("testsuites", {"name": "gitops-guard"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name in sorted(suites):
        s = suites[name]
        counts = {
            "tests": len(s.cases),
            "failures": s.failures,
            "errors": s.errors,
            "skipped": s.skipped,
        }
        el = ET.SubElement(
            root,
            "testsuite",
            {"name": f"gitops-guard.{name}", **{k: str(v) for k, v in counts.items()}},
        )
        el.set("time", "0")
        el.extend(s.cases)
        for k, v in counts.items():
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("time", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
