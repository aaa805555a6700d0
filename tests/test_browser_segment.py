"""The virtual-background page in headless Chromium: photos against CPython, and the live webcam
path fed by Chromium's fake camera (a y4m video of the astronaut photo, see conftest.py)."""
import base64
import io

import numpy as np
import pytest
from PIL import Image

from ondevice import compose
from ondevice.tasks.segment import mask_iou
from ondevice_build import photos

from browser_pages import give_file, open_page, wait_for_run

GREEN = (0, 255, 0)
# Regions of the fake camera frame (the astronaut photo fitted to 640x480: scaled by 1.25, the top
# 64 source rows cropped away): inside her face, and the flag behind her.
FRAME_FACE = (250, 45, 312, 107)
FRAME_FLAG = (0, 0, 60, 150)


@pytest.fixture(scope="module")
def page(camera_browser, site_url):
    context = camera_browser.new_context()
    yield open_page(context, site_url + "segment.html")
    context.close()


def canvas_pixels(page, canvas_id: str) -> np.ndarray:
    """The canvas as (H, W, 4) uint8 RGBA, read back through a PNG (exact pixels)."""
    url = page.evaluate(f"document.getElementById({canvas_id!r}).toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA"))


def region(pixels, box):
    left, top, right, bottom = box
    return pixels[top:bottom, left:right]


def choose(page, select: str, value: str) -> None:
    """Change a <select> and wait until the page has re-drawn (when a photo is on screen)."""
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    page.select_option(select, value)
    if page.is_visible("#photo-result"):
        wait_for_run(page, runs)


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_downloaded_cut_out_matches_cpython_on_the_same_file(page, native_model, photo, run, name):
    give_file(page, photo(name))
    assert page.text_content("#error") == ""
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename.endswith("-cut-out.png")
    in_browser = np.asarray(Image.open(download.value.path()))
    pixels = np.asarray(Image.open(photo(name)).convert("RGB"))
    mask = run(native_model("person-segmentation")(pixels))
    native = compose.cut_out(pixels, mask)
    assert in_browser.shape == native.shape  # RGBA at the photo's own size
    assert mask_iou(in_browser[:, :, 3] / 255, native[:, :, 3] / 255) >= 0.99


def test_colour_and_picture_backgrounds_keep_her_face_and_replace_the_flag(page, photo):
    give_file(page, photo("astronaut"))
    choose(page, "#effect", "colour")
    page.evaluate("e => { e.value = '#00ff00'; e.dispatchEvent(new Event('change')); }", page.query_selector("#colour"))
    page.wait_for_function("document.body.dataset.state === 'ready'")
    original = np.asarray(Image.open(photo("astronaut")).convert("RGB")).astype(int)
    shown = canvas_pixels(page, "photo-result")
    face, flag = (200, 100, 250, 150), (0, 0, 60, 200)
    assert np.abs(region(shown[:, :, :3], face) - region(original, face)).max() <= 2
    assert (np.abs(region(shown[:, :, :3], flag) - GREEN).max(axis=2) <= 2).mean() > 0.98
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    page.click("button[data-background=hubble]")  # a dark picture of deep space
    wait_for_run(page, runs)
    shown = canvas_pixels(page, "photo-result")
    assert page.input_value("#effect") == "image"
    assert region(shown[:, :, :3], flag).mean() < 60
    assert np.abs(region(shown[:, :, :3], face) - region(original, face)).max() <= 2


def test_the_picture_effect_before_any_picture_is_chosen_shows_the_first_bundled_one(browser, site_url, dist, photo):
    context = browser.new_context()  # a view of its own: the other tests choose pictures
    try:
        page = open_page(context, site_url + "segment.html")
        give_file(page, photo("astronaut"))
        choose(page, "#effect", "image")
        assert page.text_content("#error") == ""
        shown = canvas_pixels(page, "photo-result")[:, :, :3].astype(int)
        original = np.asarray(Image.open(photo("astronaut")).convert("RGB")).astype(int)
        first = (dist / "samples" / f"{photos.BACKGROUNDS[0]}.jpg").read_bytes()
        picture = compose.fit_background(first, original.shape[1], original.shape[0]).astype(int)
        flag = (0, 0, 60, 200)  # background: the picture shows there, not her flag
        assert np.abs(region(shown, flag) - region(picture, flag)).mean() <= 2
        assert np.abs(region(shown, flag) - region(original, flag)).mean() > 20
    finally:
        context.close()


