import pytest
from tests.browser.test_dashboard_in_browser import course_tool, open_dashboard, content  # noqa
pytestmark = pytest.mark.browser

@pytest.mark.parametrize("width", [1280, 390])
def test_shot(page, course_tool, width):
    page.set_viewport_size({"width": width, "height": 900})
    frame = open_dashboard(page, course_tool, "el" if width == 390 else "en")
    f = content(page)
    f.wait_for_timeout(500)
    h = f.evaluate("document.documentElement.scrollHeight")
    page.evaluate("document.querySelector('#tool-frame').style.height = '%dpx'" % (h + 20))
    f.wait_for_timeout(300)
    box = page.query_selector("#tool-frame").bounding_box()
    for i in range(0, 3):
        page.screenshot(path=f"/tmp/x/dash-{width}-{i}.png", full_page=True,
                        clip={"x": box["x"], "y": box["y"] + i * 1000, "width": box["width"], "height": 1000})
    frame.locator("form[action$='/teach/course'] button").click()
    frame.locator("body[data-page=course-overview]").wait_for()
    page.query_selector("#tool-frame").screenshot(path=f"/tmp/x/course-{width}.png")
