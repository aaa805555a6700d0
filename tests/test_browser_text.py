"""The semantic-search and few-shot pages in headless Chromium, against CPython on the same model.

Scores in the DOM (data-score) hold full precision, so the browser's cosines
and probabilities are compared number by number with native onnxruntime's.
"""
import json

import pytest

from browser_pages import open_page, runs, wait_for_run
from ondevice import TextClassifier
from ondevice_build.sentences import SEARCH_CASES, corpus

TASK = "sentence-embeddings"
TOLERANCE = 2e-3  # cosine / probability: WASM vs native kernels


@pytest.fixture(scope="module")
def search_page(browser, site_url):
    page = open_page(browser.new_context(), site_url + "search.html")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def fewshot_page(browser, site_url):
    page = open_page(browser.new_context(), site_url + "fewshot.html")
    yield page
    page.context.close()


def hits(page) -> list[tuple[int, float]]:
    return page.eval_on_selector_all("#results li", "items => items.map(li => [Number(li.dataset.index), Number(li.dataset.score)])")


@pytest.fixture
def searched(search_page):
    """The search page with the sample corpus and a query searched (whatever ran before), so each
    test passes alone (`python build.py test -k NAME`)."""
    if not search_page.input_value("#query").strip() or not hits(search_page):
        before = runs(search_page)
        search_page.click("#sample-corpus")
        wait_for_run(search_page, before)
    return search_page


def type_and_wait(page, selector: str, text: str, timeout: int = 60_000) -> None:
    before = runs(page)
    page.fill(selector, text)
    wait_for_run(page, before, timeout)


def paste_and_wait(page, selector: str, text: str, timeout: int = 300_000) -> None:
    """Put `text` in a field as a paste lands (one input event) and wait for the page to finish.
    (Playwright's fill() types 100 KB through the browser's editing commands, which held the main
    thread for 12 s here before the page saw a single event.)"""
    before = runs(page)
    page.eval_on_selector(selector, "(field, text) => { field.value = text; "
                                    "field.dispatchEvent(new Event('input', {bubbles: true})); }", text)
    wait_for_run(page, before, timeout)


def test_sample_corpus_search_agrees_with_cpython(search_page, native_model, run):
    before = runs(search_page)
    search_page.click("#sample-corpus")
    wait_for_run(search_page, before)
    query, expected = SEARCH_CASES[0]
    assert search_page.input_value("#query") == query
    in_browser = hits(search_page)
    native = run(native_model(TASK).search(query, corpus(), top_k=10))
    assert corpus()[in_browser[0][0]] == expected
    assert [i for i, _ in in_browser[:3]] == [h.index for h in native[:3]]
    for (index, score), hit in zip(in_browser, native):
        assert score == pytest.approx(hit.score, abs=TOLERANCE), (index, hit)


@pytest.mark.parametrize("query,expected", SEARCH_CASES[1:4])
def test_each_new_query_finds_its_neighbour(searched, query, expected):
    type_and_wait(searched, "#query", query)
    assert corpus()[hits(searched)[0][0]] == expected
    assert searched.text_content("#error") == ""


def test_empty_corpus_shows_a_message_and_keeps_the_results(searched):
    before = hits(searched)
    assert before
    type_and_wait(searched, "#corpus", "   \n  ")
    assert "Paste some sentences" in searched.text_content("#error")
    assert hits(searched) == before
    type_and_wait(searched, "#corpus", "\n".join(corpus()))
    assert searched.text_content("#error") == ""


def test_a_long_text_is_truncated_with_a_note(searched):
    type_and_wait(searched, "#corpus", "\n".join(corpus() + ["word " * 10_000]))
    assert "only their beginning counts" in searched.text_content("#corpus-status")
    assert hits(searched)


# The page counts as frozen if a 50 ms timer waited longer than this (a visible stall; embedding
# one batch of 32 sentences takes about 0.3-1 s here, and the page yields between batches).
LONGEST_PAUSE_S = 2.5
WATCH_MAIN_THREAD = """() => {
    window.tickTimes = [performance.now()];
    const tick = () => { window.tickTimes.push(performance.now()); if (window.watching) setTimeout(tick, 50); };
    window.watching = true; setTimeout(tick, 50);
}"""
LONGEST_PAUSE = "window.watching = false; window.tickTimes.push(performance.now()); " \
                "Math.max(...window.tickTimes.slice(1).map((t, i) => t - window.tickTimes[i])) / 1000"


def longest_pause_while(page, action) -> float:
    """Seconds of the longest gap between ticks of a 50 ms timer on the page's main thread while
    `action()` ran: how long the page could not answer a click."""
    page.evaluate(WATCH_MAIN_THREAD)
    action()
    return page.evaluate(LONGEST_PAUSE)


