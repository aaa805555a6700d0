"""The shared webcam plumbing (site/py/camera.py + glue) when there is no camera to be had: the
page says why in the user's words and stays usable. Uses the virtual-background page, the first
page with a camera; getUserMedia is made to reject as browsers do."""
import pytest
from browser_pages import REJECT_CAMERA, open_page



@pytest.fixture(scope="module")
def page(browser, site_url):
    context = browser.new_context()
    context.add_init_script(REJECT_CAMERA)
    page = open_page(context, site_url + "segment.html")
    page.click("#mode-webcam")
    yield page
    context.close()


def press_start(page, error_name: str) -> str:
    page.evaluate(f"globalThis.cameraError = {error_name!r}")
    page.evaluate("document.body.dataset.camera = ''")
    page.click("#camera-start")
    page.wait_for_function("!['', 'starting'].includes(document.body.dataset.camera)", timeout=30_000)
    assert page.get_attribute("body", "data-camera") == error_name
    assert page.is_visible("#camera-start") and page.is_enabled("#camera-start") and page.is_hidden("#camera-stop")
    return page.text_content("#camera-message")


def test_no_camera_says_so(page):
    assert "No camera was found" in press_start(page, "NotFoundError")


def test_refused_permission_says_how_to_allow_it(page):
    message = press_start(page, "NotAllowedError")
    assert "refused" in message and "Allow the camera" in message


def test_a_busy_camera_says_another_application_may_use_it(page):
    assert "another application" in press_start(page, "NotReadableError")


def test_the_page_keeps_working_without_a_camera(page, photo):
    page.click("#mode-photo")
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    page.set_input_files("#file", str(photo("astronaut")))
    page.wait_for_function(f"Number(document.body.dataset.runs || 0) > {runs}", timeout=60_000)
    assert page.get_attribute("body", "data-person") == "yes"
    assert page.errors == []
