"""Load scenario files safely and turn validation failures into one-line messages.

YAML is read with a safe loader (no tags that construct Python objects; duplicate keys are
errors). Before a file is composed, its shape is checked without recursion: at most ``MAX_DEPTH``
levels of nesting and ``MAX_VALUES`` values once aliases are expanded, so a hostile or broken file
is refused with one line instead of exhausting the stack or the memory. ``extends: base.yaml``
(relative to the file) deep-merges the base under the file: mappings merge key by key, anything else
(lists included) is replaced; a chain may be at most ``MAX_EXTENDS`` files long.

When a file has several problems, an unknown key is reported first: a misspelt key (``extend:`` for
``extends:``) is the likeliest cause of the missing keys that follow from it.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import sys
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sectorsim.errors import InputError, KeyedValueError
from sectorsim.policies.config import PolicyConfig
from sectorsim.scenario.schema import Scenario

_POLICY_CLASSES: dict[str, type[BaseModel]] = {
    cls.model_fields["type"].default: cls for cls in typing.get_args(typing.get_args(PolicyConfig)[0])
}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys in a mapping."""


MAX_DEPTH = 32
"""Most levels of nesting a file may have (the schema needs five)."""
MAX_VALUES = 1_000_000
"""Most values a file may hold once its aliases are expanded."""
MAX_EXTENDS = 16
"""Most files an ``extends`` chain may have, the file itself included."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:  # loop: the keys of one YAML mapping
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, typing.Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name, not a {type(key).__name__}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _at(mark: Any) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def check_shape(text: str, source: str) -> None:
    """Refuse YAML nested too deeply or too large once aliases expand, reading events only.

    PyYAML's event parser keeps its own stack, so this pass cannot overflow Python's; the composer
    that builds the document recurses once per level and runs only after this check.

    Raises:
        InputError: more than ``MAX_DEPTH`` levels, more than ``MAX_VALUES`` values (aliases
            counted as often as they are used), or an alias to an anchor that contains it.
        yaml.YAMLError: the text is not well-formed YAML.
    """
    fast = getattr(yaml, "CSafeLoader", None)  # libyaml's event parser, if PyYAML was built with it
    if fast is not None:
        try:
            _count_events(yaml.parse(text, Loader=fast), source)
            return
        except yaml.YAMLError:
            pass  # the pure-Python parser below gives the message users see
    _count_events(yaml.parse(text, Loader=_UniqueKeyLoader), source)


def _count_events(events: Iterable[yaml.Event], source: str) -> None:
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, values counted before it opened)
    sizes: dict[str, int] = {}  # anchor -> values it stands for
    count = 0
    for event in events:  # loop: YAML events of the file
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_nodes) >= MAX_DEPTH:
                raise InputError(
                    source,
                    "",
                    f"nested more than {MAX_DEPTH} levels deep{_at(event.start_mark)} "
                    "(a scenario needs a few levels: keys, lists of items, their keys)",
                )
            open_nodes.append((event.anchor, count))
            count += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before = open_nodes.pop()
            if anchor is not None:
                sizes[anchor] = count - before
        elif isinstance(event, yaml.ScalarEvent):
            count += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in sizes:
                raise InputError(
                    source,
                    "",
                    f"alias *{event.anchor}{_at(event.start_mark)} refers to an undefined anchor or to "
                    "one that contains it (an alias must repeat a finished value)",
                )
            count += sizes[event.anchor]
        if count > MAX_VALUES:
            raise InputError(
                source, "", f"holds more than {MAX_VALUES:,} values once its aliases are expanded"
            )


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read one YAML mapping safely.

    Raises:
        InputError: missing file, unreadable file, malformed YAML, a file nested too deeply or too
            large (see ``check_shape``), a value that cannot be read, or not a mapping.
    """
    path = Path(path)
    try:
        found = path.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        is_dir = False
        with contextlib.suppress(OSError, ValueError):
            is_dir = path.is_dir()
        raise InputError(str(path), "", "is a folder, not a file" if is_dir else "file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), "", f"cannot read the file ({exc.__class__.__name__})") from None
    try:
        check_shape(text, str(path))
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(str(path), "", f"malformed YAML{_at(mark)}: {problem}") from None
    except (ValueError, OverflowError, TypeError) as exc:  # a scalar that cannot become a value
        what = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        if "integer string conversion" in what:
            what = f"an integer has more than {sys.get_int_max_str_digits():,} digits"
        raise InputError(
            str(path), "", f"a value cannot be read ({what}); write plain numbers and text"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(str(path), "", f"must be a mapping of keys to values, not a {type(data).__name__}")
    return data


def _deep_merge(base: dict, top: dict) -> dict:
    out = dict(base)
    for k, v in top.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def sibling_file(path: Path, name: str, key: str, what: str = "file") -> Path:
    """The file ``name`` (relative to ``path``'s folder) that ``path`` refers to, which must exist.

    Args:
        path: The file that names the other one.
        name: The name it gives (``extends: base.yaml``, an experiment's ``scenario:``).
        key: The key that holds the name, for the message.
        what: What the other file is, for the message.

    Raises:
        InputError: the name is not a usable file name (too long, a NUL byte) or no such file exists.
    """
    other = path.parent / name
    try:
        found = other.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        found = False
    if not found:
        raise InputError(str(path), key, f"{what} '{name}' not found next to this file")
    return other


def resolve_extends(path: Path) -> dict[str, Any]:
    """Load ``path`` and the files it extends, one after another (no recursion), and merge them.

    Raises:
        InputError: a file cannot be loaded, ``extends`` is not a file name or names a missing
            file, the files extend each other in a cycle, or the chain is longer than ``MAX_EXTENDS``.
    """
    path = Path(path)
    layers: list[dict[str, Any]] = []
    seen: list[Path] = []
    current = path
    while True:  # loop: the files of an extends chain, from the file itself to its last base
        try:
            resolved = current.resolve()
        except (OSError, RuntimeError, ValueError):
            resolved = current
        if resolved in seen:
            chain = " -> ".join(p.name for p in (*seen, resolved))
            raise InputError(str(path), "extends", f"files extend each other in a cycle ({chain})")
        if len(seen) == MAX_EXTENDS:
            raise InputError(
                str(path),
                "extends",
                f"the chain of files extending each other is longer than {MAX_EXTENDS} "
                f"({seen[0].name} -> {seen[1].name} -> ... -> {resolved.name}); allowed: {MAX_EXTENDS} files",
            )
        seen.append(resolved)
        data = load_yaml(current)
        parent = data.pop("extends", None)
        layers.append(data)
        if parent is None:
            break
        if not isinstance(parent, str) or not parent:
            raise InputError(str(current), "extends", "must be a file name (a string)")
        current = sibling_file(current, parent, "extends", "base file")
    merged = layers.pop()
    while layers:  # loop: the files of the chain, from the last base back to the file itself
        merged = _deep_merge(merged, layers.pop())
    return merged


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a value at a dotted key path; list items by index or, for named items, by name.

    ``labor_market.offer_acceptance``, ``arms.sector_partnership.policies.0.budget`` and
    ``sectors.health care.growth`` are all valid paths.
    """
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            idx = _list_index(node, part, dotted)
            if last:
                node[idx] = value
                return
            node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
                return
            node = node.setdefault(part, {})
        else:
            raise KeyError(f"'{dotted}': '{parts[i - 1]}' holds a value, not keys")


def _list_index(items: list, part: str, dotted: str) -> int:
    if part.isdigit() and int(part) < len(items):
        return int(part)
    for j, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return j
    names = [str(x.get("name")) for x in items if isinstance(x, dict) and "name" in x]
    raise KeyError(f"'{dotted}': no item '{part}' (items: {', '.join(names) or len(items)})")


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model class inside an annotation (through list, Optional, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def _model_at(loc: tuple, root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    cls: type[BaseModel] | None = root
    for el in loc:
        if cls is None:
            return None
        if isinstance(el, int):
            continue
        if el in _POLICY_CLASSES:  # the discriminator tag pydantic puts in a policy's location
            cls = _POLICY_CLASSES[el]
            continue
        field = cls.model_fields.get(el)
        if field is None:
            return None
        cls = _unwrap_model(field.annotation)
    return cls


def _format_loc(loc: tuple) -> str:
    out = ""
    prev: Any = None
    for el in loc:
        if isinstance(el, int):
            out += f"[{el}]"
        elif el in _POLICY_CLASSES and isinstance(prev, int):
            pass  # the discriminator tag pydantic inserts for a policy
        else:
            out += ("." if out else "") + str(el)
        prev = el
    return out


def describe_error(err: Mapping[str, Any], root: type[BaseModel] = Scenario) -> tuple[str, str]:
    """Turn one pydantic error into (key path, message with what is allowed).

    Args:
        err: One entry of ``ValidationError.errors()``.
        root: The schema the location is relative to (a scenario, or an experiment).
    """
    loc = tuple(err["loc"])
    key = _format_loc(loc)
    kind = err["type"]
    msg = err["msg"]
    given = err.get("input")
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1], root)
        allowed = sorted(parent.model_fields) if parent else []
        if root is Scenario and len(loc) == 1:
            allowed = sorted([*allowed, "extends"])  # read (and removed) before validation
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return key, f"unknown key{hint} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return key, "required key is missing"
    if kind == "union_tag_invalid":
        tags = list(_POLICY_CLASSES)
        near = difflib.get_close_matches(str(err.get("ctx", {}).get("tag")), tags, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return key + ".type", f"unknown policy type '{err['ctx']['tag']}'{hint} (allowed: {', '.join(tags)})"
    if kind == "union_tag_not_found":
        return key + ".type", f"each policy needs a type (allowed: {', '.join(_POLICY_CLASSES)})"
    if kind == "value_error":
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, KeyedValueError):
            sub = cause.key if cause.key.startswith("[") or not key else f".{cause.key}"
            return key + sub, str(cause)
        return key, msg.removeprefix("Value error, ")
    if isinstance(given, (int, float, str, bool)):
        return key, f"{msg[0].lower()}{msg[1:]} (got {_shown(given)})"
    return key, msg[0].lower() + msg[1:]


def _shown(value: int | float | str | bool, limit: int = 60) -> str:
    """A value as the message shows it: its repr, shortened when long (huge integers included)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-4:]} ({len(text):,} characters)"


