"""The loaded case: frozen dataclasses holding the English source text and parsed rules."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from typing import Literal

from lti_tool.simulation.conditions import Expression
from lti_tool.simulation.conditions import Value
from lti_tool.simulation.country import VARIABLE as COUNTRY

if TYPE_CHECKING:
    from lti_tool.simulation.analysis import Analysis
    from lti_tool.simulation.texts import TextItem


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    publisher: str
    year: int | str  # a year, or "n.d."
    url: str


@dataclass(frozen=True, slots=True)
class Ending:
    title: str
    debrief: str
    country_note: str | None = None  # a note id of the referral directory (docs/case-format.md)


@dataclass(frozen=True, slots=True)
class Effects:
    set_to: Mapping[str, Value] = field(default_factory=dict)
    add: Mapping[str, int] = field(default_factory=dict)

    def apply(self, variables: Mapping[str, Value]) -> Mapping[str, Value]:
        if not self.set_to and not self.add:
            return variables
        changed = dict(variables)
        changed.update(self.set_to)
        for name, amount in self.add.items():
            current = changed[name]
            assert isinstance(current, int)
            changed[name] = current + amount
        return MappingProxyType(changed)


Verdict = Literal["best", "acceptable", "not-recommended", "harmful"]
VERDICTS: tuple[Verdict, ...] = ("best", "acceptable", "not-recommended", "harmful")
DEFAULT_PASS_MARK = 0.7  # the share of the maximum score a case needs unless it sets pass_mark


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    text: str
    feedback: str
    next: str
    when: str | None = None  # the condition as written
    condition: Expression | None = None  # the condition parsed
    effects: Effects = field(default_factory=Effects)
    points: Mapping[str, int] = field(default_factory=dict)
    critical: bool = False
    noticed: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    line: int = 0
    verdict: Verdict | None = None  # the author's judgement, shown to the learner
    fixed: bool = False  # keeps its authored position when the options are shuffled
    country_note: str | None = None  # a note id of the referral directory, shown with feedback

    @property
    def is_best(self) -> bool:
        return self.verdict == "best"

    @property
    def total_points(self) -> int:
        return sum(self.points.values())

    def is_offered(self, variables: Mapping[str, Value], visited: Set[str]) -> bool:
        return self.condition is None or self.condition.evaluate(variables, visited) is True


@dataclass(frozen=True, slots=True)
class Media:
    """An image (with its alt text and optional long description) or an audio clip (with its
    transcript) shown in a scene; the file lies in ``media/<case-id>/`` next to the case."""

    kind: Literal["image", "audio"]
    file: str  # the file name as written in the case
    path: Path  # where the checked file lies
    content_type: str
    digest: str  # names the file's content in the address it is served at
    alt: str = ""  # an image's alternative text
    long_description: str | None = None  # an image's longer description (Markdown)
    transcript: str = ""  # an audio clip's transcript (Markdown)
    width: int | None = None
    height: int | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    text: str
    observations: tuple[str, ...] = ()
    speaker: tuple[tuple[str, str], ...] = ()  # (who, line)
    indicators: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    ending: Ending | None = None
    line: int = 0
    media: tuple[Media, ...] = ()

    @property
    def is_ending(self) -> bool:
        return self.ending is not None

    def choice(self, choice_id: str) -> Choice | None:
        for choice in self.choices:
            if choice.id == choice_id:
                return choice
        return None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per loaded file
class Case:
    id: str
    version: int
    title: str
    summary: str
    modules: tuple[str, ...]
    setting: str
    learner_role: str
    minutes: int
    content_note: str
    critical_cap: float
    pass_mark: float  # share of the maximum score, in [0, 1]
    dimensions: Mapping[str, str]  # id -> label
    indicators: Mapping[str, str]  # id -> label
    sources: tuple[Source, ...]
    variables: Mapping[str, Value]  # name -> initial value
    start: str
    nodes: Mapping[str, Node]  # in file order
    source_path: Path
    decision_node_count: int
    ending_node_ids: tuple[str, ...]
    analysis: Analysis = field(repr=False)
    texts: tuple[TextItem, ...] = field(repr=False)
    country_notes: tuple[str, ...] = ()  # note ids the debrief shows for the learner's country

    @property
    def reads_country(self) -> bool:
        return COUNTRY in self.variables

    def media_file(self, file: str) -> Media | None:
        """The media item that shows ``file`` (the first, when several nodes show it)."""
        for node in self.nodes.values():
            for item in node.media:
                if item.file == file:
                    return item
        return None

    def note_ids(self) -> tuple[str, ...]:
        """Every country note id the case places, case-level ones first."""
        found = dict.fromkeys(self.country_notes)
        for node in self.nodes.values():
            for choice in node.choices:
                if choice.country_note:
                    found[choice.country_note] = None
            if node.ending and node.ending.country_note:
                found[node.ending.country_note] = None
        return tuple(found)
