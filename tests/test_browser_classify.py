"""The classification page in headless Chromium, against CPython on the same files.

The page runs the library in Pyodide with onnxruntime-web; CPython runs the same model file with
native onnxruntime. Labels are read from the DOM (data-* attributes hold full-precision scores).
"""
import pytest

from browser_pages import (ESPRESSO, classifications, give_file, give_text_file_and_expect_refusal, open_page, runs,
                           wait_for_run)

SCORE_TOLERANCE = 0.01  # absolute, per class probability: WASM vs native kernels, Pillow 10 vs 13


@pytest.fixture(scope="module", params=["", "?python=boot"], ids=["snapshot", "boot"])
def page(browser, site_url, request):
    """The page with Python restored from its memory snapshot, and booted without it."""
    page = open_page(browser.new_context(), site_url + "classify.html" + request.param)
    yield page
    page.context.close()


@pytest.mark.parametrize("name", ["cat", "rocket", "coffee"])
def test_page_agrees_with_cpython_on_the_same_file(page, native_model, photo, name, run):
    give_file(page, photo(name))
    in_browser = classifications(page)
    native = run(native_model("image-classification")(photo(name).read_bytes(), top_k=5))
    assert len(in_browser) == 5
    assert in_browser[0][2] == native[0].class_id, (in_browser, native)
    native_scores = {c.class_id: c.score for c in native}
    for label, score, class_id in in_browser:
        if class_id in native_scores:
            assert score == pytest.approx(native_scores[class_id], abs=SCORE_TOLERANCE), (label, score)
    assert page.text_content("#error") == ""


def test_a_file_that_is_not_an_image_shows_an_error_and_keeps_the_page_working(page, photo):
    give_file(page, photo("cat"))
    give_text_file_and_expect_refusal(page, classifications)
    give_file(page, photo("coffee"))
    assert classifications(page)[0][2] == ESPRESSO
    assert page.text_content("#error") == ""
    assert page.errors == []


def test_sample_buttons_classify_the_bundled_photos(page):
    before = runs(page)
    page.click("button[data-sample=coffee]")
    wait_for_run(page, before)
    assert classifications(page)[0][2] == ESPRESSO


def test_loading_panel_reported_bytes_of_runtime_and_model(page, manifest):
    rows = page.eval_on_selector_all(
        "#loading .progress-row", "rows => rows.map(r => [r.dataset.kind, Number(r.dataset.loaded), Number(r.dataset.total)])")
    kinds = {kind: (loaded, total) for kind, loaded, total in rows}
    assert {"python", "packages", "onnxruntime", "model"} <= kinds.keys()
    for kind, (loaded, total) in kinds.items():
        assert loaded == total > 0, kind
    entry = manifest["models"]["image-classification"]
    assert kinds["model"][1] == entry["variants"][entry["default_variant"]["wasm"]]["bytes"]


def test_no_request_leaves_the_local_server(page, site_url):
    assert page.requests, "no requests were recorded"
    foreign = [url for url in page.requests if not url.startswith((site_url, "data:", "blob:"))]
    assert foreign == []
