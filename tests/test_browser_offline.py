"""The service worker (site/sw.js) in headless Chromium: offline second visits, updates, verification.

Each test serves the site on a port of its own (its own origin, so its own worker and caches) and
can stop that server to take the network away. Tests that change files serve a copy of dist/
made of hard links; a file is changed by replacing it, never by writing into the shared inode.
"""
import os
import shutil

import pytest

from browser_pages import (CACHES, ESPRESSO, USED, assert_every_byte_counted, cached_paths, classifications, click_sample,
                           give_file, open_page, poll, wait_until_cached)
from ondevice_build.bundle import stamp_service_worker
from ondevice_build.serve import Handler, serve_in_background

CHANGED_MODULE = "py/app.py"


class RecordingHandler(Handler):
    """Handler that notes every path it is asked for in `server.requested`."""

    def send_head(self):
        self.server.requested.append(self.path.split("?")[0].lstrip("/"))
        return super().send_head()


@pytest.fixture
def site_copy(dist, tmp_path):
    """dist/ as hard links in a temporary folder: free to change, file by file (see `replace`)."""
    return shutil.copytree(dist, tmp_path / "site", copy_function=os.link)


def replace(path, data: bytes) -> None:
    """Give `path` new bytes without touching the file it was linked to; drop its stale .gz/.br."""
    for stale in (path, path.with_name(path.name + ".gz"), path.with_name(path.name + ".br")):
        stale.unlink(missing_ok=True)
    path.write_bytes(data)


@pytest.fixture
def serve():
    """`serve(root)` -> (server, url) with a request log; servers and contexts close at the end."""
    servers = []

    def start(root):
        server, url = serve_in_background(root, RecordingHandler)
        server.requested = []
        servers.append(server)
        return server, url

    yield start
    for server in servers:
        stop(server)


def stop(server) -> None:
    server.shutdown()
    server.server_close()


def test_second_visit_offline_gives_the_same_top5_and_stays_isolated(browser, dist, site_files, serve, photo):
    """With the server gone, a second visit starts from the worker's cache, cross-origin isolated,
    and classifies a photo exactly as the online visit did."""
    server, url = serve(dist)
    context = browser.new_context()
    try:
        page = open_page(context, url + "classify.html")
        give_file(page, photo("coffee"))
        online = classifications(page)
        wait_until_cached(page, site_files)
        page.close()
        stop(server)
        context.set_offline(True)
        page = open_page(context, url + "classify.html")
        assert page.evaluate("crossOriginIsolated") is True
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        assert_every_byte_counted(page)  # the cached copies, read whole, too
        give_file(page, photo("coffee"))
        offline = classifications(page)
        assert [(label, class_id) for label, _, class_id in offline] == [(label, class_id) for label, _, class_id in online]
        assert [score for _, score, _ in offline] == pytest.approx([score for _, score, _ in online], abs=1e-6)
        assert page.errors == []
    finally:
        context.close()


def test_a_second_visit_has_the_browser_read_the_runtime_code_once(browser, dist, site_files, serve):
    """On a visit the worker controls, onnxruntime-web's wasm (which ORT's own worker fetches) and
    Pyodide's script (a module import) are on this device: the page does not read a second copy of
    each to check and count it, as it does on a first visit (the worker checks the copy the browser
    gets), and its loading panel still counts every byte. There onnxruntime-web's runtime is
    started with the page (a session on the build's one-node model), not on a first visit."""
    ort_wasm = next(path for path in site_files if path.endswith("/ort-wasm-simd-threaded.wasm"))
    pyodide_script = next(path for path in site_files if path.endswith("/pyodide.asm.js"))
    server, url = serve(dist)
    context = browser.new_context()
    try:
        page = open_page(context, url + "classify.html")
        assert ort_wasm in page.evaluate(USED)  # a first visit downloads it at once
        click_sample(page, "coffee")  # the first result: the worker is registered
        assert "onnxruntime-started" not in page.evaluate("ondevice.marks")
        wait_until_cached(page, site_files)
        page.close()
        page = open_page(context, url + "classify.html")
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        used = page.evaluate(USED)
        assert ort_wasm not in used and used.count(pyodide_script) == 1, used
        assert_every_byte_counted(page)
        click_sample(page, "coffee")
        assert classifications(page)[0][2] == ESPRESSO
        assert "onnxruntime-started" in page.evaluate("ondevice.marks")
        assert page.errors == []
    finally:
        context.close()


