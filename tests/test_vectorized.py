"""No per-agent Python loop in a monthly worker process.

Every ``for`` loop (and comprehension) in the process modules must say on its line what it loops
over (``# loop: ...``), and that may not be workers or agents.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "sectorsim"
FORBIDDEN = ("worker", "agent", "person", "row")


def loops_without_reason(source: str) -> list[str]:
    lines = source.splitlines()
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.For, ast.While, ast.comprehension)):
            lineno = node.target.lineno if isinstance(node, ast.comprehension) else node.lineno
            line = lines[lineno - 1]
            if "# loop:" not in line:
                bad.append(f"{lineno}: {line.strip()}")
            else:
                reason = line.split("# loop:", 1)[1].lower()
                if any(word in reason for word in FORBIDDEN):
                    bad.append(f"{lineno}: {line.strip()}")
    return bad


def test_process_modules_have_no_unexplained_loops():
    files = sorted((SRC / "processes").glob("*.py")) + [SRC / "policies" / "program.py"]
    problems = {f.name: loops_without_reason(f.read_text()) for f in files}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems


def test_the_check_catches_a_per_worker_loop():
    src = "def step(model):\n    for i in range(model.workers.n):\n        pass\n"
    assert loops_without_reason(src)
    src = "def step(model):\n    for i in range(model.workers.n):  # loop: workers\n        pass\n"
    assert loops_without_reason(src)
    src = "def step(model):\n    for k in range(3):  # loop: offer rounds\n        pass\n"
    assert not loops_without_reason(src)
