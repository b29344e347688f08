"""The package's layers are one-way: no module imports, at run time, from a layer above its own.

Layers, bottom to top (docs/ARCHITECTURE.md):

0. foundation: errors, streams, columns, metrics, shipped data, allocator
1. plug-ins: policies (a policy's config is part of the scenario's vocabulary, so policies sit
   below the scenario schema that is built from their configs; they touch the model only through
   the tables they are handed)
2. scenario: the schema and its loading
3. model: state, population, processes, agents, the monthly series, the in-run study hooks, the model
4. records: per-run summaries, the runner, the process pool, output locations (checked, staged)
5. analysis: comparison, evaluation, calibration, assessment, evidence, sweeps, reports, benchmark
6. interface: the CLI, the workshop app, the package's lazy front door

An import inside ``if TYPE_CHECKING:`` is not a run-time import and is not counted. An import inside
a function is counted: a lazy upward import is still an upward import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sectorsim"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("errors", "streams", "columns", "metrics", "shipped", "allocator")),
    ("plug-ins", ("policies",)),
    ("scenario", ("scenario",)),
    ("model", ("state", "population", "processes", "agents", "outcomes", "study", "model")),
    ("records", ("summary", "runner", "pool", "outputs")),
    (
        "analysis",
        (
            "compare",
            "evaluation",
            "calibration",
            "assessment",
            "evidence",
            "sweep",
            "report",
            "bench",
            "region_import",
            "counterfactual",
            "budgets",
            "fitting",
        ),
    ),
    ("interface", ("cli", "app", "workshop", "__main__", "__init__")),
]


def layer_of(module: str) -> int:
    """Layer index of a dotted module name inside sectorsim (``sectorsim.processes.search``)."""
    parts = module.split(".")
    assert parts[0] == "sectorsim", module
    head = parts[1] if len(parts) > 1 else "__init__"
    for i, (_, names) in enumerate(LAYERS):
        if head in names:
            return i
    raise AssertionError(f"module {module} is in no layer: add it to LAYERS (and docs/ARCHITECTURE.md)")


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts = parts[:-1]
    return ".".join(parts)


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """Line numbers of statements inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                for sub in ast.walk(child):
                    if hasattr(sub, "lineno"):
                        lines.add(sub.lineno)
    return lines


def runtime_imports(source: str, module: str) -> list[tuple[int, str]]:
    """(line, imported sectorsim module) of every run-time import in ``source``."""
    tree = ast.parse(source)
    skip = _type_checking_blocks(tree)
    package = module if module.count(".") == 0 else module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if node.lineno in skip if hasattr(node, "lineno") else False:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "sectorsim"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base])
            if base.split(".")[0] != "sectorsim":
                continue
            if base == "sectorsim":  # from sectorsim import x: x is a module or a name of the package
                found += [(node.lineno, f"sectorsim.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, base))
    return found


def upward_imports(files: dict[str, str]) -> list[str]:
    """Every run-time import from a higher layer, as 'module:line imports target (layer a -> b)'."""
    problems = []
    for module, source in sorted(files.items()):
        own = layer_of(module)
        for line, target in runtime_imports(source, module):
            if target == "sectorsim.__version__":
                continue
            theirs = layer_of(target)
            if theirs > own:
                problems.append(f"{module}:{line} imports {target} ({LAYERS[own][0]} -> {LAYERS[theirs][0]})")
    return problems


def package_sources() -> dict[str, str]:
    return {module_name(p): p.read_text() for p in SRC.rglob("*.py")}


def test_no_module_imports_from_a_higher_layer():
    files = package_sources()
    assert len(files) > 30
    problems = upward_imports(files)
    assert not problems, "upward imports:\n" + "\n".join(problems)


def test_every_module_is_in_a_layer():
    for module in package_sources():
        layer_of(module)


@pytest.mark.parametrize(
    "module, source",
    [
        # the model core loading the analysis layer, even lazily inside a method
        ("sectorsim.model", "def f():\n    from sectorsim.evaluation import run_study\n"),
        # a policy running the needs assessment
        ("sectorsim.policies.base", "from sectorsim import assessment\n"),
        # a process importing the per-run summary (records) at run time
        ("sectorsim.processes.search", "import sectorsim.summary\n"),
        # the state registry importing a policy
        ("sectorsim.columns", "from sectorsim.policies import REGISTRY\n"),
        # a relative import up into records
        ("sectorsim.processes.search", "from ..runner import run_one\n"),
    ],
)
def test_the_check_catches_an_upward_import(module, source):
    assert upward_imports({module: source}), source


def test_the_check_ignores_type_checking_imports_and_allows_downward_ones():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from sectorsim.columns import Column\n"
        "if TYPE_CHECKING:\n"
        "    from sectorsim.model import SectorModel\n"
    )
    assert upward_imports({"sectorsim.processes.search": source}) == []
