"""Property: any broken scenario or experiment file gives one line naming the file, exit 2, no output.

Hypothesis mutates a tiny valid scenario and a tiny valid experiment: wrong types, out-of-range
numbers, NaN and infinities, huge integers, missing and misspelt keys (``extend`` for ``extends``
among them), random unicode keys, deep nesting and broken YAML text. Each mutated file goes through
``check``, ``run`` and ``sweep`` in this process (``sectorsim.cli.main`` with an argument list). The
property: exit status 2 with exactly one line on stderr that names the file, no traceback, and
nothing in the output folder; or exit 0, and then only if the file is in fact valid (``check``
accepts it, or the experiment loads). A valid file is run too when it is cheap enough.

Known cases are explicit tests below: YAML nested 600 levels, a 5,000-digit seed, a chain of 1,500
files that extend each other, and the unknown key reported before the missing ones it causes.
"""

from __future__ import annotations

import contextlib
import copy
import math
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import SMALL
from sectorsim.scenario.loading import describe_errors, resolve_extends, set_path, validate
from sectorsim.sweep import Experiment, load_experiment
from test_bad_input import cli

TINY_EDITS = {
    "burn_in": 2,
    "months": 3,
    "replications": 1,
    "region.areas.Central County.workers": 300,
    "region.areas.North County.workers": 200,
    "region.areas.River County.workers": 100,
    "employers.mean_size": 8,
}
TINY_EXPERIMENT = {
    "name": "tiny",
    "scenario": "scenario.yaml",
    "method": "latin",
    "samples": 2,
    "replications": 1,
    "arms": ["none"],
    "parameters": [{"path": "labor_market.offer_acceptance", "bounds": [0.5, 0.95]}],
    "outputs": {"metrics": ["earnings_mean"]},
}
RUN_BUDGET = 20_000
"""Most worker-months x replications x arms a valid mutated scenario may cost to be run, not skipped."""


def tiny_scenario() -> dict[str, Any]:
    raw = resolve_extends(SMALL)
    for dotted, value in TINY_EDITS.items():
        set_path(raw, dotted, value)
    validate(raw, "tiny")
    return raw


TINY = tiny_scenario()


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="sectorsim-prop-")).resolve()
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def assert_refused(code: int, stderr: str, names: tuple[str, ...], out: Path) -> str:
    """Exit 2, exactly one line on stderr naming one of ``names``, no traceback, no output."""
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert code == 2, (code, stderr[-2000:])
    assert len(lines) == 1, stderr[-2000:]
    assert lines[0].startswith("error: "), lines[0]
    assert any(n in lines[0] for n in names), (names, lines[0][:500])
    assert not out.exists(), f"{out} was written"
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")], "staging left behind"
    return lines[0]


# ---- mutations -------------------------------------------------------------------------------------

