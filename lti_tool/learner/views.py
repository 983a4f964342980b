"""The learner's pages. Every page is the answer to a POST that carries the launch token, so the
case plays without cookies in any LMS iframe and without JavaScript. After Back or Reload a page
is shown again, as the attempt is now, through ``again`` (see ``static/page.js``)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lti_tool.countries import default_country
from lti_tool.countries import learner_country
from lti_tool.countries import remember_country
from lti_tool.db import get_connection
from lti_tool.db import get_session
from lti_tool.db import release_connection
from lti_tool.db import utcnow
from lti_tool.errors import error_page
from lti_tool.forms import posted_int
from lti_tool.grading import outbox
from lti_tool.grading import worker as grade_worker
from lti_tool.i18n import case_text
from lti_tool.i18n import current_locale
from lti_tool.i18n import percent
from lti_tool.learner import attempts
from lti_tool.learner import bp
from lti_tool.learner import page_parts
from lti_tool.learner.attempts import AttemptRow
from lti_tool.learner.attempts import ChoiceResult
from lti_tool.learner.attempts import Outcome
from lti_tool.learner.links import LinkRow
from lti_tool.learner.links import load_link
from lti_tool.learner.page_parts import HELPERS
from lti_tool.learner.policy import AttemptPolicy
from lti_tool.learner.standing import standing
from lti_tool.library import library
from lti_tool.lti.launch_session import current_launch
from lti_tool.lti.launch_session import launch_required
from lti_tool.public_urls import public_url
from lti_tool.simulation import Case
from lti_tool.simulation import Choice
from lti_tool.simulation import Node
from lti_tool.simulation import State
from lti_tool.simulation import StateInvalid
from lti_tool.simulation import debrief
from lti_tool.simulation import decisions_up_to
from lti_tool.simulation import is_finished
from lti_tool.simulation import offered_choices
from lti_tool.simulation import start
from lti_tool.simulation.country import known


def _page(template: str, page: str, status: int = 200, **context: Any) -> Response:
    body = render_template(template, page=page, **HELPERS, **context)
    return Response(body, status=status, mimetype="text/html")


def _context() -> tuple[LinkRow, Case, AttemptPolicy] | Response:
    """The launch's activity and its case, or the page that explains why there is none."""
    launch = current_launch()
    if launch.resource_link_id is None:
        return error_page(400, _("This launch has no activity"),
                          _("Open the activity from your course page."))  # fmt: skip
    link = load_link(get_connection(), launch.resource_link_id)
    if link is None:
        return error_page(404)
    case = library().case(link.case_id)
    if case is None:
        return _page("learner/no_case.html", "no-case", link=link)
    return link, case, AttemptPolicy.from_settings(link.settings)


def case_start_page(notice: str | None = None, status: int = 200) -> Response:
    found = _context()
    if isinstance(found, Response):
        return found
    link, case, policy = found
    launch = current_launch()
    past = attempts.history(get_connection(), launch.learner_id, link.id)
    about, content_note = page_parts.case_about(case, policy, past.count,
                                                current_locale())  # fmt: skip
    resume_at = _resume_point(case, past.open_id) if past.open_id is not None else None
    chosen = learner_country(get_connection(), launch.learner_id)
    country = default_country(chosen, policy.country, link.default_country)
    return _page(
        "learner/case_start.html",
        "case-start",
        status,
        case=case,
        about=about,
        content_note=content_note,
        link=link,
        policy=policy,
        open_attempt=past.open_id,
        resume_at=resume_at,
        completed=past.completed,
        may_start=policy.may_start_another(past.count),
        attempts_used=past.count,
        notice=notice,
        country=country,
    )


def _resume_point(case: Case, attempt_id: int) -> tuple[int, int] | None:
    """Where an attempt in progress continues: its next decision, and of up to how many."""
    attempt = attempts.load(get_connection(), attempt_id)
    try:
        state = attempts.state_of(case, attempt) if attempt is not None else None
    except StateInvalid:
        return None
    return (state.decisions_made + 1, decisions_up_to(case, state)) if state else None


@bp.post("/case")
@launch_required
def case_page() -> Response:
    return case_start_page()


