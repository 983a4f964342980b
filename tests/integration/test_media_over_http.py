"""Media over real HTTP: a declared file is served under the digest of its content with
long-lived caching and safe headers; anything else is a 404; a scene shows its media."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from lti_tool.library import library
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse
from tests.support.live import SANDBOX_LINKS
from tests.support.live import live_tool

DATA = Path(__file__).resolve().parents[1] / "data"
MEDIA_CASES = DATA / "media_cases"
SAMPLER_MEDIA = MEDIA_CASES / "media" / "media-sampler"
TIMEOUT = 15
LINK = {"id": "link-media", "title": "Media sampler", "case_id": "media-sampler"}
PLAN_ALT = "A plan of the room with the patient near the window and her companion by the door."


@pytest.fixture
def media_tool(database_url, tmp_path, keys_dir):
    overrides = {"CASE_PATHS": (str(MEDIA_CASES),), "SANDBOX_LINKS": [*SANDBOX_LINKS, LINK]}
    with live_tool(database_url, tmp_path, keys_dir, overrides=overrides) as tool:
        yield tool


def digest(name: str) -> str:
    return hashlib.sha256((SAMPLER_MEDIA / name).read_bytes()).hexdigest()[:16]


def get(tool, path: str, **headers: str) -> requests.Response:
    return requests.get(tool.base_url + path, headers=headers, timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("plan.svg", "image/svg+xml"), ("swatch.png", "image/png"), ("silence.mp3", "audio/mpeg")],
)
def test_a_declared_file_is_served_for_a_year_with_safe_headers(media_tool, name, content_type):
    response = get(media_tool, f"/media/media-sampler/{digest(name)}/{name}")
    assert response.status_code == 200
    assert response.content == (SAMPLER_MEDIA / name).read_bytes()
    assert response.headers["Content-Type"].split(";")[0] == content_type
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    if content_type == "image/svg+xml":
        assert policy == "default-src 'none'; style-src 'unsafe-inline'"
    else:
        assert "script-src 'self'" in policy
    again = get(
        media_tool, response.request.path_url, **{"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


def test_audio_answers_a_range_request_so_players_can_seek(media_tool):
    path = f"/media/media-sampler/{digest('silence.mp3')}/silence.mp3"
    response = get(media_tool, path, Range="bytes=417-833")
    assert response.status_code == 206
    assert response.content == (SAMPLER_MEDIA / "silence.mp3").read_bytes()[417:834]


def test_only_what_a_loaded_case_declares_is_served(media_tool):
    plan = digest("plan.svg")
    shipped = library_media(media_tool)
    refused = [
        f"/media/media-sampler/{'0' * 16}/plan.svg",  # a digest of other content
        f"/media/media-sampler/{plan}/other.svg",  # not declared
        f"/media/unknown-case/{plan}/plan.svg",
        f"/media/media-sampler/{plan}/media-sampler.yaml",  # the case file itself
        f"/media/media-sampler/{plan}/..%2F..%2Fmedia-sampler.yaml",
        f"/media/media-sampler/{plan}/%2E%2E%2Fmedia-sampler%2Fplan.svg",
        f"/media/media-sampler/{plan}/../../media_cases/media-sampler.yaml",
        f"/media/media-sampler/{plan}/plan.svg/",
        f"/media/media-sampler/{plan}/%2Fetc%2Fpasswd",
        f"/media/media-sampler/{plan}",
        "/media/media-sampler/",
    ]
    if shipped:  # a shipped case's file, asked for under another case
        case_id, item = shipped
        refused.append(f"/media/media-sampler/{item.digest}/{item.file}")
        assert get(media_tool, f"/media/{case_id}/{item.digest}/{item.file}").status_code == 200
    for path in refused:
        response = requests.get(media_tool.base_url + path, timeout=TIMEOUT, allow_redirects=False)
        assert response.status_code == 404, path
        assert "immutable" not in response.headers.get("Cache-Control", ""), path


def library_media(tool):
    with tool.app.app_context():
        for case in library().cases.values():
            for node in case.nodes.values():
                if node.media and case.id != "media-sampler":
                    return case.id, node.media[0]
    return None


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)


def test_a_scene_shows_its_images_and_sound_with_their_words(media_tool):
    browser = Browser(media_tool)
    start = browser.launch(link="link-media")
    scene = browser.submit(start, "/play/start")
    assert page_of(scene) == "scene", scene.text[:300]
    figures = _Figures()
    figures.feed(scene.text)
    images = [attrs for tag, attrs in figures.tags if tag == "img"]
    audio = [attrs for tag, attrs in figures.tags if tag == "audio"]
    assert [(i["src"], i["alt"], i.get("width"), i.get("height")) for i in images] == [
        (
            f"/media/media-sampler/{digest('plan.svg')}/plan.svg",
            PLAN_ALT,
            "480",
            "300",
        ),
        (f"/media/media-sampler/{digest('swatch.png')}/swatch.png", "A blue colour swatch.",
         "24", "12"),
    ]  # fmt: skip
    assert [(a["src"], "controls" in a) for a in audio] == [
        (f"/media/media-sampler/{digest('silence.mp3')}/silence.mp3", True)
    ]
    assert scene.text.count("<figure") == 3
    assert scene.text.count("<details>") == 2  # the plan's description and the transcript
    assert "the only way out" in scene.text
    assert "<em>A second of silence.</em>" in scene.text
    for source in [i["src"] for i in images] + [a["src"] for a in audio]:
        assert requests.get(media_tool.base_url + source, timeout=TIMEOUT).status_code == 200
    policy = scene.headers["Content-Security-Policy"]
    assert re.search(r"(^|; )img-src 'self'", policy)
    assert re.search(r"(^|; )media-src 'self'", policy)


def test_the_instructor_preview_shows_the_same_media(media_tool):
    browser = Browser(media_tool)
    picker = browser.launch(name="Dr Preview", role="instructor", message="deep_linking")
    form = next(
        f
        for f in parse(picker.text).forms
        if f.action.endswith("/teach/preview") and f.fields.get("case") == "media-sampler"
    )
    preview = browser.http.post(
        requests.compat.urljoin(picker.url, form.action), data=form.fields, timeout=TIMEOUT
    )
    assert page_of(preview) == "preview"
    assert f'src="/media/media-sampler/{digest("plan.svg")}/plan.svg"' in preview.text
    assert f'alt="{PLAN_ALT}"' in preview.text
    assert "<audio controls" in preview.text
