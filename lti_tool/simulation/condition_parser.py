"""Tokenizer and recursive-descent parser for the condition language in docs/case-format.md.

condition  := or
or         := and ("or" and)*
and        := not ("and" not)*
not        := "not" not | comparison
comparison := operand (("==" | "!=" | "<" | "<=" | ">" | ">=") operand)?
operand    := NAME | INTEGER | "true" | "false" | 'string'
            | "visited(" 'node-id' ")" | "(" condition ")"
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lti_tool.simulation.conditions import And
from lti_tool.simulation.conditions import Comparison
from lti_tool.simulation.conditions import ConditionError
from lti_tool.simulation.conditions import Expression
from lti_tool.simulation.conditions import Literal
from lti_tool.simulation.conditions import Not
from lti_tool.simulation.conditions import Or
from lti_tool.simulation.conditions import Variable
from lti_tool.simulation.conditions import Visited

MAX_CONDITION_LENGTH = 500
MAX_NESTING = 32
KEYWORDS = frozenset({"and", "or", "not", "true", "false", "visited"})

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<integer>-?[0-9]+)
    | (?P<string>'[^']*')
    | (?P<operator>==|!=|<=|>=|<|>)
    | (?P<paren>[()])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)
_HINTS = {
    "=": "use `==` to compare",
    "&": "use `and`",
    "|": "use `or`",
    "!": "use `not`, or `!=` to compare",
    '"': "put text in single quotes: 'like this'",
    "'": "the text in quotes is not closed",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # integer, string, operator, paren, name, keyword, end
    text: str
    column: int  # 1-based

    def describe(self) -> str:
        return "end of the condition" if self.kind == "end" else f"`{self.text}`"


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            char = source[position]
            hint = _HINTS.get(char, "")
            raise ConditionError(
                f"unexpected character `{char}` at column {position + 1}"
                + (f" ({hint})" if hint else "")
            )
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "name" and text in KEYWORDS:
            kind = "keyword"
        if kind != "space":
            tokens.append(Token(kind, text, position + 1))
        position = match.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


def parse_condition(source: str) -> Expression:
    """Parse ``source`` into a syntax tree; raise ConditionError with a column on bad input."""
    if len(source) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"condition is longer than {MAX_CONDITION_LENGTH} characters")
    if not source.strip():
        raise ConditionError("the condition is empty")
    return _Parser(tokenize(source)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0

    def parse(self) -> Expression:
        expression = self._or()
        token = self._peek()
        if token.kind != "end":
            raise self._unexpected(token)
        return expression

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _next(self) -> Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _at_keyword(self, word: str) -> bool:
        token = self._peek()
        return token.kind == "keyword" and token.text == word

    def _unexpected(self, token: Token, expected: str = "") -> ConditionError:
        where = "" if token.kind == "end" else f" at column {token.column}"
        wanted = f"; expected {expected}" if expected else ""
        return ConditionError(f"unexpected {token.describe()}{where}{wanted}")

    def _or(self) -> Expression:
        operands = [self._and()]
        while self._at_keyword("or"):
            self._next()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Expression:
        operands = [self._not()]
        while self._at_keyword("and"):
            self._next()
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Expression:
        if self._at_keyword("not"):
            self._next()
            with self._nested():
                return Not(self._not())
        return self._comparison()

    def _comparison(self) -> Expression:
        left = self._operand()
        token = self._peek()
        if token.kind != "operator":
            return left
        self._next()
        right = self._operand()
        return Comparison(token.text, left, right)

    def _operand(self) -> Expression:
        token = self._next()
        if token.kind == "integer":
            return Literal(int(token.text))
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "name":
            return Variable(token.text)
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Literal(token.text == "true")
        if token.kind == "keyword" and token.text == "visited":
            return self._visited(token)
        if token.kind == "paren" and token.text == "(":
            with self._nested():
                inner = self._or()
            closing = self._next()
            if closing.text != ")" or closing.kind != "paren":
                raise self._unexpected(closing, "`)`")
            return inner
        raise self._unexpected(token, "a name, a number, true, false, 'text' or visited(...)")

    def _visited(self, keyword: Token) -> Expression:
        opening, node, closing = self._next(), self._next(), self._next()
        if (opening.kind, node.kind, closing.kind) != ("paren", "string", "paren") or (
            opening.text,
            closing.text,
        ) != ("(", ")"):
            raise ConditionError(
                f"`visited` at column {keyword.column} needs a node id in single quotes: "
                "visited('node-id')"
            )
        return Visited(node.text[1:-1])

    @contextmanager
    def _nested(self) -> Iterator[None]:
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise ConditionError(f"the condition is nested more than {MAX_NESTING} levels deep")
        try:
            yield
        finally:
            self._depth -= 1