def _scene(
    case: Case,
    attempt: AttemptRow,
    state: State,
    notice: str | None = None,
    status: int = 200,
    error: bool = False,
) -> Response:
    if is_finished(case, state):
        return _debrief(case, attempt, state, notice)
    node = case.nodes[state.node_id]
    narrative, choice_buttons = page_parts.scene_text(case, node,
                                           offered_choices(case, state, attempt.shuffle_seed),
                                           current_locale())  # fmt: skip
    return _page(
        "learner/scene.html",
        "scene",
        status,
        case=case,
        attempt=attempt,
        node=node,
        narrative=narrative,
        choice_buttons=choice_buttons,
        decision=state.decisions_made + 1,
        up_to=decisions_up_to(case, state),
        step=state.decisions_made,
        notice=notice,
        notice_is_error=error,
    )


@bp.post("/start")
@launch_required
def begin() -> Response:
    found = _context()
    if isinstance(found, Response):
        return found
    link, case, policy = found
    launch = current_launch()
    db = get_connection()
    past = attempts.tally(db, launch.learner_id, link.id)
    if past.open_id is not None:
        current = attempts.load(db, past.open_id)
        return _resume(case, current) if current is not None else case_start_page()
    if not policy.may_start_another(past.count):
        return case_start_page(_("You have used all the attempts allowed for this activity."),
                               status=409)  # fmt: skip
    # "Started" tells the gradebook a first attempt is under way; it is written in the same
    # transaction as the attempt. Once the learner has a grade it is not sent again: a score
    # without scoreGiven clears the grade in Moodle.
    country = _country_to_begin(link, policy)
    announce = not launch.is_staff and past.completed == 0
    session = None
    if announce:
        release_connection()  # one pooled connection at a time
        session = get_session()
    now = utcnow()
    attempt = attempts.begin(
        session.connection() if session else get_connection(),
        learner_id=launch.learner_id,
        link=link,
        case=case,
        number=past.next_number,
        now=now,
        preview=launch.is_staff,
        test_user=launch.is_test_user,
        country=country,
    )
    if attempt is None:  # a double click inserted this attempt first: resume that one
        if session:
            session.rollback()
        open_id = attempts.tally(get_connection(), launch.learner_id, link.id).open_id
        current = attempts.load(get_connection(), open_id) if open_id is not None else None
        return _resume(case, current) if current is not None else case_start_page()
    if session:
        queued = outbox.enqueue(session, link_id=link.id, learner_id=launch.learner_id,
                                attempt_id=attempt.id, kind="started", now=now)  # fmt: skip
        session.commit()
        if queued:
            grade_worker.wake(current_app)
    return _scene(case, attempt, start(case, country))


def _country_to_begin(link: LinkRow, policy: AttemptPolicy) -> str:
    """The country chosen on the case page (remembered for next time), else the default."""
    launch = current_launch()
    posted = request.form.get("country")
    if posted is not None and known(posted) == posted:
        if posted:
            remember_country(get_connection(), launch.learner_id, posted)
        return posted
    chosen = learner_country(get_connection(), launch.learner_id)
    return default_country(chosen, policy.country, link.default_country)


def _resume(case: Case, attempt: AttemptRow, notice: str | None = None) -> Response:
    try:
        state = attempts.state_of(case, attempt)
    except StateInvalid:
        return _case_changed(attempt)
    return _scene(case, attempt, state, notice)


def _case_changed(attempt: AttemptRow) -> Response:
    """The attempt's path no longer exists in the case: close it and offer a new one."""
    attempts.close(get_connection(), attempt.id, utcnow())
    if attempt.completed:
        return case_start_page()
    return case_start_page(
        _("This case was updated since you began it, so your earlier attempt cannot "
          "continue. Please begin again."),
    )  # fmt: skip


def _own_attempt() -> tuple[Case, AttemptRow] | Response:
    """The attempt named by the form, if it belongs to this learner at this activity."""
    attempt_id = posted_int(request.form.get("attempt"))
    if attempt_id is None:
        return error_page(400)
    launch = current_launch()
    attempt = attempts.load(get_connection(), attempt_id)
    if (
        attempt is None
        or attempt.learner_id != launch.learner_id
        or attempt.resource_link_id != launch.resource_link_id
    ):
        return error_page(403)
    case = library().case(attempt.case_id)
    if case is None:
        return error_page(404)
    return case, attempt


