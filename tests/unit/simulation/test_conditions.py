"""The condition language: parsing, precedence, errors, static types and evaluation."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from lti_tool.simulation.condition_parser import parse_condition
from lti_tool.simulation.conditions import And
from lti_tool.simulation.conditions import Comparison
from lti_tool.simulation.conditions import ConditionError
from lti_tool.simulation.conditions import Literal
from lti_tool.simulation.conditions import Not
from lti_tool.simulation.conditions import Or
from lti_tool.simulation.conditions import Variable
from lti_tool.simulation.conditions import Visited
from lti_tool.simulation.conditions import check_types

VARIABLES = {"seen_alone": False, "safe": True, "trust": 2, "language": "shared"}
NODES = {"triage", "interpreter"}
a, b, c = Variable("a"), Variable("b"), Variable("c")


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("a or b and c", Or((a, And((b, c))))),
        ("a and b or c", Or((And((a, b)), c))),
        ("not a and b", And((Not(a), b))),
        ("not not a", Not(Not(a))),
        ("(a or b) and c", And((Or((a, b)), c))),
        ("a or b or c", Or((a, b, c))),
        ("not trust == 2", Not(Comparison("==", Variable("trust"), Literal(2)))),
        ("trust >= -1", Comparison(">=", Variable("trust"), Literal(-1))),
        ("language != 'shared'", Comparison("!=", Variable("language"), Literal("shared"))),
        ("true", Literal(True)),
        ("false == safe", Comparison("==", Literal(False), Variable("safe"))),
        ("visited( 'triage' )", Visited("triage")),
        ("((a))", a),
    ],
)
def test_parse_builds_the_tree_with_the_grammar_precedence(source: str, tree: object) -> None:
    assert parse_condition(source) == tree


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__import__('os')", "unexpected `(` at column 11"),
        ("a == b == c", "unexpected `==` at column 8"),
        (
            "a and",
            "unexpected end of the condition; expected a name, a number, true, false, "
            "'text' or visited(...)",
        ),
        ("a = 1", "unexpected character `=` at column 3 (use `==` to compare)"),
        ("a && b", "unexpected character `&` at column 3 (use `and`)"),
        (
            'language == "shared"',
            "unexpected character `\"` at column 13 (put text in single quotes: 'like this')",
        ),
        (
            "language == 'shared",
            "unexpected character `'` at column 13 (the text in quotes is not closed)",
        ),
        (
            "visited(triage)",
            "`visited` at column 1 needs a node id in single quotes: visited('node-id')",
        ),
        ("visited", "`visited` at column 1 needs a node id in single quotes: visited('node-id')"),
        ("(a or b", "unexpected end of the condition; expected `)`"),
        ("a b", "unexpected `b` at column 3"),
        ("   ", "the condition is empty"),
        ("(" * 33 + "a" + ")" * 33, "the condition is nested more than 32 levels deep"),
        ("not " * 33 + "a", "the condition is nested more than 32 levels deep"),
        ("a or " * 100 + "a", "condition is longer than 500 characters"),
        ("trust + 1 > 2", "unexpected character `+` at column 7"),
    ],
)
def test_parse_errors_say_what_and_where(source: str, message: str) -> None:
    with pytest.raises(ConditionError) as error:
        parse_condition(source)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "trust",
            "`trust` is an integer variable; a bare name must be a boolean (compare it instead)",
        ),
        (
            "language",
            "`language` is a text variable; a bare name must be a boolean (compare it instead)",
        ),
        ("2", "a condition must be true or false, not integer"),
        ("not trust", "`not` needs true/false operands, not the integer variable `trust`"),
        ("safe and 'yes'", "`and` needs true/false operands, not text"),
        ("safe or 1", "`or` needs true/false operands, not integer"),
        (
            "trust == 'two'",
            "`==` compares the integer variable `trust` with text; both sides must have the "
            "same type",
        ),
        (
            "safe == 1",
            "`==` compares the boolean variable `safe` with integer; both sides must "
            "have the same type",
        ),
        ("language < 'z'", "`<` works only on integers, not text"),
        ("safe >= true", "`>=` works only on integers, not boolean"),
        ("trusted", "unknown variable `trusted`"),
        ("visited('x-ray')", "visited(): unknown node `x-ray`"),
    ],
)
def test_type_errors_are_found_before_any_learner_plays(source: str, message: str) -> None:
    with pytest.raises(ConditionError) as error:
        check_types(parse_condition(source), VARIABLES, NODES)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "source",
    [
        "safe",
        "not seen_alone and trust >= 2",
        "visited('interpreter') or language == 'shared'",
        "(safe and seen_alone) == false",
        "trust != -3",
    ],
)
def test_well_typed_conditions_pass(source: str) -> None:
    check_types(parse_condition(source), VARIABLES, NODES)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("safe", True),
        ("seen_alone", False),
        ("not seen_alone and trust >= 2", True),
        ("not seen_alone and trust > 2", False),
        ("trust < 3 and trust <= 2 and trust != 1 and trust == 2", True),
        ("language == 'shared'", True),
        ("language == 'interpreter'", False),
        ("visited('triage')", True),
        ("visited('interpreter')", False),
        ("visited('interpreter') or safe", True),
        ("seen_alone or safe and not safe", False),
        ("(seen_alone or safe) and not seen_alone", True),
    ],
)
def test_evaluation_walks_the_tree(source: str, expected: bool) -> None:
    assert parse_condition(source).evaluate(VARIABLES, frozenset({"triage"})) is expected


def test_parsing_and_evaluating_never_use_eval_exec_or_compile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec/compile must not be used")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    condition = parse_condition("not seen_alone and (trust >= 2 or visited('interpreter'))")
    assert condition.evaluate(VARIABLES, frozenset()) is True


def test_the_engine_source_never_calls_eval_exec_compile_or_import() -> None:
    package = Path(__file__).resolve().parents[3] / "lti_tool" / "simulation"
    calls = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                calls.add(node.func.id)
    assert calls  # the walk found the engine's calls
    assert not calls & {"eval", "exec", "compile", "__import__"}
