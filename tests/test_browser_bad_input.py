"""Bad and odd input in the browser, data-driven from tests/bad_inputs.py: one page load per page,
many inputs per load. Each case: a bad input gets a message in the user's words and the previous
result stays; an odd but valid one gets a result (the same top-1 as CPython on the same bytes where
the table says so); then a good photo or text works again.
"""
import pytest

import bad_inputs
from bad_inputs import FEWSHOT_FILES, FILE_CASES, TEXTS, message_is_for_users
from browser_pages import ESPRESSO, classifications, give_file, open_page, runs, wait_for_run

CASES = {case.name: case for case in FILE_CASES}
# Every file case on the classification page; a representative set on the slower pages.
DETECT_CASES = ["empty file", "html page", "jpeg cut in half", "900 MP decompression bomb", "cmyk jpeg",
                "exif-rotated jpeg", "10000x1 png", "50 MP jpeg"]
SEGMENT_CASES = ["plain text", "svg drawing", "png cut in half", "150 MP png header", "png with alpha",
                 "animated gif", "1x1 png", "50 MP jpeg"]


def open_view(browser, site_url, name):
    page = open_page(browser.new_context(service_workers="block"), site_url + name)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def classify_page(browser, site_url):
    yield from open_view(browser, site_url, "classify.html")


@pytest.fixture(scope="module")
def detect_page(browser, site_url):
    yield from open_view(browser, site_url, "detect.html")


@pytest.fixture(scope="module")
def segment_page(browser, site_url):
    yield from open_view(browser, site_url, "segment.html")


@pytest.fixture(scope="module")
def search_page(browser, site_url):
    page = next(open_view(browser, site_url, "search.html"))
    before = runs(page)
    page.click("#sample-corpus")
    wait_for_run(page, before)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def fewshot_page(browser, site_url):
    yield from open_view(browser, site_url, "fewshot.html")


def detections(page):
    return page.eval_on_selector_all("#detections li", "items => items.map(li => [li.dataset.label, li.dataset.box])")


def detect_result(page):
    """The boxes and the line under them ("No objects found. <file>: ..."): a photo without objects is a result too."""
    return [page.text_content("#timing"), *detections(page)] if page.text_content("#timing") else []


def segmentation(page):
    return page.evaluate("[document.body.dataset.person, document.getElementById('photo-result').toDataURL()]")


def give_case(page, case, read_results, page_name: str, check_parity=None) -> None:
    """Give one file case, check what the page did, then give a good photo and check it works."""
    name, mime, data = case.make()
    before = read_results(page)
    give_file(page, name=name, data=data, mime=mime)
    expected, message = case.expected_on(page_name), page.text_content("#error")
    if expected is None:
        assert message == "" and page.get_attribute("body", "data-state") == "ready", message
        assert read_results(page), "no result"
        if check_parity is not None and case.name in bad_inputs.PARITY:
            check_parity(data)
    else:
        assert expected in message and message_is_for_users(message), message
        assert page.get_attribute("body", "data-state") == "error"
        assert read_results(page) == before  # the previous result stays on screen
    assert page.errors == []


@pytest.mark.parametrize("name", list(CASES))
def test_classify_page_answers_every_file(classify_page, photo, native_model, run, name):
    page = classify_page
    if not classifications(page):
        give_file(page, photo("coffee"))

    def same_top1_as_cpython(data):
        assert classifications(page)[0][2] == run(native_model("image-classification")(data))[0].class_id

    give_case(page, CASES[name], classifications, "classify", same_top1_as_cpython)
    give_file(page, photo("coffee"))  # the next good photo works
    assert classifications(page)[0][2] == ESPRESSO and page.text_content("#error") == ""


@pytest.mark.parametrize("name", DETECT_CASES)
def test_detect_page_answers_a_file(detect_page, photo, name):
    page = detect_page
    if not detections(page):
        give_file(page, photo("coffee"))
    give_case(page, CASES[name], detect_result, "detect")
    give_file(page, photo("coffee"))
    assert "cup" in [label for label, _ in detections(page)] and page.text_content("#error") == ""


