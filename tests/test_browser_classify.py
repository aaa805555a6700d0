"""The classification page in headless Chromium, against CPython on the same files.

The page runs the library in Pyodide with onnxruntime-web; CPython runs the same model file with
native onnxruntime. Labels are read from the DOM (data-* attributes hold full-precision scores).
"""
import pytest

SCORE_TOLERANCE = 0.01  # absolute, per class probability: WASM vs native kernels, Pillow 10 vs 13
ESPRESSO = 967


@pytest.fixture(scope="module")
def page(browser, site_url):
    context = browser.new_context()
    page = context.new_page()
    page.requests = []
    page.errors = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(site_url + "classify.html")
    page.wait_for_selector("body[data-state=ready]", timeout=120_000)
    yield page
    context.close()


def results(page) -> list[tuple[str, float, int]]:
    return page.eval_on_selector_all(
        "#results li", "items => items.map(li => [li.dataset.label, Number(li.dataset.score), Number(li.dataset.classId)])")


def give_file(page, path=None, *, name=None, data=None, mime="application/octet-stream"):
    """Upload through the file input and wait until the page has finished with it."""
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    if path is not None:
        page.set_input_files("#file", str(path))
    else:
        page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    wait_for_run(page, runs)


def wait_for_run(page, runs_before: int) -> None:
    try:
        page.wait_for_function(f"Number(document.body.dataset.runs || 0) > {runs_before}", timeout=60_000)
    except Exception as error:
        raise AssertionError(f"the page did not finish: errors {page.errors}, "
                             f"message {page.text_content('#error')!r}") from error


@pytest.mark.parametrize("name", ["cat", "rocket", "coffee"])
def test_page_agrees_with_cpython_on_the_same_file(page, native_model, photo, name, run):
    give_file(page, photo(name))
    in_browser = results(page)
    native = run(native_model("image-classification")(photo(name).read_bytes(), top_k=5))
    assert len(in_browser) == 5
    assert in_browser[0][2] == native[0].class_id, (in_browser, native)
    native_scores = {c.class_id: c.score for c in native}
    for label, score, class_id in in_browser:
        if class_id in native_scores:
            assert score == pytest.approx(native_scores[class_id], abs=SCORE_TOLERANCE), (label, score)
    assert page.text_content("#error") == ""


def give_text_file_and_expect_refusal(page, read_results) -> None:
    """Upload a text file: the page must say it is not an image and keep `read_results(page)` as it was."""
    before = read_results(page)
    give_file(page, name="notes.txt", data=b"this is not a photo", mime="text/plain")
    assert "not an image" in page.text_content("#error")
    assert page.get_attribute("body", "data-state") == "error"
    assert read_results(page) == before  # the previous result stays on screen


def test_a_file_that_is_not_an_image_shows_an_error_and_keeps_the_page_working(page, photo):
    give_file(page, photo("cat"))
    give_text_file_and_expect_refusal(page, results)
    give_file(page, photo("coffee"))
    assert results(page)[0][2] == ESPRESSO
    assert page.text_content("#error") == ""
    assert page.errors == []


def test_sample_buttons_classify_the_bundled_photos(page):
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    page.click("button[data-sample=coffee]")
    wait_for_run(page, runs)
    assert results(page)[0][2] == ESPRESSO


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