def first_error(errors: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The error to report of several: the first unknown key if any, else the first error.

    An unknown key is usually a misspelt one, and the keys it was meant to be are then missing:
    reporting the missing key would point away from the mistake.
    """
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    return unknown[0] if unknown else errors[0]


def describe_errors(
    errors: Sequence[Mapping[str, Any]] | ValidationError, root: type[BaseModel] = Scenario
) -> tuple[str, str]:
    """Turn a validation failure into one (key path, message): the ``first_error``, and how many more.

    Args:
        errors: ``ValidationError.errors()``, or the ``ValidationError`` itself.
        root: The schema the locations are relative to (a scenario, or an experiment).
    """
    if isinstance(errors, ValidationError):
        errors = errors.errors(include_url=False)
    key, message = describe_error(first_error(errors), root)
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return key, message


def _non_finite(data: Any) -> tuple[str, float] | None:
    """(key path, value) of the first NaN or infinite number in raw data, or None (no recursion)."""
    todo: list[tuple[str, Any]] = [("", data)]
    while todo:  # loop: values of the raw mapping, depth first
        where, value = todo.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return where, value
        if isinstance(value, dict):
            todo += [(f"{where}.{k}" if where else str(k), v) for k, v in reversed(value.items())]
        elif isinstance(value, list):
            todo += [(f"{where}[{i}]", v) for i, v in reversed(list(enumerate(value)))]
    return None


def validate(data: dict[str, Any], source: str) -> Scenario:
    """Validate a raw mapping; the problem ``first_error`` picks becomes an ``InputError``.

    Every number must be finite: a NaN or an infinity is refused wherever it is.
    """
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        key, message = describe_errors(exc)
        raise InputError(source, key, message) from None
    found = _non_finite(data)
    if found is not None:
        where, value = found
        raise InputError(
            source, where, f"must be a finite number (got {value}); for 'no limit', write a large number"
        )
    return scenario


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge (``extends``), override and validate a scenario file.

    Args:
        path: The scenario YAML file.
        overrides: Dotted key paths and values applied before validation.

    Raises:
        InputError: with the file, key path and what is allowed.
    """
    data = resolve_extends(Path(path))
    for dotted, value in (overrides or {}).items():
        try:
            set_path(data, dotted, value)
        except KeyError as exc:
            raise InputError(str(path), dotted, str(exc.args[0])) from None
    return validate(data, str(path))
