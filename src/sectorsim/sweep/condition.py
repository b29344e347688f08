"""The condition of a scenario discovery: a small expression language over a sweep's output columns.

A condition says which samples are cases of interest, e.g.
``earnings_mean[sector_partnership - single_employer] >= 25 and turnover_rate[sector_partnership] < 0.4``.
It is read from the command line, so nothing in it executes code: :func:`parse` is a tokenizer and a
recursive-descent parser written here (no ``eval``, no Python ``ast``, no attribute access, no calls),
and :func:`Condition.evaluate` walks the parsed tree with numpy arithmetic and comparisons over the
named columns. What it understands, and nothing else:

- numbers (``25``, ``0.4``, ``1.5e6``, ``1_000_000``) and output names (``metric[arm]``,
  ``metric[arm - minus]``, as ``indices.csv`` names them; spaces inside the brackets do not matter);
- arithmetic ``+ - * /`` and unary minus, on numbers and outputs;
- comparisons ``< <= > >= == !=``, chained as in mathematics (``10 <= x < 50``);
- ``and``, ``or``, ``not`` and parentheses.

A mistake (an unknown output, a stray character, ``=`` for ``==``, a comparison missing) raises
:class:`ConditionError` with one line saying what is wrong, where, and what is allowed.

Reads and writes: nothing; it maps an expression and columns of numbers to a boolean column.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

#: Longest condition accepted (characters) and deepest nesting of parentheses and operators.
MAX_LENGTH = 2000
MAX_DEPTH = 40

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*(?:\[[^\[\]]*\])?)
  | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\))
    """,
    re.VERBOSE,
)
_KEYWORDS = ("and", "or", "not")
_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
_HINTS = {
    "=": "write == to test equality",
    "&": "write and",
    "|": "write or",
    "!": "write not, or != for 'not equal'",
    "[": "an output is written metric[arm] or metric[arm - minus], brackets closed",
    "]": "an output is written metric[arm] or metric[arm - minus], brackets opened",
}


class ConditionError(ValueError):
    """A condition that cannot be read: the message says what is wrong, where, and what is allowed."""


@dataclass(frozen=True)
class Token:
    """One token of a condition: its kind, its text and where it starts (0-based character)."""

    kind: Literal["number", "name", "op", "end"]
    text: str
    at: int


@dataclass(frozen=True)
class Number:
    """A number."""

    value: float


@dataclass(frozen=True)
class Output:
    """An output column, by its name in the sweep's outputs."""

    name: str


@dataclass(frozen=True)
class Negate:
    """Unary minus."""

    operand: Node


@dataclass(frozen=True)
class Arithmetic:
    """``left op right`` for ``op`` in ``+ - * /``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Comparison:
    """A chain ``a op1 b op2 c ...``: every adjacent pair compared, all must hold."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Logic:
    """``and`` or ``or`` over two or more conditions."""

    op: Literal["and", "or"]
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """``not`` a condition."""

    item: Node


Node = Number | Output | Negate | Arithmetic | Comparison | Logic | Not


def tokens(text: str) -> list[Token]:
    """The tokens of a condition, ending with an ``end`` token.

    Raises:
        ConditionError: a character no token starts with.
    """
    out: list[Token] = []
    at = 0
    while at < len(text):  # loop: characters of the user's condition (not agents)
        m = _TOKEN.match(text, at)
        if m is None:
            ch = text[at]
            hint = _HINTS.get(ch, "allowed: output names, numbers, + - * /, < <= > >= == !=, and or not, ( )")
            raise ConditionError(f"unexpected {ch!r} at character {at + 1}; {hint}")
        kind = m.lastgroup
        if kind != "space":
            out.append(Token(kind, m.group(), at))  # type: ignore[arg-type]
        at = m.end()
    out.append(Token("end", "", len(text)))
    return out


