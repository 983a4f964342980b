"""Media in Chromium, inside the sandbox's iframe: images load under the tool's policy and are
named by their alt text, the long description and the transcript open, axe-core finds nothing;
a shipped illustration shows with its translated alt text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.chromium import accessibility_problems
from tests.support.live import SANDBOX_LINKS
from tests.support.live import live_tool

pytestmark = pytest.mark.browser

MEDIA_CASES = Path(__file__).resolve().parents[1] / "data" / "media_cases"
LINKS = [
    *SANDBOX_LINKS,
    {"id": "link-media", "title": "Media sampler", "case_id": "media-sampler"},
    {"id": "link-hand", "title": "Hand", "case_id": "occupational-unstitched-hand"},
]
PLAN_ALT = "A plan of the room with the patient near the window and her companion by the door."


@pytest.fixture
def media_tool(database_url, tmp_path, keys_dir):
    overrides = {"CASE_PATHS": (str(MEDIA_CASES),), "SANDBOX_LINKS": LINKS}
    with live_tool(database_url, tmp_path, keys_dir, overrides=overrides) as tool:
        yield tool


def open_case(page, tool, link: str, lang: str = "en"):
    page.goto(tool.sandbox_url + "/sandbox/")
    page.fill("#name", "Mira Midwife")
    page.select_option("#lang", lang)
    page.select_option("select[name=link]", link)
    page.click("button[type=submit]")
    frame = page.frame_locator("#tool-frame")
    frame.locator("body[data-page=case-start]").wait_for()
    frame.locator("form[action$='/play/start'] button").click()
    frame.locator("body[data-page=scene]").wait_for()
    return frame


def loaded(frame, selector: str) -> bool:
    """Whether every image matching ``selector`` was fetched and decoded."""
    handle = frame.locator(selector)
    handle.first.wait_for()
    return bool(
        handle.evaluate_all("images => images.every(i => i.complete && i.naturalWidth > 0)")
    )


def blocked_by_policy(page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return messages


def test_a_scene_shows_images_with_alt_text_and_sound_with_a_transcript(page, media_tool):
    refused = blocked_by_policy(page)
    frame = open_case(page, media_tool, "link-media")

    plan = frame.get_by_role("img", name=PLAN_ALT)
    assert plan.is_visible()
    assert frame.get_by_role("img", name="A blue colour swatch.").is_visible()
    assert loaded(frame, "figure.media img")
    box = plan.bounding_box()
    assert box and 478 <= box["width"] <= 484  # its own size (and a border): no layout shift

    description = frame.locator("figure.media details").first
    assert not description.locator("p").is_visible()
    description.locator("summary", has_text="Description of the image").click()
    assert description.locator("p", has_text="the only way out").is_visible()

    audio = frame.locator("figure.media audio")
    assert audio.get_attribute("controls") is not None
    transcript = frame.locator(
        "figure.media details", has=frame.locator("summary", has_text="Transcript")
    )
    transcript.locator("summary").click()
    assert transcript.locator("em", has_text="A second of silence.").is_visible()

    assert accessibility_problems(page.query_selector("#tool-frame").content_frame()) == []
    assert refused == []


def test_a_shipped_illustration_shows_with_its_translated_alt_text(page, media_tool):
    refused = blocked_by_policy(page)
    frame = open_case(page, media_tool, "link-hand", lang="de")
    frame.locator("button[value=register-silently]").click()
    frame.locator("body[data-page=feedback]").wait_for()
    frame.locator("form[action$='/play/scene'] button").first.click()
    frame.locator("body[data-page=scene]").wait_for()

    room = frame.get_by_role("img", name="Grundriss des Behandlungsraums von oben", exact=False)
    assert room.is_visible()
    assert frame.get_by_role(
        "img", name="Zeichnung der linken Handfläche", exact=False
    ).is_visible()
    assert loaded(frame, "figure.media img")
    frame.locator("summary", has_text="Beschreibung des Bildes").first.click()
    assert frame.get_by_text("der Vorarbeiter steht innen direkt an der Tür").is_visible()

    width = page.viewport_size["width"] if page.viewport_size else 0
    assert width and room.bounding_box()["width"] <= width
    assert accessibility_problems(page.query_selector("#tool-frame").content_frame()) == []
    assert refused == []


def test_at_phone_width_an_image_shrinks_to_fit(page, media_tool):
    page.set_viewport_size({"width": 390, "height": 844})
    frame = open_case(page, media_tool, "link-media")
    plan = frame.get_by_role("img", name=PLAN_ALT)
    frame_width = page.query_selector("#tool-frame").bounding_box()["width"]
    box = plan.bounding_box()
    assert box and box["width"] < 480 and box["width"] <= frame_width
    assert abs(box["width"] / box["height"] - 480 / 300) < 0.02  # the shape is kept
