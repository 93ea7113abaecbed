"""``iac``: Terraform, CloudFormation, Kubernetes, Kustomize, Helm, Serverless, ARM, Bicep,
OpenAPI, Ansible, Argo Workflows and CI pipelines via Checkov.

Units (what is read together, and cached together):

- Terraform: one unit per module directory holding all its ``.tf``/``.tf.json`` files, so a
  resource in ``main.tf`` sees the variables and locals of ``variables.tf``. When the run is
  ``explicit`` (pre-commit named files), the directory's other Terraform files are read from disk
  as context and the unit's ``report`` set keeps findings to the named files only.
- Kustomize: the directory holding ``kustomization.yaml``, rendered by ``kubectl kustomize`` (or
  ``kustomize build``); skipped with a notice when neither is installed or it names anything that
  is not on disk (a remote base is never fetched).
- Helm: the chart directory (``Chart.yaml``), rendered by ``helm template``; skipped with a notice
  when ``helm`` is not installed or the chart has dependencies (they would be downloaded).
- Everything else (Kubernetes manifests, CloudFormation, the CI pipelines, Serverless, ARM, Bicep,
  OpenAPI, Ansible, Argo Workflows): one file each; the files of one framework go to Checkov in one
  call so its cross-resource graph checks work.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import stat
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import yaml

from gitops_guard import safeyaml, text
from gitops_guard.classify import has_template_syntax
from gitops_guard.models import ErrorKind, ScanError
from gitops_guard.scanners import kustomize
from gitops_guard.scanners.checkov_common import CheckovScanner, Job
from gitops_guard.scanners.interface import ScanContext, Unit
from gitops_guard.targets import Kind, Target, build_targets

#: Per-file frameworks: target kind -> (Checkov framework, module holding its runner). Each
#: kind is named after its Checkov framework, whose runner lives in ``checkov.<framework>``.
FILE_FRAMEWORKS = {
    kind: (kind, kind)
    for kind in (
        Kind.KUBERNETES,
        Kind.CLOUDFORMATION,
        Kind.GITHUB_ACTIONS,
        Kind.GITLAB_CI,
        Kind.OPENAPI,
        Kind.AZURE_PIPELINES,
        Kind.CIRCLECI,
        Kind.BITBUCKET_PIPELINES,
        Kind.ARGO_WORKFLOWS,
        Kind.SERVERLESS,
        Kind.ARM,
        Kind.BICEP,
        Kind.ANSIBLE,
    )
}
_TF_SUFFIXES = (".tf", ".tf.json")


def _is_tf(name: str) -> bool:
    return name.endswith(_TF_SUFFIXES)


def _root_of(target: Target) -> Path:
    """The scan root, recovered from a target's absolute path and its root-relative path."""
    depth = len(PurePosixPath(target.path).parts)
    return Path(os.path.abspath(target.abspath)).parents[depth - 1]


def _context_files(dir_targets: Sequence[Target]) -> tuple[Target, ...]:
    """The other Terraform files next to ``dir_targets`` on disk, as targets of the same root."""
    first = dir_targets[0]
    root = _root_of(first)
    folder = Path(os.path.abspath(first.abspath)).parent
    rel_dir = PurePosixPath(first.path).parent
    known = {t.path for t in dir_targets}
    candidates: dict[str, Path] = {}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return ()
    for entry in entries:
        rel = str(rel_dir / entry.name) if str(rel_dir) != "." else entry.name
        if _is_tf(entry.name) and rel not in known and entry.is_file(follow_symlinks=False):
            candidates[rel] = Path(entry.path)
    extra, _ = build_targets(candidates, root)
    return tuple(t for t in extra if Kind.TERRAFORM in t.kinds)


def _chart_dir(target: Target) -> str | None:
    """The chart folder (holding Chart.yaml) a Helm target belongs to, root-relative."""
    rel = PurePosixPath(target.path)
    disk = Path(os.path.abspath(target.abspath))
    for depth, parent in enumerate(rel.parents):
        if (disk.parents[depth] / "Chart.yaml").is_file():
            return str(parent)
    return None


