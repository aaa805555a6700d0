"""Every shipped variant of every model, run by its own page in headless Chromium on its backend,
against CPython (native onnxruntime) on the same variant file; and the page's WebGPU fallback.

- WASM: each variant the manifest ships, through the page's `?variant=` (one page load per view
  and variant; the segmentation page checks its general and landscape models in the same load).
- WebGPU: each view through `?backend=webgpu` in a Chromium with WebGPU enabled (SwiftShader, a
  software adapter: about 100x slower than WASM, so one small input per model). The variant
  expected is the one `ondevice.loader.choose_variant` picks for the adapter the page reports (fp16
  needs 16-bit float shaders, which SwiftShader lacks: there the fp32 file runs on WebGPU).
- Fallback: without WebGPU, or when WebGPU fails on the model (its session, or its first run), the
  page runs the WASM default on WASM by itself, says so in a visible note, and still answers right.

Parametrised from dist/models/manifest.json: a new variant is tested without new test code (a new
task needs a probe below, and a test says so).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from browser_pages import bypassing_csp, classifications, open_page, runs, wait_for_run
from ondevice import compose
from ondevice.loader import WebGPUSupport, choose_variant
from ondevice.tasks.detect import Box
from ondevice.tasks.segment import mask_iou
from ondevice_build.browser import launch
from ondevice_build.paths import DIST
from ondevice_build.sentences import SEARCH_CASES, corpus

SCORE_TOLERANCE = 0.02  # class probability / detection score: ORT-web kernels vs native, Pillow 10 vs 13
MIN_BOX_IOU = 0.95
COSINE_TOLERANCE = 3e-3
# int8-dynamic quantises activations at run time: WASM's integer kernels round otherwise than native
# onnxruntime's exact u8u8 ones (session.x64quantprecision), which moved a cosine by 0.006.
COSINE_TOLERANCE_BY_VARIANT = {"int8-dynamic": 0.015}
MIN_MASK_IOU = 0.98
WEBGPU_TIMEOUT = 600_000  # ms: SwiftShader compiles every shader on the first run


# ---- what the page shows ------------------------------------------------------------------------
def running(page) -> dict:
    """What the page says it runs: the last loaded model's task, variant and backend, and the note."""
    return page.evaluate("""() => { const s = document.getElementById('status').dataset;
        const note = document.getElementById('backend-note');
        return {task: s.task, variant: s.variant, backend: s.backend, note: note.hidden ? '' : note.textContent}; }""")


def detections(page) -> list[tuple[str, float, Box]]:
    rows = page.eval_on_selector_all(
        "#detections li", "items => items.map(li => [li.dataset.label, Number(li.dataset.score), li.dataset.box])")
    return [(label, score, Box(*map(float, box.split(",")))) for label, score, box in rows]


def cut_out(page) -> np.ndarray:
    """The segmentation page's cut-out of the photo on screen, as downloaded (H, W, 4) uint8."""
    with page.expect_download() as download:
        page.click("#download")
    return np.asarray(Image.open(download.value.path()))


# ---- one probe per task: run a small real input through the page and through CPython ----------
def probe_classification(page, native, photo, run, timeout):
    give_file_within(page, photo("cat"), timeout)
    in_browser = classifications(page)
    expected = run(native(photo("cat").read_bytes(), top_k=5))
    assert in_browser[0][2] == expected[0].class_id, (in_browser, expected)
    scores = {c.class_id: c.score for c in expected}
    for label, score, class_id in in_browser:
        if class_id in scores:
            assert score == pytest.approx(scores[class_id], abs=SCORE_TOLERANCE), (label, score)


def probe_detection(page, native, photo, run, timeout):
    give_file_within(page, photo("cat"), timeout)
    in_browser = detections(page)
    expected = run(native(photo("cat").read_bytes()))
    assert expected, "the native model found nothing: the probe photo proves nothing"
    assert [label for label, _, _ in in_browser] == [d.label for d in expected], (in_browser, expected)
    for (label, score, box), want in zip(in_browser, expected):
        assert score == pytest.approx(want.score, abs=SCORE_TOLERANCE), label
        assert box.overlap(want.box) >= MIN_BOX_IOU, (label, box, want.box)


def probe_embeddings(page, native, photo, run, timeout):
    query, expected_text = SEARCH_CASES[0]
    texts = [text for text in corpus() if text != expected_text][:5] + [expected_text]
    type_within(page, "#query", query, timeout)  # no corpus yet: the page asks for one
    type_within(page, "#corpus", "\n".join(texts), timeout)
    in_browser = page.eval_on_selector_all(
        "#results li", "items => items.map(li => [Number(li.dataset.index), Number(li.dataset.score)])")
    expected = run(native.search(query, texts, top_k=10))
    assert texts[in_browser[0][0]] == expected_text
    assert [index for index, _ in in_browser] == [hit.index for hit in expected]
    tolerance = COSINE_TOLERANCE_BY_VARIANT.get(native.variant, COSINE_TOLERANCE)
    for (index, score), hit in zip(in_browser, expected):
        assert score == pytest.approx(hit.score, abs=tolerance), (index, hit)


