"""The object-detection page's webcam mode in headless Chromium with a fake camera.

The fake camera plays a y4m video made from the astronaut photo (conftest); the page must draw a
`person` box over the live video where CPython finds it on the same picture, report frames per
second, stay responsive between frames, and stop cleanly.
"""
import pytest

from browser_pages import open_page
from ondevice.tasks.detect import Box

TASK = "object-detection"
MIN_BOX_IOU = 0.8  # the fake camera's frames went through YUV 4:2:0 and back
RESPONSIVE_MS = 500  # longest the main thread may be blocked while the webcam runs (ORT in a worker)


@pytest.fixture(scope="module")
def page(camera_browser, site_url):
    context = camera_browser.new_context()
    page = open_page(context, site_url + "detect.html")
    page.click("#camera-start")
    page.wait_for_function("Number(document.getElementById('camera-status').dataset.frames || 0) >= 5", timeout=60_000)
    yield page
    context.close()


def test_boxes_appear_over_the_live_video_where_cpython_finds_them(page, native_model, fake_camera_frame, run):
    rows = page.eval_on_selector_all("#detections li", "items => items.map(li => [li.dataset.label, li.dataset.box])")
    live = {label: Box(*map(float, box.split(","))) for label, box in reversed(rows)}
    native = [d for d in run(native_model(TASK)(fake_camera_frame)) if d.label == "person"]
    assert "person" in live and native, (rows, native)
    overlap = live["person"].overlap(native[0].box)
    assert overlap >= MIN_BOX_IOU, (live["person"], native[0].box)
    size = page.evaluate("[...['video-overlay', 'video'].map(id => document.getElementById(id))]"
                         ".map(e => e.width || e.videoWidth)")
    assert size == [640, 640]  # the overlay is drawn in the video's own pixels
    assert not page.is_hidden("#video-stage") and page.text_content("#error") == ""


def test_frames_per_second_is_reported(page):
    fps = float(page.get_attribute("#camera-status", "data-fps"))
    assert fps > 0.5, fps
    assert "frames/s" in page.text_content("#camera-status")


def test_the_page_stays_responsive_while_detecting(page):
    """Timers keep firing between frames: the longest gap stays well under a second."""
    longest = page.evaluate("""() => new Promise(resolve => {
        let last = performance.now(), longest = 0;
        const started = last;
        const tick = () => {
            const now = performance.now();
            longest = Math.max(longest, now - last);
            last = now;
            if (now - started < 2000) setTimeout(tick, 0); else resolve(longest);
        };
        setTimeout(tick, 0);
    })""")
    assert longest < RESPONSIVE_MS, longest
    assert int(page.get_attribute("#camera-status", "data-frames")) >= 5


def test_stop_turns_the_camera_off_and_a_photo_still_works(page, photo):
    page.click("#camera-stop")
    page.wait_for_function("document.getElementById('video').srcObject === null", timeout=10_000)
    assert page.text_content("#camera-status") == "Webcam stopped." and page.is_hidden("#video-stage")
    frames = int(page.get_attribute("#camera-status", "data-frames"))
    page.wait_for_timeout(500)
    assert int(page.get_attribute("#camera-status", "data-frames")) == frames  # no frame after stop
    runs = int(page.evaluate("document.body.dataset.runs || 0"))
    page.set_input_files("#file", str(photo("cat")))
    page.wait_for_function(f"Number(document.body.dataset.runs || 0) > {runs}", timeout=60_000)
    assert page.eval_on_selector_all("#detections li", "items => items.map(li => li.dataset.label)")[0] == "cat"
    assert page.errors == []
