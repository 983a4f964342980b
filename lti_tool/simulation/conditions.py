"""The condition language's syntax tree: evaluation by walking it, and static type checking.

The tree is built by :mod:`lti_tool.simulation.condition_parser`; nothing here ever calls
``eval``, ``exec`` or ``compile``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Set
from dataclasses import dataclass
from typing import Union

Value = bool | int | str
Variables = Mapping[str, Value]


class ConditionError(ValueError):
    """A condition that cannot be parsed or does not type-check."""


def type_name(value_type: type) -> str:
    return {bool: "boolean", int: "integer", str: "text"}[value_type]


def a_type_name(value_type: type) -> str:
    return {bool: "a boolean", int: "an integer", str: "a text"}[value_type]


@dataclass(frozen=True, slots=True)
class Literal:
    value: Value

    def evaluate(self, variables: Variables, visited: Set[str]) -> Value:
        return self.value

    def children(self) -> tuple[Expression, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Variable:
    name: str

    def evaluate(self, variables: Variables, visited: Set[str]) -> Value:
        return variables[self.name]

    def children(self) -> tuple[Expression, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Visited:
    node_id: str

    def evaluate(self, variables: Variables, visited: Set[str]) -> Value:
        return self.node_id in visited

    def children(self) -> tuple[Expression, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expression

    def evaluate(self, variables: Variables, visited: Set[str]) -> Value:
        return not self.operand.evaluate(variables, visited)

    def children(self) -> tuple[Expression, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expression, ...]

    def evaluate(self, variables: Variables, visited: Set[str]) -> Value:
        return all(operand.evaluate(variables, visited) for operand in self.operands)

    def children(self) -> tuple[Expression, ...]:
        return self.operands


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expression, ...]

    def evaluate(self, variables: Variables, visited: Set[str]) -> Value:
        return any(operand.evaluate(variables, visited) for operand in self.operands)

    def children(self) -> tuple[Expression, ...]:
        return self.operands


COMPARISONS: dict[str, Callable[[Value, Value], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
ORDERINGS = frozenset({"<", "<=", ">", ">="})


@dataclass(frozen=True, slots=True)
class Comparison:
    op: str
    left: Expression
    right: Expression

    def evaluate(self, variables: Variables, visited: Set[str]) -> Value:
        left = self.left.evaluate(variables, visited)
        right = self.right.evaluate(variables, visited)
        return COMPARISONS[self.op](left, right)

    def children(self) -> tuple[Expression, ...]:
        return (self.left, self.right)


Expression = Union[Literal, Variable, Visited, Not, And, Or, Comparison]  # noqa: UP007


def walk(expression: Expression) -> Iterator[Expression]:
    yield expression
    for child in expression.children():
        yield from walk(child)


def variables_read(expression: Expression) -> set[str]:
    return {node.name for node in walk(expression) if isinstance(node, Variable)}


def nodes_checked(expression: Expression) -> set[str]:
    return {node.node_id for node in walk(expression) if isinstance(node, Visited)}


def check_types(expression: Expression, variables: Variables, node_ids: Collection[str]) -> None:
    """Raise ConditionError unless ``expression`` is a well-typed boolean condition."""
    result = _type_of(expression, variables, node_ids)
    if result is bool:
        return
    if isinstance(expression, Variable):
        raise ConditionError(
            f"`{expression.name}` is {a_type_name(result)} variable; "
            "a bare name must be a boolean (compare it instead)"
        )
    raise ConditionError(f"a condition must be true or false, not {type_name(result)}")


def _type_of(expression: Expression, variables: Variables, node_ids: Collection[str]) -> type:
    if isinstance(expression, Literal):
        return type(expression.value)
    if isinstance(expression, Variable):
        if expression.name not in variables:
            raise ConditionError(f"unknown variable `{expression.name}`")
        return type(variables[expression.name])
    if isinstance(expression, Visited):
        if expression.node_id not in node_ids:
            raise ConditionError(f"visited(): unknown node `{expression.node_id}`")
        return bool
    if isinstance(expression, Not | And | Or):
        keyword = {Not: "not", And: "and", Or: "or"}[type(expression)]
        for operand in expression.children():
            operand_type = _type_of(operand, variables, node_ids)
            if operand_type is not bool:
                raise ConditionError(
                    f"`{keyword}` needs true/false operands, not {_describe(operand, operand_type)}"
                )
        return bool
    left = _type_of(expression.left, variables, node_ids)
    right = _type_of(expression.right, variables, node_ids)
    if left is not right:
        raise ConditionError(
            f"`{expression.op}` compares {_describe(expression.left, left)} "
            f"with {_describe(expression.right, right)}; both sides must have the same type"
        )
    if expression.op in ORDERINGS and left is not int:
        raise ConditionError(f"`{expression.op}` works only on integers, not {type_name(left)}")
    return bool


def _describe(expression: Expression, value_type: type) -> str:
    if isinstance(expression, Variable):
        return f"the {type_name(value_type)} variable `{expression.name}`"
    return type_name(value_type)