def probe_segmentation(model_name: str):
    def probe(page, native, photo, run, timeout):
        photo_shown = page.is_enabled("#download")  # (the result canvas is styled visible even when hidden)
        if page.input_value("#model") != model_name:
            before = runs(page)
            page.select_option("#model", model_name)
            if photo_shown:  # the page segments it again with the model chosen
                wait_for_run(page, before, timeout)
        if not photo_shown:
            give_file_within(page, photo("astronaut"), timeout)
        assert running(page)["task"] == model_name
        pixels = np.asarray(Image.open(photo("astronaut")).convert("RGB"))
        expected = compose.cut_out(pixels, run(native(pixels)))
        in_browser = cut_out(page)
        assert in_browser.shape == expected.shape
        assert mask_iou(in_browser[:, :, 3] / 255, expected[:, :, 3] / 255) >= MIN_MASK_IOU
    return probe


# task -> (the view that runs it, its probe)
PROBES = {
    "image-classification": ("classify.html", probe_classification),
    "object-detection": ("detect.html", probe_detection),
    "sentence-embeddings": ("search.html", probe_embeddings),
    "person-segmentation": ("segment.html", probe_segmentation("person-segmentation")),
    "person-segmentation-landscape": ("segment.html", probe_segmentation("person-segmentation-landscape")),
}


def give_file_within(page, path, timeout):
    before = runs(page)
    page.set_input_files("#file", str(path))
    wait_for_run(page, before, timeout)
    assert page.text_content("#error") == "", page.text_content("#error")


def type_within(page, selector, text, timeout):
    before = runs(page)
    page.fill(selector, text)
    wait_for_run(page, before, timeout)


# ---- parametrisation from the manifest ----------------------------------------------------------
def shipped() -> dict:
    path = DIST / "models" / "manifest.json"
    return json.loads(path.read_text())["models"] if path.exists() else {}


def wasm_cases() -> list:
    """(task, variant) for every shipped variant, grouped so one view and variant load once."""
    models = shipped()
    cases = [(PROBES.get(task, ("?",))[0], variant, task) for task, entry in models.items() for variant in entry["variants"]]
    return [pytest.param(task, variant, id=f"{task}-{variant}") for _, variant, task in sorted(cases)]


def webgpu_cases() -> list:
    return [pytest.param(task, id=task) for task in sorted(shipped(), key=lambda task: PROBES.get(task, ("?",))[0])]


class OnePage:
    """The page at one URL, kept open while consecutive tests use the same URL (one load each)."""

    def __init__(self, browser):
        self.browser, self.url, self.page = browser, None, None

    def at(self, url: str, timeout: int = 120_000):
        if url != self.url:
            self.close()
            self.url = url
            self.page = open_page(self.browser.new_context(), url)
        return self.page

    def close(self):
        if self.page is not None:
            self.page.context.close()
        self.url = self.page = None


@pytest.fixture(scope="module")
def wasm_pages(browser):
    pages = OnePage(browser)
    yield pages
    pages.close()


@pytest.fixture(scope="module")
def webgpu_browser(playwright):
    """Chromium with WebGPU enabled: headless, it offers SwiftShader (a software adapter)."""
    browser = bypassing_csp(launch(playwright, ["--enable-unsafe-webgpu"]))
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def webgpu_pages(webgpu_browser):
    pages = OnePage(webgpu_browser)
    yield pages
    pages.close()


def test_every_shipped_task_has_a_browser_probe(manifest):
    assert set(manifest["models"]) <= set(PROBES), "add a probe for the new task to this module"


@pytest.mark.parametrize("task,variant", wasm_cases())
def test_each_shipped_variant_runs_on_wasm_like_cpython(wasm_pages, site_url, native_model, photo, run, task, variant):
    view, probe = PROBES[task]
    page = wasm_pages.at(f"{site_url}{view}?variant={variant}")
    probe(page, native_model(task, variant), photo, run, 120_000)
    assert running(page) == {"task": task, "variant": variant, "backend": "wasm", "note": ""}
    assert page.errors == []


