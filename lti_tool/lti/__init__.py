"""The LTI protocol adapter: the only package that imports pylti1p3."""

from flask import Blueprint

bp = Blueprint("lti", __name__, url_prefix="/lti")

from lti_tool.lti import registration_views  # noqa: E402,F401  (registers the routes)
from lti_tool.lti import views  # noqa: E402,F401  (registers the routes)
