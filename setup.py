"""Build hook (everything else is in pyproject.toml): the wheel carries the documented default
``config.toml`` and the shipped templates of ``data/templates`` as package data under
``commcentre_tui/defaults/``, so an installed commcentre has them without a checkout. The
checkout keeps one copy of each; they are copied only into the build."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithDefaults(build_py):
    """``build_py`` that also copies the default config and the shipped templates."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "commcentre_tui" / "defaults"
        (target / "templates").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "config.toml", target / "config.toml")
        for template in sorted((ROOT / "data" / "templates").glob("*.toml")):
            shutil.copyfile(template, target / "templates" / template.name)


setup(cmdclass={"build_py": BuildWithDefaults})
