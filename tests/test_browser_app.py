"""The app shell in headless Chromium: one Python start per visit, views that mount once and are
found as they were left, deep links, the back and forward buttons, only the new view's model
fetched, and the webcam turned off when its view is left.

Each test opens its own browser context, so each passes alone (`python build.py test -k NAME`).
"""
import pytest

from browser_pages import ESPRESSO, click_sample, open_page, visit_facts


@pytest.fixture
def context(browser):
    """A fresh visit; the service worker is blocked (it has its own tests), so every request seen
    is the page's own."""
    context = browser.new_context(service_workers="block")
    yield context
    context.close()


def view(page) -> str:
    return page.evaluate("document.body.dataset.view")


def wait_for_view(page, name: str) -> None:
    page.wait_for_function(f"document.body.dataset.view === {name!r} && document.body.dataset.state === 'ready'",
                           timeout=120_000)


def model_requests(page) -> list[str]:
    return [url for url in page.requests if url.endswith(".onnx")]


def test_moving_between_tasks_starts_python_once(context, site_url):
    page = open_page(context, site_url + "index.html")
    page.evaluate("globalThis.testMarker = 'set on the gallery'")
    page.click("a[href='classify.html']")
    wait_for_view(page, "classify.html")
    click_sample(page, "coffee")
    assert page.get_attribute("#results li", "data-class-id") == str(ESPRESSO)
    page.click("header a[href='index.html']")
    wait_for_view(page, "index.html")
    page.click("a[href='detect.html']")
    wait_for_view(page, "detect.html")
    click_sample(page, "coffee")
    assert "cup" in page.eval_on_selector_all("#detections li", "items => items.map(li => li.dataset.label)")
    assert page.url == site_url + "detect.html"
    assert page.title() == "Object detection · ondevice"
    assert visit_facts(page) == {"navigations": 1, "pythonStarts": 1}
    assert page.evaluate("globalThis.testMarker ?? null") == "set on the gallery"  # the same document
    assert page.errors == []


def test_back_and_forward_find_each_view_as_it_was_left(context, site_url):
    page = open_page(context, site_url + "classify.html")
    click_sample(page, "coffee")
    page.click("header a[href='index.html']")
    wait_for_view(page, "index.html")
    page.click("a[href='search.html']")
    wait_for_view(page, "search.html")
    page.go_back()
    wait_for_view(page, "index.html")
    page.go_back()
    wait_for_view(page, "classify.html")
    assert page.url == site_url + "classify.html"
    assert page.get_attribute("#results li", "data-class-id") == str(ESPRESSO)  # still on screen
    click_sample(page, "coffee")  # and the view still answers
    page.go_forward()
    wait_for_view(page, "index.html")
    assert visit_facts(page)["navigations"] == 1 and visit_facts(page)["pythonStarts"] == 1


def test_only_the_new_views_model_is_fetched_and_a_view_seen_before_fetches_nothing(context, site_url, manifest):
    page = open_page(context, site_url + "classify.html")
    entry = manifest["models"]["person-segmentation"]
    segment_files = {entry["variants"][entry["default_variant"]["wasm"]]["file"]}
    landscape = manifest["models"]["person-segmentation-landscape"]
    segment_files.add(landscape["variants"][landscape["default_variant"]["wasm"]]["file"])
    classify_models = model_requests(page)
    assert len(classify_models) == 1
    page.evaluate("ondevice.navigate('segment.html')")
    wait_for_view(page, "segment.html")
    new = model_requests(page)[len(classify_models):]
    assert sorted(url.rsplit("/", 1)[1] for url in new) == sorted(segment_files)  # each once
    before = len(page.requests)
    page.evaluate("ondevice.navigate('classify.html')")
    wait_for_view(page, "classify.html")
    click_sample(page, "coffee")
    assert [url for url in page.requests[before:] if url.endswith(".onnx")] == []


def test_a_deep_link_opens_its_view_with_its_options(context, site_url):
    page = open_page(context, site_url + "detect.html?variant=fp32")
    assert view(page) == "detect.html"
    assert page.title() == "Object detection · ondevice"
    assert "fp32 model" in page.text_content("#status")
    assert [url.rsplit("/", 1)[1].split(".")[1] for url in model_requests(page)] == ["fp32"]


def test_leaving_the_webcam_view_turns_the_camera_off(camera_browser, site_url):
    context = camera_browser.new_context(service_workers="block")
    try:
        page = open_page(context, site_url + "detect.html")
        page.click("#camera-start")
        page.wait_for_function("document.querySelector('#camera-status').dataset.frames > 0", timeout=120_000)
        page.click("header a[href='index.html']")
        wait_for_view(page, "index.html")
        page.go_back()
        wait_for_view(page, "detect.html")
        assert page.evaluate("document.querySelector('#video').srcObject") is None  # stopped on leaving
        assert page.is_visible("#camera-start") and not page.is_visible("#camera-stop")
    finally:
        context.close()


SLOW_CAMERA = """
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (constraints) =>
  new Promise((resolve) => setTimeout(resolve, 1500)).then(() => getUserMedia(constraints));
"""


def test_leaving_while_the_browser_is_still_asking_for_the_camera_never_turns_it_on(camera_browser, site_url):
    context = camera_browser.new_context(service_workers="block")
    context.add_init_script(SLOW_CAMERA)
    try:
        page = open_page(context, site_url + "detect.html")
        page.click("#camera-start")
        page.click("header a[href='index.html']")
        wait_for_view(page, "index.html")
        page.wait_for_timeout(2500)  # the browser has given the camera by now
        assert page.evaluate("document.body.dataset.camera") != "on"
        page.go_back()
        wait_for_view(page, "detect.html")
        assert page.evaluate("document.querySelector('#video').srcObject") is None
        assert page.is_visible("#camera-start") and page.is_enabled("#camera-start")
        assert page.is_hidden("#camera-stop")
    finally:
        context.close()