BAD_VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**24), max_value=10**24),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 10**4000, -(10**400), 2**63, -1, 0, 1e308, "", "1e3"]),
    st.none(),
    st.booleans(),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(min_value=-5, max_value=5), max_size=2),
)
KEYS = st.one_of(
    st.text(min_size=1, max_size=10),
    st.integers(min_value=-3, max_value=3),
    st.sampled_from(["extend", "extnds", "Extends", "name ", "régión", "\u202e", "a\nb", "months\t"]),
)
DEEP = "__DEEP_NESTING__"
HUGE = "__HUGE_INTEGER__"  # written as 4,300+ digits: more than Python reads from text by default


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in a document (dict keys and list indices), parents before children."""
    out: list[tuple] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:  # loop: children of one node (test helper)
        out.append((*prefix, k))
        out += _paths(v, (*prefix, k))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for k in path:  # loop: path parts (test helper)
        doc = doc[k]
    return doc


def _misspell(key: str, draw: Any) -> str:
    if not key:
        return "x"
    i = draw(st.integers(0, len(key) - 1))
    how = draw(st.sampled_from(["drop", "swap", "insert", "case"]))
    if how == "drop":
        return key[:i] + key[i + 1 :] or "x"
    if how == "swap" and len(key) > 1:
        j = min(i + 1, len(key) - 1)
        chars = list(key)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars) if "".join(chars) != key else key + "s"
    if how == "case":
        return key.upper() if key.upper() != key else key + "_"
    return key[:i] + draw(st.sampled_from("aeiou_ü")) + key[i:]


def mutate(doc: dict, draw: Any) -> tuple[dict, list[str]]:
    """Apply one to three random mutations; returns the document and what was done."""
    doc = copy.deepcopy(doc)
    done: list[str] = []
    for _ in range(draw(st.integers(1, 3))):  # loop: mutations of one document (test helper)
        paths = _paths(doc)
        kind = draw(st.sampled_from(["set", "set", "delete", "rename", "add", "deep", "huge", "extend"]))
        if kind == "extend":
            if "extends" in doc:
                doc["extend"] = doc.pop("extends")
            else:
                doc["extend"] = "base.yaml"
            done.append("extend")
            continue
        if not paths:
            doc[draw(KEYS)] = draw(BAD_VALUES)
            done.append("add")
            continue
        path = draw(st.sampled_from(paths))
        parent = _get(doc, path[:-1])
        last = path[-1]
        if kind == "set":
            parent[last] = draw(BAD_VALUES)
        elif kind == "delete":
            del parent[last]
        elif kind == "rename" and isinstance(parent, dict) and isinstance(last, str):
            parent[_misspell(last, draw)] = parent.pop(last)
        elif kind == "add":
            target = parent[last] if isinstance(parent[last], dict) else parent
            if isinstance(target, dict):
                target[draw(KEYS)] = draw(BAD_VALUES)
            else:
                target.append(draw(BAD_VALUES))
        elif kind in ("deep", "huge"):
            parent[last] = DEEP if kind == "deep" else HUGE
        done.append(kind)
    return doc, done


def render(doc: dict, draw: Any) -> bytes:
    """YAML text of a document, perhaps deeply nested or broken."""
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
    if DEEP in text:
        levels = draw(st.sampled_from([33, 100, 600, 2000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
        text = text.replace(DEEP, opener * levels + "1" + closer * levels)
    if HUGE in text:
        digits = draw(st.sampled_from([4301, 5000, 100_000]))
        text = text.replace(HUGE, draw(st.sampled_from(["", "-"])) + "7" * digits)
    data = text.encode("utf-8")
    corrupt = draw(st.sampled_from(["none", "none", "none", "truncate", "insert", "bytes"]))
    if corrupt == "truncate":
        data = data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    elif corrupt == "insert":
        at = draw(st.integers(0, len(data)))
        junk = draw(
            st.sampled_from(["[", "{", "]", ": :", "\t", "&a ", "*b ", "!!python/object:os.system ", "'"])
        )
        data = data[:at] + junk.encode() + data[at:]
    elif corrupt == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    event(f"text: {corrupt}")
    return data


def cost(path: Path) -> int:
    from sectorsim.scenario import load_scenario

    sc = load_scenario(path)
    return sc.n_workers * sc.total_months * sc.replications * len(sc.arms)


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ---- the properties --------------------------------------------------------------------------------


@pytest.mark.slow
@SETTINGS
@given(st.data())
def test_mutated_scenario_files_give_one_line_and_exit_2(data):
    draw = data.draw
    extends_doc = draw(st.booleans())
    with workdir() as d:
        if extends_doc:  # a short file that extends the tiny scenario
            (d / "base.yaml").write_text(yaml.safe_dump(TINY, allow_unicode=True, sort_keys=False))
            doc = {
                "extends": "base.yaml",
                "name": "child",
                "months": 3,
                "labor_market": {"offer_acceptance": 0.8},
            }
        else:
            doc = TINY
        doc, done = mutate(doc, draw)
        for kind in done:
            event(f"mutation: {kind}")
        path = d / "scenario.yaml"
        path.write_bytes(render(doc, draw))
        (d / "experiment.yaml").write_text(yaml.safe_dump(TINY_EXPERIMENT))
        out = d / "out"

        code, stdout, stderr = cli("check", str(path))
        assert code in (0, 2), (code, stderr[-2000:])
        if code == 0:
            event("outcome: valid (check accepts it)")
            assert "ok" in stdout and not stderr.strip()
            if cost(path) > RUN_BUDGET:
                event("outcome: valid, too large to run here")
                return
            code, _, stderr = cli("run", str(path), "--out", str(out), "--jobs", "1")
            assert code == 0, stderr[-2000:]
            assert (out / "summary.csv").is_file()
            return
        event("outcome: refused")
        assert_refused(code, stderr, (str(path),), out)
        code, _, stderr = cli("run", str(path), "--out", str(out), "--jobs", "1")
        assert_refused(code, stderr, (str(path),), out)
        code, _, stderr = cli("sweep", str(d / "experiment.yaml"), "--out", str(out), "--jobs", "1")
        assert_refused(code, stderr, (str(path), str(d / "experiment.yaml")), out)


@pytest.mark.slow
@settings(SETTINGS, max_examples=200)
@given(st.data())
def test_mutated_experiment_files_give_one_line_and_exit_2(data):
    draw = data.draw
    with workdir() as d:
        (d / "scenario.yaml").write_text(yaml.safe_dump(TINY, allow_unicode=True, sort_keys=False))
        doc, done = mutate(TINY_EXPERIMENT, draw)
        for kind in done:
            event(f"mutation: {kind}")
        path = d / "experiment.yaml"
        path.write_bytes(render(doc, draw))
        out = d / "out"
        try:
            exp, _ = load_experiment(path)
        except Exception:  # any failure: the CLI must then refuse the file
            exp = None
        if exp is not None:
            event("outcome: valid (the experiment loads)")
            if exp.samples * exp.replications * len(exp.parameters) * len(exp.arms or ["x"] * 3) > 16:
                event("outcome: valid, too large to run here")
                return
            code, _, stderr = cli("sweep", str(path), "--out", str(out), "--jobs", "1")
            assert code == 0, stderr[-2000:]
            return
        event("outcome: refused")
        code, _, stderr = cli("sweep", str(path), "--out", str(out), "--jobs", "1")
        assert_refused(code, stderr, (str(path), str(d / "scenario.yaml")), out)


# ---- known cases -----------------------------------------------------------------------------------


def _known_case(d: Path, which: str) -> Path:
    if which == "nested 600 levels (lists)":
        text = "extends: base.yaml\nlabor_market: " + "[" * 600 + "]" * 600 + "\n"
    elif which == "nested 600 levels (mappings)":
        text = "extends: base.yaml\nregion: " + "{a: " * 600 + "1" + "}" * 600 + "\n"
    elif which == "seed of 5,000 digits":
        text = "extends: base.yaml\nseed: " + "7" * 5000 + "\n"
    elif which == "a chain of 1,500 files":
        for i in range(1, 1500):  # loop: files of the chain (test helper)
            (d / f"chain{i}.yaml").write_text(
                f"extends: chain{i + 1}.yaml\n" if i < 1499 else "extends: base.yaml\n"
            )
        text = "extends: chain1.yaml\n"
    elif which == "billion laughs (aliases)":
        lines = ["extends: base.yaml", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
        text = "\n".join(lines) + "\n"
    elif which == "alias to itself":
        text = "extends: base.yaml\nregion: &r {areas: [*r]}\n"
    else:
        raise AssertionError(which)
    path = d / "scenario.yaml"
    path.write_text(text)
    return path


KNOWN = [
    "nested 600 levels (lists)",
    "nested 600 levels (mappings)",
    "seed of 5,000 digits",
    "a chain of 1,500 files",
    "billion laughs (aliases)",
    "alias to itself",
]


@pytest.mark.parametrize("which", KNOWN)
def test_known_hostile_files_give_one_line_for_every_command(which):
    with workdir() as d:
        (d / "base.yaml").write_text(yaml.safe_dump(TINY, allow_unicode=True, sort_keys=False))
        path = _known_case(d, which)
        (d / "experiment.yaml").write_text(yaml.safe_dump(TINY_EXPERIMENT))
        out = d / "out"
        lines = []
        for args in (
            ("check", str(path)),
            ("run", str(path), "--out", str(out), "--jobs", "1"),
            ("sweep", str(d / "experiment.yaml"), "--out", str(out), "--jobs", "1"),
        ):  # loop: commands (test helper)
            code, _, stderr = cli(*args)
            lines.append(assert_refused(code, stderr, (str(path),), out))
        assert lines[0] in lines[1], lines  # the same problem, the same words


def test_the_known_files_are_hostile_without_the_limits(monkeypatch):
    """Companion: with the shape check switched off, the nested file does break the YAML reader."""
    import sectorsim.scenario.loading as loading

    monkeypatch.setattr(loading, "check_shape", lambda text, source: None)
    with workdir() as d:
        (d / "base.yaml").write_text(yaml.safe_dump(TINY, allow_unicode=True, sort_keys=False))
        with pytest.raises(RecursionError):
            loading.load_yaml(_known_case(d, "nested 600 levels (lists)"))


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("extend: base.yaml\nname: x\n", "extend", ["unknown key", "did you mean 'extends'"]),
        (
            "extends: base.yaml\nlabor_market: {offer_acceptence: 0.5}\n",
            "labor_market.offer_acceptence",
            ["did you mean"],
        ),
        ("extends: base.yaml\nregoin: {areas: []}\nregion: null\n", "regoin", ["did you mean 'region'"]),
    ],
)
def test_an_unknown_key_is_reported_before_the_keys_it_leaves_missing(text, key, words):
    with workdir() as d:
        (d / "base.yaml").write_text(yaml.safe_dump(TINY, allow_unicode=True, sort_keys=False))
        path = d / "scenario.yaml"
        path.write_text(text)
        code, _, stderr = cli("check", str(path))
        line = assert_refused(code, stderr, (str(path),), d / "out")
        assert f"{path}: {key}: " in line, line
        for w in words:
            assert w in line, line


def test_experiment_unknown_key_first_in_the_shared_helper():
    """``describe_errors`` (what sweep's loader should call) puts the misspelt key first."""
    bad = {k: v for k, v in TINY_EXPERIMENT.items() if k != "method"} | {"methd": "latin"}
    with pytest.raises(ValidationError) as info:
        Experiment.model_validate(bad)
    errors = info.value.errors(include_url=False)
    assert errors[0]["type"] == "missing"  # companion: pydantic itself lists the missing key first
    key, message = describe_errors(errors, root=Experiment)
    assert key == "methd" and "did you mean 'method'" in message, (key, message)
    assert "1 more problem" in message


def test_experiment_unknown_key_first_from_the_command():
    with workdir() as d:
        (d / "scenario.yaml").write_text(yaml.safe_dump(TINY, allow_unicode=True, sort_keys=False))
        bad = {k: v for k, v in TINY_EXPERIMENT.items() if k != "method"} | {"methd": "latin"}
        path = d / "experiment.yaml"
        path.write_text(yaml.safe_dump(bad))
        code, _, stderr = cli("sweep", str(path), "--out", str(d / "out"))
        line = assert_refused(code, stderr, (str(path),), d / "out")
        assert "methd: unknown key; did you mean 'method'" in line, line


@pytest.mark.parametrize("name", ["a" * 300, "a\x00b"])
def test_an_experiment_scenario_that_is_no_file_name_gives_one_line(name):
    with workdir() as d:
        path = d / "experiment.yaml"
        path.write_text(yaml.safe_dump(TINY_EXPERIMENT | {"scenario": name}))
        code, _, stderr = cli("sweep", str(path), "--out", str(d / "out"))
        assert_refused(code, stderr, (str(path),), d / "out")


@pytest.mark.parametrize("name", ["a" * 300, "a\x00b"])
def test_an_extends_that_is_no_file_name_gives_one_line(name):
    """The same names through ``extends`` (loading.sibling_file): one line, exit 2."""
    with workdir() as d:
        path = d / "scenario.yaml"
        path.write_text(yaml.safe_dump({"extends": name, "name": "x"}))
        code, _, stderr = cli("check", str(path))
        line = assert_refused(code, stderr, (str(path),), d / "out")
        assert "extends: base file" in line and "not found" in line, line


# ---- names -----------------------------------------------------------------------------------------

#: Names that write metric-like columns, or fold into each other, beside random unicode.
CLASHING_NAMES = [
    "rate", "mean", "engaged", "not_engaged", "gap", "cost", "area_x", "x", "X", "Food-Service",
    "food service", "food  service", "医疗", "零售", "ＡＢ", "ab", "!!!", "—", " ", "Group A", "health care",
]  # fmt: skip
NAME = st.one_of(
    st.sampled_from(CLASHING_NAMES),
    st.text(min_size=1, max_size=8),
    st.text(st.characters(categories=["L", "Nd", "Zs", "Pd"]), min_size=1, max_size=8),
    st.text(st.characters(categories=["L", "Nd", "Zs", "Pd"]), min_size=1, max_size=8),
)
REFUSALS = ["must be unique", "no letter or digit", "would write the same output column", "malformed"]


def named_scenario(sectors: list[str], groups: list[str], areas: list[str]) -> dict[str, Any]:
    """TINY with its sectors, groups and areas renamed (one arm, nothing else naming them)."""
    raw = copy.deepcopy(TINY)
    for item, name in zip(raw["sectors"], sectors, strict=False):  # loop: sectors (test helper)
        item["name"] = name
    for item, name in zip(raw["groups"], groups, strict=False):  # loop: groups (test helper)
        item["name"] = name
    for item, name in zip(raw["region"]["areas"], areas, strict=False):  # loop: areas (test helper)
        item["name"] = name
    raw["arms"] = [{"name": "none"}]
    raw.pop("assessment", None)
    raw.pop("shocks", None)
    raw.pop("disparity", None)
    return raw


@pytest.mark.slow
@settings(SETTINGS, max_examples=300)
@given(
    st.lists(NAME, min_size=4, max_size=4, unique=True),
    st.lists(NAME, min_size=2, max_size=2, unique=True),
    st.lists(NAME, min_size=3, max_size=3, unique=True),
)
def test_any_names_are_refused_in_one_line_or_write_columns_that_do_not_collide(sectors, groups, areas):
    """Random unicode and colliding names for sectors, groups and areas: one line, or distinct columns.

    Exact repeats within one kind are left to the schema's own test (``unique=True``); repeats across
    kinds, case and punctuation variants, metric-like names and CJK names are generated here.
    """
    from sectorsim import metrics
    from sectorsim.runner import run_one

    raw = named_scenario(sectors, groups, areas)
    with workdir() as d:
        path = d / "scenario.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        code, _, stderr = cli("check", str(path))
        if code != 0:
            line = assert_refused(code, stderr, (str(path),), d / "out")
            reason = next((r for r in REFUSALS if r in line), "other")
            event(f"names: refused ({reason})")
            return
    event("names: accepted")
    sc = validate(raw, "names")
    res = run_one(sc, "none", 1)
    expected = metrics.summary_columns(sc)
    assert len(expected) == len(set(expected)), "two names share a summary column"
    assert list(res.summary) == expected  # every column written, none overwritten by another
    monthly = metrics.monthly_columns(sc)
    assert list(res.series.columns) == monthly and len(set(monthly)) == len(monthly)
