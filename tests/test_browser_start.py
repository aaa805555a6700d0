"""Pages start Python from the memory snapshot or, without it, from the bytecode the build shipped;
never with micropip; text pages booted without the snapshot without Pillow.

A Python probe is added after the app's own script (PyScript runs a page's scripts in order, in
one interpreter); once the view is ready the test calls it, and it reports how each loaded module
was loaded.
"""
import hashlib
import json
import re
import time

import pytest

from browser_pages import ESPRESSO, assert_every_byte_counted, classifications, click_sample, open_page
from ondevice_build.serve import Handler, serve_in_background
from snapshot_files import left_out_modules

PROBE = """<script type="py">
import importlib.util, json, sys
import js
import pyodide_js
from pyodide.ffi import create_proxy

def loaded_from(module):
    '''"bytecode" (a .pyc the build shipped), "source" (compiled in the page), "stale" (the build's
    .pyc of another source than the one beside it, which Python then compiled) or "other" (built
    in, .so). Pyodide never writes bytecode (sys.dont_write_bytecode): hash-based .pyc are the build's.'''
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or ""
    if origin.endswith(".pyc"):
        return "bytecode"
    if not origin.endswith(".py"):
        return "other"
    try:
        with open(spec.cached, "rb") as cached:
            header = cached.read(16)
    except (OSError, TypeError):
        return "source"
    if header[4] & 1 == 0:  # PEP 552 flags: not hash-based, not the build's
        return "source"
    with open(origin, "rb") as source:
        return "bytecode" if header[8:16] == importlib.util.source_hash(source.read()) else "stale"

def facts():
    pillow = importlib.util.find_spec("PIL") is not None
    if pillow:
        import PIL.Image
    return json.dumps({
        "modules": {name: loaded_from(module) for name, module in list(sys.modules.items())},
        "pillow_installed": pillow,
        "stack_switching": {"browser": bool(js.Reflect.has(js.WebAssembly, "Suspending")),
                            "python": bool(pyodide_js._module.jspiSupported)},
    })

js.pythonFacts = create_proxy(facts)
</script>
</body>"""
# Compiled in the page by design: the app's script, which PyScript runs from its source (the page
# modules of site/py ship as bytecode), and PyScript's own helpers made from JS strings at start
# (its package, which it writes as source too, has the build's bytecode beside it).
COMPILED_IN_THE_PAGE = {"_pyscript", "__main__", "app"}


def python_facts(browser, url: str):
    """Open `url` with the probe; returns (facts the probe reported, URLs the page requested)."""
    context = browser.new_context()
    context.route(url, lambda route: route.fulfill(
        response=(response := route.fetch()), body=response.text().replace("</body>", PROBE)))
    page = open_page(context, url)
    page.wait_for_function("typeof globalThis.pythonFacts === 'function'", timeout=60_000)
    facts = json.loads(page.evaluate("pythonFacts()"))
    requests = list(page.requests)
    context.close()
    return facts, requests


@pytest.fixture(scope="module")
def classify_facts(browser, site_url):
    return python_facts(browser, site_url + "classify.html")


@pytest.fixture(scope="module")
def search_facts(browser, site_url):
    """The search page booted without the snapshot (which holds Pillow, shared by every page)."""
    return python_facts(browser, site_url + "search.html?python=boot")


def test_classify_page_runs_stdlib_numpy_pillow_and_ondevice_from_shipped_bytecode(classify_facts):
    modules = classify_facts[0]["modules"]
    for name in ("json", "asyncio", "numpy", "numpy.linalg", "PIL.Image", "ondevice", "ondevice.image", "pagekit",
                 "classify_page", "pyscript", "pyscript.magic_js", "pyscript.display"):
        assert modules[name] == "bytecode", name
    compiled_here = sorted(name for name, how in modules.items() if how not in ("bytecode", "other")
                           and name.split(".")[0] not in COMPILED_IN_THE_PAGE)
    assert compiled_here == []


@pytest.mark.parametrize("page_facts", ["classify_facts", "search_facts"])
def test_pages_neither_download_nor_import_micropip(page_facts, request):
    facts, requests = request.getfixturevalue(page_facts)
    assert "micropip" not in facts["modules"]
    assert [url for url in requests if "micropip" in url] == []


