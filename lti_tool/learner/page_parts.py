"""The parts of learner pages that everyone who sees them in one language sees alike: a scene's
case text and choices, a debrief step's feedback, a country's referral contacts, a case's
sources. Only forms (launch token, attempt, step) and scores differ between learners."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from lti_tool import labels
from lti_tool.fragments import rendered
from lti_tool.i18n import case_text
from lti_tool.learner.policy import AttemptPolicy
from lti_tool.library import library
from lti_tool.referrals import Directory
from lti_tool.referrals import Entry
from lti_tool.referrals import Note
from lti_tool.simulation import Case
from lti_tool.simulation import Choice
from lti_tool.simulation import Debrief
from lti_tool.simulation import DebriefStep
from lti_tool.simulation import Node


def checked(item: Entry | Note) -> str:
    """When and how a referral entry or country note was checked, honestly: a check against a
    stored copy of the source is not a check on the owner's live site."""
    date = format_date(item.checked_on)
    if item.checked_how == "live":
        return _("Checked on the source's own website on %(date)s", date=date)
    return _("Checked against a stored copy of the source on %(date)s", date=date)


# what learner templates, whole pages and kept parts alike, call on
HELPERS = {
    "checked": checked,
    "md": case_text.markdown,
    "tx": case_text.text,
    "il": case_text.inline,
    "translate": case_text.translate,
    "md_text": case_text.render_markdown,
    "MODULES": labels.MODULES,
    "SETTINGS": labels.SETTINGS,
    "REFERRAL_KINDS": labels.REFERRAL_KINDS,
}


def scene_text(case: Case, node: Node, choices: Sequence[Choice], locale: str
               ) -> tuple[Markup, Markup]:  # fmt: skip
    """The narrative and the list of choice buttons of ``node`` in ``locale``."""
    where = (case.id, case.version, node.id, locale)
    narrative = rendered(("narrative", *where), "learner/_narrative.html",
                         case=case, node=node, **HELPERS)  # fmt: skip
    buttons = rendered(("choices", *where, tuple(choice.id for choice in choices)),
                       "learner/_choices.html", case=case, node=node, choices=choices,
                       **HELPERS)  # fmt: skip
    return narrative, buttons


def debrief_outcome(case: Case, ending: Node, report: Debrief, locale: str
                    ) -> tuple[Markup, Markup]:  # fmt: skip
    """How the attempt ended with its score, and the indicators noticed and missed."""
    score = report.score
    points = tuple(sorted(score.earned.items()))
    outcome = rendered(("debrief-outcome", case.id, case.version, ending.id, score.overall,
                        score.critical, score.capped, points, locale),
                       "learner/_debrief_outcome.html", case=case, ending=ending, result=score,
                       **HELPERS)  # fmt: skip
    noticed, missed = tuple(report.indicators_noticed), tuple(report.indicators_missed)
    indicators = rendered(("indicators", case.id, case.version, noticed, missed, locale),
                          "learner/_indicators.html", case=case, noticed=noticed,
                          missed=missed, **HELPERS)  # fmt: skip
    return outcome, indicators


def debrief_steps(case: Case, steps: Sequence[DebriefStep], locale: str,
                  country: str | None = None) -> list[Markup]:  # fmt: skip
    """One list item per decision: the choice, its feedback, and the best option there."""
    return [_debrief_step(case, step, locale, country) for step in steps]


def _debrief_step(case: Case, step: DebriefStep, locale: str, country: str | None) -> Markup:
    node = case.nodes[step.node_id]
    choice = node.choice(step.choice_id)
    note_id = choice.country_note if choice else None
    key = ("debrief-step", case.id, case.version, step.node_id, step.choice_id, step.critical,
           step.best_choice_ids, locale, country if note_id else None)  # fmt: skip
    note = country_note(library().referrals, country, note_id, locale)
    return rendered(key, "learner/_debrief_step.html", case=case, step=step, node=node,
                    country_note=note, **HELPERS)  # fmt: skip


def country_note(countries: Mapping[str, Directory], country: str | None, note_id: str | None,
                 locale: str) -> Markup:  # fmt: skip
    """The country note ``note_id`` for ``country`` (or, without a country, a line saying that
    this differs by country); empty without a note."""
    if not note_id:
        return Markup("")
    directory = countries.get(country or "")
    note = directory.note(note_id) if directory else None
    return rendered(("country-note", country if note else None, note_id, locale),
                    "learner/_country_note.html", directory=directory if note else None,
                    note=note, **HELPERS)  # fmt: skip


def country_notes(countries: Mapping[str, Directory], country: str | None,
                  note_ids: Sequence[str], locale: str) -> Markup:  # fmt: skip
    """The debrief's "In your country" notes."""
    return Markup("").join(country_note(countries, country, n, locale) for n in note_ids)


def referrals(countries: Mapping[str, Directory], country: str | None, locale: str
              ) -> tuple[Markup, Markup]:  # fmt: skip
    """The country menu's options and the chosen country's contacts."""
    options = rendered(("countries", country, locale), "learner/_country_options.html",
                       countries=countries, country=country, **HELPERS)  # fmt: skip
    directory = countries.get(country or "")
    contacts = rendered(("referrals", country, locale), "learner/_referrals.html",
                        directory=directory, **HELPERS)  # fmt: skip
    return options, contacts


def case_about(case: Case, policy: AttemptPolicy, attempts_used: int, locale: str
               ) -> tuple[Markup, Markup]:  # fmt: skip
    """The case start page's description of the case with what to expect, and its content
    note."""
    allowed = policy.attempts_allowed
    used = attempts_used if allowed else None
    about = rendered(("case-about", case.id, case.version, policy.feedback, allowed, used, locale),
                     "learner/_case_about.html", case=case, feedback=policy.feedback,
                     attempts_allowed=allowed, attempts_used=used, **HELPERS)  # fmt: skip
    note = rendered(("content-note", case.id, case.version, locale),
                    "learner/_content_note.html", case=case, **HELPERS)  # fmt: skip
    return about, note


def sources(case: Case) -> Markup:
    return rendered(("sources", case.id, case.version), "learner/_sources.html", case=case)
