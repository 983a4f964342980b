"""Launches where the state cookie does not come back and the platform offers no storage
(Moodle sends no ``lti_storage_target``; a browser that blocks third-party cookies drops the
tool's cookie inside the course page).

The login page keeps the state's binding in the tool's own ``sessionStorage`` (its origin only;
in an iframe the browser partitions it by the course site) before going on to the platform, and
the launch page reads it back and posts the launch again from the tool's own origin: the same
proof as the cookie, that this browser started this login. Where even that storage is blocked,
the login page stops before the platform spends its one-time launch and offers the Storage
Access API (where the browser has it) or one click that opens the same login in a new window,
where the tool is first-party. A browser whose cookies came back once (``COOKIES_WORK``) goes
straight to the platform.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import render_template
from flask import request

from lti_tool.public_urls import public_url
from lti_tool.public_urls import with_query

OWN_STORAGE = "_tool"  # our name for the tool's own storage, never a platform's target
COOKIES_WORK = "lti_cookies_work"
COOKIES_WORK_SECONDS = 30 * 24 * 3600
LOGIN_PARAMETERS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id",
                    "lti_deployment_id")  # fmt: skip


def cookies_known_to_work() -> bool:
    return request.cookies.get(COOKIES_WORK) == "1"


def login_page(key: str, binding: str, next_url: str) -> Response:
    return Response(
        render_template(
            "lti/own_storage_login.html",
            page="storage-login",
            key=key,
            value=binding,
            next_url=next_url,
            new_window_url=with_query(
                public_url("lti.login"),
                {
                    name: request.values[name]
                    for name in LOGIN_PARAMETERS
                    if request.values.get(name)
                },
            ),
            secure=request.is_secure,
        )
    )


def remember_cookies_work(response: Response, attributes: dict[str, Any]) -> None:
    response.set_cookie(COOKIES_WORK, "1", max_age=COOKIES_WORK_SECONDS, **attributes)