@pytest.mark.parametrize("page_facts", ["classify_facts", "search_facts"])
def test_python_runs_without_webassembly_stack_switching(page_facts, request):
    """Pyodide is created without WebAssembly stack switching (JSPI), which this Chromium has, and
    the page keeps it for others: Chromium's heap profiler crashes a tab that runs code on such a
    stack (js/python.mjs). Both ways Python starts: from the snapshot (classify) and booted (search)."""
    facts, _ = request.getfixturevalue(page_facts)
    assert facts["stack_switching"] == {"browser": True, "python": False}


def test_search_page_never_downloads_or_imports_pillow(search_facts):
    facts, requests = search_facts
    assert not facts["pillow_installed"] and "PIL" not in facts["modules"]
    assert [url for url in requests if "pillow" in url.lower()] == []
    assert facts["modules"]["numpy"] == "bytecode"


@pytest.mark.parametrize("view", ["classify.html", "search.html"])
def test_the_views_session_is_warmed_up_while_python_starts(browser, site_url, view):
    """The glue creates the view's session while Python starts and, as soon as it exists, runs it
    once on placeholder inputs, so the first photo or query does not pay onnxruntime's one-time
    costs. Python's load() gets the session without waiting for that run (the view may be ready
    before it ends), and the model is downloaded once."""
    context = browser.new_context()
    page = open_page(context, site_url + view)
    page.wait_for_function("'warmed-up' in ondevice.marks", timeout=60_000)
    marks = page.evaluate("ondevice.marks")
    assert marks["session-created"] <= marks["warmed-up"], marks
    assert page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/models/')"
                         " && e.name.endsWith('.onnx')).length") == 1
    context.close()


def test_a_photo_given_at_once_waits_for_the_warm_up_and_is_classified_right(browser, site_url):
    """A photo given the moment the view is ready, when the warm-up run may still be under way:
    its run queues behind the warm-up in onnxruntime's worker, and the answer is right."""
    context = browser.new_context()
    page = open_page(context, site_url + "classify.html")
    click_sample(page, "coffee")
    assert classifications(page)[0][2] == ESPRESSO
    marks = page.evaluate("ondevice.marks")  # click_sample waited for the result: both marks are set
    assert marks["warmed-up"] <= marks["first-result"], marks
    context.close()


# An init script: every response the page's own fetch() gets has a body that is a plain stream of
# chunks, not a byte stream (as in browsers whose fetch bodies are not byte streams yet).
CHUNK_STREAMS = """
const nativeFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const response = await nativeFetch(...args);
  if (!response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream({ async pull(controller) {
    const { done, value } = await reader.read();
    if (done) controller.close(); else controller.enqueue(value);
  } });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
};
"""


def test_downloads_are_read_right_when_bodies_are_not_byte_streams(browser, site_url):
    """The glue reads a download in place where its body is a byte stream (Chromium) and copies
    chunks in where it is not: through that path too, every file checks out (sha256), the loading
    panel counts every byte, and the page classifies right."""
    context = browser.new_context(service_workers="block")
    context.add_init_script(CHUNK_STREAMS)
    page = open_page(context, site_url + "classify.html")
    assert page.evaluate("""async () => { try { (await fetch('index.html')).body.getReader({mode: 'byob'}); return true; }
                                          catch { return false; } }""") is False  # the path under test
    assert_every_byte_counted(page)
    click_sample(page, "coffee")
    assert classifications(page)[0][2] == ESPRESSO
    assert page.evaluate("ondevice.pythonStart.from") == "snapshot"
    assert page.errors == []
    context.close()


class SlowRuntimeDownloadHandler(Handler):
    """Sends onnxruntime-web's wasm to the page's own download of it (the request that says the page
    checks it) slowly, in 64 kB pieces over about 10 s, and not to be cached, so that ORT's worker,
    whose own request for it is answered at once, has made the view's session while the page's
    download still runs."""

    def send_head(self):
        self.slow = (self.path.split("?")[0].endswith("/ort-wasm-simd-threaded.wasm")
                     and "x-ondevice-page-checks" in self.headers)
        return super().send_head()

    def end_headers(self):
        if self.slow:
            self.send_header("Cache-Control", "no-store")  # the worker's request is not held for this one
        super().end_headers()

    def copyfile(self, source, outputfile):
        if not self.slow:
            return super().copyfile(source, outputfile)
        while piece := source.read(64 * 1024):
            outputfile.write(piece)
            time.sleep(0.25)


