"""Load scenario files safely and turn validation failures into one-line messages.

YAML is read with a safe loader (no tags that construct Python objects; duplicate keys are
errors). ``extends: base.yaml`` (relative to the file) deep-merges the base under the file:
mappings merge key by key, anything else (lists included) is replaced.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Mapping
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


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read one YAML mapping safely.

    Raises:
        InputError: missing file, unreadable file, malformed YAML, or not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "", "file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), "", f"cannot read the file ({exc.__class__.__name__})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(str(path), "", f"malformed YAML{where}: {problem}") from None
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


def resolve_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Load ``path`` and, recursively, the files it extends."""
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(p.name for p in (*seen, resolved))
        raise InputError(str(path), "extends", f"files extend each other in a cycle ({chain})")
    data = load_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(str(path), "extends", "must be a file name (a string)")
    base_path = path.parent / parent
    if not base_path.is_file():
        raise InputError(str(path), "extends", f"base file '{parent}' not found next to this file")
    return _deep_merge(resolve_extends(base_path, (*seen, resolved)), data)


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
    if isinstance(given, (int, float, str, bool)) and not isinstance(given, dict):
        return key, f"{msg[0].lower()}{msg[1:]} (got {given!r})"
    return key, msg[0].lower() + msg[1:]


def validate(data: dict[str, Any], source: str) -> Scenario:
    """Validate a raw mapping; the first problem becomes an ``InputError``."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        key, message = describe_error(errors[0])
        more = len(errors) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise InputError(source, key, message) from None


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
