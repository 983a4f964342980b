"""HTTP helpers that act like a person's browser and like a (hostile) platform."""

from __future__ import annotations

import html
import re
import time
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import jwt
import requests

from lti_tool.sandbox import CLIENT_ID
from lti_tool.sandbox import DEPLOYMENT_ID
from lti_tool.sandbox.signing import signing_key
from tests.support.live import LiveTool

TIMEOUT = 15
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]
    buttons: list[tuple[str, str]]


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.iframes: list[str] = []
        self.data_page: str | None = None
        self.html_lang: str | None = None
        self._current: Form | None = None
        self._select: list[str | None] | None = None  # name, first option, selected option

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "body":
            self.data_page = a.get("data-page")
        elif tag == "form":
            self._current = Form(a.get("action", ""), a.get("method", "get").lower(), {}, [])
            self.forms.append(self._current)
        elif tag == "iframe":
            self.iframes.append(a.get("src", ""))
        elif self._current is not None and tag == "input" and a.get("name"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self._current.fields[a["name"]] = a.get("value", "")
        elif self._current is not None and tag == "button" and a.get("name"):
            self._current.buttons.append((a["name"], a.get("value", "")))
        elif self._current is not None and tag == "select" and a.get("name"):
            self._select = [a["name"], None, None]
        elif self._select is not None and tag == "option":
            value = a.get("value", "")
            self._select[1] = value if self._select[1] is None else self._select[1]
            if "selected" in a:
                self._select[2] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "select" and self._select is not None and self._current is not None:
            name, first, selected = self._select  # a browser submits the selected option
            self._current.fields[str(name)] = selected if selected is not None else first or ""
            self._select = None


def parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


NEXT_URL = re.compile(r'id="(?:own-)?storage"[^>]*data-next="([^"]*)"', re.S)


def login_next(response: requests.Response) -> str:
    """Where a tool's login sends the browser: its redirect, or (when the tool does not know
    yet that this browser keeps its cookies) what its own-storage page continues to, as its
    script does when the cookie or the storage works."""
    if response.status_code == 302:
        return response.headers["Location"]
    found = NEXT_URL.search(response.text) if response.status_code == 200 else None
    assert found, f"login answered {response.status_code}: {response.text[:300]}"
    return html.unescape(found.group(1))


def page_of(response: requests.Response) -> str | None:
    return parse(response.text).data_page


def without_binding(tool: LiveTool, http: requests.Session, response: requests.Response
                    ) -> requests.Response:  # fmt: skip
    """A launch that came back without the state cookie gets the page that asks the tool's own
    storage (sessionStorage) for the binding; a browser that has none posts an empty one, from
    the tool's own origin, as the page's script does."""
    assert page_of(response) == "storage-launch", response.text[:300]
    form = parse(response.text).forms[0]
    return http.post(tool.base_url + "/lti/launch", data=form.fields, timeout=TIMEOUT,
                     headers={"Origin": tool.base_url})  # fmt: skip


class Browser:
    """A person's browser: keeps cookies per host, follows the sandbox's launch flow."""

    def __init__(self, tool: LiveTool) -> None:
        self.tool = tool
        self.http = requests.Session()

    def open_launch(self, **choices: str) -> Form:
        """Everything up to the form the platform auto-posts to the tool's launch URL."""
        data = {
            "name": "Alex Learner",
            "role": "learner",
            "lang": "en",
            "message": "resource",
            "link": "link-feature-tour",
            "privacy": "full",
            "storage": "cookie",
            **choices,
        }
        page = self.http.post(self.tool.sandbox_url + "/sandbox/launch", data=data, timeout=TIMEOUT)
        page.raise_for_status()
        login_url = parse(page.text).iframes[0]
        login = self.http.get(login_url, allow_redirects=False, timeout=TIMEOUT)
        auth = self.http.get(login_next(login), allow_redirects=False, timeout=TIMEOUT)
        assert auth.status_code == 200, auth.text
        return parse(auth.text).forms[0]

    def launch(self, **choices: str) -> requests.Response:
        form = self.open_launch(**choices)
        return self.http.post(form.action, data=form.fields, timeout=TIMEOUT)

    def submit(
        self,
        response: requests.Response,
        action: str,
        button: tuple[str, str] | None = None,
        **extra: str,
    ) -> requests.Response:
        """Submit the page's form that posts to ``action`` (with one of its buttons), as a
        click would."""
        forms = [f for f in parse(response.text).forms if f.action.endswith(action)]
        assert forms, f"no form posting to {action} on page {page_of(response)}"
        data = dict(forms[0].fields)
        if button:
            data[button[0]] = button[1]
        data.update(extra)
        url = requests.compat.urljoin(response.url, forms[0].action)
        return self.http.post(url, data=data, timeout=TIMEOUT)


class HostilePlatform:
    """Plays the platform with full control over the id_token: starts a real login at the
    tool, then posts a token it signed itself (with the sandbox's key unless told otherwise)."""

    def __init__(
        self, tool: LiveTool, issuer: str | None = None, client_id: str = CLIENT_ID
    ) -> None:
        self.tool = tool
        self.issuer = issuer or tool.issuer
        self.client_id = client_id
        self.http = requests.Session()

    def login(self, **params: str) -> tuple[str, str]:
        query = {
            "iss": self.issuer,
            "login_hint": "hostile-user",
            "target_link_uri": self.tool.base_url + "/lti/launch",
            "client_id": self.client_id,
            "lti_deployment_id": DEPLOYMENT_ID,
            **params,
        }
        response = self.http.get(
            self.tool.base_url + "/lti/login?" + urlencode(query),
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        redirect = parse_qs(urlsplit(login_next(response)).query)
        return redirect["state"][0], redirect["nonce"][0]

    def claims(self, nonce: str, /, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "learner-1",
            "iat": now,
            "exp": now + 60,
            "nonce": nonce,
            LTI + "version": "1.3.0",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "target_link_uri": self.tool.base_url + "/lti/launch",
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            LTI + "resource_link": {"id": "rl-hostile-1", "title": "A case"},
            LTI + "context": {"id": "course-1", "title": "Course one"},
            LTI + "launch_presentation": {"locale": "en"},
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not REMOVE}

    def sign(
        self,
        claims: dict[str, Any],
        *,
        key: Any = None,
        headers: dict[str, Any] | None = None,
        algorithm: str = "RS256",
    ) -> str:
        if key is None:
            with self.tool.sandbox_session() as session:
                kid, key = signing_key(session)
            headers = {"kid": kid, **(headers or {})}
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers)

    def post(self, id_token: str, state: str, **extra: str) -> requests.Response:
        return self.http.post(
            self.tool.base_url + "/lti/launch",
            data={"id_token": id_token, "state": state, **extra},
            timeout=TIMEOUT,
        )

    def launch(self, **overrides: Any) -> requests.Response:
        state, nonce = self.login()
        return self.post(self.sign(self.claims(nonce, **overrides)), state)


REMOVE = object()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
