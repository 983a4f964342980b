"""The learner's wing: case start, scenes, feedback, debrief (inside the LMS iframe)."""

from flask import Blueprint

bp = Blueprint("learner", __name__, url_prefix="/play")
