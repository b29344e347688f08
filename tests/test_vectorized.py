"""No per-agent Python loop in a monthly worker process.

Every ``for``/``while`` loop (and comprehension) in the process modules must say what it loops over
(``# loop: ...`` on its line or the line above). A loop over workers, agents, applications or pairs
is allowed only inside a numba-compiled kernel (a function decorated with ``njit``): there it is
machine code over whole columns, not a Python loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numba

SRC = Path(__file__).resolve().parents[1] / "src" / "sectorsim"
FORBIDDEN = ("worker", "agent", "person", "row", "application", "pair", "key", "searcher", "slot")
CHECKED = [
    *sorted((SRC / "processes").glob("*.py")),
    SRC / "policies" / "program.py",
    SRC / "streams.py",
    SRC / "state.py",
]


def _compiled(fn: ast.AST) -> bool:
    for dec in getattr(fn, "decorator_list", []):
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "njit":
            return True
    return False


def loops_without_reason(source: str) -> list[str]:
    """Loops with no stated reason, or per-agent loops outside a compiled kernel."""
    lines = source.splitlines()
    tree = ast.parse(source)
    compiled_lines: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and _compiled(fn):
            compiled_lines.update(range(fn.lineno, fn.end_lineno + 1))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.While, ast.comprehension)):
            lineno = node.target.lineno if isinstance(node, ast.comprehension) else node.lineno
            here = lines[lineno - 1]
            above = lines[lineno - 2].strip() if lineno > 1 else ""
            said = (
                here if "# loop:" in here else above if above.startswith("#") and "loop:" in above else None
            )
            if said is None:
                bad.append(f"{lineno}: {here.strip()} (no '# loop:' reason)")
                continue
            reason = said.split("loop:", 1)[1].lower()
            if any(word in reason for word in FORBIDDEN) and lineno not in compiled_lines:
                bad.append(f"{lineno}: {here.strip()} (per-agent loop outside a compiled kernel)")
    return bad


def test_process_modules_have_no_unexplained_loops():
    problems = {f.name: loops_without_reason(f.read_text()) for f in CHECKED}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems


def test_the_check_catches_a_per_worker_loop():
    src = "def step(model):\n    for i in range(model.workers.n):\n        pass\n"
    assert loops_without_reason(src)
    src = "def step(model):\n    for i in range(model.workers.n):  # loop: workers\n        pass\n"
    assert loops_without_reason(src)
    src = "def step(model):\n    # skip (loop: applications)\n    while i < n:\n        i += 1\n"
    assert loops_without_reason(src)
    src = "def step(model):\n    for k in range(3):  # loop: offer rounds\n        pass\n"
    assert not loops_without_reason(src)
    src = "@njit(cache=True)\ndef kernel(x):\n    for i in range(x.size):  # loop: workers (compiled)\n        pass\n"
    assert not loops_without_reason(src)


def test_kernels_are_really_compiled():
    """The decorated kernels are numba dispatchers (JIT not disabled), so the exemption holds."""
    from sectorsim.processes import earnings, offers, search, separations
    from sectorsim.streams import _uniform_kernel

    for fn in (search._draw_applications, offers._offer_rounds, offers._screen, separations._draw):
        assert isinstance(fn, numba.core.registry.CPUDispatcher), fn
    assert isinstance(earnings._month, numba.core.registry.CPUDispatcher)
    assert isinstance(_uniform_kernel, numba.core.registry.CPUDispatcher)