def test_the_pause_measure_catches_a_frozen_page(search_page):
    """The responsiveness check can fail: a page frozen for 3 s in one piece is caught."""
    frozen = longest_pause_while(search_page, lambda: search_page.evaluate(
        "() => new Promise(done => setTimeout(() => { const end = performance.now() + 3000; "
        "while (performance.now() < end) {} done(); }, 100))"))
    assert frozen > LONGEST_PAUSE_S


def test_a_2000_sentence_corpus_shows_progress_and_keeps_the_page_responsive(searched):
    sentences = [f"Item {i}: {text}" for i, text in enumerate(corpus()[:40] * 50)]
    searched.evaluate("""() => {
        window.progressSeen = new Set();
        new MutationObserver(() => window.progressSeen.add(document.getElementById('corpus-status').textContent))
          .observe(document.getElementById('corpus-status'), {childList: true, characterData: true, subtree: true});
    }""")
    pause = longest_pause_while(searched, lambda: paste_and_wait(searched, "#corpus", "\n".join(sentences)))
    seen = searched.evaluate("[...window.progressSeen]")
    assert any("/ 2,000 sentences" in text for text in seen), seen
    assert "2,000 sentences embedded" in searched.text_content("#corpus-status")
    assert pause < LONGEST_PAUSE_S, f"the page froze for {pause:.1f} s while embedding"
    assert searched.errors == []


@pytest.fixture(scope="module")
def starter_examples(fewshot_page):
    return fewshot_page.evaluate("""() => [...document.querySelectorAll('.label-card')].flatMap(card =>
        card.querySelector('.label-examples').value.split('\\n').map(text => [text, card.querySelector('.label-name').value]))""")


def prediction(page) -> tuple[str, dict]:
    probabilities = page.eval_on_selector_all(
        "#results li", "items => items.map(li => [li.dataset.label, Number(li.dataset.score)])")
    return page.get_attribute("#prediction", "data-label"), dict(probabilities)


@pytest.mark.parametrize("sentence,label", [
    ("Absolutely loved it, five stars, would recommend to everyone!", "positive"),
    ("The worst purchase I have ever made, it stopped working at once.", "negative"),
])
def test_fewshot_predicts_as_you_type_and_agrees_with_cpython(fewshot_page, starter_examples, native_model, run,
                                                               sentence, label):
    type_and_wait(fewshot_page, "#sentence", sentence)
    got_label, probabilities = prediction(fewshot_page)
    classifier = run(TextClassifier.train(native_model(TASK), [tuple(pair) for pair in starter_examples]))
    native = run(classifier.predict(sentence))
    assert got_label == native.label == label
    for name, probability in native.probabilities.items():
        assert probabilities[name] == pytest.approx(probability, abs=TOLERANCE)


def test_fewshot_refuses_a_single_label_and_keeps_the_last_prediction(fewshot_page):
    type_and_wait(fewshot_page, "#sentence", "Best meal I have had in years!")
    before = prediction(fewshot_page)
    assert before[0] == "positive"
    type_and_wait(fewshot_page, ".label-card:nth-child(2) .label-examples", "")
    assert "at least two labels" in fewshot_page.text_content("#error")
    assert prediction(fewshot_page) == before


def test_fewshot_classifier_downloads_as_json_that_cpython_loads(fewshot_page, starter_examples, native_model, run, tmp_path):
    type_and_wait(fewshot_page, ".label-card:nth-child(2) .label-examples",
                  "\n".join(text for text, label in starter_examples if label == "negative"))
    with fewshot_page.expect_download() as download:
        fewshot_page.click("#save")
    saved = tmp_path / "classifier.json"
    download.value.save_as(saved)
    classifier = TextClassifier.from_json(native_model(TASK), saved.read_text())
    assert classifier.labels == ("positive", "negative")
    assert json.loads(saved.read_text())["backbone"]["model"] == "all-minilm-l6-v2"
    assert run(classifier.predict("I hated it, a complete waste of time.")).label == "negative"
    assert fewshot_page.errors == []


def test_text_pages_report_model_bytes_and_stay_local(search_page, manifest, site_url):
    rows = search_page.eval_on_selector_all(
        "#loading .progress-row", "rows => rows.map(r => [r.dataset.kind, Number(r.dataset.loaded), Number(r.dataset.total)])")
    kinds = {kind: (loaded, total) for kind, loaded, total in rows}
    entry = manifest["models"][TASK]
    assert kinds["model"] == (entry["variants"][entry["default_variant"]["wasm"]]["bytes"],) * 2
    assert [url for url in search_page.requests if not url.startswith((site_url, "data:", "blob:"))] == []
