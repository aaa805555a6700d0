"""Pages start Python from the bytecode the build shipped, without micropip; text pages without Pillow.

A Python probe is added after the app's own script (PyScript runs a page's scripts in order, in
one interpreter); once the view is ready the test calls it, and it reports how each loaded module
was loaded.
"""
import json

import pytest

from browser_pages import open_page

PROBE = """<script type="py">
import importlib.util, json, sys
import js
from pyodide.ffi import create_proxy

def loaded_from(module):
    '''"bytecode" (a .pyc the build shipped), "source" (compiled in the page) or "other" (built in, .so).'''
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or ""
    if origin.endswith(".pyc"):
        return "bytecode"
    if not origin.endswith(".py"):
        return "other"
    try:
        with open(spec.cached, "rb") as cached:
            shipped = cached.read(8)[4:8] == (1).to_bytes(4, "little")  # unchecked hash: the build's
    except (OSError, TypeError):
        shipped = False
    return "bytecode" if shipped else "source"

def facts():
    pillow = importlib.util.find_spec("PIL") is not None
    if pillow:
        import PIL.Image
    return json.dumps({
        "modules": {name: loaded_from(module) for name, module in list(sys.modules.items())},
        "pillow_installed": pillow,
    })

js.pythonFacts = create_proxy(facts)
</script>
</body>"""
# Compiled in the page by design: PyScript's own package (written from JS strings at start) and the
# app's script, which PyScript runs from its source (the page modules of site/py ship as bytecode).
COMPILED_IN_THE_PAGE = {"pyscript", "_pyscript", "__main__", "app"}


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
    return python_facts(browser, site_url + "search.html")


def test_classify_page_runs_stdlib_numpy_pillow_and_ondevice_from_shipped_bytecode(classify_facts):
    modules = classify_facts[0]["modules"]
    for name in ("json", "asyncio", "numpy", "numpy.linalg", "PIL.Image", "ondevice", "ondevice.image", "pagekit",
                 "classify_page"):
        assert modules[name] == "bytecode", name
    compiled_here = sorted(name for name, how in modules.items() if how == "source"
                           and name.split(".")[0] not in COMPILED_IN_THE_PAGE)
    assert compiled_here == []


@pytest.mark.parametrize("page_facts", ["classify_facts", "search_facts"])
def test_pages_neither_download_nor_import_micropip(page_facts, request):
    facts, requests = request.getfixturevalue(page_facts)
    assert "micropip" not in facts["modules"]
    assert [url for url in requests if "micropip" in url] == []


def test_search_page_never_downloads_or_imports_pillow(search_facts):
    facts, requests = search_facts
    assert not facts["pillow_installed"] and "PIL" not in facts["modules"]
    assert [url for url in requests if "pillow" in url.lower()] == []
    assert facts["modules"]["numpy"] == "bytecode"


@pytest.mark.parametrize("view", ["classify.html", "search.html"])
def test_the_views_session_is_warmed_up_before_python_gets_it(browser, site_url, view):
    """The glue creates the view's session while Python starts and runs it once on placeholder
    inputs, so the first photo or query does not pay onnxruntime's one-time costs; Python's load()
    receives that session (ready comes after the warm-up), and the page still answers right."""
    context = browser.new_context()
    page = open_page(context, site_url + view)
    marks = page.evaluate("ondevice.marks")
    assert marks["session-created"] <= marks["warmed-up"] <= marks["ready"], marks
    assert page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/models/')"
                         " && e.name.endsWith('.onnx')).length") == 1
    context.close()
