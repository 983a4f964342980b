"""The instructor's wing: choosing cases (Deep Linking), the group's dashboard, and reviewing a
learner's submission."""

from flask import Blueprint

bp = Blueprint("instructor", __name__, url_prefix="/teach")
