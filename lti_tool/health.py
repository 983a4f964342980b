"""``GET /health``: whether this process can serve, for a load balancer or an orchestrator.

200 when the database answers, 503 when it does not. The answer names nothing else: no version,
no address, no error text (it is public)."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import Response
from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.db import get_connection

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/health")
def health() -> Response:
    try:
        get_connection().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        return _answer("unavailable", 503)
    return _answer("ok", 200)


def _answer(status: str, code: int) -> Response:
    response = jsonify(status=status)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response
