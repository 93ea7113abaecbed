"""Build step pyproject.toml cannot express: the GitOps rule pages (docs/rules/*.md) are copied
into the package as ``gitops_guard/_docs/rules`` so that an installed gitops-guard links each GG
finding to a page that exists offline (gitops_guard/project.py). Everything else is in
pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithRuleDocs(build_py):
    def run(self) -> None:
        super().run()
        source = HERE / "docs" / "rules"
        if not source.is_dir():
            raise SystemExit("docs/rules/ is missing: build from a checkout or a complete sdist")
        target = Path(self.build_lib) / "gitops_guard" / "_docs" / "rules"
        target.mkdir(parents=True, exist_ok=True)
        for page in sorted(source.glob("*.md")):
            shutil.copyfile(page, target / page.name)


setup(cmdclass={"build_py": BuildWithRuleDocs})
