"""What a resource-link launch shows: the case start page (resuming shows "Continue")."""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue

from lti_tool.lti.claims import RESOURCE_LINK_REQUEST
from lti_tool.lti.launch_session import AcceptedLaunch
from lti_tool.lti.runtime import register_handler


def handle_resource_link(accepted: AcceptedLaunch) -> ResponseReturnValue:
    from lti_tool.learner.views import case_start_page

    return case_start_page()


def init_app(app: Flask) -> None:
    from lti_tool.learner import bp
    from lti_tool.learner import record_views  # noqa: F401  (registers the routes)
    from lti_tool.learner import views  # noqa: F401  (registers the routes)

    app.register_blueprint(bp)
    register_handler(app, RESOURCE_LINK_REQUEST, handle_resource_link)