class IacScanner(CheckovScanner):
    name = "iac"
    description = (
        "Terraform, CloudFormation, Kubernetes, Kustomize, Helm, Serverless, ARM, Bicep, OpenAPI, "
        "Ansible, Argo Workflows and CI pipelines (Checkov)"
    )
    kinds = frozenset({Kind.TERRAFORM, Kind.KUSTOMIZE, Kind.HELM, *FILE_FRAMEWORKS})
    frameworks = (
        "terraform",
        *(framework for framework, _ in FILE_FRAMEWORKS.values()),
    )

    def engine_version(self) -> str:
        """Checkov's version and the renderers found here: a render's result, and a chart or
        overlay left unrendered, depend on them (so they are part of every cache key)."""
        return f"{super().engine_version()} + {_renderers()}"

    def engine_label(self) -> str:
        return f"checkov {super().engine_version()}"

    def units(self, targets: Sequence[Target], explicit: bool) -> list[Unit]:
        tf_dirs: dict[str, list[Target]] = defaultdict(list)
        charts: dict[str, list[Target]] = defaultdict(list)
        kustomize: dict[str, list[Target]] = defaultdict(list)
        by_dir: dict[str, list[Target]] = defaultdict(list)
        units: list[Unit] = []
        for t in targets:
            by_dir[t.directory].append(t)
            if Kind.TERRAFORM in t.kinds and _is_tf(t.path):
                tf_dirs[t.directory].append(t)
            if Kind.KUSTOMIZE in t.kinds:
                kustomize[t.directory].append(t)
            if Kind.HELM in t.kinds and (chart := _chart_dir(t)) is not None:
                charts[chart].append(t)
            if any(k in t.kinds for k in FILE_FRAMEWORKS):
                units.append(Unit(key=t.path, files=(t,)))
        # Checkov evaluates the run's Kubernetes manifests as one graph (CKV2_K8S_6 needs the
        # NetworkPolicy of another file): each one's result depends on all of them.
        k8s = tuple(t for t in targets if Kind.KUBERNETES in t.kinds)
        if len(k8s) > 1:
            units = [
                Unit(u.key, u.files, u.report, tuple(t for t in k8s if t is not u.files[0]))
                if Kind.KUBERNETES in u.files[0].kinds
                else u
                for u in units
            ]
        if explicit:
            for d, files in sorted(tf_dirs.items()):
                report = frozenset(t.path for t in files)
                files = sorted([*files, *_context_files(files)], key=lambda t: t.path)
                units.append(Unit(key=f"terraform:{d}", files=tuple(files), report=report))
        elif tf_dirs:
            # A whole scan reads all Terraform at once from the folder holding it, as `checkov -d`
            # does: a local module is then evaluated with its callers' arguments (a bucket module
            # called with acl = "public-read" is reported in the module's file).
            top = posixpath.commonpath([d if d != "." else "" for d in tf_dirs]) or "."
            all_tf = sorted((t for files in tf_dirs.values() for t in files), key=lambda t: t.path)
            units.append(Unit(key=f"terraform-tree:{top}", files=tuple(all_tf)))
        for d, files in sorted(kustomize.items()):
            rest = [t for t in by_dir[d] if t not in files]
            own = {t.path for t in (*files, *rest)}
            context = tuple(t for t in _render_inputs(files[0]) if t.path not in own)
            units.append(Unit(key=f"kustomize:{d}", files=(*files, *rest), context=context))
        for d, files in sorted(charts.items()):
            units.append(Unit(key=f"helm:{d}", files=tuple(files)))
        return sorted(units, key=lambda u: u.key)

    def precheck(self, unit: Unit, ctx: ScanContext) -> ScanError | None:
        kind, _, folder = unit.key.partition(":")
        if unit.key == unit.files[0].path and unit.key.endswith((".yaml", ".yml")):
            problem, templated = _yaml_problem(unit.files[0].abspath)
            if problem and templated:
                # A template for a renderer we do not run (its text still goes to secrets).
                message = f"templated YAML ({{{{ }}}}) not parsed ({problem}); not checked"
                return ScanError(self.name, message, unit.key, ErrorKind.SKIPPED)
            if problem:
                return self._fail(unit.key, f"malformed YAML ({problem}); not checked")
        if unit.key == unit.files[0].path and (hostile := _walk_problem(unit.files[0])):
            # Checkov walks what it loads: a YAML bomb would never end, a recursive alias or
            # deep nesting would raise RecursionError and lose the whole batch of files.
            return self._fail(unit.key, f"{hostile}; not checked")
        if kind == "kustomize":
            kfile = Path(os.path.abspath(unit.files[0].abspath))
            if kustomize.is_component(kfile):
                return ScanError(
                    self.name,
                    "Kustomize component: rendered by the kustomizations including it",
                    folder,
                    ErrorKind.SKIPPED,
                )
            if not (shutil.which("kubectl") or shutil.which("kustomize")):
                return self._unrendered(
                    ctx, folder, "neither kubectl nor kustomize is installed; overlay not rendered"
                )
            walked = kustomize.walk(kfile.parent, _root_of(unit.files[0]))
            if walked.problem is not None:
                # What only a render evaluates (a patch of the overlay) would go unchecked.
                # Not lasting: a missing file it names is in no cache key until it exists.
                message = f"Kustomize overlay not rendered: {walked.problem}"
                return self._fail(folder, message, lasting=False)
        if kind == "helm":
            if not shutil.which("helm"):
                return self._unrendered(ctx, folder, "helm is not installed; chart not rendered")
            chart = next((t for t in unit.files if t.path.endswith("Chart.yaml")), None)
            deps = _load_yaml(chart.abspath).get("dependencies") if chart else None
            if deps or any(t.path.endswith("requirements.yaml") for t in unit.files):
                return self._unrendered(
                    ctx,
                    folder,
                    "Helm chart has dependencies, which are downloaded: not rendered (offline)",
                )
        return None

    def _fail(self, where: str, message: str, lasting: bool = True) -> ScanError:
        """Not checked, so the run cannot be clean: an error the user fixes or excludes (lasting
        when it follows from the unit's own content, which its cache key covers)."""
        text = f"{message} (fix it, or exclude {where} to accept that)"
        return ScanError(self.name, text, where, lasting=lasting)

    def _unrendered(self, ctx: ScanContext, folder: str, message: str) -> ScanError:
        """A chart or overlay that cannot be rendered here: an error, or with
        ``[tool.gitops-guard.scanners.iac] unrendered = "notice"`` a skipped notice."""
        if ctx.options.get("unrendered") == "notice":
            return ScanError(self.name, message, folder, ErrorKind.SKIPPED)
        return ScanError(
            self.name,
            f"{message}: not checked (install it, or set unrendered to notice under "
            f"[tool.gitops-guard.scanners.iac], or exclude {folder} to accept that)",
            folder,
            lasting=True,  # the renderers found are part of the engine version (cache key)
        )

    def jobs(self, units: Sequence[Unit], ctx: ScanContext, workdir: Path) -> list[Job]:
        jobs: list[Job] = []
        per_file: dict[str, Job] = {}
        kustomize = Job(framework="kustomize", module="kustomize", units=[])
        for unit in units:
            kind, _, folder = unit.key.partition(":")
            if kind == "terraform-tree":
                tf_files = [t for t in unit.files if t.path.endswith(".tf")]
                tfj = [os.path.abspath(t.abspath) for t in unit.files if t.path.endswith(".json")]
                if tf_files:
                    first = tf_files[0]
                    depth = len(PurePosixPath(first.path).parts) - (
                        0 if folder == "." else len(PurePosixPath(folder).parts)
                    )
                    top = Path(os.path.abspath(first.abspath)).parents[depth - 1]
                    jobs.append(Job("terraform", "terraform", [unit], root_folder=str(top)))
                if tfj:
                    jobs.append(Job("terraform_json", "terraform_json", [unit], files=tfj))
            elif kind == "terraform":
                tf = [os.path.abspath(t.abspath) for t in unit.files if t.path.endswith(".tf")]
                tfj = [os.path.abspath(t.abspath) for t in unit.files if t.path.endswith(".json")]
                if tf:
                    jobs.append(Job("terraform", "terraform", [unit], files=tf))
                if tfj:
                    jobs.append(Job("terraform_json", "terraform_json", [unit], files=tfj))
            elif kind == "kustomize":
                kustomize.units.append(unit)
                kustomize.files.append(os.path.abspath(unit.files[0].abspath))
            elif kind == "helm":
                chart = Path(os.path.abspath(unit.files[0].abspath)).parents[
                    len(PurePosixPath(unit.files[0].path).relative_to(folder).parts) - 1
                ]
                jobs.append(Job("helm", "helm", [unit], root_folder=str(chart)))
            else:
                target = unit.files[0]
                for k, (framework, module) in FILE_FRAMEWORKS.items():
                    if k in target.kinds:
                        job = per_file.setdefault(framework, Job(framework, module, []))
                        job.units.append(unit)
                        job.files.append(os.path.abspath(target.abspath))
        if kustomize.units:
            jobs.append(kustomize)
        jobs.extend(per_file[k] for k in sorted(per_file))
        return jobs


