"""The administrators' pages: registrations, keys and the grade outbox (first-party, never
framed; a password login and a session cookie, with CSRF protection on every form)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