@pytest.mark.parametrize("name", SEGMENT_CASES)
def test_segment_page_answers_a_file(segment_page, photo, name):
    page = segment_page
    if page.get_attribute("body", "data-person") is None:
        give_file(page, photo("astronaut"))
    give_case(page, CASES[name], segmentation, "segment")
    give_file(page, photo("astronaut"))
    assert page.get_attribute("body", "data-person") == "yes" and page.text_content("#error") == ""


def type_text(page, selector: str, js_expression: str) -> None:
    """Set a field to a JavaScript string (so lone surrogates reach the page as they are), as typing would."""
    before = runs(page)
    page.evaluate(f"""() => {{ const field = document.querySelector({selector!r});
        field.value = {js_expression}; field.dispatchEvent(new Event('input', {{bubbles: true}})); }}""")
    wait_for_run(page, before, 120_000)


def js_string(text: str) -> str:
    """`text` as a JavaScript string literal, every non-ASCII or control character escaped (surrogates too)."""
    if len(text) > 1000 and len(set(text)) < 10:  # a long paste: repeat its unit
        unit = text[: text.index(text[0], 1)] if text.count(text[0]) > 1 else text
        return f"{js_string(unit)}.repeat({len(text) // len(unit)})"
    return "'" + "".join(c if " " <= c <= "~" and c not in "'\\" else f"\\u{ord(c):04x}" for c in text) + "'"


def search_hits(page):
    return page.eval_on_selector_all("#results li", "items => items.map(li => [li.dataset.index, li.dataset.score])")


@pytest.mark.parametrize("name", list(TEXTS))
def test_search_page_answers_every_query(search_page, name):
    page = search_page
    before = search_hits(page)
    type_text(page, "#query", js_string(TEXTS[name]))
    assert page.text_content("#error") == "" and page.errors == []
    if TEXTS[name].strip():
        assert search_hits(page)
    else:
        assert search_hits(page) == before  # nothing to search for: the last results stay
    type_text(page, "#query", "'How do I fix my internet connection?'")
    assert search_hits(page) and page.text_content("#error") == ""


def fewshot_prediction(page):
    return page.get_attribute("#prediction", "data-label"), page.text_content("#results")


@pytest.mark.parametrize("name", list(TEXTS))
def test_fewshot_page_answers_every_sentence(fewshot_page, name):
    page = fewshot_page
    type_text(page, "#sentence", "'Best meal I have had in years!'")
    type_text(page, "#sentence", js_string(TEXTS[name]))
    assert page.text_content("#error") == "" and page.errors == []
    if TEXTS[name].strip():
        assert page.text_content("#results")
    else:
        assert "Type a sentence" in page.text_content("#prediction")
    type_text(page, "#sentence", "'Terrible service, never again.'")
    assert page.get_attribute("#prediction", "data-label") == "negative"


@pytest.mark.parametrize("name", list(FEWSHOT_FILES))
def test_fewshot_page_refuses_a_file_that_is_not_its_classifier(fewshot_page, name):
    page = fewshot_page
    type_text(page, "#sentence", "'Best meal I have had in years!'")
    before = fewshot_prediction(page)
    text, phrase = FEWSHOT_FILES[name]
    give_file(page, name="classifier.json", data=text if isinstance(text, bytes) else text.encode(),
              mime="application/json", selector="#load")
    message = page.text_content("#error")
    assert phrase in message and message_is_for_users(message), message
    assert fewshot_prediction(page) == before
    good = bad_inputs.classifier_json(labels=["yes", "no"])  # zero weights: 50/50, "yes" first
    give_file(page, name="good.json", data=good.encode(), mime="application/json", selector="#load")
    assert page.text_content("#error") == "" and fewshot_prediction(page)[0] == "yes"
    assert "Loaded good.json" in page.text_content("#train-status")
    # editing the examples trains the page's own classifier again
    before = runs(page)
    page.fill(".label-card:nth-child(1) .label-examples", page.input_value(".label-card:nth-child(1) .label-examples") + "\nLovely, thank you.")
    wait_for_run(page, before)
    assert fewshot_prediction(page)[0] in ("positive", "negative")
