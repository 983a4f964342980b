"""What staff launches show: the dashboard (or the case picker when the activity has no case),
the picker for Deep Linking, and a learner's path for Submission Review."""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue

from lti_tool.errors import error_page
from lti_tool.lti.claims import DEEP_LINKING_REQUEST
from lti_tool.lti.claims import SUBMISSION_REVIEW_REQUEST
from lti_tool.lti.launch_session import AcceptedLaunch
from lti_tool.lti.runtime import register_handler


def handle_staff_resource_link(accepted: AcceptedLaunch) -> ResponseReturnValue:
    from lti_tool.instructor.views import dashboard_page

    return dashboard_page()


def handle_deep_linking(accepted: AcceptedLaunch) -> ResponseReturnValue:
    from lti_tool.instructor.views import picker_page

    if not accepted.launch.is_staff:
        return error_page(403)
    return picker_page("deep-link")


def handle_submission_review(accepted: AcceptedLaunch) -> ResponseReturnValue:
    from lti_tool.instructor.views import review_page

    if not accepted.launch.is_staff:
        return error_page(403)
    return review_page()


def init_app(app: Flask) -> None:
    from lti_tool.instructor import bp
    from lti_tool.instructor import views  # noqa: F401  (registers the routes)

    app.register_blueprint(bp)
    register_handler(app, DEEP_LINKING_REQUEST, handle_deep_linking)
    register_handler(app, SUBMISSION_REVIEW_REQUEST, handle_submission_review)