@pytest.mark.parametrize("task", webgpu_cases())
def test_webgpu_default_runs_on_webgpu_like_cpython(webgpu_pages, site_url, manifest, native_model, photo, run, task):
    view, probe = PROBES[task]
    page = webgpu_pages.at(f"{site_url}{view}?backend=webgpu")
    support = page.evaluate("ondevice.webgpuSupport()")
    assert support["problem"] is None, f"this Chromium offers no WebGPU: {support}"
    entry = manifest["models"][task]
    expected = choose_variant(entry["default_variant"], entry["variants"], None, "webgpu", WebGPUSupport(**support))
    assert expected.backend == "webgpu"
    probe(page, native_model(task, expected.variant), photo, run, WEBGPU_TIMEOUT)
    now = running(page)
    assert (now["task"], now["variant"], now["backend"]) == (task, expected.variant, "webgpu")
    # the glue prefetched the file that runs, not the WebGPU default it replaced
    requested = " ".join(page.requests)
    assert entry["variants"][expected.variant]["file"] in requested
    default_file = entry["variants"][entry["default_variant"]["webgpu"]]["file"]
    assert expected.variant == entry["default_variant"]["webgpu"] or default_file not in requested
    # ... and onnxruntime-web's WebGPU build, its bytes counted in the loading panel
    webgpu_runtime = page.evaluate("ondevice.config.ort.webgpuFiles")
    loaded, total = page.evaluate("""() => { const row = document.querySelector('#loading [data-kind=onnxruntime]');
        return [Number(row.dataset.loaded), Number(row.dataset.total)]; }""")
    assert loaded == total >= sum(asset["bytes"] for asset in webgpu_runtime)
    assert all(asset["url"] in requested for asset in webgpu_runtime)
    if expected.fallback:  # e.g. SwiftShader has no 16-bit float shaders: fp32 on WebGPU, and the page says so
        assert now["note"] == expected.fallback
    else:
        assert now["note"] == ""


def test_without_webgpu_the_page_falls_back_to_wasm_and_says_so(browser, site_url, manifest, native_model, photo, run):
    """Plain headless Chromium has navigator.gpu but no adapter: ?backend=webgpu runs the WASM default."""
    page = open_page(browser.new_context(), site_url + "classify.html?backend=webgpu")
    try:
        entry = manifest["models"]["image-classification"]
        wasm_default = entry["default_variant"]["wasm"]
        probe_classification(page, native_model("image-classification", wasm_default), photo, run, 120_000)
        now = running(page)
        assert (now["variant"], now["backend"]) == (wasm_default, "wasm")
        assert now["note"].startswith("WebGPU is not available here") and f"{wasm_default} model runs on WASM" in now["note"]
        assert page.is_visible("#backend-note")
        # the glue asked the browser first: the WebGPU file was never downloaded
        webgpu_file = entry["variants"][entry["default_variant"]["webgpu"]]["file"]
        assert not [url for url in page.requests if webgpu_file in url]
        assert page.errors == []
    finally:
        page.context.close()


# The page's first WebGPU adapter (the glue's question, before onnxruntime-web asks its own) claims
# 16-bit float shaders that SwiftShader lacks: the page picks the fp16 file, and onnxruntime-web then
# fails on it (at session creation, or at the first run), the way a faulty GPU driver would.
CLAIM_FLOAT16 = """
const requestAdapter = GPU.prototype.requestAdapter;
let first = true;
GPU.prototype.requestAdapter = async function (...args) {
  const adapter = await requestAdapter.apply(this, args);
  if (!first || !adapter) return adapter;
  first = false;
  return { features: new Set([...adapter.features, 'shader-f16']) };
};
"""


@pytest.mark.parametrize("task", [
    "image-classification",  # its fp16 session fails to start
    "sentence-embeddings",  # its fp16 session starts, then fails at its first run (found at load)
])
def test_when_the_webgpu_session_fails_the_page_falls_back_to_wasm_and_says_so(webgpu_browser, site_url, manifest,
                                                                               native_model, photo, run, task):
    if manifest["models"][task]["default_variant"]["webgpu"] != "fp16":
        pytest.skip("the way this test makes WebGPU fail needs an fp16 WebGPU default")
    view, probe = PROBES[task]
    context = webgpu_browser.new_context()
    context.add_init_script(CLAIM_FLOAT16)
    page = open_page(context, f"{site_url}{view}?backend=webgpu")
    try:
        assert page.evaluate("ondevice.webgpuSupport()") == {"problem": None, "float16": True}
        wasm_default = manifest["models"][task]["default_variant"]["wasm"]
        probe(page, native_model(task, wasm_default), photo, run, 120_000)
        now = running(page)
        assert (now["variant"], now["backend"]) == (wasm_default, "wasm")
        assert now["note"].startswith("WebGPU could not run this model here") and "runs on WASM" in now["note"]
        assert page.errors == []
    finally:
        context.close()
