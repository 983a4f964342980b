"""The checker's gameability rules and table: can a learner who does not read pass a case?"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from lti_tool.simulation.gameability import BEST_LONGEST_LIMIT
from lti_tool.simulation.gameability import STRATEGIES
from lti_tool.simulation.gameability import Gameability
from lti_tool.simulation.gameability import Length
from lti_tool.simulation.gameability import measure
from lti_tool.simulation.model import Case
from lti_tool.simulation.model import Choice
from lti_tool.simulation.model import Node
from lti_tool.simulation.problems import TOP_LEVEL
from lti_tool.simulation.problems import Problem

LANGUAGES = ("el", "it", "de", "nl", "fr")
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"

Translations = Mapping[str, str]  # msgctxt -> translated text, for texts still up to date


@dataclass(frozen=True)
class Row:
    case: Case
    english: Gameability
    worst_language: str  # where "always the longest" scores most ("en" if no translation does)
    worst_longest: float
    problems: tuple[Problem, ...]

    @property
    def passes(self) -> bool:
        return not self.problems


def load_translations(directory: Path = TRANSLATIONS) -> dict[str, Translations]:
    """The choice texts of each language's cases catalogue, keyed by context; fuzzy entries
    and entries whose English source has changed are left out, as gettext would."""
    found: dict[str, Translations] = {}
    for language in LANGUAGES:
        path = directory / language / "LC_MESSAGES" / "cases.po"
        if not path.is_file():
            continue
        with path.open("rb") as file:
            catalog = read_po(file, locale=language)
        found[language] = {
            f"{message.context}\0{message.id}": str(message.string)
            for message in catalog
            if message.context and message.string and not message.fuzzy
        }
    return found


def assess(case: Case, id_line: int, translations: Mapping[str, Translations] | None = None) -> Row:
    english = measure(case)
    worst_language, worst_longest = "en", english.scores["longest"]
    for language, texts in (translations or {}).items():
        longest = measure(case, _translated_length(case, texts)).scores["longest"]
        if longest > worst_longest:
            worst_language, worst_longest = language, longest
    return Row(case, english, worst_language, worst_longest,
               tuple(_problems(case, id_line, english, worst_language, worst_longest)))  # fmt: skip


def _translated_length(case: Case, texts: Translations) -> Length:
    def length(node: Node, choice: Choice) -> int:
        key = f"{case.id}/{node.id}/{choice.id}/text\0{choice.text}"
        return len(texts.get(key, choice.text).strip())

    return length


def _problems(
    case: Case, id_line: int, english: Gameability, worst_language: str, worst_longest: float
) -> list[Problem]:
    file = str(case.source_path)
    mark = case.pass_mark
    problems = []
    for strategy in STRATEGIES:
        if english.scores[strategy] >= mark:
            problems.append(Problem(file, id_line, TOP_LEVEL,
                f"a learner who always picks the {_NAMES[strategy]} option scores "
                f"{_percent(english.scores[strategy])} on average, at or above the pass mark "
                f"({_percent(mark)}); see docs/assessment.md"))  # fmt: skip
    if worst_language != "en" and worst_longest >= mark and english.scores["longest"] < mark:
        problems.append(Problem(file, id_line, TOP_LEVEL,
            f"in the {worst_language} translation, a learner who always picks the longest "
            f"option scores {_percent(worst_longest)}, at or above the pass mark "
            f"({_percent(mark)}); see docs/assessment.md"))  # fmt: skip
    share = english.best_longest_share
    if share > BEST_LONGEST_LIMIT:
        problems.append(Problem(file, id_line, TOP_LEVEL,
            f"a `best` option is the longest in {len(english.best_longest)} of "
            f"{english.decisions} decisions ({_percent(share)}, more than "
            f"{_percent(BEST_LONGEST_LIMIT)}); make other options as long, or the best "
            "shorter"))  # fmt: skip
        for node_id in english.best_longest:
            problems.append(_longest_here(file, case.nodes[node_id]))
    return problems


def _longest_here(file: str, node: Node) -> Problem:
    by_length = sorted(node.choices, key=lambda c: (-len(c.text.strip()), not c.is_best))
    best, runner_up = by_length[0], by_length[1]
    return Problem(file, best.line, node.id,
        f"choice `{best.id}` (best, {len(best.text.strip())} characters) is the longest option "
        f"here; the next longest, `{runner_up.id}`, has {len(runner_up.text.strip())}")  # fmt: skip


_NAMES = {
    "longest": "longest",
    "shortest": "shortest",
    "first": "first shown",
    "last": "last shown",
    "random": "a random",
}


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


_HEADER = (
    "case", "pass mark", "longest", "shortest", "first", "last", "random",
    "first (authored)", "last (authored)", "longest, worst language", "best is longest",
    "result",
)  # fmt: skip


def _cells(row: Row) -> list[str]:
    scores = row.english.scores
    return [
        row.case.id,
        _percent(row.case.pass_mark),
        *(_percent(scores[strategy]) for strategy in STRATEGIES),
        _percent(row.english.first_authored),
        _percent(row.english.last_authored),
        f"{_percent(row.worst_longest)} ({row.worst_language})",
        f"{len(row.english.best_longest)}/{row.english.decisions}",
        "pass" if row.passes else "FAIL",
    ]


def text_table(rows: Sequence[Row]) -> list[str]:
    table = [list(_HEADER), *(_cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(_HEADER))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]


def markdown_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| " + " | ".join(_HEADER) + " |",
        "|" + "|".join(["---"] + ["---:"] * 10 + ["---"]) + "|",
    ]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    return lines