def test_a_new_build_replaces_the_old_files_in_the_workers_cache(browser, site_copy, site_files, serve):
    """The app script changes and the worker is re-stamped: after two reloads the page runs the new
    module, only the new build's cache is left, and unchanged files were carried over, not
    downloaded again."""
    server, url = serve(site_copy)
    context = browser.new_context()
    try:
        page = open_page(context, url + "classify.html")
        (old_cache, old_paths), = wait_until_cached(page, site_files).items()
        context.new_cdp_session(page).send("Network.clearBrowserCache")  # a re-download must reach the server
        server.requested.clear()

        module = site_copy / CHANGED_MODULE
        replace(module, module.read_bytes() + b"\nimport js\njs.document.body.dataset.build = 'new'\n")
        new_cache = "ondevice-" + stamp_service_worker(site_copy)
        assert new_cache != old_cache

        page.reload()  # served by the old worker; the browser finds the new one and it takes over
        poll(page, CACHES, lambda found: list(found) == [new_cache])
        page.reload()
        page.wait_for_selector("body[data-state=ready][data-build=new]", timeout=120_000)

        found = page.evaluate(CACHES)
        assert list(found) == [new_cache]
        unchanged = set(old_paths) - {CHANGED_MODULE}
        assert unchanged <= set(found[new_cache])
        assert {"sw.js", CHANGED_MODULE} <= set(server.requested)
        assert unchanged.isdisjoint(server.requested), sorted(unchanged & set(server.requested))
        assert page.errors == []
    finally:
        context.close()


def test_a_response_that_does_not_match_the_build_is_not_cached(browser, site_copy, site_files, serve):
    """A file whose bytes are not the build's reaches the page but never the cache; a precompressed
    file is stored decoded, with the isolation headers, and has the build's sha256."""
    replace(site_copy / "samples" / "cat.jpg", b"not the build's cat")
    compressed = "py/app.py"
    assert (site_copy / f"{compressed}.br").exists()  # the server sends it with Content-Encoding: br
    server, url = serve(site_copy)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url + "index.html")  # a page without Python: the worker alone is under test
        page.evaluate("navigator.serviceWorker.register('sw.js').then(() => navigator.serviceWorker.ready)")
        page.reload()  # the worker does not take over the page that registered it
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        fetch_text = "async (path) => (await fetch(path)).text()"
        assert page.evaluate(fetch_text, "samples/cat.jpg") == "not the build's cat"
        # A second request waits for the worker's store of the first to finish before it looks.
        page.evaluate(fetch_text, "samples/cat.jpg")
        page.evaluate(fetch_text, compressed)
        found = poll(page, CACHES, lambda found: compressed in cached_paths(found))
        assert "samples/cat.jpg" not in cached_paths(found)

        stored = page.evaluate("""async (path) => {
          const response = await caches.match(path);
          const digest = await crypto.subtle.digest("SHA-256", await response.arrayBuffer());
          return {
            sha256: Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""),
            headers: Object.fromEntries(response.headers),
          };
        }""", compressed)
        assert stored["sha256"] == site_files[compressed]["sha256"]
        assert "content-encoding" not in stored["headers"]
        assert stored["headers"]["cross-origin-embedder-policy"] == "require-corp"
        assert stored["headers"]["cross-origin-opener-policy"] == "same-origin"
        assert stored["headers"]["content-type"] == "text/x-python"
    finally:
        context.close()


def test_a_page_reached_by_a_link_opens_offline_by_its_own_name(browser, dist, site_files, serve, photo):
    """In the app shell a link only swaps the view (detect.html is never downloaded as a
    document); offline, detect.html still opens, from the shell cached under another name, with the
    detector's model that the visit used."""
    server, url = serve(dist)
    context = browser.new_context()
    try:
        page = open_page(context, url + "classify.html")
        page.evaluate("ondevice.navigate('detect.html')")
        page.wait_for_selector("body[data-view='detect.html'][data-state=ready]", timeout=120_000)
        give_file(page, photo("coffee"))
        online = page.eval_on_selector_all("#detections li", "items => items.map(li => li.dataset.label)")
        assert "cup" in online
        detector = next(p for p in page.evaluate(USED) if p.startswith("models/ssd"))
        poll(page, CACHES, lambda found: detector in cached_paths(found))
        assert "detect.html" not in server.requested
        page.close()
        stop(server)
        context.set_offline(True)
        page = open_page(context, url + "detect.html")
        give_file(page, photo("coffee"))
        assert page.eval_on_selector_all("#detections li", "items => items.map(li => li.dataset.label)") == online
        assert page.errors == []
    finally:
        context.close()
