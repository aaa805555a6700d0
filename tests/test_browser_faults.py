"""Faults while the pages load, injected in headless Chromium (Playwright routes, a server that cuts
a download off, a damaged Cache Storage entry, a full storage quota): each must end with a message
in the user's words and a way out, and the page must recover once the network is right again.

What is guaranteed and what is not: docs/RELIABILITY.md. Every test opens its own browser context
(so each passes alone: `python build.py test -k NAME`).
"""
import hashlib
import io
import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from browser_pages import ESPRESSO, classifications, click_sample, open_page, poll, visit_facts, wait_until_cached
from ondevice_build.serve import Handler, serve_in_background

CLASSIFIER = re.compile(r"/models/efficientnet-lite0\.[^/]*\.onnx$")
DETECTOR = re.compile(r"/models/ssd[^/]*\.onnx$")


# ---- faults a route can inject: (name, handler, words the message must contain) ----
def tolerant(handler):
    """`handler`, quiet when its request is gone before it answers (the page reloaded or moved on
    while a big file was being fetched to be spoiled): nothing is left to fault then."""
    def handle(route):
        try:
            handler(route)
        except PlaywrightError as error:
            if "already handled" not in str(error) and "closed" not in str(error):
                raise
    return handle


def not_found(route):
    route.fulfill(status=404, body="Not found")


SERVER_ERROR_BODY = "Internal Server Error"
SIGN_IN_PAGE = "<!doctype html><title>Sign in</title><p>Sign in to use the Wi-Fi"


def server_error(route):
    route.fulfill(status=500, body=SERVER_ERROR_BODY)


def web_page(route):
    """A captive portal or an error page sent with status 200."""
    route.fulfill(status=200, content_type="text/html", body=SIGN_IN_PAGE)


