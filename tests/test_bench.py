"""The benchmark's quick mode (--runs 1) runs end to end, so it cannot silently rot; its plain-JS
floor page gives the same answer as CPython, so the floor is a faithful floor."""
import json

import pytest
from PIL import Image

from ondevice_build.bench import FLOORS, PAGES, bench_pages, measure, open_ready, write_outputs

SCORE_TOLERANCE = 0.01  # absolute, per class probability, as for the Python page (test_browser_classify)


def test_quick_benchmark_measures_every_stage_and_writes_its_outputs(browser, dist, manifest, tmp_path):
    results = measure(browser, ["image-classification"], runs=1)
    markdown = write_outputs(results, tmp_path, docs=False)
    saved = json.loads((tmp_path / "results.json").read_text())
    task = saved["tasks"]["image-classification"]
    cold = task["cold"]
    assert 0 < cold["python-started"]["median"] < cold["session-created"]["median"] < cold["first-result"]["median"]
    shipped = manifest["models"]["image-classification"]["variants"]
    assert set(task["steady"]) == {f"{v}/{t}t" for v in shipped for t in (1, 2)}
    for stages in task["steady"].values():
        assert stages["run"]["median"] > 0 and stages["preprocess"]["median"] > 0
    for variant in shipped:
        assert task["plain_js"][variant]["1t"]["median"] > 0 and task["native"][variant]["1t"]["median"] > 0
    default = manifest["models"]["image-classification"]["default_variant"]["wasm"]
    assert task["bytes"]["model"]["raw"] == shipped[default]["bytes"]
    assert task["bytes"]["python"]["compressed"] < task["bytes"]["python"]["raw"]
    for visit in ("cold", "repeat"):
        floor = task["floor"][visit]
        assert floor["plain"]["median"] > 0 and floor["ratio"] > 0
    assert markdown.index("Start-up against the plain-JavaScript floor") < markdown.index("## image-classification")
    assert Image.open(tmp_path / "chart.png").size[0] > 0


def test_plain_js_floor_classifies_the_sample_as_cpython_does(browser, site_url, dist, native_model, run):
    task = "image-classification"
    floor, sample = FLOORS[task], PAGES[task]["sample"]
    with bench_pages(dist):
        context = browser.new_context()
        page = open_ready(context, site_url + floor.path)
        in_browser = page.evaluate(floor.first_result, site_url + sample)
        marks = page.evaluate("ondevice.marks")
        context.close()
    native = run(native_model(task)((dist / sample).read_bytes(), top_k=5))
    assert [c["label"] for c in in_browser] == [c.label for c in native], (in_browser, native)
    for plain, ours in zip(in_browser, native):
        assert plain["score"] == pytest.approx(ours.score, abs=SCORE_TOLERANCE), (plain, ours)
    assert 0 < marks["session-created"] <= marks["ready"]
