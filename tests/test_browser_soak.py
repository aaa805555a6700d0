"""Long sessions: many inferences on each task page leave the JS heap and Python's wasm memory
where they were after warm-up (within 5%), and few-shot label cards free their handlers when they
go. The full 1,000-inference soak is `python build.py bench` (figures in docs/RELIABILITY.md)."""
import pytest

from browser_pages import open_page, runs, wait_for_run
from ondevice_build.bench import PAGES, SOAK_LIMIT, soak

INFERENCES = 60


@pytest.mark.parametrize("task", list(PAGES))
def test_memory_stays_flat_over_many_inferences(browser, site_url, task):
    result = soak(browser, site_url, task, INFERENCES, warmup=20, chunk=20)
    for key, growth in result["growth"].items():
        assert growth < SOAK_LIMIT, (key, result["baseline"], result["samples"])


def test_removed_label_cards_free_their_handlers(browser, site_url):
    context = browser.new_context(service_workers="block")
    try:
        page = open_page(context, site_url + "fewshot.html")
        listeners = lambda: int(page.get_attribute("#view > *", "data-listeners") or -1)
        baseline = listeners()
        for _ in range(5):
            page.click("#add-label")
        assert listeners() == baseline + 5
        for _ in range(5):
            before = runs(page)
            page.click(".label-card:last-child .remove-label")
            wait_for_run(page, before)  # removing a card retrains
        assert listeners() == baseline
        assert page.errors == []
    finally:
        context.close()
