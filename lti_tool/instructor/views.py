"""The instructor's pages: the case picker (Deep Linking, or choosing a case for an activity
added by hand), a preview that records nothing, the dashboard, a learner's path, CSV export,
resending grades, the activity's settings, and Submission Review."""

from __future__ import annotations

import csv
import io
import logging

from flask import Response
from flask import current_app
from flask import g
from flask import request
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from lti_tool import labels
from lti_tool.countries import default_country
from lti_tool.db import get_connection
from lti_tool.db import get_session
from lti_tool.db import utcnow
from lti_tool.errors import error_page
from lti_tool.forms import posted_int
from lti_tool.grading import outbox
from lti_tool.grading import worker as grade_worker
from lti_tool.i18n import case_text
from lti_tool.instructor import bp
from lti_tool.instructor import stats
from lti_tool.instructor.access import staff_required
from lti_tool.instructor.case_change import CONFIRMED
from lti_tool.instructor.course_views import confirm_change
from lti_tool.instructor.dashboard import dashboard_context
from lti_tool.instructor.deep_linking import DeepLinkSettings
from lti_tool.instructor.deep_linking import content_item
from lti_tool.instructor.deep_linking import response_jwt
from lti_tool.instructor.learner_table import QUERY_MAX
from lti_tool.instructor.learner_table import TableView
from lti_tool.instructor.pages import current_link as _link
from lti_tool.instructor.pages import render as _page
from lti_tool.instructor.roster import Member
from lti_tool.instructor.roster import RosterError
from lti_tool.instructor.roster import fetch_roster
from lti_tool.learner.attempts import new_seed
from lti_tool.learner.links import load_link
from lti_tool.learner.models import Attempt
from lti_tool.learner.policy import FEEDBACK
from lti_tool.learner.policy import GRADE_FROM
from lti_tool.learner.policy import AttemptPolicy
from lti_tool.learner.policy import pass_mark_or_none
from lti_tool.library import library
from lti_tool.lti.launch_session import current_launch
from lti_tool.lti.models import Course
from lti_tool.lti.models import Deployment
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import ResourceLink
from lti_tool.lti.registrations import RegistrationRecord
from lti_tool.lti.registrations import find_registration
from lti_tool.lti.runtime import runtime
from lti_tool.public_urls import origin
from lti_tool.public_urls import public_url
from lti_tool.simulation import Case
from lti_tool.simulation import CaseFinished
from lti_tool.simulation import ChoiceNotOffered
from lti_tool.simulation import State
from lti_tool.simulation import StateInvalid
from lti_tool.simulation import choose
from lti_tool.simulation import debrief
from lti_tool.simulation import is_finished
from lti_tool.simulation import offered_choices
from lti_tool.simulation import score
from lti_tool.simulation import shown_path
from lti_tool.simulation.country import known

log = logging.getLogger("lti_tool.instructor")


def _registration() -> RegistrationRecord | None:
    from lti_tool.lti.models import Registration

    session = get_session()
    row = session.get(Registration, current_launch().registration_id)
    return find_registration(session, row.platform.issuer, row.client_id) if row else None


# -- the case picker -----------------------------------------------------------------------


def _languages(case: Case) -> list[str]:
    """The languages this case can be played in: English and each complete translation."""
    return ["en", *(lang for lang in current_app.config["LANGUAGES"]
                    if lang != "en" and case_text.complete(case, lang))]  # fmt: skip


def _by_module(cases: list[Case]) -> list[Case]:
    """The catalogue in the order of the training's modules: by each case's first (main)
    module, then by title."""
    order = {module: number for number, module in enumerate(labels.MODULES)}
    return sorted(cases, key=lambda c: (order.get(c.modules[0], len(order)) if c.modules
                                        else len(order), c.title.casefold()))  # fmt: skip


