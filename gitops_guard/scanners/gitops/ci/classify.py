"""GG001's classifier: which category (:class:`Op`) a CI command, action, orb or pipe falls in.

The vocabulary (verbs, flags, actions, cloud CLIs) is data, in ``cluster_ops.toml``; this module
applies it. Anything not in a category - rendering, validating, reading (``kubectl get``), dry
runs, ``--help`` - is ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from gitops_guard.scanners.gitops.ci.shell import Command, split
from gitops_guard.scanners.gitops.ci.tables import Action, Cli, Op, tables

__all__ = ["Op", "Verdict", "classify", "classify_action", "classify_script"]

#: ``(category, label)``: what a command does to a cluster, with a short label for messages.
Verdict = tuple[Op, str]


def _subcommand(args: Sequence[str], value_flags: frozenset[str]) -> tuple[str, int]:
    """The first positional argument (the subcommand) and its index, skipping global flags."""
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1:
            i += 2 if (a in value_flags and "=" not in a) else 1
            continue
        return a.lower(), i
    return "", len(args)


def _dry_run(args: Sequence[str]) -> bool:
    """Any ``--dry-run`` except ``--dry-run=none`` (kubectl's spelling of "for real")."""
    for a in args:
        if a == "--dry-run" or (a.startswith("--dry-run=") and a != "--dry-run=none"):
            return True
    return False


def _help(args: Sequence[str]) -> bool:
    return any(a in ("-h", "--help") for a in args)


def _kubectl(args: Sequence[str], label: str) -> Verdict | None:
    cli = tables().kubectl
    sub, i = _subcommand(args, cli.value_flags)
    rest = args[i + 1 :]
    if _help(args) or _dry_run(args):
        return None
    verb, j = _subcommand(rest, cli.value_flags)
    if sub == "rollout":
        if verb in tables().kubectl_rollout_read or not verb:
            return None
        return Op.MUTATE, f"{label} rollout {verb}"
    if sub == "config":
        if verb in ("set-credentials", "set-cluster"):
            return Op.MUTATE, f"{label} config {verb}"
        ctx = rest[j + 1] if verb == "use-context" and j + 1 < len(rest) else ""
        if ":" in ctx and "/" in ctx:  # GitLab agent for Kubernetes: group/project:agent
            return Op.CLOUD_CRED, f"{label} config use-context (GitLab agent)"
        return None
    if sub == "certificate":
        return (Op.MUTATE, f"{label} certificate {verb}") if verb in ("approve", "deny") else None
    if label == "oc" and sub == "login":
        return Op.CLOUD_CRED, "oc login"
    if sub in cli.mutating:
        return Op.MUTATE, f"{label} {sub}"
    return None


def _helm(args: Sequence[str]) -> Verdict | None:
    cli = tables().helm
    sub, i = _subcommand(args, cli.value_flags)
    if sub == "secrets":  # helm-secrets wraps the real verb
        sub, _ = _subcommand(args[i + 1 :], cli.value_flags)
    if _help(args) or _dry_run(args):
        return None
    if sub == "init" and "--client-only" in args:
        return None
    if sub in cli.mutating:
        return Op.MUTATE, f"helm {sub}"
    return None


def _verb(args: Sequence[str], name: str, cli: Cli) -> Verdict | None:
    sub, _ = _subcommand(args, cli.value_flags)
    if _help(args) or _dry_run(args) or sub not in cli.mutating:
        return None
    return Op.MUTATE, f"{name} {sub}"


def _flux(args: Sequence[str]) -> Verdict | None:
    return None if "--export" in args else _verb(args, "flux", tables().flux)


def _argocd(args: Sequence[str]) -> Verdict | None:
    t = tables()
    sub, i = _subcommand(args, t.argocd_flags)
    verb, _ = _subcommand(args[i + 1 :], t.argocd_flags)
    if _help(args) or _dry_run(args):
        return None
    if sub in t.argocd_app_nouns and verb in t.argocd_app_mutating:
        return Op.MUTATE, f"argocd app {verb}"
    if sub in t.argocd_admin_nouns and verb in t.argocd_admin_mutating:
        return Op.MUTATE, f"argocd {sub} {verb}"
    return None


def _positional(args: Sequence[str]) -> list[str]:
    """Non-flag words, lower-cased (enough to find ``container clusters get-credentials``)."""
    return [a.lower() for a in args if not a.startswith("-")]


def _contains(words: Sequence[str], seq: Sequence[str]) -> bool:
    """True when ``seq`` occurs in ``words`` in order (flag values may sit in between:
    ``aws eks --region x update-kubeconfig``)."""
    it = iter(words)
    return all(any(w == s for w in it) for s in seq)


def _cloud(prog: str, args: Sequence[str]) -> Verdict | None:
    pos = _positional(args)
    for rule in tables().cloud:
        if prog not in rule.programs or (rule.first and pos[:1] and pos[0] not in rule.first):
            continue
        if rule.first and not pos:
            continue
        if rule.words and not any(_contains(pos, seq) for seq in rule.words):
            continue
        if any(_contains(pos, seq) for seq in rule.unless):
            continue
        return rule.op, rule.label.format(program=prog, words=" ".join(pos[:2]))
    return None


_LOCAL_HINT_RE = re.compile(
    r"(?:^|[-_/.:])(?:kind|k3d|k3s|minikube|microk8s|kwok)(?:$|[-_/.:])", re.I
)
_KUBECONFIG_PATH_RE = re.compile(r"kube[_-]?config|\.kube/|kubeconfig", re.I)
_SECRETISH_RE = re.compile(r"secrets\.|\$|%[A-Za-z_]+%|env\.", re.I)


def _local(cmd: Command) -> Verdict | None:
    prog = cmd.program
    words = cmd.words
    if prog in tables().local_programs:
        return Op.LOCAL_CLUSTER, prog
    if any("get.k3s.io" in w or "rancher/k3s" in w or "kindest/node" in w for w in words):
        return Op.LOCAL_CLUSTER, "k3s"
    if prog in ("snap", "brew", "choco") and any(w.lower() == "microk8s" for w in words):
        return Op.LOCAL_CLUSTER, "microk8s"
    # ``make kind-up``, ``./hack/create-kind-cluster.sh``, ``task k3d:create``
    if _LOCAL_HINT_RE.search(prog) and (
        prog.endswith(".sh")
        or any(w in prog for w in ("cluster", "up", "create", "setup", "start"))
    ):
        return Op.LOCAL_CLUSTER, prog
    if prog in tables().local_task_runners:
        for w in words[1:4]:
            if _LOCAL_HINT_RE.search(w) and not w.startswith("-"):
                return Op.LOCAL_CLUSTER, f"{prog} {w}"
    return None


def _kpt(args: Sequence[str]) -> Verdict | None:
    pos = _positional(args)
    if pos[:1] == ["live"] and pos[1:2] and pos[1] in ("apply", "destroy", "migrate"):
        return Op.MUTATE, f"kpt live {pos[1]}"
    return None


def _istioctl(args: Sequence[str]) -> Verdict | None:
    pos = _positional(args)
    if (pos[:1] and pos[0] in ("install", "upgrade", "uninstall")) or pos[:2] == [
        "manifest",
        "apply",
    ]:
        return None if _dry_run(args) else (Op.MUTATE, f"istioctl {pos[0]}")
    return None


def _tkn(args: Sequence[str]) -> Verdict | None:
    """Tekton: ``tkn pipeline start`` creates a PipelineRun."""
    pos = _positional(args)
    return (Op.MUTATE, f"tkn {' '.join(pos[:2])}") if "start" in pos[1:3] else None


#: Tools whose arguments need more than a verb table.
_SPECIAL: dict[str, Callable[[Sequence[str]], Verdict | None]] = {
    "flux": _flux,
    "argocd": _argocd,
    "kpt": _kpt,
    "istioctl": _istioctl,
    "tkn": _tkn,
}


def classify(cmd: Command) -> Verdict | None:
    """What one simple command does to a cluster, if anything."""
    t = tables()
    words = list(cmd.words)
    prog = cmd.program
    if not words:
        return None
    if prog in t.kubectl_wrappers and len(words) > 1 and words[1] == "kubectl":
        return _kubectl([w for w in words[2:] if w != "--"], "kubectl")
    local = _local(cmd)
    if local is not None:
        return local
    args = words[1:]
    if prog in t.kubectl_names:
        return _kubectl(args, "oc" if prog == "oc" else "kubectl")
    if prog in t.helm_names:
        return _helm(args)
    if prog in t.verbs:
        return _verb(args, prog, t.verbs[prog])
    if prog in _SPECIAL:
        return _SPECIAL[prog](args)
    if prog in t.harmless:
        return None
    return _cloud(prog, args) or _kubeconfig_write(cmd)


def _kubeconfig_write(cmd: Command) -> Verdict | None:
    """``echo "${{ secrets.KUBECONFIG }}" | base64 -d > ~/.kube/config`` and friends."""
    t = tables()
    prog = cmd.program
    words = cmd.words[1:]
    if "$" in words:  # the output of a command substitution, e.g. $(kind get kubeconfig)
        return None
    into_kubeconfig = any(_KUBECONFIG_PATH_RE.search(r) for r in cmd.redirects) or (
        prog in t.kubeconfig_copiers and bool(words) and bool(_KUBECONFIG_PATH_RE.search(words[-1]))
    )
    if not into_kubeconfig:
        return None
    if any("secrets." in w for w in words):
        return Op.SECRET_KUBECONFIG, "kubeconfig written from a CI secret"
    if prog not in t.kubeconfig_writers or not (
        prog in ("base64", "openssl") or any(_SECRETISH_RE.search(w) for w in words)
    ):
        return None
    if prog in ("cp", "mv", "install") and any(
        re.search(rf"\b{var}\b", w) for var in t.kubeconfig_path_vars for w in words[:-1]
    ):
        return None  # a copy of a file of the machine, not a credential
    return Op.KUBECONFIG_VAR, "kubeconfig written from a CI variable"


def classify_script(
    script: str, follow: Callable[[Command], list[Verdict]] | None = None
) -> list[tuple[Verdict, Command]]:
    """Every cluster-relevant command of a shell script, in order; ``follow`` looks into the
    scripts and Makefile targets that a command runs."""
    out: list[tuple[Verdict, Command]] = []
    for cmd in split(script):
        verdict = classify(cmd)
        if verdict is not None:
            out.append((verdict, cmd))
        elif follow is not None:
            out.extend((v, cmd) for v in follow(cmd))
    return out


# -- CI actions, orbs, pipes and tasks -------------------------------------------------------

_LOCAL_ACTION_RE = re.compile(
    r"(?:^|[-_/.])(?:kind|k3d|k3s|minikube|microk8s|kwok|kwokctl)(?:$|[-_/.])", re.I
)
_SETUP_RE = re.compile(
    r"(?:^|[-_/])(?:setup|install|installer|tools|lint|bake|validate)(?:$|[-_/])"
)
_K8S_ACTION_RE = re.compile(r"kubectl|kube|k8s|eks|aks|gke|helm|openshift")
_CD_ACTION_RE = re.compile(
    r"argo-?cd|kubernetes|k8s|(?:^|[-_/])(?:eks|aks|gke|kube|helm)(?:$|[-_/])"
)
_CD_VERB_RE = re.compile(r"(?:^|[-_/])(?:sync|deploy|deployment|rollout|apply)(?:$|[-_/])")


def classify_action(uses: str) -> Action:
    """What a ``uses:`` reference does; an unknown wrapper of kubectl/helm gets the program
    ``auto:<default>`` (its command input may also be a whole script)."""
    t = tables()
    ref = uses.split("@", 1)[0].strip().lower().rstrip("/")
    if ref.startswith(("./", "docker://")) or not ref:
        return Action()
    parts = ref.split("/")
    repo = "/".join(parts[:2])
    if ref in t.action_paths:
        return Action(t.action_paths[ref])
    if repo in t.actions:
        return t.actions[repo]
    name = "/".join(parts[1:])
    if _LOCAL_ACTION_RE.search(name) and not re.search(r"kubectl|helm-deploy|deploy", name):
        return Action(Op.LOCAL_CLUSTER)
    if _SETUP_RE.search(name):
        return Action()
    # An unknown action named for deploying or syncing (``someone/argocd-sync-action``,
    # ``someone/eks-deploy``): it changes the cluster whatever its inputs.
    if (
        _CD_ACTION_RE.search(name)
        and _CD_VERB_RE.search(name)
        and not re.search(r"pages|docs|release", name)
    ):
        return Action(Op.MUTATE)
    # An unknown wrapper of kubectl/helm (``someone/eks-kubectl-action``): read its command input.
    if _K8S_ACTION_RE.search(name):
        default = "helm" if "helm" in name and "kubectl" not in name else "kubectl"
        return Action(None, t.unknown_command_inputs, f"auto:{default}")
    return Action()


def name_hint(name: str) -> bool:
    """A job or step name announcing a throwaway cluster (``Create kind cluster``)."""
    lower = name.lower()
    if re.search(r"\b(k3d|k3s|minikube|microk8s|kwok)\b", lower):
        return True
    return bool(re.search(r"\bkind\b", lower)) and bool(
        re.search(r"cluster|create|setup|set up|start|spin|e2e|install|bootstrap", lower)
    )


def names_local_cluster(path: str) -> bool:
    """A path or action name with a kind/k3d/k3s/minikube/microk8s/kwok segment."""
    return bool(_LOCAL_ACTION_RE.search(path))


_LOCAL_TOOL_VALUE_RE = re.compile(r"^(?:kind|k3d|k3s|minikube|microk8s|kwok)$", re.I)


def local_cluster_input(values: Sequence[str]) -> bool:
    """An action input that picks a throwaway cluster: ``provider: kind``, ``distribution: k3d``
    (generic cluster-provider actions name the tool in an input, not in their own name)."""
    return any(_LOCAL_TOOL_VALUE_RE.match(v.strip()) for v in values)


_ORB_MUTATING_RE = re.compile(
    r"create-or-update|delete-resource|rollout|update-container-image|"
    r"(install|upgrade|delete)-helm|helm-(install|upgrade|release)|deploy|"
    r"apply|publish-and-rollout"
)
_ORB_K8S = ("eks", "gke", "aks", "kube", "k8s", "helm", "kustomize", "argo", "skaffold")


def classify_orb(name: str) -> Op | None:
    """CircleCI orb commands and jobs (``aws-eks/update-kubeconfig-with-authenticator``)."""
    if "/" not in name:
        return None
    orb, _, command = name.lower().partition("/")
    if _LOCAL_ACTION_RE.search(orb) or _LOCAL_ACTION_RE.search(command):
        return Op.LOCAL_CLUSTER
    if "kubeconfig" in command or command in ("install-kubeconfig", "auth", "login"):
        return Op.CLOUD_CRED if any(k in orb for k in ("eks", "gke", "aks", "kube")) else None
    if "create-cluster" in command:
        return Op.CLOUD_CLUSTER
    if _ORB_MUTATING_RE.search(command) and any(k in orb for k in _ORB_K8S):
        return Op.MUTATE
    return None


def classify_pipe(name: str, variables: dict[str, str]) -> Op | None:
    """Bitbucket pipes (``atlassian/aws-eks-kubectl-run``...)."""
    pipe = name.split(":", 1)[0].lower()
    if "kubectl-run" in pipe:
        command = variables.get("KUBECTL_COMMAND", "apply")
        verdict = classify(Command(("kubectl", *command.split()), 0))
        return verdict[0] if verdict else None
    if re.search(r"(aks|eks|gke|kubernetes|k8s|helm).*deploy|deploy.*(aks|eks|gke|k8s)", pipe):
        return Op.MUTATE
    return None


_VAR_REF_RE = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


def kubeconfig_setting(key: str, value: str) -> Op | None:
    """``KUBECONFIG: ${{ secrets.X }}`` (a secret) or ``KUBE_CONFIG: $KUBE_CONFIG_B64`` (a CI
    variable) in env, action inputs or CI variables; None for paths and anything else."""
    k = key.lower().replace("-", "_")
    if not ("kube" in k and ("config" in k or "token" in k or "cert" in k)):
        return None
    if "secrets." in value:
        return Op.SECRET_KUBECONFIG
    m = _VAR_REF_RE.match(value.strip())
    if m and m.group(1) not in tables().kubeconfig_path_vars:
        return Op.KUBECONFIG_VAR
    return None
