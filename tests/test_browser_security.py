"""Security headers and privacy: `serve` sends a strict Content-Security-Policy (headers.py), the
built pages need no inline script, and every page in every mode (photos, text, the webcam) runs
under that policy in headless Chromium without a violation and without one request leaving the
site's origin.

The suite's other tests bypass the policy (conftest.bypassing_csp: Playwright's wait_for_function
evaluates strings); the browser test here does not, so it waits by polling with page.evaluate.
"""
import re
import time
from html.parser import HTMLParser
from urllib.request import urlopen

import pytest

from ondevice_build.bundle import VIEWS
from ondevice_build.headers import CONTENT_SECURITY_POLICY, HEADERS_FILE

VIOLATIONS = """window.cspViolations = [];
addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(
  {directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile,
   line: event.lineNumber, column: event.columnNumber}), true);"""


def policy(header: str) -> dict[str, list[str]]:
    """{"script-src": ["'self'", ...], ...} from a Content-Security-Policy header."""
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def test_serve_sends_a_strict_content_security_policy_on_every_kind_of_file(site_url, dist):
    runtime = next(p.relative_to(dist).as_posix() for p in dist.glob("runtime/pyodide-*/pyodide.asm.wasm"))
    for path in ("classify.html", "js/ondevice.mjs", "py/app.py", "models/manifest.json", "sw.js", runtime):
        with urlopen(site_url + path) as response:
            found = policy(response.headers["Content-Security-Policy"])
        assert found["default-src"] == ["'self'"], path
        assert found["connect-src"] == ["'self'"], path  # nothing can be sent anywhere else
        assert found["script-src"] == ["'self'", "'wasm-unsafe-eval'"], path  # no eval, no inline script
        assert found["worker-src"] == ["'self'"] and found["object-src"] == ["'none'"], path
        assert not any(source in ("*", "'unsafe-inline'", "'unsafe-eval'") or source.startswith(("http:", "https:"))
                       for sources in found.values() for source in sources), (path, found)
    # static hosts get the same headers (Netlify / Cloudflare Pages `_headers`)
    assert f"  Content-Security-Policy: {CONTENT_SECURITY_POLICY}\n" in (dist / HEADERS_FILE).read_text()


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


@pytest.mark.parametrize("page_name", list(VIEWS))
def test_the_pages_have_no_inline_script_to_run(dist, page_name):
    """Every <script> either loads a file of the site or is data (the JSON config, the Python app
    that PyScript fetches): nothing for the policy to hash or allow; no inline event handlers."""
    html = (dist / page_name).read_text(encoding="utf-8")
    parser = Scripts()
    parser.feed(html)
    assert parser.scripts
    for script in parser.scripts:
        assert script.get("src") or script.get("type") == "application/json", script
        assert script.get("type") in ("module", "py", "application/json"), script
    assert not re.search(r"\son[a-z]+\s*=", re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S))


def until(page, expression: str, timeout: float = 120, arg=None):
    """Poll `expression` (page.evaluate: allowed under the policy) until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {expression}; errors {page.errors}, "
                                 f"violations {page.evaluate('window.cspViolations')}")
        time.sleep(0.2)


def act(page, action) -> None:
    """Do a user action and wait until the view has finished it (<body data-runs> moved on)."""
    before = page.evaluate("Number(document.body.dataset.runs || 0)")
    action()
    until(page, f"Number(document.body.dataset.runs || 0) > {before}")


def show(page, name: str) -> None:
    page.click(f"header a[href='index.html']") if name == "index.html" else page.click(f"a[href='{name}']")
    page.wait_for_selector(f"body[data-view='{name}'][data-state=ready]", timeout=120_000)


def webcam(page) -> None:
    """Start the webcam, wait for a few frames, stop it."""
    page.click("#camera-start")
    until(page, "Number(document.getElementById('camera-status').dataset.frames || 0) >= 3")
    page.click("#camera-stop")
    until(page, "document.body.dataset.camera === 'off' || document.getElementById('video').srcObject === null")


def test_every_page_and_mode_runs_under_the_policy_and_nothing_leaves_the_origin(camera_browser, site_url, dist, tmp_path):
    """One visit through every view and mode, the policy enforced (bypass_csp=False), the service
    worker on: photos on classify / segment / detect / teach, the webcam on segment / detect /
    teach, search, few-shot prediction, teaching two classes, the downloads (cut-out PNG, the
    classifiers' JSON). No policy violation, no
    page error, and every request (pages and workers) goes to the site's own origin."""
    context = camera_browser.new_context(bypass_csp=False)
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    context.add_init_script(VIOLATIONS)
    try:
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(site_url + "index.html")
        page.wait_for_selector("body[data-state=ready]", timeout=120_000)
        done = []

        show(page, "classify.html")
        act(page, lambda: page.click("#view button[data-sample=coffee]"))
        assert page.get_attribute("#results li", "data-class-id") == "967"
        done.append("classify photo")

        show(page, "index.html")
        show(page, "search.html")
        act(page, lambda: page.click("#sample-corpus"))
        assert page.eval_on_selector_all("#results li", "items => items.length") > 0
        done.append("search")

        show(page, "index.html")
        show(page, "fewshot.html")
        act(page, lambda: page.fill("#sentence", "Absolutely loved it, five stars!"))
        assert page.get_attribute("#prediction", "data-label") == "positive"
        with page.expect_download() as saved:
            page.click("#save")
        saved.value.save_as(tmp_path / "classifier.json")
        done.append("few-shot")

        show(page, "index.html")
        show(page, "segment.html")
        act(page, lambda: page.click("#view button[data-sample=astronaut]"))
        assert page.is_visible("#photo-result")
        with page.expect_download() as cut_out:
            page.click("#download")
        cut_out.value.save_as(tmp_path / "cut-out.png")
        assert (tmp_path / "cut-out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        page.click("#mode-webcam")
        webcam(page)
        done.append("segment photo + webcam")

        show(page, "index.html")
        show(page, "detect.html")
        act(page, lambda: page.click("#view button[data-sample=coffee]"))
        assert "cup" in page.eval_on_selector_all("#detections li", "items => items.map(li => li.dataset.label)")
        webcam(page)
        done.append("detect photo + webcam")

        show(page, "index.html")
        show(page, "teach.html")
        for n, sample in ((1, "cat"), (2, "coffee")):
            photo = {"name": f"{sample}.jpg", "mimeType": "image/jpeg", "buffer": (dist / "samples" / f"{sample}.jpg").read_bytes()}
            act(page, lambda: page.set_input_files(f".class-card:nth-child({n}) .class-photos", files=[photo, photo]))
        act(page, lambda: page.click("#train"))
        act(page, lambda: page.click("#view button[data-sample=coffee]"))
        assert page.eval_on_selector_all("#results li", "items => items.length") == 2
        with page.expect_download() as model:
            page.click("#save")
        model.value.save_as(tmp_path / "teach.json")
        webcam(page)
        done.append("teach photos + webcam")

        until(page, "ondevice.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
        assert page.evaluate("crossOriginIsolated") is True
        assert page.evaluate("window.cspViolations") == []
        assert page.errors == []
        assert page.evaluate("ondevice.pythonStarts") == 1
        assert len(done) == len(VIEWS) - 1  # every view but the gallery did its work
        foreign = sorted({url for url in requests if not url.startswith((site_url, "data:", "blob:"))})
        assert requests and foreign == []
    finally:
        context.close()