@bp.post("/scene")
@launch_required
def scene() -> Response:
    found = _own_attempt()
    if isinstance(found, Response):
        return found
    case, attempt = found
    notice = _("Language changed.") if g.get("language_switch") else None
    return _resume(case, attempt, notice)


@bp.post("/choose")
@launch_required
def choose() -> Response:
    found = _own_attempt()
    if isinstance(found, Response):
        return found
    case, attempt = found
    if g.get("language_switch"):
        return _resume(case, attempt, _("Language changed."))
    expected_step = posted_int(request.form.get("step"), minimum=0)
    if expected_step is None:
        return error_page(400)
    choice_id = request.form.get("choice", "")
    try:
        planned = attempts.plan_choice(case, attempt, expected_step, choice_id, utcnow())
    except StateInvalid:
        return _resume(case, attempt)
    if planned.outcome is Outcome.NOT_OFFERED:
        return _scene(case, attempt, planned.state,
                      _("That choice is not available at this point. Please choose again."),
                      status=400, error=True)  # fmt: skip
    grade = planned.completes and not attempt.preview and planned.score is not None
    if not grade:  # one conditional UPDATE, atomic by itself
        result = attempts.record(get_connection(), case, attempt, planned)
    else:  # the completed attempt and its score are written together
        release_connection()  # one pooled connection at a time
        session = get_session()
        result = attempts.record(session.connection(), case, attempt, planned)
        if result.outcome is Outcome.COMPLETED:
            _queue_grade(session, case, attempt, result)
        session.commit()
        grade_worker.wake(current_app)
    if result.outcome is Outcome.STALE:
        fresh = result.attempt or attempt
        if fresh.completed:
            return _debrief(case, fresh, result.state)
        return _scene(case, fresh, result.state,
                      _("Your choice at this step was already recorded; here is where you are now."))  # fmt: skip
    refreshed = result.attempt
    assert refreshed is not None
    if AttemptPolicy.from_settings(attempt.link_settings).feedback == "each":
        last = result.state.path[-1]
        node = case.nodes[last.node_id]
        return _feedback_page(case, refreshed, node, node.choice(last.choice_id))
    if refreshed.completed:
        return _debrief(case, refreshed, result.state)
    return _scene(case, refreshed, result.state)


def _queue_grade(session: Session, case: Case, attempt: AttemptRow, result: ChoiceResult
                 ) -> None:  # fmt: skip
    assert result.score is not None
    outbox.enqueue(
        session,
        link_id=attempt.resource_link_id,
        learner_id=attempt.learner_id,
        attempt_id=attempt.id,
        kind="completed",
        now=utcnow(),
        # describes the attempt whose score is sent (the best, latest or first), not this one
        comment=lambda number, score: _("%(title)s: %(score)s in attempt %(number)s",
                                        title=case_text.text(case, "title", case.title),
                                        score=percent(score),
                                        number=number),
        launch_url=public_url("lti.launch"),
    )  # fmt: skip


@bp.post("/feedback")
@launch_required
def feedback() -> Response:
    """The feedback on the last choice again (after a language change, for example)."""
    found = _own_attempt()
    if isinstance(found, Response):
        return found
    return _feedback_again(*found)


def _feedback_again(case: Case, attempt: AttemptRow) -> Response:
    try:
        state = attempts.state_of(case, attempt)
    except StateInvalid:
        return _case_changed(attempt)
    feedback_now = AttemptPolicy.from_settings(attempt.link_settings).feedback == "each"
    if not state.path or not (feedback_now or attempt.completed):
        return _scene(case, attempt, state)
    last = state.path[-1]
    node = case.nodes[last.node_id]
    return _feedback_page(case, attempt, node, node.choice(last.choice_id))