def truncated(route):
    response = route.fetch()
    route.fulfill(response=response, body=response.body()[: len(response.body()) // 2])


def padded(route):
    """More bytes than the file has (the glue's buffer of the expected size must grow)."""
    response = route.fetch()
    route.fulfill(response=response, body=response.body() + bytes(1 << 20))


def one_byte_changed(body: bytes) -> bytes:
    """`body` with its middle byte flipped: the right length, not the right bytes."""
    changed = bytearray(body)
    changed[len(changed) // 2] ^= 0xFF
    return bytes(changed)


def damaged(route):
    response = route.fetch()
    route.fulfill(response=response, body=one_byte_changed(response.body()))


def network_down(route):
    route.abort("internetdisconnected")


FAULTS = {
    "404": (tolerant(not_found), "it is not on the site (HTTP 404)"),
    "500": (tolerant(server_error), "the site answered with an error (HTTP 500)"),
    "web page": (tolerant(web_page), "the site sent a web page instead"),
    "truncated": (tolerant(truncated), "is incomplete or wrong"),
    "padded": (tolerant(padded), "is incomplete or wrong"),
    "damaged": (tolerant(damaged), "arrived damaged"),
    "network down": (tolerant(network_down), "there is no connection to the site"),
}
# What the message's "X MB arrived, Y MB expected" must say for the faults that change the size:
# the bytes that really came (half the file; the file and the 1 MiB added), none dropped or added.
ARRIVED = {
    "truncated": lambda arrived, expected: abs(arrived - expected / 2) <= 0.1,
    "padded": lambda arrived, expected: abs(arrived - expected - (1 << 20) / 1e6) <= 0.1,
}


@pytest.fixture
def context(browser):
    """A fresh visit without the service worker: these faults happen on the network."""
    context = browser.new_context(service_workers="block")
    yield context
    context.close()


def failure(page) -> dict:
    """What the loading panel of the view on screen says and offers."""
    return page.evaluate("""() => {
      const panel = document.querySelector('#view #loading');
      return {state: document.body.dataset.state, message: panel.querySelector('#load-error').textContent,
              shown: !panel.hidden && !panel.querySelector('#load-error').hidden,
              button: panel.querySelector('#retry').hidden ? null : panel.querySelector('#retry').textContent};
    }""")


def wait_for_failure(page, words: str, timeout: int = 120_000) -> dict:
    """Wait until the view on screen shows a start-up failure whose message contains `words`."""
    try:
        page.wait_for_function("""(words) => document.body.dataset.state === 'error'
            && document.querySelector('#view #load-error')?.textContent.includes(words)""", arg=words, timeout=timeout)
    except Exception as error:
        raise AssertionError(f"no failure saying {words!r}: {failure(page)}, errors {page.errors}") from error
    return failure(page)


def wait_until_ready(page, timeout: int = 120_000) -> None:
    try:
        page.wait_for_selector("body[data-state=ready]", timeout=timeout)
    except Exception as error:
        raise AssertionError(f"the view never got ready: {failure(page)}, errors {page.errors}, "
                             f"console {page.console}, marks {page.evaluate('ondevice.marks')}") from error


def goto(page, url: str) -> None:
    page.requests, page.errors, page.console = [], [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.console.append(f"{message.type}: {message.text}"))
    page.goto(url)


def test_every_model_download_fault_is_reported_and_try_again_recovers(context, site_url):
    """The classifier's model fails in seven ways one after the other: each gets its own message
    and a Try again button that retries without reloading; once the network is right, the next
    Try again loads the model and the page classifies."""
    page = context.new_page()
    names = list(FAULTS)
    context.route(CLASSIFIER, FAULTS[names[0]][0])
    goto(page, site_url + "classify.html")
    for index, name in enumerate(names):
        handler, words = FAULTS[name]
        if index:
            context.unroute(CLASSIFIER)
            context.route(CLASSIFIER, handler)
            page.click("#view #retry")
        shown = wait_for_failure(page, words)
        assert shown["shown"] and shown["button"] == "Try again", (name, shown)
        assert "The model could not be loaded" in shown["message"], (name, shown)
        if name in ARRIVED:
            figures = re.search(r"([\d.]+) MB arrived, ([\d.]+) MB expected", shown["message"])
            assert figures and ARRIVED[name](*map(float, figures.groups())), (name, shown)
    context.unroute(CLASSIFIER)
    page.click("#view #retry")
    wait_until_ready(page)
    assert failure(page)["shown"] is False
    click_sample(page, "coffee")
    assert classifications(page)[0][2] == ESPRESSO
    assert visit_facts(page) == {"navigations": 1, "pythonStarts": 1}
    assert page.errors == []


def test_a_view_that_cannot_load_its_model_leaves_the_others_as_they_were(context, site_url):
    """The detector's model answers 500 while the classifier's result is on screen: the detection
    view says so, the classification view keeps its result, and Try again (the network back)
    mounts the detector in the same document."""
    page = open_page(context, site_url + "classify.html")
    click_sample(page, "coffee")
    context.route(DETECTOR, server_error)
    page.evaluate("ondevice.navigate('detect.html')")
    assert wait_for_failure(page, "HTTP 500")["button"] == "Try again"
    page.go_back()
    page.wait_for_selector("body[data-view='classify.html'][data-state=ready]")
    assert classifications(page)[0][2] == ESPRESSO  # still on screen, still answering
    click_sample(page, "coffee")
    page.go_forward()
    assert wait_for_failure(page, "HTTP 500")["shown"]  # still saying why, after the round trip
    context.unroute(DETECTOR)
    page.click("#view #retry")
    page.wait_for_selector("body[data-view='detect.html'][data-state=ready]", timeout=120_000)
    click_sample(page, "coffee")
    assert "cup" in page.eval_on_selector_all("#detections li", "items => items.map(li => li.dataset.label)")
    assert visit_facts(page) == {"navigations": 1, "pythonStarts": 1}
    assert page.errors == []


def test_a_view_opened_while_offline_loads_by_itself_when_the_network_is_back(context, site_url):
    """The connection goes while the visitor moves to the detection view: it says there is no
    connection; when the browser is online again the view loads without a click, in the same
    document."""
    page = open_page(context, site_url + "classify.html")
    context.set_offline(True)
    page.evaluate("ondevice.navigate('detect.html')")
    assert wait_for_failure(page, "no connection")["button"] == "Try again"
    context.set_offline(False)
    page.wait_for_selector("body[data-view='detect.html'][data-state=ready]", timeout=120_000)
    click_sample(page, "coffee")
    assert "cup" in page.eval_on_selector_all("#detections li", "items => items.map(li => li.dataset.label)")
    assert visit_facts(page) == {"navigations": 1, "pythonStarts": 1}
    assert page.errors == []


class ManifestFaultHandler(Handler):
    """Answers models/manifest.json with `server.fault` (status, content type, body) while it is
    set. The server makes this fault, not a Playwright route: while a route is set, every request
    of the context goes through Playwright, onnxruntime-web's own workers' too, and in 6 of about 55
    visits the view's early session was then never made (no "session-created" mark in 120 s, so
    Try again waited for it forever); with the fault made here, not once in 60 visits."""

    def send_head(self):
        if self.server.fault is None or not self.path.split("?")[0].endswith("/models/manifest.json"):
            return super().send_head()
        status, content_type, body = self.server.fault
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def manifest_fault(dist, name: str) -> tuple[int, str, bytes]:
    """What the server answers for models/manifest.json in fault `name` of FAULTS."""
    if name == "500":
        return 500, "text/plain", SERVER_ERROR_BODY.encode()
    if name == "web page":
        return 200, "text/html", SIGN_IN_PAGE.encode()
    return 200, "application/json", one_byte_changed((dist / "models" / "manifest.json").read_bytes())  # "damaged"


@pytest.mark.parametrize("name", ["500", "web page", "damaged"])
def test_a_bad_model_manifest_is_reported_and_try_again_recovers(browser, dist, name):
    """models/manifest.json answers an error, a web page, or bytes that are not the build's (it
    is checked against the build's sha256): the view says so and recovers with Try again, with the
    session started before the failure (its model is not downloaded again)."""
    server, url = serve_in_background(dist, ManifestFaultHandler)
    server.fault = manifest_fault(dist, name)
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        goto(page, url + "search.html")
        shown = wait_for_failure(page, FAULTS[name][1])
        assert "manifest.json" in shown["message"] and shown["button"] == "Try again", shown
        server.fault = None
        page.click("#view #retry")
        wait_until_ready(page)
        assert visit_facts(page) == {"navigations": 1, "pythonStarts": 1}
        assert len([url for url in page.requests if url.endswith(".onnx")]) == 1, page.requests
    finally:
        context.close()
        server.shutdown()
        server.server_close()


# A runtime file that fails means Python or onnxruntime-web cannot start in this document: the
# page names the file and offers a reload, which works once the file is served right.
# (A snapshot file that fails is no such fault: Python boots without it, see test_browser_start.)
RUNTIME_FAULTS = [  # (the file as the message names it, its URL pattern, the fault, the page's query)
    ("pyodide.asm.wasm", r"/pyodide\.asm\.wasm$", "500", ""),
    ("python_stdlib.zip", r"/python_stdlib\.zip$", "network down", ""),
    ("numpy-2.0.2", r"/numpy-[^/]*\.whl$", "web page", "?python=boot"),  # wheels: only without the snapshot
    ("ort-wasm-simd-threaded.wasm", r"/ort-wasm-simd-threaded\.wasm$", "truncated", ""),
    ("ondevice.zip", r"/py/ondevice\.zip$", "damaged", ""),
    ("app.json", r"/py/app\.json$", "500", ""),  # PyScript's config: fetched by PyScript, not the glue
]


@pytest.mark.parametrize("file,pattern,name,query", RUNTIME_FAULTS, ids=[f"{f}-{n}" for f, _, n, _ in RUNTIME_FAULTS])
def test_a_runtime_file_fault_names_the_file_and_a_reload_recovers(context, site_url, file, pattern, name, query):
    handler, _ = FAULTS[name]
    route = re.compile(pattern)
    context.route(route, handler)
    page = context.new_page()
    goto(page, site_url + "classify.html" + query)
    shown = wait_for_failure(page, "cannot start")
    assert file in shown["message"] and shown["button"] == "Reload the page", shown
    context.unroute(route)
    page.click("#view #retry")  # reloads the page
    wait_until_ready(page)
    click_sample(page, "coffee")
    assert classifications(page)[0][2] == ESPRESSO


class CuttingHandler(Handler):
    """Sends a model file's headers and half its bytes, then drops the connection (a real cut, as
    when a phone loses its signal), while `server.cutting` is true."""

    def send_head(self):
        path = self.path.split("?")[0]
        if not (self.server.cutting and path.endswith(".onnx")):
            return super().send_head()
        data = open(self.translate_path(path), "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)
        return None


def test_a_download_cut_off_by_the_server_is_reported_and_try_again_recovers(browser, dist):
    server, url = serve_in_background(dist, CuttingHandler)
    server.cutting = True
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        goto(page, url + "classify.html")
        shown = wait_for_failure(page, "was cut off")
        assert shown["button"] == "Try again", shown
        server.cutting = False
        page.click("#view #retry")
        wait_until_ready(page)
        click_sample(page, "coffee")
        assert classifications(page)[0][2] == ESPRESSO
        assert visit_facts(page) == {"navigations": 1, "pythonStarts": 1}
    finally:
        context.close()
        server.shutdown()
        server.server_close()


# ---- the service worker's cache ----
CACHE_ENTRY = """async ([path, how]) => {
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const key = new URL(path, location.href).href;
    const stored = await cache.match(key);
    if (!stored) continue;
    const bytes = new Uint8Array(await stored.arrayBuffer());
    if (how === 'sha256') {
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    }
    let bad = bytes.slice(0, bytes.length >> 1);  // truncated
    if (how === 'damaged') { bad = bytes.slice(); bad[bad.length >> 1] ^= 0xff; }
    await cache.put(key, new Response(bad, {headers: stored.headers}));
    return bad.length;
  }
  return null;
}"""


def first_visit_cached(context, url: str, path: str):
    """A first visit to classify.html that gives a result, then waits until the worker holds `path`."""
    page = open_page(context, url + "classify.html")
    click_sample(page, "coffee")
    poll(page, CACHE_ENTRY, lambda sha256: sha256 is not None, arg=[path, "sha256"])
    return page


CACHED_FILES = {  # what: (the path it stands for, whether the page checks its bytes itself)
    "model": (lambda p: p.startswith("models/efficientnet-lite0.int8-weights"), True),
    "pyodide wasm": (lambda p: p.startswith("runtime/pyodide-") and p.endswith("pyodide.asm.wasm"), True),
    "app.py": (lambda p: p == "py/app.py", False),
}


def spoil_cached_copy(context, page, path: str, how: str, keep_http_cache: bool) -> str:
    """Spoil the worker's Cache Storage copy of `path` (`how`), stop the worker and, unless
    `keep_http_cache`, empty the browser's HTTP cache (as when it evicts); `page` is closed. Returns
    the spoilt copy's sha256. A later visit meets a new worker (an idle one is stopped within
    seconds), which checks each entry the first time it reads it."""
    page.evaluate(CACHE_ENTRY, [path, how])
    spoilt = page.evaluate(CACHE_ENTRY, [path, "sha256"])
    browser_side = context.new_cdp_session(page)
    browser_side.send("ServiceWorker.enable")
    browser_side.send("ServiceWorker.stopAllWorkers")
    if not keep_http_cache:
        browser_side.send("Network.clearBrowserCache")
    page.close()
    return spoilt


def visit_again_with_a_bad_copy(browser, dist, what: str, how: str, keep_http_cache: bool):
    """A first visit, then `what`'s Cache Storage copy spoilt (`how`), the worker stopped and, unless
    `keep_http_cache`, the browser's HTTP cache emptied (as when it evicts); then a second visit that
    answers the sample. Returns (the page's warnings that it caught the file's bad bytes and
    downloads it again, the file's Cache Storage sha256 after the visit, the build's sha256)."""
    server, url = serve_in_background(dist)
    context = browser.new_context()
    try:
        site = {p.relative_to(dist).as_posix(): p for p in dist.rglob("*") if p.is_file() and p.suffix not in (".br", ".gz")}
        path = next(p for p in site if CACHED_FILES[what][0](p))
        expected = hashlib.sha256(site[path].read_bytes()).hexdigest()
        page = first_visit_cached(context, url, path)
        assert spoil_cached_copy(context, page, path, how, keep_http_cache) != expected  # the cache holds bad bytes
        warnings = []
        context.on("console", lambda message: warnings.append(message.text) if message.type in ("warning", "error") else None)
        page = open_page(context, url + "classify.html")
        assert page.evaluate("navigator.serviceWorker.controller !== null")  # the worker answered this visit
        click_sample(page, "coffee")
        assert classifications(page)[0][2] == ESPRESSO
        assert page.errors == []
        assert not [text for text in warnings if "prefetch failed" in text], warnings
        caught_by_page = [text for text in warnings if path.rsplit("/", 1)[-1] in text and "Downloading it again" in text]
        return caught_by_page, page.evaluate(CACHE_ENTRY, [path, "sha256"]), expected
    finally:
        context.close()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("what,how", [("model", "damaged"), ("pyodide wasm", "truncated"), ("app.py", "damaged")])
def test_a_bad_copy_in_the_cache_is_detected_evicted_and_fetched_again(browser, dist, what, how):
    """A cached file's bytes go bad (one byte flipped in the model or the app's script, the Pyodide
    wasm cut in half) and the HTTP cache no longer has the file: the next visit still starts and
    answers, and the worker holds the build's bytes again. A file the page checks itself (runtime,
    snapshot, model) reaches it from the cache unchecked by the worker: the page's check catches it
    and downloads it again past the caches; any other file is checked by the worker, and the page
    never gets the bad bytes."""
    caught_by_page, cached, expected = visit_again_with_a_bad_copy(browser, dist, what, how, keep_http_cache=False)
    assert cached == expected
    assert bool(caught_by_page) == CACHED_FILES[what][1], caught_by_page


def test_runtime_code_comes_from_the_http_cache_where_its_compiled_code_is(browser, dist):
    """Runtime code (here Pyodide's wasm) is answered from the HTTP cache while it holds the build's
    bytes, before the Cache Storage: Chromium keeps compiled code with the HTTP cache entry. So a
    bad Cache Storage copy never reaches the page then (it is checked when it is next needed)."""
    caught_by_page, cached, expected = visit_again_with_a_bad_copy(browser, dist, "pyodide wasm", "truncated",
                                                                   keep_http_cache=True)
    assert not caught_by_page and cached != expected


SHORT = 1 << 20


class ShortWasmHandler(Handler):
    """Sends onnxruntime-web's wasm cut to its first MiB, in a complete response (the server's copy
    went bad; small enough for the HTTP cache of a browser context that keeps it in memory), while
    `server.short` is true."""

    def send_head(self):
        path = self.path.split("?")[0]
        if not (self.server.short and path.endswith("/ort-wasm-simd-threaded.wasm")):
            return super().send_head()
        with open(self.translate_path(path), "rb") as file:
            data = file.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/wasm")
        self.send_header("Content-Length", str(SHORT))
        self.end_headers()
        return io.BytesIO(data[:SHORT])


def test_runtime_code_the_http_cache_holds_anew_is_checked_again(browser, dist):
    """The worker checks a runtime file's HTTP cache entry once while it runs (sw.js), and again once
    another download has replaced it: here onnxruntime-web's wasm is downloaded again past the worker
    (as a page it does not control would) and comes cut short, after the worker checked the good
    copy. The next visit, answered by that same worker, must not get those bytes: it starts
    from the worker's checked copy and answers."""
    server, url = serve_in_background(dist, ShortWasmHandler)
    server.short = False
    context = browser.new_context()
    try:
        path = next(p.relative_to(dist).as_posix() for p in dist.glob("runtime/ort-*/ort-wasm-simd-threaded.wasm"))
        page = first_visit_cached(context, url, path)  # the worker has checked and stored the good copy
        server.short = True
        past_the_worker = context.new_cdp_session(page)
        past_the_worker.send("Network.enable")
        past_the_worker.send("Network.setBypassServiceWorker", {"bypass": True})
        fetched = page.evaluate("(url) => fetch(url, {cache: 'reload'}).then((r) => r.arrayBuffer())"
                                ".then((b) => b.byteLength)", url + path)
        assert fetched == SHORT
        assert page.evaluate("(url) => fetch(url, {cache: 'only-if-cached', mode: 'same-origin'})"
                             ".then((r) => r.arrayBuffer()).then((b) => b.byteLength)", url + path) == SHORT
        past_the_worker.send("Network.setBypassServiceWorker", {"bypass": False})
        worker = context.service_workers  # the worker that checked the good copy
        again = open_page(context, url + "classify.html")
        assert again.evaluate("navigator.serviceWorker.controller !== null")
        click_sample(again, "coffee")
        assert classifications(again)[0][2] == ESPRESSO
        assert again.errors == []
        assert context.service_workers == worker  # it answered this visit: it was not stopped in between
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_onnxruntime_the_browser_cannot_get_on_a_later_visit_is_named_with_a_reload(browser, dist, site_files):
    """A later visit, offline, where onnxruntime-web's wasm is damaged in the worker's cache and gone
    from the HTTP cache (a visit the page leaves that file to the browser): the page says, in the
    user's words, which file it could not download and why, and offers a reload, as a first visit
    does, rather than onnxruntime-web's own error."""
    server, url = serve_in_background(dist)
    context = browser.new_context()
    try:
        path = next(p.relative_to(dist).as_posix() for p in dist.glob("runtime/ort-*/ort-wasm-simd-threaded.wasm"))
        page = first_visit_cached(context, url, path)
        wait_until_cached(page, site_files)  # all of it, for offline
        context.set_offline(True)  # (before the worker is stopped: Playwright hangs when it is set after)
        spoilt = spoil_cached_copy(context, page, path, "damaged", keep_http_cache=False)
        assert spoilt != hashlib.sha256((dist / path).read_bytes()).hexdigest()
        page = context.new_page()
        goto(page, url + "classify.html")
        shown = wait_for_failure(page, "cannot start")
        assert "ort-wasm-simd-threaded.wasm" in shown["message"] and "no connection" in shown["message"], shown
        assert shown["button"] == "Reload the page", shown
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_a_full_storage_quota_leaves_the_site_working_without_caching(browser, dist):
    """With a storage quota of 1 MB the worker cannot keep the runtime or the model: visits work
    on from the network, with no error."""
    server, url = serve_in_background(dist)
    context = browser.new_context()
    try:
        keeper = context.new_page()  # the override lasts as long as its DevTools session: keep it open
        session = context.new_cdp_session(keeper)
        session.send("Storage.overrideQuotaForOrigin", {"origin": url.rstrip("/"), "quotaSize": 1_000_000})
        page = first_visit_cached(context, url, "classify.html")  # small files still fit
        assert page.evaluate("""caches.open('probe').then((cache) => cache.put('probe', new Response(new Uint8Array(3e6))))
            .then(() => 'stored', (error) => error.name).finally(() => caches.delete('probe'))""") == "QuotaExceededError"
        page.close()
        page = open_page(context, url + "classify.html")  # controlled: every file goes through the worker
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        click_sample(page, "coffee")
        assert classifications(page)[0][2] == ESPRESSO
        # The worker tries to keep every file this visit fetched (the model seconds ago), and cannot:
        # in the next 10 s the model never shows up in its cache, which stays within the quota.
        model = next(p.relative_to(dist).as_posix() for p in (dist / "models").glob("efficientnet-lite0.int8-weights*.onnx"))
        for _ in range(20):
            assert page.evaluate(CACHE_ENTRY, [model, "sha256"]) is None
            assert page.evaluate("navigator.storage.estimate().then((estimate) => estimate.usage)") <= 1_000_000
            time.sleep(0.5)
        assert page.errors == []
    finally:
        context.close()
        server.shutdown()
        server.server_close()