def _renderers() -> str:
    """Which helm, kubectl and kustomize this machine has (path, size, mtime), or none."""
    parts = []
    for name in ("helm", "kubectl", "kustomize"):
        found = shutil.which(name)
        try:
            st = os.stat(found) if found else None
        except OSError:
            st = None
        parts.append(f"{name}={found}:{st.st_size}:{st.st_mtime_ns}" if st else f"{name}=none")
    return " ".join(parts)


def _walk_problem(target: Target) -> str | None:
    """Why Checkov must not walk ``target`` (alias bomb, recursive alias, deep nesting)."""
    try:
        content = text.decode(target.abspath.read_bytes(), "strict")
    except (OSError, UnicodeDecodeError):
        return None
    return safeyaml.file_problem(target.path, content)


def _yaml_problem(path: Path) -> tuple[str | None, bool]:
    """Why ``path`` is not well-formed YAML (or None), and whether it holds template syntax.
    Checkov's Kubernetes runner drops such files silently; composing (no construction, so custom
    tags such as ``!Ref`` and aliases cost nothing) lets us say so."""
    try:
        content = text.decode(path.read_bytes(), "strict")
    except UnicodeDecodeError:
        return "not UTF-8", False
    except OSError as exc:
        return type(exc).__name__, False
    templated = has_template_syntax(content)
    try:
        for _ in safeyaml.compose_all(content):
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        return (f"{exc.problem} at line {mark.line + 1}" if mark else str(exc.problem)), templated
    except yaml.YAMLError as exc:
        limit = isinstance(exc, safeyaml.LimitExceeded)
        return (str(exc) if limit else type(exc).__name__), templated and not limit
    return None, templated


def _load_yaml(path: Path) -> dict[str, object]:
    """A small YAML mapping (a kustomization), or {} when unreadable or hostile (alias bombs and
    deep nesting are refused before any construction)."""
    try:
        return safeyaml.load_mapping(text.decode(path.read_bytes(), "strict"))
    except (OSError, UnicodeDecodeError):
        return {}


def _render_inputs(target: Target) -> tuple[Target, ...]:
    """Every file a render of ``target``'s kustomization reads, as targets of the same root (files
    outside the run included: a render's result depends on them)."""
    root = _root_of(target)
    walked = kustomize.walk(Path(os.path.abspath(target.abspath)).parent, root)
    real_root = root.resolve()
    found: dict[str, Target] = {}
    for path in walked.files:
        resolved = path.resolve()
        if real_root not in resolved.parents:
            continue  # walk() refuses the render then; nothing outside the root is keyed on
        with contextlib.suppress(OSError):
            st = resolved.stat()
            if stat.S_ISREG(st.st_mode):
                # Context only enters the cache key (its content hash): no kinds needed.
                rel = resolved.relative_to(real_root).as_posix()
                found[rel] = Target(path=rel, abspath=resolved, size=st.st_size)
    return tuple(found[k] for k in sorted(found))