def picker_page(mode: str, notice: str | None = None, status: int = 200) -> Response:
    """``mode`` is ``deep-link`` (the platform asked for content) or ``link`` (an activity
    added by hand has no case yet)."""
    cleared = bool(request.form.get("clear"))
    module = "" if cleared else request.form.get("module") or ""
    setting = "" if cleared else request.form.get("setting") or ""
    cases = [
        c for c in _by_module(library().catalogue())
        if (not module or module in c.modules) and (not setting or c.setting == setting)
    ]  # fmt: skip
    settings = None
    if mode == "deep-link":
        settings = DeepLinkSettings.from_claim(
            current_launch().message_data.get("deep_linking", {})
        )
    return _page(
        "instructor/picker.html",
        "picker",
        status,
        mode=mode,
        cases=cases,
        module=module,
        setting=setting,
        settings=settings,
        languages={c.id: _languages(c) for c in cases},
        policy=AttemptPolicy(),
        notice=notice,
        # the picker's own forms keep the filters, and that a case change was confirmed
        keep={
            "module": module,
            "setting": setting,
            **({CONFIRMED: "1"} if request.form.get(CONFIRMED) else {}),
        },
    )


def _policy_from_form() -> AttemptPolicy | None:
    form = request.form
    raw_attempts = form.get("attempts_allowed", "").strip()
    raw_pass_mark = form.get("pass_mark", "").strip()
    try:
        attempts = int(raw_attempts) if raw_attempts else None
        maximum = float(form.get("score_maximum", "100") or 100)
        pass_mark = float(raw_pass_mark) if raw_pass_mark else None
    except ValueError:
        return None
    if pass_mark is not None and pass_mark_or_none(pass_mark) is None:
        return None  # outside 0-100, or not a finite number
    if attempts is not None and not 1 <= attempts <= 100:
        return None
    if not 1 <= maximum <= 10_000:  # also refuses nan; the form's min="1" is only a hint
        return None
    country = form.get("country", "")
    if (
        form.get("grade_from", "best") not in GRADE_FROM
        or form.get("feedback", "each") not in FEEDBACK
        or (country and known(country) != country)
    ):
        return None
    return AttemptPolicy(attempts, form.get("grade_from", "best"), form.get("feedback", "each"),
                         maximum, pass_mark, country or None)  # fmt: skip


@bp.post("/pick")
@staff_required
def pick() -> Response:
    mode = "deep-link" if current_launch().message_type == "LtiDeepLinkingRequest" else "link"
    if mode == "link":
        confirm = confirm_change(None)
        if confirm is not None:
            return confirm
    return picker_page(mode)


@bp.post("/select")
@staff_required
def select_cases() -> Response:
    launch = current_launch()
    chosen = [c for c in request.form.getlist("case") if library().case(c)]
    policy = _policy_from_form()
    deep_link = launch.message_type == "LtiDeepLinkingRequest"
    mode = "deep-link" if deep_link else "link"
    if policy is None:
        return picker_page(mode, _("Please check the settings: attempts from 1 to 100, maximum "
                                   "points from 1 to 10000, a pass mark from 0 to 100."), status=400)  # fmt: skip
    if not deep_link:
        if len(chosen) != 1:
            return picker_page(mode, _("Choose one case for this activity."), status=400)
        found = _link()
        if isinstance(found, Response):
            return found
        confirm = confirm_change(chosen[0])
        if confirm is not None:  # a picker from before the confirmation, or a forged post
            return confirm
        found.case_id = chosen[0]
        found.settings = policy.to_settings()
        get_session().commit()
        return dashboard_page(_("The case is set for this activity."))
    settings = DeepLinkSettings.from_claim(launch.message_data.get("deep_linking", {}))
    if settings is None:
        return error_page(400)
    if not chosen:
        return picker_page(mode, _("Choose at least one case."), status=400)
    if len(chosen) > 1 and not settings.accept_multiple:
        return picker_page(mode, _("This place in your course accepts one case at a time."),
                           status=400)  # fmt: skip
    registration = _registration()
    deployment = get_session().get(Deployment, launch.deployment_pk)
    if registration is None or deployment is None:
        return error_page(400)
    launch_url = public_url("lti.launch")
    items = []
    for case_id in chosen:
        case = library().case(case_id)
        assert case is not None
        items.append(content_item(case, case_text.text(case, "title", case.title),
                                  case_text.text(case, "summary", case.summary), launch_url,
                                  policy))  # fmt: skip
    token = response_jwt(runtime().keyring, registration, deployment.deployment_id, settings, items)
    g.csp_form_action = (origin(settings.return_url),)
    return _page("instructor/deep_link_return.html", "deep-link-return",
                 return_url=settings.return_url, jwt=token, count=len(items))  # fmt: skip


