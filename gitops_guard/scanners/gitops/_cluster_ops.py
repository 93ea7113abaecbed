"""GG001's vocabulary: which CI commands and actions reach a Kubernetes cluster.

Every command is put in one category (see docs/rules/GG001.md):

* ``MUTATE``      changes a cluster (``kubectl apply``, ``helm upgrade``, ``argocd app sync``...);
* ``CLOUD_CRED``  fetches credentials of a managed or remote cluster (``get-credentials``,
  ``aws eks update-kubeconfig``, ``oc login``...);
* ``SECRET_KUBECONFIG`` writes or passes a kubeconfig taken from a CI secret;
* ``KUBECONFIG_VAR`` writes a kubeconfig from a CI variable (``$KUBE_CONFIG``): a secret unless
  the job made its own cluster;
* ``LOCAL_CLUSTER`` creates a throwaway cluster inside the job (kind, k3d, minikube, k3s...);
* ``CLOUD_CLUSTER`` creates a managed cluster inside the job (an ephemeral e2e cluster).

Anything else - rendering, validating, reading (``kubectl get``), dry runs - is ``None``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence

from gitops_guard.scanners.gitops._shell import Command, split


class Op(str, enum.Enum):
    MUTATE = "mutate"
    CLOUD_CRED = "cloud_cred"
    SECRET_KUBECONFIG = "secret_kubeconfig"
    KUBECONFIG_VAR = "kubeconfig_var"
    LOCAL_CLUSTER = "local_cluster"
    CLOUD_CLUSTER = "cloud_cluster"


#: ``(category, label)``: what a command does to a cluster, with a short label for messages.
Verdict = tuple[Op, str]

# -- kubectl and oc --------------------------------------------------------------------------

_KUBECTL_VALUE_FLAGS = frozenset(
    {
        "-n",
        "--namespace",
        "--context",
        "--kubeconfig",
        "--cluster",
        "--user",
        "-s",
        "--server",
        "--token",
        "--as",
        "--as-group",
        "--as-uid",
        "--certificate-authority",
        "--client-certificate",
        "--client-key",
        "--request-timeout",
        "--tls-server-name",
        "-v",
        "--v",
        "--cache-dir",
        "--username",
        "--password",
        "--profile",
        "--profile-output",
        "--log-file",
        "--vmodule",
        "--log-dir",
    }
)
_KUBECTL_MUTATING = frozenset(
    {
        "apply",
        "create",
        "delete",
        "patch",
        "replace",
        "edit",
        "annotate",
        "label",
        "expose",
        "run",
        "scale",
        "autoscale",
        "set",
        "taint",
        "cordon",
        "uncordon",
        "drain",
        "exec",
        "cp",
        "debug",
        "certificate",
        # oc
        "new-app",
        "new-build",
        "start-build",
        "import-image",
        "tag",
        "process-and-apply",
        "adm",
        "policy",
        "secrets",
        "extract-and-apply",
        "rsh",
        "rsync",
    }
)
_KUBECTL_ROLLOUT_READ = frozenset({"status", "history"})
_KUBECTL_WRAPPERS = frozenset({"microk8s", "k3s", "minikube"})  # ``microk8s kubectl apply``
_KUBECTL_NAMES = frozenset({"kubectl", "oc", "kubectl.sh", "kc"})

_HELM_VALUE_FLAGS = frozenset(
    {
        "-n",
        "--namespace",
        "--kube-context",
        "--kubeconfig",
        "--kube-apiserver",
        "--kube-token",
        "--kube-as-user",
        "--kube-as-group",
        "--kube-ca-file",
        "--registry-config",
        "--repository-config",
        "--repository-cache",
        "--burst-limit",
        "--kube-tls-server-name",
        "--qps",
    }
)
_HELM_MUTATING = frozenset(
    {"install", "upgrade", "uninstall", "delete", "del", "un", "rollback", "test", "init"}
)
_HELMFILE_VALUE_FLAGS = frozenset(
    {
        "-e",
        "--environment",
        "-f",
        "--file",
        "-n",
        "--namespace",
        "--kube-context",
        "-l",
        "--selector",
        "--state-values-set",
        "--state-values-file",
        "-b",
        "--helm-binary",
        "--chart",
        "-c",
        "--log-level",
        "--kubeconfig",
    }
)
_HELMFILE_MUTATING = frozenset({"apply", "sync", "destroy", "delete", "charts", "test"})
_SKAFFOLD_MUTATING = frozenset({"run", "deploy", "dev", "delete", "apply", "debug"})
_FLUX_MUTATING = frozenset(
    {"bootstrap", "install", "uninstall", "create", "delete", "reconcile", "suspend", "resume"}
)
_ARGOCD_APP_MUTATING = frozenset(
    {
        "sync",
        "create",
        "delete",
        "set",
        "unset",
        "patch",
        "rollback",
        "terminate-op",
        "edit",
        "patch-resource",
        "delete-resource",
        "actions",
        "add-source",
        "remove-source",
    }
)
_ARGOCD_ADMIN_MUTATING = frozenset(
    {
        "create",
        "delete",
        "rm",
        "add",
        "set",
        "update",
        "add-source",
        "remove-source",
        "allow-cluster-resource",
        "deny-cluster-resource",
        "add-destination",
        "remove-destination",
        "generate",
    }
)


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
    sub, i = _subcommand(args, _KUBECTL_VALUE_FLAGS)
    rest = args[i + 1 :]
    if _help(args) or _dry_run(args):
        return None
    if sub == "rollout":
        verb, _ = _subcommand(rest, _KUBECTL_VALUE_FLAGS)
        if verb in _KUBECTL_ROLLOUT_READ or not verb:
            return None
        return Op.MUTATE, f"{label} rollout {verb}"
    if sub == "config":
        verb, j = _subcommand(rest, _KUBECTL_VALUE_FLAGS)
        if verb in ("set-credentials", "set-cluster"):
            return Op.MUTATE, f"{label} config {verb}"
        ctx = rest[j + 1] if verb == "use-context" and j + 1 < len(rest) else ""
        if ":" in ctx and "/" in ctx:  # GitLab agent for Kubernetes: group/project:agent
            return Op.CLOUD_CRED, f"{label} config use-context (GitLab agent)"
        return None
    if sub == "certificate":
        verb, _ = _subcommand(rest, _KUBECTL_VALUE_FLAGS)
        return (Op.MUTATE, f"{label} certificate {verb}") if verb in ("approve", "deny") else None
    if label == "oc" and sub == "login":
        return Op.CLOUD_CRED, "oc login"
    if sub in _KUBECTL_MUTATING:
        return Op.MUTATE, f"{label} {sub}"
    return None


def _helm(args: Sequence[str]) -> Verdict | None:
    sub, i = _subcommand(args, _HELM_VALUE_FLAGS)
    if sub == "secrets":  # helm-secrets wraps the real verb
        sub, _ = _subcommand(args[i + 1 :], _HELM_VALUE_FLAGS)
    if _help(args) or _dry_run(args):
        return None
    if sub == "init" and "--client-only" in args:
        return None
    if sub in _HELM_MUTATING:
        return Op.MUTATE, f"helm {sub}"
    return None


def _simple(
    args: Sequence[str], name: str, verbs: frozenset[str], flags: frozenset[str] = frozenset()
) -> Verdict | None:
    sub, _ = _subcommand(args, flags)
    if _help(args) or _dry_run(args) or sub not in verbs:
        return None
    return Op.MUTATE, f"{name} {sub}"


def _flux(args: Sequence[str]) -> Verdict | None:
    sub, _ = _subcommand(args, frozenset({"-n", "--namespace", "--context", "--kubeconfig"}))
    if sub not in _FLUX_MUTATING or _help(args) or "--export" in args:
        return None
    return Op.MUTATE, f"flux {sub}"


def _argocd(args: Sequence[str]) -> Verdict | None:
    flags = frozenset(
        {
            "--server",
            "--auth-token",
            "--config",
            "--grpc-web-root-path",
            "--header",
            "-H",
            "--context",
            "--port-forward-namespace",
            "--kube-context",
            "--loglevel",
        }
    )
    sub, i = _subcommand(args, flags)
    verb, _ = _subcommand(args[i + 1 :], flags)
    if _help(args) or _dry_run(args):
        return None
    if sub in ("app", "application", "apps") and verb in _ARGOCD_APP_MUTATING:
        return Op.MUTATE, f"argocd app {verb}"
    if sub in ("proj", "project", "repo", "cluster", "appset", "repocreds", "cert", "gpg") and (
        verb in _ARGOCD_ADMIN_MUTATING
    ):
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
    if prog == "gcloud":
        if _contains(pos, ["clusters", "get-credentials"]) or _contains(
            pos, ["memberships", "get-credentials"]
        ):
            return Op.CLOUD_CRED, "gcloud container clusters get-credentials"
        if _contains(pos, ["container", "clusters", "create"]) or _contains(
            pos, ["container", "clusters", "create-auto"]
        ):
            return Op.CLOUD_CLUSTER, "gcloud container clusters create"
    elif prog == "aws":
        if _contains(pos, ["eks", "update-kubeconfig"]) or _contains(pos, ["eks", "get-token"]):
            return Op.CLOUD_CRED, "aws eks update-kubeconfig"
        if _contains(pos, ["eks", "create-cluster"]):
            return Op.CLOUD_CLUSTER, "aws eks create-cluster"
    elif prog == "eksctl":
        if _contains(pos, ["utils", "write-kubeconfig"]):
            return Op.CLOUD_CRED, "eksctl utils write-kubeconfig"
        if _contains(pos, ["create", "cluster"]):
            return Op.CLOUD_CLUSTER, "eksctl create cluster"
        if pos[:1] in (
            ["create"],
            ["delete"],
            ["upgrade"],
            ["update"],
            ["scale"],
            ["drain"],
            ["set"],
            ["unset"],
        ) and not _contains(pos, ["delete", "cluster"]):
            return Op.MUTATE, f"eksctl {' '.join(pos[:2])}"
    elif prog == "az":
        if _contains(pos, ["aks", "get-credentials"]):
            return Op.CLOUD_CRED, "az aks get-credentials"
        if _contains(pos, ["aks", "command", "invoke"]):
            return Op.MUTATE, "az aks command invoke"
        if _contains(pos, ["aks", "create"]):
            return Op.CLOUD_CLUSTER, "az aks create"
    elif prog == "doctl":
        if ("kubeconfig" in pos and "save" in pos) or _contains(pos, ["config", "save"]):
            return Op.CLOUD_CRED, "doctl kubernetes cluster kubeconfig save"
        if pos[:1] in (["kubernetes"], ["k8s"]) and _contains(pos, ["cluster", "create"]):
            return Op.CLOUD_CLUSTER, "doctl kubernetes cluster create"
    elif prog in ("ibmcloud", "ic"):
        if _contains(pos, ["cluster", "config"]):
            return Op.CLOUD_CRED, "ibmcloud ks cluster config"
    elif prog == "scw":
        if _contains(pos, ["kubeconfig", "install"]) or _contains(pos, ["kubeconfig", "get"]):
            return Op.CLOUD_CRED, "scw k8s kubeconfig"
    elif prog in ("linode-cli", "civo", "exo", "vultr-cli", "hcloud") and "kubeconfig" in pos:
        return Op.CLOUD_CRED, f"{prog} kubeconfig"
    return None


_LOCAL_PROGRAMS = frozenset(
    {"kind", "k3d", "minikube", "microk8s", "kwokctl", "ctlptl", "crc", "k3s"}
)
_LOCAL_HINT_RE = re.compile(
    r"(?:^|[-_/.:])(?:kind|k3d|k3s|minikube|microk8s|kwok)(?:$|[-_/.:])", re.I
)
_MAKE_LIKE = frozenset(
    {
        "make",
        "task",
        "just",
        "mage",
        "npm",
        "yarn",
        "pnpm",
        "earthly",
        "tox",
        "nox",
        "invoke",
        "inv",
    }
)
_KUBECONFIG_PATH_RE = re.compile(r"kube[_-]?config|\.kube/|kubeconfig", re.I)
_SECRETISH_RE = re.compile(r"secrets\.|\$|%[A-Za-z_]+%|env\.", re.I)


def _local(cmd: Command) -> Verdict | None:
    prog = cmd.program
    words = cmd.words
    if prog in _LOCAL_PROGRAMS:
        return Op.LOCAL_CLUSTER, prog
    if any("get.k3s.io" in w or "rancher/k3s" in w or "kindest/node" in w for w in words):
        return Op.LOCAL_CLUSTER, "k3s"
    if prog in ("snap", "brew", "choco") and any(w.lower() == "microk8s" for w in words):
        return Op.LOCAL_CLUSTER, "microk8s"
    # ``make kind-up``, ``./hack/create-kind-cluster.sh``, ``task k3d:create``
    if _LOCAL_HINT_RE.search(prog) and (
        prog.endswith(".sh")
        or "cluster" in prog
        or "up" in prog
        or "create" in prog
        or "setup" in prog
        or "start" in prog
    ):
        return Op.LOCAL_CLUSTER, prog
    if prog in _MAKE_LIKE:
        for w in words[1:4]:
            if _LOCAL_HINT_RE.search(w) and not w.startswith("-"):
                return Op.LOCAL_CLUSTER, f"{prog} {w}"
    return None


def classify(cmd: Command) -> Verdict | None:
    """What one simple command does to a cluster, if anything."""
    words = list(cmd.words)
    prog = cmd.program
    if not words:
        return None
    if prog in _KUBECTL_WRAPPERS and len(words) > 1 and words[1] == "kubectl":
        args = [w for w in words[2:] if w != "--"]
        return _kubectl(args, "kubectl")
    local = _local(cmd)
    if local is not None:
        return local
    args = words[1:]
    if prog in _KUBECTL_NAMES:
        return _kubectl(args, "oc" if prog == "oc" else "kubectl")
    if prog in ("helm", "helm3", "helm2"):
        return _helm(args)
    if prog == "helmfile":
        return _simple(args, "helmfile", _HELMFILE_MUTATING, _HELMFILE_VALUE_FLAGS)
    if prog == "skaffold":
        return _simple(args, "skaffold", _SKAFFOLD_MUTATING)
    if prog == "flux":
        return _flux(args)
    if prog == "argocd":
        return _argocd(args)
    if prog == "kapp":
        return _simple(args, "kapp", frozenset({"deploy", "delete", "rename", "app-group"}))
    if prog == "kpt":
        pos = _positional(args)
        if pos[:1] == ["live"] and pos[1:2] and pos[1] in ("apply", "destroy", "migrate"):
            return Op.MUTATE, f"kpt live {pos[1]}"
        return None
    if prog == "werf":
        return _simple(args, "werf", frozenset({"converge", "dismiss", "kube-run"}))
    if prog == "devspace":
        return _simple(args, "devspace", frozenset({"deploy", "dev", "purge"}))
    if prog == "garden":
        return _simple(args, "garden", frozenset({"deploy", "delete"}))
    if prog == "tilt":
        return _simple(args, "tilt", frozenset({"up", "ci", "down"}))
    if prog == "okteto":
        return _simple(args, "okteto", frozenset({"deploy", "destroy", "up", "pipeline", "stack"}))
    if prog == "istioctl":
        pos = _positional(args)
        if (pos[:1] and pos[0] in ("install", "upgrade", "uninstall")) or pos[:2] == [
            "manifest",
            "apply",
        ]:
            return None if _dry_run(args) else (Op.MUTATE, f"istioctl {pos[0]}")
        return None
    if prog == "cilium":
        return _simple(args, "cilium", frozenset({"install", "upgrade", "uninstall"}))
    if prog == "ct":  # chart-testing installs charts into the current cluster
        return _simple(args, "ct", frozenset({"install"}))
    if prog == "tkn":  # Tekton: ``tkn pipeline start`` creates a PipelineRun
        pos = _positional(args)
        return (Op.MUTATE, f"tkn {' '.join(pos[:2])}") if "start" in pos[1:3] else None
    if prog == "kubeseal" or prog == "velero":
        return None
    cloud = _cloud(prog, args)
    if cloud is not None:
        return cloud
    return _kubeconfig_write(cmd)


def _kubeconfig_write(cmd: Command) -> Verdict | None:
    """``echo "${{ secrets.KUBECONFIG }}" | base64 -d > ~/.kube/config`` and friends."""
    prog = cmd.program
    words = cmd.words[1:]
    if "$" in words:  # the output of a command substitution, e.g. $(kind get kubeconfig)
        return None
    into_kubeconfig = any(_KUBECONFIG_PATH_RE.search(r) for r in cmd.redirects) or (
        prog in ("tee", "cp", "mv", "install", "set-content", "out-file")
        and bool(words)
        and bool(_KUBECONFIG_PATH_RE.search(words[-1]))
    )
    if not into_kubeconfig:
        return None
    if any("secrets." in w for w in words):
        return Op.SECRET_KUBECONFIG, "kubeconfig written from a CI secret"
    if prog in (
        "echo",
        "printf",
        "cat",
        "base64",
        "tee",
        "envsubst",
        "openssl",
        "write-output",
        "set-content",
        "out-file",
        "printenv",
        "cp",
        "mv",
        "install",
    ) and (prog in ("base64", "openssl") or any(_SECRETISH_RE.search(w) for w in words)):
        if any(
            re.search(r"\b(HOME|PWD|GITHUB_WORKSPACE|CI_PROJECT_DIR|RUNNER_TEMP|TMPDIR)\b", w)
            for w in words[:-1]
        ) and prog in ("cp", "mv", "install"):
            return None
        return Op.KUBECONFIG_VAR, "kubeconfig written from a CI variable"
    return None


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

#: GitHub Actions by ``owner/repo`` (lower case), what they do, and (for wrappers of a CLI)
#: which ``with:`` input holds the command and which program it is passed to ("" = a script).
ACTIONS: dict[str, tuple[Op | None, tuple[str, ...], str]] = {
    "azure/k8s-deploy": (Op.MUTATE, (), ""),
    "azure/k8s-create-secret": (Op.MUTATE, (), ""),
    "azure/k8s-set-context": (Op.KUBECONFIG_VAR, (), ""),
    "azure/aks-set-context": (Op.CLOUD_CRED, (), ""),
    "azure/k8s-actions": (Op.MUTATE, (), ""),
    "azure/k8s-bake": (None, (), ""),
    "azure/k8s-lint": (None, (), ""),
    "google-github-actions/get-gke-credentials": (Op.CLOUD_CRED, (), ""),
    "googlecloudplatform/github-actions": (None, (), ""),
    "google-github-actions/deploy-gke": (Op.MUTATE, (), ""),
    "redhat-actions/oc-login": (Op.CLOUD_CRED, (), ""),
    "redhat-actions/oc-new-app": (Op.MUTATE, (), ""),
    "deliverybot/helm": (Op.MUTATE, (), ""),
    "bitovi/github-actions-deploy-eks-helm": (Op.MUTATE, (), ""),
    "appleboy/kubernetes-action": (Op.MUTATE, (), ""),
    "omegion/argocd-actions": (Op.MUTATE, (), ""),
    "okteto/deploy-stack": (Op.MUTATE, (), ""),
    "okteto/pipeline": (Op.MUTATE, (), ""),
    "okteto/apply": (Op.MUTATE, (), ""),
    "okteto/destroy-pipeline": (Op.MUTATE, (), ""),
    "okteto/context": (Op.CLOUD_CRED, (), ""),
    "tale/kubectl-action": (Op.SECRET_KUBECONFIG, (), ""),
    "werf/actions": (None, (), ""),
    "steebchen/kubectl": (None, ("command", "args"), "kubectl"),
    "actions-hub/kubectl": (None, ("args",), "kubectl"),
    "danielr1996/kubectl-action": (None, ("args",), "kubectl"),
    "kodermax/kubectl-aws-eks": (None, ("args",), "kubectl"),
    "ianbelcher/eks-kubectl-action": (None, ("args",), "kubectl"),
    "nikosch86/github-action-eks-kubectl": (None, ("args",), "kubectl"),
    "cancue/eks-action": (None, ("args", "command"), ""),
    "wahyd4/kubectl-helm-action": (None, ("args",), ""),
    "stefanprodan/kube-tools": (None, ("command",), ""),
    "wyrihaximus/github-action-helm3": (None, ("exec",), ""),
    "koslib/helm-eks-action": (None, ("command",), ""),
    "hiberbee/github-action-skaffold": (None, ("command",), "skaffold"),
    "clowdhaus/argo-cd-action": (None, ("command",), "argocd"),
    "helmfile/helmfile-action": (None, ("helmfile-args",), "helmfile"),
    "actions-hub/gcloud": (None, ("args",), "gcloud"),
    "yokawasa/action-setup-kube-tools": (None, (), ""),
}
#: werf/actions/<sub> and google-github-actions sub-paths.
ACTION_PATHS: dict[str, Op] = {
    "werf/actions/converge": Op.MUTATE,
    "werf/actions/dismiss": Op.MUTATE,
    "werf/actions/run": Op.MUTATE,
    "googlecloudplatform/github-actions/get-gke-credentials": Op.CLOUD_CRED,
}
_LOCAL_ACTION_RE = re.compile(
    r"(?:^|[-_/.])(?:kind|k3d|k3s|minikube|microk8s|kwok|kwokctl)(?:$|[-_/.])", re.I
)
_SETUP_RE = re.compile(
    r"(?:^|[-_/])(?:setup|install|installer|tools|lint|bake|validate)(?:$|[-_/])"
)


def classify_action(uses: str) -> tuple[Op | None, tuple[str, ...], str]:
    """What a ``uses:`` reference does: ``(category, command inputs, program of the inputs)``."""
    ref = uses.split("@", 1)[0].strip().lower().rstrip("/")
    if ref.startswith(("./", "docker://")) or not ref:
        return None, (), ""
    parts = ref.split("/")
    repo = "/".join(parts[:2])
    if ref in ACTION_PATHS:
        return ACTION_PATHS[ref], (), ""
    if repo in ACTIONS:
        return ACTIONS[repo]
    name = "/".join(parts[1:])
    if _LOCAL_ACTION_RE.search(name) and not re.search(r"kubectl|helm-deploy|deploy", name):
        return Op.LOCAL_CLUSTER, (), ""
    if _SETUP_RE.search(name):
        return None, (), ""
    # An unknown action named for deploying or syncing (``someone/argocd-sync-action``,
    # ``someone/eks-deploy``): it changes the cluster whatever its inputs.
    if (
        _CD_ACTION_RE.search(name)
        and _CD_VERB_RE.search(name)
        and not re.search(r"pages|docs|release", name)
    ):
        return Op.MUTATE, (), ""
    # An unknown wrapper of kubectl/helm (``someone/eks-kubectl-action``): read its command input.
    if _K8S_ACTION_RE.search(name):
        default = "helm" if "helm" in name and "kubectl" not in name else "kubectl"
        return None, _COMMAND_INPUTS, f"auto:{default}"
    return None, (), ""


_K8S_ACTION_RE = re.compile(r"kubectl|kube|k8s|eks|aks|gke|helm|openshift")
_CD_ACTION_RE = re.compile(
    r"argo-?cd|kubernetes|k8s|(?:^|[-_/])(?:eks|aks|gke|kube|helm)(?:$|[-_/])"
)
_CD_VERB_RE = re.compile(r"(?:^|[-_/])(?:sync|deploy|deployment|rollout|apply)(?:$|[-_/])")
_COMMAND_INPUTS = ("args", "command", "cmd", "exec", "script", "run", "commands")
CLUSTER_PROGRAMS = frozenset(
    {
        "kubectl",
        "helm",
        "helmfile",
        "oc",
        "argocd",
        "flux",
        "skaffold",
        "kustomize",
        "aws",
        "gcloud",
        "az",
        "eksctl",
        "kapp",
        "werf",
        "bash",
        "sh",
        "set",
        "export",
        "echo",
        "cat",
        "cd",
    }
)


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
    if re.search(
        r"create-or-update|delete-resource|rollout|update-container-image|"
        r"(install|upgrade|delete)-helm|helm-(install|upgrade|release)|deploy|"
        r"apply|publish-and-rollout",
        command,
    ) and any(
        k in orb
        for k in (
            "eks",
            "gke",
            "aks",
            "kube",
            "k8s",
            "helm",
            "kustomize",
            "argo",
            "gcp-gke",
            "skaffold",
        )
    ):
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
_PATH_VARS = frozenset(
    {
        "HOME",
        "PWD",
        "GITHUB_WORKSPACE",
        "CI_PROJECT_DIR",
        "RUNNER_TEMP",
        "TMPDIR",
        "BUILD_SOURCESDIRECTORY",
        "WORKSPACE",
    }
)


def kubeconfig_setting(key: str, value: str) -> Op | None:
    """``KUBECONFIG: ${{ secrets.X }}`` (a secret) or ``KUBE_CONFIG: $KUBE_CONFIG_B64`` (a CI
    variable) in env, action inputs or CI variables; None for paths and anything else."""
    k = key.lower().replace("-", "_")
    if not ("kube" in k and ("config" in k or "token" in k or "cert" in k)):
        return None
    if "secrets." in value:
        return Op.SECRET_KUBECONFIG
    m = _VAR_REF_RE.match(value.strip())
    if m and m.group(1) not in _PATH_VARS:
        return Op.KUBECONFIG_VAR
    return None
