"""Helpers for the browser suites: open a task page once it is ready, give it a file, wait for it.

A page counts finished user actions in <body data-runs>; tests wait for that counter to move
instead of sleeping, and report the page's errors when it does not.
"""
import time

ESPRESSO = 967  # ImageNet's class id for "espresso": the top label of the coffee sample photo

# An init script: getUserMedia rejects as browsers do, with globalThis.cameraError's name.
REJECT_CAMERA = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("camera test", globalThis.cameraError || "NotFoundError"));
"""


def open_page(context, url: str):
    """A new page of `context` at `url`, once the page says it is ready; `page.requests` and
    `page.errors` collect every request URL and uncaught page error."""
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=120_000)
    return page


def runs(page) -> int:
    return int(page.evaluate("document.body.dataset.runs || 0"))


def wait_for_run(page, runs_before: int, timeout: int = 60_000) -> None:
    """Wait until the page has finished an action started after `runs_before` was read."""
    try:
        page.wait_for_function(f"Number(document.body.dataset.runs || 0) > {runs_before}", timeout=timeout)
    except Exception as error:
        raise AssertionError(f"the page did not finish: errors {page.errors}, "
                             f"message {page.text_content('#error')!r}") from error


def visit_facts(page) -> dict:
    """Proof that the document was not reloaded: one navigation, one Python start."""
    return page.evaluate("({navigations: performance.getEntriesByType('navigation').length, "
                         "pythonStarts: ondevice.pythonStarts})")


def assert_every_byte_counted(page) -> None:
    """The loading panel has a row for Python, onnxruntime and the model, and every row counted all
    the bytes of its files."""
    rows = page.eval_on_selector_all(
        "#loading .progress-row",
        "rows => rows.map(r => [r.dataset.kind, Number(r.dataset.loaded), Number(r.dataset.total)])")
    assert {kind for kind, _, _ in rows} >= {"python", "onnxruntime", "model"}, rows
    assert all(loaded == total > 0 for _, loaded, total in rows), rows


def click_sample(page, name: str) -> None:
    """Click the view's sample photo `name` and wait until the page has finished with it."""
    before = runs(page)
    page.click(f"#view button[data-sample={name}]")
    wait_for_run(page, before)


def give_file(page, path=None, *, name=None, data=None, mime="application/octet-stream", selector="#file"):
    """Upload through a file input and wait until the page has finished with it."""
    before = runs(page)
    if path is not None:
        page.set_input_files(selector, str(path))
    else:
        page.set_input_files(selector, files=[{"name": name, "mimeType": mime, "buffer": data}])
    wait_for_run(page, before)


def give_text_file_and_expect_refusal(page, read_results) -> None:
    """Upload a text file: the page must say it is not an image and keep `read_results(page)` as it was."""
    before = read_results(page)
    give_file(page, name="notes.txt", data=b"this is not a photo", mime="text/plain")
    assert "not an image" in page.text_content("#error")
    assert page.get_attribute("body", "data-state") == "error"
    assert read_results(page) == before  # the previous result stays on screen


def classifications(page) -> list[tuple[str, float, int]]:
    """The classification page's results as (label, score, class id), best first."""
    return page.eval_on_selector_all(
        "#results li", "items => items.map(li => [li.dataset.label, Number(li.dataset.score), Number(li.dataset.classId)])")


def bypassing_csp(browser):
    """`browser`, whose new contexts bypass the site's Content-Security-Policy unless a test asks
    otherwise (`new_context(bypass_csp=False)`): Playwright's wait_for_function evaluates its
    predicate with `new Function`, which the policy forbids. test_browser_security runs every
    page and mode under the policy."""
    new_context = browser.new_context
    browser.new_context = lambda **options: new_context(**{"bypass_csp": True, **options})
    return browser


# ---- the service worker's cache ----
CACHES = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const requests = await (await caches.open(name)).keys();
    found[name] = requests.map((request) => new URL(request.url).pathname.slice(1));
  }
  return found;
}"""
# Same-origin files this page loaded: the document and every resource, without query strings.
USED = """[...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
  .map((entry) => new URL(entry.name)).filter((url) => url.origin === location.origin)
  .map((url) => url.pathname.slice(1) || "index.html")"""


def poll(page, expression: str, done, timeout: float = 90, arg=None):
    """Evaluate `expression` on the page until `done(value)`; survives the page reloading itself."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(expression, arg)
            if done(value):
                return value
        except Exception as error:  # the page navigated (reloaded) during the evaluation
            value = error
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting; last value: {value!r}")


def cached_paths(found: dict) -> set[str]:
    return {path for paths in found.values() for path in paths}


def wait_until_cached(page, site_files: dict) -> dict:
    """Wait until every site file this page used is in the Cache Storage; returns the caches."""
    used = {path for path in page.evaluate(USED) if path in site_files}
    assert {"classify.html", "js/ondevice.mjs", "py/ondevice.zip"} <= used, used
    return poll(page, CACHES, lambda found: used <= cached_paths(found))