class _Parser:
    """Recursive descent over the tokens; precedence: or < and < not < comparison < + - < * / < unary."""

    def __init__(self, text: str) -> None:
        self.toks = tokens(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def _is(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text in texts

    def _take(self) -> Token:
        t = self.tok
        self.i += 1
        return t

    def _where(self, t: Token | None = None) -> str:
        t = t or self.tok
        return "at the end" if t.kind == "end" else f"at character {t.at + 1} ({t.text!r})"

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(f"nested more than {MAX_DEPTH} levels deep")

    def parse(self) -> Node:
        node = self.disjunction()
        if self.tok.kind != "end":
            raise ConditionError(
                f"unexpected {self.tok.text!r} at character {self.tok.at + 1}; join conditions with and / or"
            )
        return node

    def disjunction(self) -> Node:
        items = [self.conjunction()]
        while self._is("or"):  # loop: the condition's terms
            self._take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Logic("or", tuple(items))

    def conjunction(self) -> Node:
        items = [self.negation()]
        while self._is("and"):  # loop: the condition's terms
            self._take()
            items.append(self.negation())
        return items[0] if len(items) == 1 else Logic("and", tuple(items))

    def negation(self) -> Node:
        if self._is("not"):
            self._take()
            self._deeper()
            node: Node = Not(self.negation())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        first = self.sum()
        ops, operands = [], [first]
        while self.tok.kind == "op" and self.tok.text in _COMPARISONS:  # loop: a chained comparison
            ops.append(self._take().text)
            operands.append(self.sum())
        return first if not ops else Comparison(tuple(ops), tuple(operands))

    def sum(self) -> Node:
        node = self.product()
        while self._is("+", "-"):  # loop: the terms of a sum
            op = self._take().text
            node = Arithmetic(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self._is("*", "/"):  # loop: the factors of a product
            op = self._take().text
            node = Arithmetic(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self._is("-", "+"):
            op = self._take().text
            self._deeper()
            operand = self.unary()
            self.depth -= 1
            return Negate(operand) if op == "-" else operand
        return self.atom()

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "number":
            self._take()
            try:
                return Number(float(t.text.replace("_", "")))
            except ValueError:
                raise ConditionError(f"{t.text!r} at character {t.at + 1} is not a number") from None
        if t.kind == "name" and t.text not in _KEYWORDS:
            self._take()
            return Output(t.text)
        if self._is("("):
            self._take()
            self._deeper()
            node = self.disjunction()
            self.depth -= 1
            if not self._is(")"):
                raise ConditionError(f"a ')' is missing {self._where()}")
            self._take()
            return node
        raise ConditionError(f"expected a number, an output name or '(' {self._where(t)}")


def _kind(node: Node) -> Literal["number", "test"]:
    """Whether a node is a number or a test (true or false), checking that operands fit their operator."""
    if isinstance(node, Number | Output):
        return "number"
    if isinstance(node, Negate):
        _need(node.operand, "number", "minus")
        return "number"
    if isinstance(node, Arithmetic):
        _need(node.left, "number", node.op)
        _need(node.right, "number", node.op)
        return "number"
    if isinstance(node, Comparison):
        for operand in node.operands:  # loop: a comparison's operands
            _need(operand, "number", node.ops[0])
        return "test"
    if isinstance(node, Not):
        _need(node.item, "test", "not")
        return "test"
    for item in node.items:  # loop: the terms of and / or
        _need(item, "test", node.op)
    return "test"


def _need(node: Node, kind: str, op: str) -> None:
    if _kind(node) != kind:
        what = "a comparison (e.g. x >= 25)" if kind == "test" else "numbers and outputs, not a comparison"
        raise ConditionError(f"{op!r} needs {what}")


def _squeeze(name: str) -> str:
    return re.sub(r"\s+", "", name)


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text, its tree, and the output columns it reads (as the sweep names them)."""

    text: str
    tree: Node
    outputs: tuple[str, ...]

    def evaluate(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """The condition on every row of ``columns`` (a comparison with NaN is false)."""
        with np.errstate(all="ignore"):
            return np.asarray(_value(self.tree, columns), dtype=bool)


def _value(node: Node, columns: Mapping[str, np.ndarray]) -> np.ndarray | float:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Output):
        return np.asarray(columns[node.name], dtype=float)
    if isinstance(node, Negate):
        return -_value(node.operand, columns)
    if isinstance(node, Arithmetic):
        a, b = _value(node.left, columns), _value(node.right, columns)
        return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[node.op](a, b)
    if isinstance(node, Comparison):
        values = [_value(o, columns) for o in node.operands]  # loop: a comparison's operands
        compare = {
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
            "==": np.equal,
            "!=": np.not_equal,
        }
        result: np.ndarray | bool = True
        for op, a, b in zip(node.ops, values, values[1:], strict=False):  # loop: adjacent operands
            result = np.logical_and(result, compare[op](a, b))
        return np.asarray(result)
    if isinstance(node, Not):
        return np.logical_not(_value(node.item, columns))
    combine = np.logical_and if node.op == "and" else np.logical_or
    joined = np.asarray(_value(node.items[0], columns))
    for item in node.items[1:]:  # loop: the terms of and / or
        joined = combine(joined, _value(item, columns))
    return joined


def _outputs_of(node: Node) -> list[str]:
    if isinstance(node, Output):
        return [node.name]
    if isinstance(node, Number):
        return []
    if isinstance(node, Negate):
        return _outputs_of(node.operand)
    if isinstance(node, Arithmetic):
        return _outputs_of(node.left) + _outputs_of(node.right)
    if isinstance(node, Not):
        return _outputs_of(node.item)
    children = node.operands if isinstance(node, Comparison) else node.items
    return [n for c in children for n in _outputs_of(c)]  # loop: child nodes


def _resolve(node: Node, known: dict[str, str]) -> Node:
    """The tree with every output name replaced by the sweep's spelling of it."""
    if isinstance(node, Output):
        return Output(known[_squeeze(node.name)])
    if isinstance(node, Number):
        return node
    if isinstance(node, Negate):
        return Negate(_resolve(node.operand, known))
    if isinstance(node, Arithmetic):
        return Arithmetic(node.op, _resolve(node.left, known), _resolve(node.right, known))
    if isinstance(node, Not):
        return Not(_resolve(node.item, known))
    if isinstance(node, Comparison):
        return Comparison(node.ops, tuple(_resolve(o, known) for o in node.operands))  # loop: operands
    return Logic(node.op, tuple(_resolve(i, known) for i in node.items))  # loop: terms


def parse(text: str, outputs: list[str]) -> Condition:
    """Parse a condition over the named output columns.

    Args:
        text: The condition, e.g. ``earnings_mean[sector_partnership - single_employer] >= 25``.
        outputs: The output columns it may name.

    Raises:
        ConditionError: one line saying what is wrong and what is allowed.
    """
    if not text.strip():
        raise ConditionError("empty; give a condition such as 'earnings_mean[b - a] >= 25'")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"longer than {MAX_LENGTH} characters")
    tree = _Parser(text).parse()
    if _kind(tree) != "test":
        raise ConditionError("is a number, not a condition; compare it, e.g. '... >= 25'")
    known = {_squeeze(o): o for o in outputs}  # loop: outputs
    for name in _outputs_of(tree):  # loop: the names the condition uses
        if _squeeze(name) not in known:
            near = difflib.get_close_matches(name, outputs, n=1, cutoff=0.5)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise ConditionError(f"unknown output '{name}'; {hint}(outputs: {', '.join(outputs)})")
    resolved = _resolve(tree, known)
    return Condition(text, resolved, tuple(dict.fromkeys(_outputs_of(resolved))))


#: The name :mod:`sectorsim.sweep` exports :func:`parse` under.
parse_condition = parse
