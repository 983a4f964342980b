"""The option chart of a decision: a horizontal bar per option, drawn on the server as SVG
(``templates/instructor/_chart.html``), and the labels that tell an option's variants apart.

Each option gets a letter (A, B, ...) in the case's own order; the chart names options by
letter and the table beside it, which says the same in words, gives each letter its text.
The best options and critical errors are marked by words, not by colour alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import ascii_uppercase

from lti_tool.instructor.stats import DecisionStats
from lti_tool.simulation.model import Node

# Each option takes two lines, so that the chart stays narrow enough to read on a phone: its
# letter and figures, then its bar. Units are the SVG's own (about CSS pixels, see tool.css).
WIDTH = 420
ROW = 46  # an option: its text line and its bar
TOP = 4
BAR_X = 18
BAR_WIDTH = 380  # a share of 100 %
BAR_HEIGHT = 14
TEXT_HEIGHT = 20  # from the top of an option to the top of its bar
AXIS = 24  # the tick labels under the bars
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def letter(index: int) -> str:
    """A, B, ... Z, then AA, AB, ... (a decision has a handful of options)."""
    if index < len(ascii_uppercase):
        return ascii_uppercase[index]
    return letter(index // len(ascii_uppercase) - 1) + ascii_uppercase[index % 26]


@dataclass(frozen=True, slots=True)
class Bar:
    choice_id: str
    letter: str
    count: int
    share: float
    best: bool
    critical: bool
    top: int  # the top of the option's text line
    width: float

    @property
    def text_y(self) -> int:
        return self.top + TEXT_HEIGHT - 6

    @property
    def y(self) -> int:
        return self.top + TEXT_HEIGHT


@dataclass(frozen=True, slots=True)
class Chart:
    node_id: str
    total: int
    bars: tuple[Bar, ...]
    width: int = WIDTH
    bar_x: int = BAR_X
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return TOP + ROW * len(self.bars) + AXIS

    @property
    def axis_y(self) -> int:
        return TOP + ROW * len(self.bars)

    @property
    def ticks(self) -> tuple[tuple[float, float], ...]:
        """(share, x) of each gridline."""
        return tuple((share, BAR_X + share * BAR_WIDTH) for share in TICKS)


def option_chart(decision: DecisionStats, node: Node) -> Chart:
    bars = []
    for index, option in enumerate(decision.options):
        choice = node.choice(option.choice_id)
        bars.append(
            Bar(
                choice_id=option.choice_id,
                letter=letter(index),
                count=option.count,
                share=option.share,
                best=option.best,
                critical=bool(choice and choice.critical),
                top=TOP + ROW * index,
                width=round(option.share * BAR_WIDTH, 1),
            )
        )
    return Chart(decision.node_id, decision.total, tuple(bars))


# -- variants: options of one decision that read the same ---------------------------------------

_SYMBOLS = (("==", "="), (">=", "≥"), ("<=", "≤"), ("!=", "≠"))


def condition_label(when: str) -> str:
    """A condition as a reader takes it in: ``trust >= 3`` is shown as ``trust ≥ 3``."""
    text = " ".join(when.split())
    for written, shown in _SYMBOLS:
        text = text.replace(written, shown)
    return text


_MARKUP = re.compile(r"[*_`]+")


@dataclass(frozen=True, slots=True)
class Variant:
    """What tells an option apart from the others of its decision: the condition under which
    it is offered, and its id when the text and the condition are not enough."""

    condition: str | None
    show_id: bool


def variants(node: Node, texts: dict[str, str]) -> dict[str, Variant]:
    """``texts`` are the options' texts as shown (translated). Every conditional option shows
    its condition (options offered only in some circumstances often read alike: "Write a
    factual note" when the patient was seen alone, and when not); an option whose text and
    condition are both shared also shows its id."""
    seen: dict[tuple[str, str | None], int] = {}
    keys = {}
    for choice in node.choices:
        text = _MARKUP.sub("", texts.get(choice.id, choice.text)).strip().casefold()
        key = (text, condition_label(choice.when) if choice.when else None)
        keys[choice.id] = key
        seen[key] = seen.get(key, 0) + 1
    return {
        choice.id: Variant(keys[choice.id][1], seen[keys[choice.id]] > 1) for choice in node.choices
    }
