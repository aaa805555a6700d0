"""The benchmark's quick mode (--runs 1) runs end to end, so it cannot silently rot: every visit
kind (cold, repeat, task switch with one Python start, offline second visit, which opens, return
visit after a browser restart) reaches
results.json and the table; the plain-JS floor pages give the same answers as CPython, so they are
faithful floors; the CPU a visit uses is counted over the browser's own processes only.

Each test opens its own browser context, so each passes alone."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ondevice.runtime import NativeSession
from ondevice_build.bench import (FLOORS, PAGES, bench_pages, floor_for, measure, open_ready, sample_feeds,
                                  write_feeds, write_outputs)
from ondevice_build.browser import cpu_seconds_between, cpu_seconds_by_process

SCORE_TOLERANCE = 0.01  # absolute, per class probability, as for the Python page (test_browser_classify)
OUTPUT_TOLERANCE = 1e-3  # absolute: onnxruntime-web's WASM kernels against native onnxruntime, fp32 model
VISIT_KINDS = ("cold", "repeat", "task switch", "offline 2nd visit", "return visit (browser restarted)")


def test_quick_benchmark_measures_every_stage_and_writes_its_outputs(browser, dist, manifest, tmp_path):
    results = measure(browser, ["image-classification"], runs=1)
    markdown = write_outputs(results, tmp_path, docs=False)
    saved = json.loads((tmp_path / "results.json").read_text())
    task = saved["tasks"]["image-classification"]
    cold = task["cold"]
    for mark in ("python-started", "session-created"):  # the glue creates the session while Python starts
        assert 0 < cold[mark]["median"] < cold["first-result"]["median"]
    shipped = manifest["models"]["image-classification"]["variants"]
    assert set(task["steady"]) == {f"{v}/{t}t" for v in shipped for t in (1, 2)}
    for stages in task["steady"].values():
        assert stages["run"]["median"] > 0 and stages["preprocess"]["median"] > 0
    for variant in shipped:
        assert task["plain_js"][variant]["1t"]["median"] > 0 and task["native"][variant]["1t"]["median"] > 0
    default = manifest["models"]["image-classification"]["default_variant"]["wasm"]
    assert task["bytes"]["model"]["raw"] == shipped[default]["bytes"]
    assert task["bytes"]["python"]["compressed"] < task["bytes"]["python"]["raw"]
    floor = task["floor"]
    for visit in ("cold", "repeat", "switch", "return"):
        assert floor[visit]["plain"]["median"] > 0 and floor[visit]["ratio"] > 0
    assert floor["switch"]["python_starts"] == [1]
    assert 0 < task["switch"]["ready"]["median"] <= task["switch"]["first-result"]["median"]
    assert floor["offline"]["ok"] == [True], floor["offline"]["errors"]  # the service worker (site/sw.js)
    assert floor["offline"]["python"]["median"] > 0 and task["offline"]["first-result"]["median"] > 0
    for visit in ("cold", "repeat", "return"):  # the CPU both pages used (Linux: the machine CI runs on)
        assert floor["cpu"][visit]["python"]["median"] > 0 and floor["cpu"][visit]["plain"]["median"] > 0
    table = markdown[markdown.index("against the plain-JavaScript floor"):markdown.index("## image-classification")]
    for kind in VISIT_KINDS:
        assert f"| `classify.html` | {kind} |" in table
    assert "| `classify.html` | return visit (browser restarted) |" in table.split("CPU used")[1]
    assert Image.open(tmp_path / "chart.png").size[0] > 0


def test_plain_js_floor_classifies_the_sample_as_cpython_does(browser, site_url, dist, native_model, run):
    task = "image-classification"
    floor, sample = FLOORS[task], PAGES[task]["sample"]
    with bench_pages(dist):
        context = browser.new_context()
        page = open_ready(context, site_url + floor.path)
        in_browser = page.evaluate(floor.first_result, site_url + sample)
        marks, timings = page.evaluate("[ondevice.marks, ondevice.timings]")
        context.close()
    native = run(native_model(task)((dist / sample).read_bytes(), top_k=5))
    assert [c["label"] for c in in_browser] == [c.label for c in native], (in_browser, native)
    for plain, ours in zip(in_browser, native):
        assert plain["score"] == pytest.approx(ours.score, abs=SCORE_TOLERANCE), (plain, ours)
    assert 0 < marks["session-created"] <= marks["ready"]
    assert timings["session"] > 0 and timings["first-run"] > 0


def test_model_floor_runs_the_pages_model_on_the_samples_inputs_as_cpython_does(browser, site_url, dist, manifest):
    task = "person-segmentation"  # the smallest model; the page is the same for every task
    floor, feeds = floor_for(task), sample_feeds(task, dist / PAGES[task]["sample"])
    with bench_pages(dist):
        write_feeds(task, feeds, dist)
        context = browser.new_context()
        try:
            page = open_ready(context, site_url + floor.path)
            outputs = page.evaluate(floor.first_result, site_url + floor.sample)
            timings = page.evaluate("ondevice.timings")
        finally:
            context.close()
    entry = manifest["models"][task]
    variant = entry["default_variant"]["wasm"]
    native = NativeSession(str(dist / "models" / entry["variants"][variant]["file"]), variant=variant).run_sync(feeds)
    assert set(outputs) == set(native)
    for name, expected in native.items():
        assert outputs[name]["dims"] == list(expected.shape)
        np.testing.assert_allclose(outputs[name]["data"], expected.ravel(), atol=OUTPUT_TOLERANCE)
    assert timings["session"] > 0 and timings["first-run"] > 0


def test_teaching_figures_are_measured_in_the_page(playwright, dist):
    from ondevice_build.bench_report import teaching_lines
    from ondevice_build.bench_teaching import measure_teaching

    figures = measure_teaching(playwright, runs=2)
    for stage in ("add_example", "train_5x50", "predict"):
        assert 0 < figures[stage]["min"] <= figures[stage]["median"] <= figures[stage]["max"]
    assert figures["live_fps"] > 0  # the webcam predicted frame after frame
    assert "train 5 x 50" in "\n".join(teaching_lines(figures))


# A stand-in for a browser's process tree: a "browser" started with --user-data-dir, and a "renderer"
# child that, once told to, spends BURN_S of CPU and says so. Both then wait to be stopped.
BURN_S = 0.5
RENDERER = f"""
import pathlib, sys, time
folder = pathlib.Path(sys.argv[1])
(folder / "ready").touch()
while not (folder / "go").exists():
    time.sleep(0.01)
