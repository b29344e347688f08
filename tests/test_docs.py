"""The docs stay true: every scenario key is documented, and the README's commands are the real ones."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pydantic import BaseModel

from sectorsim.columns import collect
from sectorsim.model import state_owners, step_order
from sectorsim.policies import POLICY_TYPES
from sectorsim.scenario import schema

ROOT = Path(__file__).resolve().parents[1]


def all_models() -> list[type[BaseModel]]:
    """Every pydantic model of the scenario schema and of every registered policy's module."""
    mods = [schema] + [sys.modules[c.__module__] for p in POLICY_TYPES for c in p.__mro__ if c is not object]
    mods = list(dict.fromkeys(mods))
    found = []
    for mod in mods:
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == mod.__name__:
                found.append(obj)
    return found


def test_every_scenario_key_is_in_the_odd():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    missing = []
    models = all_models()
    assert len(models) >= 15
    for model in models:
        for name in model.model_fields:
            if f"`{name}`" not in odd and f".{name}`" not in odd and f"`{name}." not in odd:
                missing.append(f"{model.__name__}.{name}")
    assert not missing, f"undocumented keys in docs/ODD.md: {missing}"


def test_odd_cites_every_seed_by_file_name():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for name in (
        "000_0d6f6798fd1f8fe6.txt",
        "001_5d1c9fe7ab9fb324.txt",
        "002_97ca65d92cb9da72.txt",
        "003_71466a8ef41a6f67.txt",
        "004_dc2483abecc81fbd.txt",
    ):
        assert name in odd


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    main = re.search(r"<!-- main-command -->\s*```bash\n(.+?)\n```", readme, re.S)
    test = re.search(r"<!-- test-command -->\s*```bash\n(.+?)\n```", readme, re.S)
    assert main and "sectorsim run scenarios/default.yaml" in main.group(1)
    assert test and "pytest" in test.group(1)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci


def test_every_shipped_scenario_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for p in (ROOT / "scenarios").glob("*.yaml"):
        assert f"scenarios/{p.name}" in readme, p.name


def test_odd_lists_the_steps_of_the_month_in_the_order_the_model_runs_them():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    section = odd.split("## 3. Process overview and scheduling")[1].split("## 4.")[0]
    listed = re.findall(r"^\d+\. \*\*([a-z.]+)\*\*", section, re.M)
    assert listed == step_order()


def test_every_policy_type_and_every_column_is_documented():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for policy in POLICY_TYPES:
        assert f"`{policy.config_type.model_fields['type'].default}`" in odd, policy
    workers, employers = collect(state_owners())
    missing = [d.column.name for d in workers + employers if f"`{d.column.name}" not in odd]
    assert not missing, f"columns missing from docs/ODD.md: {missing}"
    levers = [d.column.name for d in workers + employers if d.column.lever]
    section = odd.split("### Levers")[1].split("\n## ")[0]
    assert all(f"`{name}`" in section for name in levers), levers
