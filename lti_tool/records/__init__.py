"""Records of completion: the PDF a learner downloads from the debrief of a completed attempt,
and the public page at ``/verify/<code>`` that says whether such a record is genuine."""

from flask import Blueprint

bp = Blueprint("verify", __name__, url_prefix="/verify")
