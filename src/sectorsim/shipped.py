"""The scenarios shipped with sectorsim, wherever sectorsim is installed.

The repository's top-level ``scenarios/`` folder is installed as the package ``sectorsim.scenarios``
(pyproject.toml maps it with setuptools' ``package-dir``), so a wheel carries ``*.yaml``,
``evidence/*.yaml`` and ``data/*``. :func:`path` gives a real file-system path, because
``extends: base.yaml`` is resolved relative to the file that says it.

Which folder is used:

- sectorsim imported from a source checkout (``src/sectorsim``, with ``PYTHONPATH=src`` or an
  editable install): that checkout's own ``scenarios/``, so a worktree never reads another
  checkout's files;
- otherwise (a wheel): the installed package data, found with :mod:`importlib.resources`.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from functools import cache
from importlib import resources
from pathlib import Path

from sectorsim.errors import InputError

#: The package the scenarios are installed as.
PACKAGE = "sectorsim.scenarios"

_extracted = ExitStack()  # a zipped install: files extracted once, removed when the process exits
atexit.register(_extracted.close)


@cache
def root() -> Path:
    """The folder of the shipped scenarios (``default.yaml``, ``evidence/``, ``data/``)."""
    here = Path(__file__).resolve().parent
    checkout = here.parents[1] / "scenarios"
    if here.parent.name == "src" and (checkout / "__init__.py").is_file():
        return checkout
    folder = resources.files(PACKAGE)
    if isinstance(folder, Path):
        return folder
    return _extracted.enter_context(resources.as_file(folder))


def path(name: str) -> Path:
    """A shipped file by its name relative to the folder, e.g. ``path("default.yaml")``.

    Raises:
        InputError: No such shipped file.
    """
    found = root() / name
    if not found.is_file():
        raise InputError(name, "", f"not a shipped file (shipped scenarios: {', '.join(names())})")
    return found


def names() -> list[str]:
    """Names of the shipped scenarios, without ``.yaml``: ``default``, ..., ``evidence/wrtp``."""
    top = sorted(p.stem for p in root().glob("*.yaml"))
    evidence = sorted(f"evidence/{p.stem}" for p in (root() / "evidence").glob("*.yaml"))
    return top + evidence


def scenario(arg: str | Path) -> Path:
    """A scenario argument as a file: the path if it exists, else the shipped scenario of that name.

    ``default``, ``default.yaml`` and ``evidence/wrtp`` name shipped scenarios.

    Raises:
        InputError: Neither a file nor a shipped scenario (the message lists the shipped names).
    """
    given = Path(arg)
    if given.exists():
        return given
    stem = str(arg).removesuffix(".yaml")
    if stem in names():
        return root() / f"{stem}.yaml"
    raise InputError(
        str(arg), "", f"file not found, nor a shipped scenario of that name (shipped: {', '.join(names())})"
    )
