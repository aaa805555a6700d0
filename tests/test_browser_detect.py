"""The object-detection page's photo mode in headless Chromium, against CPython on the same files.

The page runs the library in Pyodide with onnxruntime-web; CPython runs the same model file with
native onnxruntime. Detections are read from the DOM (data-* attributes hold full precision).
"""
import pytest

from ondevice.tasks.detect import Box
from browser_pages import give_file, give_text_file_and_expect_refusal, open_page, wait_for_run

TASK = "object-detection"
SCORE_TOLERANCE = 0.02  # WASM vs native kernels, Pillow 10 (Pyodide) vs 13 (CPython)
MIN_BOX_IOU = 0.95


@pytest.fixture(scope="module")
def page(browser, site_url):
    context = browser.new_context()
    yield open_page(context, site_url + "detect.html")
    context.close()


def detections(page) -> list[tuple[str, float, Box]]:
    rows = page.eval_on_selector_all(
        "#detections li", "items => items.map(li => [li.dataset.label, Number(li.dataset.score), li.dataset.box])")
    return [(label, score, Box(*map(float, box.split(",")))) for label, score, box in rows]


@pytest.mark.parametrize("name", ["cat", "coffee", "motorcycle", "astronaut"])
def test_page_agrees_with_cpython_on_the_same_file(page, native_model, photo, run, name):
    give_file(page, photo(name))
    in_browser = detections(page)
    native = run(native_model(TASK)(photo(name).read_bytes()))
    assert [label for label, _, _ in in_browser] == [d.label for d in native], (in_browser, native)
    for (label, score, box), expected in zip(in_browser, native):
        assert score == pytest.approx(expected.score, abs=SCORE_TOLERANCE), label
        assert box.overlap(expected.box) >= MIN_BOX_IOU, (label, box, expected.box)
    assert page.text_content("#error") == ""
    widths = page.evaluate("[document.getElementById('photo-overlay').width, document.getElementById('preview').naturalWidth]")
    assert widths[0] == widths[1] > 0  # boxes are drawn in the photo's own pixels


def test_boxes_are_drawn_over_the_photo(page, photo):
    give_file(page, photo("motorcycle"))
    ((_, _, box),) = [d for d in detections(page) if d[0] == "motorcycle"]
    # The box's left edge is painted on the overlay; the middle of the box is left clear.
    painted = page.evaluate("""([x, y, w, h]) => {
        const context = document.getElementById('photo-overlay').getContext('2d');
        const alpha = (px, py) => context.getImageData(Math.round(px), Math.round(py), 1, 1).data[3];
        return [alpha(x, y + h / 2), alpha(x + w / 2, y + h / 2)];
    }""", list(box))
    assert painted[0] > 0 and painted[1] == 0, painted


def test_a_photo_with_nothing_in_it_lists_nothing(page, photo):
    give_file(page, photo("brick"))
    assert detections(page) == []
    assert page.text_content("#timing").startswith("No objects found")
    assert page.get_attribute("body", "data-state") == "ready"


def test_a_file_that_is_not_an_image_shows_an_error_and_keeps_the_result(page, photo):
    give_file(page, photo("cat"))
    give_text_file_and_expect_refusal(page, detections)
    give_file(page, photo("coffee"))
    assert "cup" in [label for label, _, _ in detections(page)] and page.text_content("#error") == ""
    assert page.errors == []


def test_sample_buttons_detect_the_bundled_photos(page):
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    page.click("button[data-sample=cat]")
    wait_for_run(page, runs)
    assert detections(page)[0][0] == "cat"


def test_loading_panel_reported_the_models_bytes(page, manifest):
    rows = page.eval_on_selector_all(
        "#loading .progress-row", "rows => rows.map(r => [r.dataset.kind, Number(r.dataset.loaded), Number(r.dataset.total)])")
    kinds = {kind: (loaded, total) for kind, loaded, total in rows}
    entry = manifest["models"][TASK]
    assert kinds["model"] == (entry["variants"][entry["default_variant"]["wasm"]]["bytes"],) * 2


def test_no_request_leaves_the_local_server(page, site_url):
    foreign = [url for url in page.requests if not url.startswith((site_url, "data:", "blob:"))]
    assert page.requests and foreign == []


def test_without_a_camera_the_page_says_why_and_keeps_working(page, photo):
    """This Chromium has no (fake) camera: Start must explain, not fail silently or break the page."""
    page.click("#camera-start")
    page.wait_for_function("document.getElementById('camera-message').textContent !== ''", timeout=20_000)
    message = page.text_content("#camera-message")
    assert any(words in message for words in ("No camera was found", "Camera access was refused",
                                              "no access to a camera")), message
    assert page.is_visible("#camera-start") and page.is_enabled("#camera-start")
    give_file(page, photo("coffee"))
    assert "cup" in [label for label, _, _ in detections(page)] and page.text_content("#error") == ""
