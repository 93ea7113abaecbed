"""How YAML nodes of any CI platform become GG001 events: scripts, settings, service images."""

from __future__ import annotations

import re

from yaml.nodes import Node, ScalarNode, SequenceNode

from gitops_guard.scanners.gitops import _yaml as y
from gitops_guard.scanners.gitops.ci.classify import classify_script, kubeconfig_setting
from gitops_guard.scanners.gitops.ci.model import CiContext, Event
from gitops_guard.scanners.gitops.ci.tables import Op


def script(
    node: Node | None, source: str, step: str, ctx: CiContext, prefix: str = ""
) -> list[Event]:
    """Events of a script held in a scalar, or a (nested) sequence of scalars; ``prefix`` is a
    program the script is passed to (an action input holding ``kubectl`` arguments)."""
    out: list[Event] = []
    if isinstance(node, SequenceNode):
        for item in node.value:
            out.extend(script(item, source, step, ctx, prefix))
        return out
    if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        return out
    text = f"{prefix} {node.value}" if prefix else str(node.value)
    _, first, exact = y.scalar_lines(node, source)
    for (op, label), cmd in classify_script(text, ctx.follow):
        if exact:
            line = first + cmd.line
        else:
            needle = cmd.words[0] if not prefix else str(node.value).split()[0]
            line = y.find_line(source, node, needle)
        out.append(Event(op, label, line, step))
    return out


def settings(node: Node | None, step: str) -> list[Event]:
    """``KUBECONFIG: ${{ secrets.X }}`` in env / with / variables mappings."""
    out: list[Event] = []
    for key, key_node, value in y.pairs(node):
        raw = y.text(value) or y.text(y.get(value, "value")) or ""
        op = kubeconfig_setting(key, raw)
        if op is not None:
            origin = "secret" if op is Op.SECRET_KUBECONFIG else "variable"
            out.append(Event(op, f"{key} from a CI {origin}", y.line(key_node), step))
    return out


_THROWAWAY_IMAGE_RE = re.compile(r"rancher/k3s|kindest/|/kind:|k3d|minikube")


def throwaway_image(node: Node | None) -> bool:
    """A container or service image that is a throwaway cluster (``rancher/k3s``, kindest)."""
    names: list[str] = []
    for n in [node, *y.items(node)]:
        names.extend(y.strings(n))
        names.extend(y.strings(y.get(n, "image")))
        names.extend(y.strings(y.get(n, "name")))
    for _, _, v in y.pairs(node):
        names.extend(y.strings(y.get(v, "image")))
    return any(_THROWAWAY_IMAGE_RE.search(n) for n in names)


def local_cluster(name: str, step: str | None = None) -> Event:
    """The marker event of a job that makes its own cluster (it has no line of its own)."""
    return Event(Op.LOCAL_CLUSTER, name, 0, step if step is not None else name)
