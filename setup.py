"""Packaging hook: ship ``src/kettle_compat.pth`` at the root of site-packages.

A ``.pth`` file is read only from a site folder, so it cannot live inside the ``kettle``
package. ``build_py`` copies it next to the packages for a normal wheel (``pip install .``);
for an editable install (``pip install -e .``, what ``make`` uses) setuptools builds the
wheel from its install folder, so the file is copied there too. Everything else about the
package is in pyproject.toml.
"""

from __future__ import annotations

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH = os.path.join("src", "kettle_compat.pth")


class BuildPyWithPth(build_py):
    def run(self) -> None:
        super().run()
        self.copy_file(PTH, os.path.join(self.build_lib, os.path.basename(PTH)))
        if getattr(self, "editable_mode", False):
            install_lib = self.get_finalized_command("install").install_lib
            if install_lib:
                self.copy_file(PTH, os.path.join(install_lib, os.path.basename(PTH)))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        name = os.path.join(self.build_lib, os.path.basename(PTH))
        return [*super().get_outputs(include_bytecode), name]


setup(cmdclass={"build_py": BuildPyWithPth})
