"""Helpers for the browser suites: open a task page and wait until it is ready; wait for a run.

A page counts finished user actions in <body data-runs>; tests wait for that counter to move
instead of sleeping, and report the page's errors when it does not.
"""


def open_page(browser, url: str):
    """A new context + page at `url`, ready (body[data-state=ready]); records requests and errors."""
    context = browser.new_context()
    page = context.new_page()
    page.requests = []
    page.errors = []
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