# -- preview: plays a case and records nothing ------------------------------------------------


def _preview_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="preview-v1")


def _preview_country() -> str:
    launch = current_launch()
    link = load_link(get_connection(), launch.resource_link_id) if launch.resource_link_id else None
    if link is None:
        return default_country(None, None, None)
    return default_country(None, AttemptPolicy.from_settings(link.settings).country,
                           link.default_country)  # fmt: skip


@bp.post("/preview")
@staff_required
def preview() -> Response:
    case = library().case(request.form.get("case"))
    if case is None:
        return error_page(404)
    # the preview plays in the country asked for (the preview's country menu), else the default
    state = State.initial(case, known(request.form.get("country")) or _preview_country())
    seed = new_seed()  # the preview shuffles the options as an attempt does
    raw = request.form.get("state")
    if raw:
        try:
            saved = _preview_serializer().loads(raw, max_age=6 * 3600)
            state = State.from_json(case, saved["state"])
            seed = saved["seed"]
            if not isinstance(seed, str):
                raise TypeError("seed")
        except (BadSignature, StateInvalid, TypeError, ValueError, KeyError):
            return error_page(400)
    last_choice = None
    choice_id = request.form.get("choice")
    if choice_id:
        try:
            node = case.nodes[state.node_id]
            state = choose(case, state, choice_id)
            last_choice = (node, node.choice(choice_id))
        except (ChoiceNotOffered, CaseFinished):
            return error_page(400)
    finished = is_finished(case, state)
    return _page(
        "instructor/preview.html",
        "preview",
        case=case,
        node=case.nodes[state.node_id],
        choices=[] if finished else offered_choices(case, state, seed),
        state_token=_preview_serializer().dumps({"state": state.to_json(), "seed": seed}),
        last_choice=last_choice,
        result=score(case, state) if finished else None,
        mode="deep-link" if current_launch().message_type == "LtiDeepLinkingRequest" else "link",
    )


# -- the dashboard -----------------------------------------------------------------------------


def _roster(link: ResourceLink) -> tuple[list[Member] | None, str | None]:
    """The course's members from NRPS, or None and why not. No transaction stays open while
    the platform is asked."""
    session = get_session()
    course = session.get(Course, link.course_id) if link.course_id else None
    registration = _registration()
    nrps_url = course.nrps_url if course is not None else None
    session.rollback()
    if not nrps_url or registration is None:
        return None, None
    try:
        members = fetch_roster(current_app.extensions["lti_tool.tokens"], registration,
                               nrps_url, current_app.config["HTTP_TIMEOUT_SECONDS"])  # fmt: skip
    except RosterError as exc:
        log.warning("roster not read link=%s reason=%s", link.id, exc)
        return None, exc.reason
    return members, None


def dashboard_page(notice: str | None = None, status: int = 200, error: bool = False
                   ) -> Response:  # fmt: skip
    found = _link()
    if isinstance(found, Response):
        return found
    link = found
    case = library().case(link.case_id)
    if case is None:
        return picker_page("link", notice)
    view, too_long = TableView.from_form(request.form)
    if too_long:
        notice, status, error = _("The name filter can hold at most %(count)d characters.",
                                  count=QUERY_MAX), 400, True  # fmt: skip
    roster, roster_error = _roster(link)
    session = get_session()
    return _page(
        "instructor/dashboard.html",
        "dashboard",
        status,
        case=case,
        link=link,
        roster_error=roster_error,
        grades=outbox.status(session, [link.id]),
        notice=notice,
        error=error,
        **dashboard_context(session, link, case, roster, view),
    )


@bp.post("/dashboard")
@staff_required
def dashboard() -> Response:
    return dashboard_page()


@bp.post("/settings")
@staff_required
def save_settings() -> Response:
    policy = _policy_from_form()
    if policy is None:
        return dashboard_page(_("Please check the settings: attempts from 1 to 100, maximum "
                                "points from 1 to 10000, a pass mark from 0 to 100."), status=400)  # fmt: skip
    found = _link()
    if isinstance(found, Response):
        return found
    found.settings = policy.to_settings()
    get_session().commit()
    return dashboard_page(_("Settings saved."))