PROGRESS_LOG = """globalThis.progressLog = [];
new MutationObserver((records) => {
  for (const { target } of records) {
    progressLog.push([target.dataset.kind, Number(target.dataset.loaded), Number(target.dataset.total), performance.now()]);
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-loaded"] });
"""


def test_the_loading_panel_never_counts_back_when_onnxruntime_starts_before_its_download_ends(browser, dist):
    """A first visit where onnxruntime-web has its session before the page's own download of its wasm
    has ended: the ONNX Runtime row keeps counting that download's bytes as they come, never jumping
    to full and back, and ends with every byte counted."""
    server, url = serve_in_background(dist, SlowRuntimeDownloadHandler)
    context = browser.new_context(service_workers="block")
    context.add_init_script(PROGRESS_LOG)
    try:
        page = open_page(context, url + "classify.html")
        page.wait_for_function("""() => { const row = document.querySelector('#loading [data-kind=onnxruntime]');
            return row && row.dataset.loaded === row.dataset.total; }""", timeout=60_000)
        session_made = page.evaluate("ondevice.marks['session-created']")
        counted = [(loaded, total, at) for kind, loaded, total, at in page.evaluate("progressLog") if kind == "onnxruntime"]
        assert any(at > session_made and loaded < total for loaded, total, at in counted), counted  # the case under test
        assert all(later[0] >= earlier[0] for earlier, later in zip(counted, counted[1:])), counted
        assert_every_byte_counted(page)
        assert page.errors == []
    finally:
        context.close()
        server.shutdown()
        server.server_close()


# Python from the memory snapshot (js/python.mjs): what the snapshot did not import or load still
# works (numpy.random and Pillow's WebP codec are libraries loaded on first use), every visit gets
# its own random seed, and when the snapshot cannot be used Python boots the normal way.
SNAPSHOT_PROBE = """<script type="py">
import importlib, io, json, random
import js
from pyodide.ffi import create_proxy

def unimportable(names):
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as error:
            failed.append(f"{name}: {error!r}")
    return failed

def snapshot_facts(modules):
    import numpy as np
    from PIL import Image
    encoded = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 200, 30)).save(encoded, "WEBP", lossless=True)
    return json.dumps({
        "random": random.random(),
        "rng": np.random.default_rng(7).integers(0, 1000, 3).tolist(),
        "webp": list(Image.open(io.BytesIO(encoded.getvalue())).convert("RGB").getpixel((1, 1))),
        "det": float(np.linalg.det(np.array([[2.0, 1.0], [1.0, 3.0]]))),
        "unimportable": unimportable(modules.to_py()),
    })

js.snapshotFacts = create_proxy(snapshot_facts)
</script>
</body>"""


def snapshot_facts(context, url: str, modules=()) -> dict:
    """Open `url` in `context` with the snapshot probe; its facts (`unimportable`: which of `modules`
    did not import, and why) and how Python started."""
    context.route(url, lambda route: route.fulfill(
        response=(response := route.fetch()), body=response.text().replace("</body>", SNAPSHOT_PROBE)))
    page = open_page(context, url)
    page.wait_for_function("typeof globalThis.snapshotFacts === 'function'", timeout=60_000)
    facts = {**json.loads(page.evaluate("(modules) => snapshotFacts(modules)", list(modules))),
             "start": page.evaluate("ondevice.pythonStart")}
    page.close()
    return facts


def test_python_restored_from_the_snapshot_loads_what_it_left_out_and_reseeds(browser, site_url):
    import numpy as np  # the same generator in CPython: PCG64 gives the same numbers everywhere

    context = browser.new_context()
    first, second = (snapshot_facts(context, site_url + "classify.html") for _ in range(2))
    context.close()
    for facts in (first, second):
        assert facts["start"]["from"] == "snapshot" and sorted(facts["start"]["packages"]) == ["numpy", "pillow"]
        assert facts["rng"] == np.random.default_rng(7).integers(0, 1000, 3).tolist()
        assert facts["webp"] == [10, 200, 30]
        assert facts["det"] == pytest.approx(5.0)
    assert first["random"] != second["random"]


def test_python_restored_from_the_snapshot_imports_every_module_whose_bytecode_it_left_out(browser, site_url, dist):
    """The snapshot's site files leave out the bytecode of the modules its imports ran: each of them
    must be one Python never reads again (in sys.modules since the restore)."""
    modules = left_out_modules(dist)
    assert len(modules) > 100 and "numpy" in modules and "PIL.Image" in modules  # the case under test
    context = browser.new_context()
    facts = snapshot_facts(context, site_url + "classify.html", modules)
    context.close()
    assert facts["start"]["from"] == "snapshot"
    assert facts["unimportable"] == []


