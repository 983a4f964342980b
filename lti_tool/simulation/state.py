"""Where a learner is in a case, and its compact JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING
from typing import Any

from lti_tool.simulation.conditions import Value
from lti_tool.simulation.country import VARIABLE as COUNTRY
from lti_tool.simulation.country import known
from lti_tool.simulation.country import with_country
from lti_tool.simulation.errors import StateInvalid

if TYPE_CHECKING:
    from lti_tool.simulation.model import Case
    from lti_tool.simulation.model import Choice

MAX_PATH_LENGTH = 1000
_JSON_KEYS = frozenset({"node", "vars", "path", "critical"})


@dataclass(frozen=True, slots=True)
class Step:
    node_id: str
    choice_id: str


@dataclass(frozen=True, slots=True)
class State:
    node_id: str
    variables: Mapping[str, Value]
    path: tuple[Step, ...] = ()
    critical: bool = False  # a critical choice has been taken
    visited: frozenset[str] = frozenset()  # every node entered so far, the current one included

    @classmethod
    def initial(cls, case: Case, country: str = "") -> State:
        """The state at the start; ``country`` sets the built-in variable of cases that read
        it (docs/case-format.md) and is ignored by the others."""
        variables = with_country(MappingProxyType(dict(case.variables)), country)
        return cls(case.start, variables, visited=frozenset({case.start}))

    @property
    def country(self) -> str:
        return known(self.variables.get(COUNTRY))

    @property
    def decisions_made(self) -> int:
        return len(self.path)

    def after(self, choice: Choice) -> State:
        """The state after taking ``choice`` here; the caller has checked it is offered."""
        return State(
            node_id=choice.next,
            variables=choice.effects.apply(self.variables),
            path=(*self.path, Step(self.node_id, choice.id)),
            critical=self.critical or choice.critical,
            visited=self.visited | {choice.next},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node_id,
            "vars": dict(self.variables),
            "path": [[step.node_id, step.choice_id] for step in self.path],
            "critical": self.critical,
        }

    @classmethod
    def from_json(cls, case: Case, data: object) -> State:
        """Rebuild a state by replaying its path through ``case``; raise StateInvalid unless
        every step was offered and the result matches the saved node, variables and flag."""
        if not isinstance(data, dict) or set(data) != _JSON_KEYS:
            raise StateInvalid(f"state must be an object with keys {sorted(_JSON_KEYS)}")
        path = data["path"]
        if not isinstance(path, list) or len(path) > MAX_PATH_LENGTH:
            raise StateInvalid(f"state path must be a list of at most {MAX_PATH_LENGTH} steps")
        saved_vars = data["vars"]
        country = saved_vars.get(COUNTRY, "") if isinstance(saved_vars, dict) else ""
        state = cls.initial(case, known(country))
        for number, step in enumerate(path, start=1):
            if not (
                isinstance(step, list)
                and len(step) == 2
                and all(isinstance(part, str) for part in step)
            ):
                raise StateInvalid(f"step {number} must be a [node id, choice id] pair")
            node_id, choice_id = step
            node = case.nodes[state.node_id]
            choice = node.choice(choice_id)
            if (
                node_id != state.node_id
                or choice is None
                or not choice.is_offered(state.variables, state.visited)
            ):
                raise StateInvalid(
                    f"step {number} ({node_id}/{choice_id}) is not possible in case {case.id}"
                )
            state = state.after(choice)
        if data["node"] != state.node_id:
            raise StateInvalid("state node does not match its path")
        if not _same_values(data["vars"], state.variables):
            raise StateInvalid("state variables do not match its path")
        if data["critical"] is not state.critical:
            raise StateInvalid("state critical flag does not match its path")
        return state


def _same_values(saved: object, replayed: Mapping[str, Value]) -> bool:
    if not isinstance(saved, dict) or saved.keys() != replayed.keys():
        return False
    return all(
        type(saved[name]) is type(value) and saved[name] == value
        for name, value in replayed.items()
    )