@bp.post("/resend")
@staff_required
def resend() -> Response:
    found = _link()
    if isinstance(found, Response):
        return found
    session = get_session()
    chosen = [d.id for d in outbox.failures(session, [found.id], limit=10_000)]
    chosen += [d.id for d in outbox.waiting(session, [found.id], limit=10_000)]
    count = outbox.resend(session, chosen, utcnow())
    session.commit()
    grade_worker.wake(current_app)
    return dashboard_page(ngettext("%(num)d grade sent again.", "%(num)d grades sent again.",
                                   count))  # fmt: skip


@bp.post("/learner")
@staff_required
def learner_path() -> Response:
    found = _link()
    if isinstance(found, Response):
        return found
    learner_id = posted_int(request.form.get("learner"))
    if learner_id is None:
        return error_page(400)
    learner = _learner_of_link(found, learner_id)
    if learner is None:  # never say whether, or who, this learner is elsewhere
        return error_page(403)
    return _learner_page(found, learner, "learner-path")


def _learner_of_link(link: ResourceLink, learner_id: int) -> LearnerAccount | None:
    """The learner, if they played this activity: an instructor reaches learners only through
    the activity their own launch is for."""
    return get_session().scalar(
        select(LearnerAccount)
        .join(Attempt, Attempt.learner_id == LearnerAccount.id)
        .where(LearnerAccount.id == learner_id, LearnerAccount.platform_id == link.platform_id,
               Attempt.resource_link_id == link.id)
        .limit(1)
    )  # fmt: skip


def _learner_page(link: ResourceLink, learner: LearnerAccount, page: str) -> Response:
    case = library().case(link.case_id)
    if case is None:
        return error_page(404)
    attempts = (
        get_session()
        .scalars(
            select(Attempt)
            .where(Attempt.learner_id == learner.id, Attempt.resource_link_id == link.id)
            .order_by(Attempt.number)
        )
        .all()
    )
    played = []
    for attempt in attempts:
        try:
            state = State.from_json(case, attempt.state)
        except StateInvalid:
            continue
        played.append(
            {
                "attempt": attempt,
                "report": debrief(case, state) if is_finished(case, state) else None,
                "state": state,
                "shown": shown_path(case, state, attempt.shuffle_seed),
                "result": score(case, state) if is_finished(case, state) else None,
            }
        )
    return _page(f"instructor/{page}.html", page, case=case, learner=learner, played=played,
                 link=link, view=TableView.from_form(request.form)[0])  # fmt: skip


@bp.post("/export.csv")
@staff_required
def export_csv() -> Response:
    found = _link()
    if isinstance(found, Response):
        return found
    session = get_session()
    roster, _error = _roster(found)
    attempts = stats.counted_attempts(session, found.id)
    rows = stats.learner_rows(session, found.id, attempts, roster, found.platform_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "user_id", "status", "attempts", "best_score", "latest_score",
                     "minutes_spent", "grade_delivery"])  # fmt: skip
    for row in rows:
        writer.writerow([
            _safe(row.name or ""), _safe(row.user_id), row.status, row.attempts,
            "" if row.best_score is None else f"{row.best_score:.4f}",
            "" if row.latest_score is None else f"{row.latest_score:.4f}",
            f"{row.seconds / 60:.1f}", row.delivery or "",
        ])  # fmt: skip
    name = f"{(found.case_id or 'activity')}-{found.id}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _safe(value: str) -> str:
    """Stop spreadsheets from running a name as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# -- Submission Review -------------------------------------------------------------------------


def review_page() -> Response:
    found = _link()
    if isinstance(found, Response):
        return found
    user_id = current_launch().message_data.get("for_user_sub")
    session = get_session()
    learner_id = session.scalar(
        select(LearnerAccount.id).where(LearnerAccount.platform_id == found.platform_id,
                                        LearnerAccount.sub == user_id)
    ) if isinstance(user_id, str) else None  # fmt: skip
    learner = _learner_of_link(found, learner_id) if learner_id is not None else None
    if learner is None:
        return _page("instructor/review_empty.html", "submission-review")
    return _learner_page(found, learner, "submission-review")


@bp.post("/review")
@staff_required
def review() -> Response:
    """The Submission Review page again (after Back or Reload)."""
    return review_page()
