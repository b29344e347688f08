"""The package layout pyproject.toml cannot state on its own (the rest of the build is there).

Every package found under src/, plus the repository's top-level scenarios/ folder installed as the
package ``sectorsim.scenarios`` (its files are package data: see pyproject.toml). A list in
pyproject.toml would have to name each package by hand; this finds new ones by itself.
"""

from setuptools import find_packages, setup

SHIPPED = ["sectorsim.scenarios", "sectorsim.scenarios.data", "sectorsim.scenarios.evidence"]

setup(
    packages=[*find_packages("src"), *SHIPPED],
    package_dir={"": "src", "sectorsim.scenarios": "scenarios"},
)
