"""The page a platform administrator opens with an LTI Data Privacy Launch: what the tool keeps
about learners, why, and for how long (from this tool's own retention settings)."""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import render_template
from flask.typing import ResponseReturnValue

from lti_tool.lti.claims import DATA_PRIVACY_LAUNCH
from lti_tool.lti.claims import DATA_PRIVACY_REQUEST
from lti_tool.lti.launch_session import AcceptedLaunch
from lti_tool.lti.runtime import register_handler


def handle_privacy_launch(accepted: AcceptedLaunch) -> ResponseReturnValue:
    config = current_app.config
    return render_template(
        "lti/privacy.html",
        page="privacy",
        retention_months=config["RETENTION_MONTHS"],
        delivered_days=config["DELIVERED_RETENTION_DAYS"],
    )


def init_app(app: Flask) -> None:
    register_handler(app, DATA_PRIVACY_LAUNCH, handle_privacy_launch)
    register_handler(app, DATA_PRIVACY_REQUEST, handle_privacy_launch)