start = time.process_time()
while time.process_time() - start < {BURN_S}:
    pass
(folder / "done").touch()
time.sleep(60)
"""
BROWSER = """
import subprocess, sys
subprocess.run([sys.executable, "-c", sys.argv[1], sys.argv[2], "--type=renderer"])
"""


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never came"
        time.sleep(0.01)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_a_visits_cpu_is_counted_over_the_browsers_processes_and_nothing_else(tmp_path):
    browser = subprocess.Popen([sys.executable, "-c", BROWSER, RENDERER, str(tmp_path),
                                f"--user-data-dir={tmp_path}"])
    try:
        wait_for(tmp_path / "ready")
        before = cpu_seconds_by_process(tmp_path)
        assert len(before) == 2  # the browser and its child, found by the profile folder
        (tmp_path / "go").touch()
        start = time.process_time()  # meanwhile this process, not the browser's, spends CPU too
        while time.process_time() - start < BURN_S:
            pass
        wait_for(tmp_path / "done")
        used = cpu_seconds_between(before, cpu_seconds_by_process(tmp_path))
    finally:
        for pid in cpu_seconds_by_process(tmp_path):
            os.kill(pid, signal.SIGKILL)
        browser.wait()
    assert BURN_S - 0.05 <= used <= BURN_S + 0.3
    assert cpu_seconds_by_process(tmp_path / "elsewhere") == {}