def test_an_uploaded_background_replaces_hers_and_a_bad_one_is_refused(page, photo):
    give_file(page, photo("astronaut"))
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    page.set_input_files("#background-file", files=[{"name": "plain.png", "mimeType": "image/png",
                                                      "buffer": compose.to_png(np.full((50, 50, 3), (255, 0, 255), np.uint8))}])
    wait_for_run(page, runs)
    assert page.input_value("#effect") == "image"
    shown = canvas_pixels(page, "photo-result")[:, :, :3].astype(int)
    assert (np.abs(region(shown, (0, 0, 60, 200)) - (255, 0, 255)).max(axis=2) <= 2).mean() > 0.98
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    page.set_input_files("#background-file", files=[{"name": "x.txt", "mimeType": "text/plain", "buffer": b"no"}])
    wait_for_run(page, runs)
    assert "not an image" in page.text_content("#error")
    assert np.array_equal(canvas_pixels(page, "photo-result")[:, :, :3], shown)


def test_a_photo_without_a_person_is_shown_unchanged(page, photo):
    choose(page, "#effect", "blur")
    give_file(page, photo("rocket"))
    assert page.text_content("#error") == ""
    assert page.get_attribute("body", "data-person") == "no"
    assert "no person found" in page.text_content("#timing")
    shown = canvas_pixels(page, "photo-result")[:, :, :3].astype(int)
    original = np.asarray(Image.open(photo("rocket")).convert("RGB")).astype(int)
    assert shown.shape == original.shape
    assert np.abs(shown - original).mean() < 1.0  # JPEG decoders of Pillow 10 (page) and CPython's


def test_a_file_that_is_not_an_image_keeps_the_last_result(page, photo):
    give_file(page, photo("astronaut"))
    before = canvas_pixels(page, "photo-result")
    give_file(page, name="notes.txt", data=b"not a photo", mime="text/plain")
    assert "not an image" in page.text_content("#error")
    assert np.array_equal(canvas_pixels(page, "photo-result"), before)
    give_file(page, photo("astronaut"))
    assert page.text_content("#error") == ""


def webcam_on(page) -> None:
    """The webcam mode with the camera running and at least 8 frames shown (starts it if needed)."""
    page.click("#mode-webcam")
    if page.get_attribute("body", "data-camera") != "on":
        page.click("#camera-start")
    page.wait_for_function("Number(document.getElementById('camera-status').dataset.frames || 0) >= 8",
                           timeout=60_000)


def test_webcam_shows_a_live_virtual_background_with_an_fps_figure(page, fake_camera_frame):
    page.click("#mode-webcam")
    choose(page, "#effect", "colour")
    webcam_on(page)
    assert page.get_attribute("body", "data-camera") == "on"
    assert float(page.get_attribute("#camera-status", "data-fps")) > 0.5
    assert "frames/s" in page.text_content("#camera-status")
    shown = canvas_pixels(page, "webcam-result")[:, :, :3].astype(int)
    frame = np.asarray(fake_camera_frame).astype(int)
    assert shown.shape == frame.shape
    # Her face comes through (the fake camera's YUV 4:2:0 round trip shifts colours a little) ...
    assert np.abs(region(shown, FRAME_FACE) - region(frame, FRAME_FACE)).mean() < 12
    # ... and the flag behind her is replaced by the chosen colour.
    assert (np.abs(region(shown, FRAME_FLAG) - GREEN).max(axis=2) <= 2).mean() > 0.95


def test_webcam_switches_to_the_landscape_model_and_stops(page):
    webcam_on(page)
    frames = int(page.get_attribute("#camera-status", "data-frames"))
    page.select_option("#model", "person-segmentation-landscape")
    page.wait_for_function(f"Number(document.getElementById('camera-status').dataset.frames) >= {frames + 5}",
                           timeout=60_000)
    assert "person-segmentation-landscape" in page.text_content("#status")
    page.click("#camera-stop")
    page.wait_for_function("document.body.dataset.camera === 'off'", timeout=10_000)
    assert page.evaluate("document.getElementById('video').srcObject") is None
    assert page.is_visible("#camera-start") and page.is_enabled("#camera-start") and page.is_hidden("#camera-stop")
    assert page.text_content("#camera-message") == ""


def test_loading_panel_counted_both_models_and_nothing_left_the_machine(page, manifest, site_url):
    rows = page.eval_on_selector_all(
        "#loading .progress-row", "rows => rows.map(r => [r.dataset.kind, Number(r.dataset.loaded), Number(r.dataset.total)])")
    kinds = {kind: (loaded, total) for kind, loaded, total in rows}
    expected = sum(manifest["models"][task]["variants"]["fp32"]["bytes"]
                   for task in ("person-segmentation", "person-segmentation-landscape"))
    assert kinds["model"] == (expected, expected)
    foreign = [url for url in page.requests if not url.startswith((site_url, "data:", "blob:"))]
    assert foreign == [] and page.errors == []
