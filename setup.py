"""Build step pyproject.toml cannot express: the documentation (docs/**/*.md, the GitOps rule pages
among them) is copied into the package as ``gitops_guard/_docs`` so that an installed gitops-guard
links each finding of its own rules to a page that exists offline (gitops_guard/project.py).
Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithRuleDocs(build_py):
    def run(self) -> None:
        super().run()
        source = HERE / "docs"
        if not (source / "rules").is_dir():
            raise SystemExit("docs/rules/ is missing: build from a checkout or a complete sdist")
        target = Path(self.build_lib) / "gitops_guard" / "_docs"
        for page in sorted(source.rglob("*.md")):
            dest = target / page.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, dest)


setup(cmdclass={"build_py": BuildWithRuleDocs})
