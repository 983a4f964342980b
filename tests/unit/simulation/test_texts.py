"""iter_texts: every learner-visible text with its msgctxt and YAML line, in file order."""

from __future__ import annotations

from lti_tool.simulation import Case
from lti_tool.simulation import TextItem
from lti_tool.simulation import iter_texts


def line_of(case: Case, fragment: str) -> int:
    lines = case.source_path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if fragment in line)


def test_every_text_has_the_context_from_the_spec_table(tour: Case) -> None:
    items = {item.context: item for item in iter_texts(tour)}
    assert items["feature-tour/title"] == TextItem(
        "feature-tour/title", "The partner who answers", line_of(tour, "title: The partner")
    )
    assert items["feature-tour/learner_role"].text == "Triage nurse in an emergency department"
    assert items["feature-tour/content_note"].line == line_of(tour, "content_note:")
    assert items["feature-tour/dimension/safety/label"].text == "Safety of the patient and staff"
    assert items["feature-tour/indicator/debt-bondage/label"].text == "A debt she cannot repay"
    assert items["feature-tour/triage/text"].text.startswith("It is 23:40. Mira, 22,")
    observation = items["feature-tour/triage/observation/1"]
    assert observation.text == "Pulse 104, blood pressure 118/76, pain 7 out of 10."
    assert observation.line == line_of(tour, '- "Pulse 104')
    assert items["feature-tour/triage/observation/4"].text.startswith("He holds her phone")
    assert items["feature-tour/triage/speaker/1/who"].text == "Dan"
    assert items["feature-tour/triage/speaker/2/line"].text == "Yes. The shower."
    assert items["feature-tour/disclosure/speaker/1/who"].text == "Mira"
    assert items["feature-tour/door-left-open/ending/title"].text == "A door left open"
    assert items["feature-tour/door-left-open/ending/debrief"].text.startswith("Mira chose")
    choice = items["feature-tour/history/ask-about-clinics/text"]
    assert choice.text == "Gently ask about the other clinics she has been to this year."
    assert choice.line == line_of(tour, "text: Gently ask about the other clinics")
    assert items["feature-tour/triage/private-exam/feedback"].text.startswith("A routine,")


def test_all_texts_are_there_once_and_sources_are_not(tour: Case) -> None:
    items = list(iter_texts(tour))
    contexts = [item.context for item in items]
    assert len(contexts) == len(set(contexts))
    nodes = tour.nodes.values()
    expected = (
        4  # title, summary, learner_role, content_note
        + len(tour.dimensions)
        + len(tour.indicators)
        + len(nodes)  # node text
        + sum(len(node.observations) for node in nodes)
        + sum(2 * len(node.speaker) for node in nodes)
        + sum(2 for node in nodes if node.is_ending)
        + sum(2 * len(node.choices) for node in nodes)
    )
    assert len(items) == expected == 94
    texts = {item.text for item in items}
    assert not any(source.title in texts or source.url in texts for source in tour.sources)


def test_texts_come_in_file_order(tour: Case) -> None:
    lines = [item.line for item in iter_texts(tour)]
    assert lines == sorted(lines)
    first, *_, last = iter_texts(tour)
    assert first.context == "feature-tour/title"
    assert last.context == "feature-tour/trust-lost/text"
