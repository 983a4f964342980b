"""``/verify``: anyone holding a record of completion (the learner, or whoever they show it to)
checks it here. The code is the only key: the page shows what the record shows and nothing
more (see docs/privacy.md), in the reader's language, and is never framed, cached or indexed."""

from __future__ import annotations

from flask import Response
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from lti_tool.db import get_connection
from lti_tool.errors import error_page
from lti_tool.i18n.locale import supported_locale
from lti_tool.records import bp
from lti_tool.records.codes import grouped
from lti_tool.records.codes import normalised
from lti_tool.records.facts import described
from lti_tool.records.issue import find


@bp.before_request
def _language() -> None:
    """``?lang=`` from the page's language menu, else the browser's language."""
    chosen = supported_locale(request.args.get("lang"), current_app.config["LANGUAGES"])
    if chosen:
        g.locale = chosen


@bp.after_request
def _private(response: Response) -> Response:
    # the address holds the code: never sent on to another page, never indexed
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/")
def lookup() -> Response | str:
    """A form to type a code read from paper; a typed code goes to its record's page."""
    typed = request.args.get("code")
    if typed is None:
        return render_template("verify/lookup.html", page="verify-lookup")
    plain = normalised(typed)
    if plain is None:
        return _unknown()
    lang = {"lang": request.args["lang"]} if request.args.get("lang") else {}
    return redirect(url_for("verify.record", code=grouped(plain), **lang), 303)


@bp.get("/<code>")
def record(code: str) -> Response | str:
    issued = find(get_connection(), code)
    if issued is None:
        return _unknown()
    return render_template("verify/record.html", page="verify", issued=issued,
                           shown=described(issued.facts))  # fmt: skip


def _unknown() -> Response:
    return error_page(
        404,
        _("No record with this code"),
        _("This tool holds no record of completion with this verification code. Check the "
          "code character by character. A record is also removed when the tool no longer "
          "keeps the attempt it describes."),
    )  # fmt: skip
