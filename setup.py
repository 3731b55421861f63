"""Packaging hook: the repository's config/ ships inside the wheel as bot/default_config.

Everything else about the package is in pyproject.toml. config/ stays the one
source of the example configuration (docs, tests and `finops-bot init` read
it); this copies whatever it holds, so a file added there ships without a
change here.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithConfig(build_py):
    def run(self):
        super().run()
        source = Path(__file__).resolve().parent / "config"
        if source.is_dir():  # building from an sdist made before config/ was included: nothing to copy
            target = Path(self.build_lib) / "bot" / "default_config"
            shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))


setup(cmdclass={"build_py": BuildPyWithConfig})
