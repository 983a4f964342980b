"""Refuse, before any view runs, request fields that no page of the tool can take: a NUL
character (PostgreSQL cannot store it, and no legitimate form, LTI message or platform
parameter carries one)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from flask import Response
from flask import request

from lti_tool.errors import error_page

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(pairs: Iterable[tuple[str, str]]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def _refuse_nul() -> Response | None:
    if _has_nul(request.args.items(multi=True)):
        return error_page(400)
    posted_form = request.method == "POST" and request.mimetype in FORM_TYPES
    if posted_form and _has_nul(request.form.items(multi=True)):
        return error_page(400)
    return None


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