def test_python_boots_without_the_snapshot_when_asked(browser, site_url):
    context = browser.new_context()
    facts = snapshot_facts(context, site_url + "classify.html?python=boot")
    context.close()
    assert facts["start"] == {"from": "boot", "packages": ["numpy"], "reason": "?python=boot"}
    assert facts["webp"] == [10, 200, 30] and facts["det"] == pytest.approx(5.0)


@pytest.mark.parametrize("query", ["", "?python=boot"], ids=["snapshot", "boot"])
def test_pyodide_takes_its_files_from_the_glue_and_nothing_is_downloaded_twice(browser, site_url, query):
    """Pyodide downloads its stdlib and lock file itself and starts a download of its wasm of its
    own, and PyScript downloads the files its config names (the page's code, ondevice.zip): the page
    hands Python the copies the glue downloaded (and checked) instead, so that each is requested
    once per visit, on either start path."""
    context = browser.new_context(service_workers="block")
    page = open_page(context, site_url + "classify.html" + query)
    requested = page.evaluate("performance.getEntriesByType('resource').map((entry) => entry.name)")
    context.close()
    for name in ("python_stdlib.zip", "pyodide-lock.json", "pyodide.asm.wasm", "ondevice.zip"):
        assert sum(url.endswith("/" + name) for url in requested) == 1, (name, requested)


def assert_python_booted_and_answers(context, url: str, why: str) -> None:
    """The page at `url` started Python without the snapshot, for a reason naming `why`, and
    classifies the coffee photo right; closes `context`."""
    page = open_page(context, url)
    start = page.evaluate("ondevice.pythonStart")
    assert start["from"] == "boot" and why in start["reason"], start
    click_sample(page, "coffee")
    assert classifications(page)[0][2] == ESPRESSO
    context.close()


@pytest.mark.parametrize("key, reason", [("linkDigest", "did not link as recorded"),
                                         ("code", "made with other code than this page's")],
                         ids=["libraries", "page code"])
def test_a_snapshot_that_does_not_match_the_page_is_refused_and_python_boots(browser, site_url, dist, key, reason):
    """A snapshot whose libraries would not come back as the build placed them, or that imported
    other code than the page's `ondevice.zip` (here: its recorded linker digest, or the sha256 of
    the code it imported, changed, and the page's config given the changed file's sha256, so only
    the restore's own check can notice), must never run: Python boots the normal way and answers."""
    layout_path = next(dist.glob("runtime/pyodide-*/snapshot-*.json"))
    original = layout_path.read_bytes()
    layout = json.loads(original)
    assert key in layout
    layout[key] = "0:0:0"
    changed = json.dumps(layout).encode()
    old_sha, new_sha = (hashlib.sha256(data).hexdigest() for data in (original, changed))
    old_size, new_size = len(original), len(changed)
    context = browser.new_context(service_workers="block")
    context.route(re.compile(r"/snapshot-[0-9a-f]+\.json$"), lambda route: route.fulfill(body=changed))
    context.route(site_url + "classify.html", lambda route: route.fulfill(
        response=(response := route.fetch()),
        body=response.text().replace(old_sha, new_sha).replace(f'"bytes": {old_size}', f'"bytes": {new_size}')))
    assert_python_booted_and_answers(context, site_url + "classify.html", reason)


@pytest.mark.parametrize("spoil, reason", [
    (lambda memory: memory[:1000] + bytes([memory[1000] ^ 0xFF]) + memory[1001:], "sha256 mismatch"),
    (lambda memory: memory[:-4096], "is incomplete or wrong"),  # its size is checked too
], ids=["one byte changed", "cut short"])
def test_a_damaged_snapshot_download_makes_python_boot(browser, site_url, dist, spoil, reason):
    damaged = spoil(next(dist.glob("runtime/pyodide-*/snapshot-memory-*.bin")).read_bytes())
    context = browser.new_context(service_workers="block")
    context.route(re.compile(r"/snapshot-memory-[0-9a-f]+\.bin$"), lambda route: route.fulfill(body=damaged))
    assert_python_booted_and_answers(context, site_url + "classify.html", reason)
