"""The application factory: configuration, extensions, blueprints, in a fixed order."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.typing import ResponseReturnValue

from lti_tool import config
from lti_tool import cookie_session
from lti_tool import db
from lti_tool import errors
from lti_tool import i18n
from lti_tool import input_guard
from lti_tool import observability
from lti_tool import security
from lti_tool import throttle
from lti_tool.lti.launch_session import AcceptedLaunch
from lti_tool.lti.runtime import LaunchHandler
from lti_tool.observability import tracing
from lti_tool.paths import STATIC_DIR
from lti_tool.paths import TEMPLATES_DIR


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    instance_path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "LTI_TOOL_INSTANCE_PATH"
    )
    app = Flask(
        "lti_tool",
        instance_path=str(instance_path) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    config.load(app, overrides)
    config.validate(app)  # before anything is built from the settings
    _logging(app)
    observability.init_app(app)
    db.init_app(app)
    tracing.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    cookie_session.init_app(app)
    errors.init_app(app)
    input_guard.init_app(app)
    throttle.init_app(app)
    _blueprints(app)
    return app


def by_role(staff: LaunchHandler, learner: LaunchHandler) -> LaunchHandler:
    """A resource-link launch opens the dashboard for staff and the case for learners."""

    def dispatch(accepted: AcceptedLaunch) -> ResponseReturnValue:
        return (staff if accepted.launch.is_staff else learner)(accepted)

    return dispatch


def _logging(app: Flask) -> None:
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    logging.getLogger("lti_tool").setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s")


def _blueprints(app: Flask) -> None:
    from lti_tool import canvas_config
    from lti_tool import countries
    from lti_tool import health
    from lti_tool import library
    from lti_tool import lti
    from lti_tool import media
    from lti_tool.learner import launch as learner_launch
    from lti_tool.lti import runtime

    library.init_app(app)
    countries.init_app(app)
    runtime.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(canvas_config.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(lti.bp)
    from lti_tool.grading import worker
    from lti_tool.instructor import launch as instructor_launch
    from lti_tool.lti.claims import RESOURCE_LINK_REQUEST
    from lti_tool.lti.runtime import register_handler

    learner_launch.init_app(app)
    instructor_launch.init_app(app)
    register_handler(
        app,
        RESOURCE_LINK_REQUEST,
        by_role(instructor_launch.handle_staff_resource_link, learner_launch.handle_resource_link),
    )
    worker.init_app(app)
    from lti_tool import privacy_page

    privacy_page.init_app(app)
    from lti_tool.records import bp as verify_bp
    from lti_tool.records import views as verify_views  # noqa: F401  (registers the routes)

    app.register_blueprint(verify_bp)
    from lti_tool.admin import bp as admin_bp
    from lti_tool.admin import learner_data  # noqa: F401  (registers the routes)
    from lti_tool.admin import views as admin_views  # noqa: F401  (registers the routes)

    app.register_blueprint(admin_bp)
    if app.config["DEMO"]:
        from lti_tool import sandbox

        sandbox.init_app(app)
