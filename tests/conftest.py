"""Shared fixtures: the built site, real photos, native models, a local server and Chromium.

The browser suite needs Chromium: $CHROMIUM, else /usr/bin/chromium (Debian), else the browser
Playwright installs itself (`playwright install chromium`, on machines that can download it).
"""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ondevice import load
from ondevice.loader import LocalStore
from ondevice_build import photos
from ondevice_build.browser import launch, write_y4m
from ondevice_build.paths import DIST
from ondevice_build.serve import serve_in_background

from browser_pages import bypassing_csp



@pytest.fixture(scope="session")
def dist() -> Path:
    if not (DIST / "models" / "manifest.json").exists():
        pytest.fail("dist/ is not built: run `python build.py test`, which builds first", pytrace=False)
    return DIST


@pytest.fixture(scope="session")
def manifest(dist) -> dict:
    return json.loads((dist / "models" / "manifest.json").read_text())


@pytest.fixture(scope="session")
def site_files(dist) -> dict:
    """Every file of the built site (path -> its entry in site-manifest.json)."""
    return json.loads((dist / "site-manifest.json").read_text())["files"]


@pytest.fixture(scope="session")
def photo():
    return photos.photo


def run_coroutine(coroutine):
    """Run a coroutine to completion from sync test code, even while Playwright's loop is running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def run():
    return run_coroutine


@pytest.fixture(scope="session")
def native_model(dist):
    """`native_model(task, variant)`: the shipped model file run by CPython onnxruntime (cached)."""
    loaded = {}

    def get(task: str, variant: str | None = None):
        key = (task, variant)
        if key not in loaded:
            loaded[key] = run_coroutine(load(task, variant=variant, store=LocalStore(dist / "models")))
        return loaded[key]

    return get


@pytest.fixture(scope="session")
def site_url(dist):
    server, url = serve_in_background(dist)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright):
    browser = bypassing_csp(launch(playwright))
    yield browser
    browser.close()


FAKE_CAMERA_SIZE = (640, 480)


@pytest.fixture(scope="session")
def fake_camera_frame():
    """The picture the fake camera shows: the astronaut photo fitted to 640x480 (PIL, RGB)."""
    from PIL import Image, ImageOps

    return ImageOps.fit(Image.open(photos.photo("astronaut")).convert("RGB"), FAKE_CAMERA_SIZE)


@pytest.fixture(scope="session")
def fake_camera_video(tmp_path_factory, fake_camera_frame) -> Path:
    """A 1 s, 30 frames/s, 640x480 y4m video of a real photo for Chromium's fake camera (which
    plays it in a loop)."""
    return write_y4m(tmp_path_factory.mktemp("camera") / "camera.y4m", [fake_camera_frame] * 30)


@pytest.fixture(scope="session")
def camera_browser(playwright, fake_camera_video):
    """Chromium whose camera plays `fake_camera_video` (in a loop), granted without a prompt."""
    from ondevice_build.browser import fake_camera_args

    browser = bypassing_csp(launch(playwright, fake_camera_args(fake_camera_video)))
    yield browser
    browser.close()