def _feedback_page(case: Case, attempt: AttemptRow, node: Node, choice: Choice | None
                   ) -> Response:  # fmt: skip
    note = page_parts.country_note(library().referrals, attempt.country,
                                   choice.country_note if choice else None, current_locale())  # fmt: skip
    return _page("learner/feedback.html", "feedback", case=case, attempt=attempt, node=node,
                 choice=choice, finished=attempt.completed, country_note=note)  # fmt: skip


@bp.post("/pause")
@launch_required
def pause() -> Response:
    found = _own_attempt()
    if isinstance(found, Response):
        return found
    return _paused(*found)


def _paused(case: Case, attempt: AttemptRow) -> Response:
    try:
        state = attempts.state_of(case, attempt)
    except StateInvalid:
        return _case_changed(attempt)
    if attempt.completed or is_finished(case, state):
        return _debrief(case, attempt, state)
    return _page("learner/paused.html", "paused", case=case, attempt=attempt,
                 decision=state.decisions_made + 1, up_to=decisions_up_to(case, state))  # fmt: skip


@bp.post("/again")
@launch_required
def again() -> Response:
    """A page of an attempt shown again after Back or Reload (``static/page.js``): as the
    attempt is now, with a notice when a decision was made since the page was shown, because a
    decision cannot be changed."""
    found = _own_attempt()
    if isinstance(found, Response):
        return found
    case, attempt = found
    shown_at = posted_int(request.form.get("step"), minimum=0)
    # when no decision was made since, the same page again
    views = {"scene": _resume, "feedback": _feedback_again, "paused": _paused, "debrief": _debrief}
    same_again = views.get(request.form.get("view", ""))
    if same_again is not None and shown_at == attempt.step:
        return same_again(case, attempt)
    notice = _("A decision cannot be changed once it is made. This is where you are now.")
    return _resume(case, attempt, notice)


def _country(attempt: AttemptRow) -> str | None:
    """The country whose contacts and notes the debrief shows: the one chosen there, else
    the attempt's."""
    chosen = request.form.get("country")
    if chosen in library().referrals:
        return chosen
    policy_country = AttemptPolicy.from_settings(attempt.link_settings).country
    return attempt.country or default_country(
        learner_country(get_connection(), attempt.learner_id), policy_country,
        attempt.default_country,
    ) or None  # fmt: skip


def _debrief(case: Case, attempt: AttemptRow, state: State | None = None,
             notice: str | None = None) -> Response:  # fmt: skip
    if state is None:
        try:
            state = attempts.state_of(case, attempt)
        except StateInvalid:
            return _case_changed(attempt)
    if not attempt.completed or not is_finished(case, state):
        return _scene(case, attempt, state, notice)
    policy = AttemptPolicy.from_settings(attempt.link_settings)
    past = attempts.tally(get_connection(), attempt.learner_id, attempt.resource_link_id)
    country = _country(attempt)
    outcome = debrief(case, state)
    done = attempts.history(get_connection(), attempt.learner_id, attempt.resource_link_id)
    where = standing(policy, case.pass_mark, outcome.score.overall, done.completed)
    locale = current_locale()
    country_options, referral_contacts = page_parts.referrals(library().referrals, country, locale)
    ending = case.nodes[state.node_id]
    notes = page_parts.country_notes(library().referrals, country, case.country_notes, locale)
    ending_note_id = ending.ending.country_note if ending.ending else None
    ending_note = page_parts.country_note(library().referrals, country, ending_note_id, locale)
    ending_and_score, indicators = page_parts.debrief_outcome(case, ending, outcome, locale)
    return _page(
        "learner/debrief.html",
        "debrief",
        case=case,
        attempt=attempt,
        outcome=ending_and_score,
        indicators=indicators,
        policy=policy,
        standing=where,
        may_start=policy.may_start_another(past.count) and past.open_id is None,
        country=country,
        path_items=page_parts.debrief_steps(case, outcome.steps, locale, country),
        country_notes=notes,
        ending_note=ending_note,
        country_options=country_options,
        referral_contacts=referral_contacts,
        source_list=page_parts.sources(case),
        notice=notice,
    )


@bp.post("/debrief")
@launch_required
def show_debrief() -> Response:
    found = _own_attempt()
    if isinstance(found, Response):
        return found
    case, attempt = found
    return _debrief(case, attempt)
