"""The teachable classifier's figures for `python build.py bench`, measured in teach.html.

Per run (the page's bench hook, site/py/teach_page.py): the time to add one example (one run of
the classifier's network), to train on 5 classes x 50 examples and to classify a photo with the
result; then live predictions on a fake webcam (Chromium plays a clip of the sample photo) after
teaching two classes from samples: frames per second over a few seconds.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from .bench import summary
from .browser import fake_camera_args, launch, write_y4m
from .paths import DIST
from .serve import serve_in_background

PAGE = "teach.html"
SAMPLE = "samples/coffee.jpg"
OTHER_SAMPLE = "samples/cat.jpg"
LIVE_SECONDS = 8


def measure_teaching(playwright, runs: int) -> dict:
    from PIL import Image, ImageOps

    with tempfile.TemporaryDirectory() as folder:
        frame = ImageOps.fit(Image.open(DIST / SAMPLE).convert("RGB"), (640, 480))
        video = write_y4m(Path(folder) / "sample.y4m", [frame] * 30)
        browser = launch(playwright, fake_camera_args(video))
        server, base = serve_in_background(DIST)
        try:
            page = browser.new_context(bypass_csp=True).new_page()  # wait_for_function evaluates strings
            page.goto(base + PAGE)
            page.wait_for_selector("body[data-state=ready]", timeout=180_000)
            timings = json.loads(page.evaluate("args => ondeviceBench(...args)", [runs + 1, base + SAMPLE]))[1:]
            for n, sample in ((1, SAMPLE), (2, OTHER_SAMPLE)):
                before = page.evaluate("Number(document.body.dataset.runs || 0)")
                page.set_input_files(f".class-card:nth-child({n}) .class-photos", str(DIST / sample))
                page.wait_for_function(f"Number(document.body.dataset.runs || 0) > {before}")
            page.click("#train")
            page.wait_for_selector("#save:not([disabled])")
            page.click("#camera-start")
            page.wait_for_selector("body[data-camera=on]", timeout=60_000)
            time.sleep(LIVE_SECONDS)
            fps = float(page.get_attribute("#camera-status", "data-fps") or 0)
            page.click("#camera-stop")
        finally:
            server.shutdown()
            browser.close()
    result = {stage: summary([t[stage] for t in timings]) for stage in timings[0]}
    result["live_fps"] = fps
    return result
