"""`python build.py bench`: measure the built site in headless Chromium, beside its floor and limit.

For each task page, start-up as a breakdown of marks: cold (a fresh browser profile on disk, empty
caches), repeat visit (a new tab of the same profile, the first one closed), a task switch within a
visit (the gallery open, then `ondevice.navigate` to the page: time to its first result, and the
Python starts, which must stay 1), an offline second visit (the network off, a new tab) and a return
visit (the browser restarted on the same profile: a visitor coming back later, whose browser no longer
holds the pages' process nor its compiled code in memory). Each beside
the page's plain-JavaScript floor (bench_pages/), measured interleaved in the same run: a full
floor page where there is one (floor-classify.html: the same ORT files, settings, model, photo and
work without Python), else the page's model file alone (floor-model.html: download, session
creation and first run on the sample's model inputs). Then steady-state inference per shipped
variant with 1 and 2 WASM threads, split into Python pre-processing / ORT run / Python
post-processing; the same ONNX file run by the plain-JavaScript page (bench_pages/plain.html) and
by native onnxruntime (this machine's limit); and the bytes each page downloads, raw and
compressed, by kind.
It measures; it never fails for being slow.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .browser import cpu_seconds_between, cpu_seconds_by_process, launch, launch_profile
from .paths import DIST, ROOT
from .runtime_assets import ORT_DIR
from .serve import serve_in_background

# batches: how many inputs the page's bench hook runs at once (text: 1 and 32 sentences per call).
PAGES = {"image-classification": {"page": "classify.html", "sample": "samples/coffee.jpg"},
         "sentence-embeddings": {"page": "search.html", "sample": "samples/sentences.txt", "batches": (1, 32)},
         "person-segmentation": {"page": "segment.html", "sample": "samples/astronaut.jpg"},
         "object-detection": {"page": "detect.html", "sample": "samples/coffee.jpg"}}
TEACHING = "teaching"  # --tasks name of the teachable classifier's figures (bench_teaching.py)
STARTUP_MARKS = ("python-downloaded", "packages-downloaded", "onnxruntime-downloaded", "model-downloaded",
                 "snapshot-ready", "python-started", "python-ready", "session-created", "warmed-up", "ready", "first-result")
BENCH_PAGES = Path(__file__).with_name("bench_pages")  # written into dist/_bench/ only while the bench runs
BENCH_DIR = "_bench"


@dataclass(frozen=True)
class PageUnderTest:
    """A page whose start-up the bench measures: its path in dist/ (with any query), `first_result`
    (a JavaScript function that, once <body data-state=ready>, takes the URL of `sample` and
    resolves to the page's first result on it) and, for a view of the app shell (`app`), whether it
    is also measured switched to within a visit and opened offline. `contains`: what the page does,
    for the report."""

    path: str
    first_result: str
    sample: str
    app: bool = False
    contains: str = ""


PYTHON_FIRST_RESULT = "url => ondeviceBench(1, url)"  # every task page's bench hook (site/py/app.py)
# The plain-JavaScript floor of a task page: start-up measured interleaved with the Python page.
FLOORS = {"image-classification": PageUnderTest(
    f"{BENCH_DIR}/floor-classify.html", "url => ondeviceClassify(url)", PAGES["image-classification"]["sample"],
    contains="the whole page's work in plain JS: manifest, model and labels downloaded, session created, "
             "photo decoded, resized and cropped, run, top-5")}
MODEL_FLOOR_CONTAINS = ("the page's model file alone: manifest and model downloaded, session created, one run on the "
                        "sample's model inputs (made by CPython, fetched as JSON); no pre- or post-processing")
SWITCH_FROM = "index.html"  # the gallery: a view without a model
SWITCH_MARKS = ("ready", "session-created", "first-result")  # ms since the navigate call (bench_pages/switch.mjs)
FEEDS_FILE = BENCH_DIR + "/{task}.feeds.json"  # a task's sample as model inputs, for floor-model.html
OFFLINE_TIMEOUT_MS = 60_000
CPU_KINDS = ("cold", "repeat", "return")  # visits whose CPU use (all the browser's processes) is compared
# Each page stays open this long after its first result before its tab closes, as a visitor looks at
# the answer: V8 writes a wasm module's code cache once enough of it is optimised, and onnxruntime-web
# gets there only after the first result; a tab closed at once left the plain-JS floor's later visits
# without it (docs/STARTUP.md). Our page stays until its service worker has settled, if that is later.
DWELL_MS = 3000
KIND_PREFIXES = (("runtime/pyodide-", "python"), ("runtime/ort-", "onnxruntime"), ("models/", "model"),
                 ("runtime/pyscript-", "pyscript"))


def summary(values: list[float]) -> dict:
    values = sorted(values)
    return {"median": round(statistics.median(values), 2), "min": round(values[0], 2),
            "max": round(values[-1], 2), "n": len(values)}


def kind_of(path: str) -> str:
    if path.endswith(".whl"):
        return "packages"
    if path.startswith("models/") and not path.endswith(".onnx"):
        return "labels + manifest"
    for prefix, kind in KIND_PREFIXES:
        if path.startswith(prefix):
            return kind
    return "our code"


@contextmanager
def bench_pages(dist: Path = DIST):
    """The plain-JavaScript pages (bench_pages/) in dist/_bench/ while the block runs, pointed at
    the site's onnxruntime-web files."""
    folder = dist / BENCH_DIR
    folder.mkdir(exist_ok=True)
    for source in BENCH_PAGES.iterdir():
        (folder / source.name).write_text(source.read_text().replace("@ORT_DIR@", ORT_DIR))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class PageFailed(RuntimeError):
    """A page under test said <body data-state=error>."""


def open_ready(context, url: str, responses: list | None = None, timeout: int = 180_000, init_script: str = ""):
    """A new tab of `context` at `url`, once <body data-state=ready> (PageFailed, with the page's
    words, if it says error instead); `responses` (if given) gets (url, content-encoding) of every
    response; `init_script` runs in the page before its own scripts."""
    page = context.new_page()
    if init_script:
        page.add_init_script(init_script)
    if responses is not None:
        page.on("response", lambda r: responses.append((r.url, r.headers.get("content-encoding"))))
    try:
        page.goto(url, timeout=timeout)
        page.wait_for_selector("body[data-state=ready], body[data-state=error]", state="attached", timeout=timeout)
        if page.get_attribute("body", "data-state") == "error":
            raise PageFailed(page.evaluate("(document.querySelector('#view #error') ?? document.body).textContent"))
    except Exception:
        page.close()
        raise
    return page


# Resolves once the service worker (if the page registered one) holds every same-origin file the
# page used: a later visit is what a visitor coming back later gets, not a race with the worker.
SERVICE_WORKER_SETTLED = """async () => {
  const registration = await globalThis.ondevice?.serviceWorker;
  if (!registration) return true;
  const used = performance.getEntriesByType("resource").map((entry) => new URL(entry.name))
    .filter((url) => url.origin === location.origin && !url.pathname.includes("/_bench/"))
    .map((url) => url.pathname);
  for (let attempt = 0; attempt < 600; attempt++) {
    const stored = new Set();
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) stored.add(new URL(request.url).pathname);
    }
    if (used.every((path) => stored.has(path))) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}"""


def first_result_at_ready(first_result: str, sample_url: str) -> str:
    """An init script that asks the page for its first result on `sample_url` the moment it says
    <body data-state=ready>, as a visitor who gives a photo at once: asked from Playwright instead,
    the question came 0.26-0.76 s after that moment (a round trip, on both sides of the ratio).
    globalThis.ondeviceFirstResult: a promise of {marks, timings}, as `visit` returns."""
    return f"""new MutationObserver((_, observer) => {{
  if (document.body?.dataset.state !== "ready") return;
  observer.disconnect();
  globalThis.ondeviceFirstResult = ({first_result})({json.dumps(sample_url)}).then(() => {{
    ondevice.mark("first-result");
    return {{ marks: ondevice.marks, timings: ondevice.timings ?? {{}} }};
  }});
}}).observe(document, {{ subtree: true, attributes: true, attributeFilter: ["data-state"] }});"""


def visit(context, base: str, page_under_test: PageUnderTest, responses: list | None = None,
          timeout: int = 180_000, profile: Path | None = None) -> dict:
    """Open the page in a new tab, wait until it is ready, get its first result on its sample, keep
    the tab open until its service worker has settled and at least DWELL_MS after that result, close it.
    Returns {"marks": start-up marks (ms since navigation start, "first-result" included),
    "timings": the plain-JS pages' session creation and first run, ms (bench_pages/plain-ort.mjs),
    "cpu_s": the CPU all the browser's processes used from opening the tab to the first result, s
    (None unless `context` runs on the browser profile folder `profile`, on Linux)}."""
    cpu_before = cpu_seconds_by_process(profile) if profile else None
    page = open_ready(context, base + page_under_test.path, responses, timeout,
                      init_script=first_result_at_ready(page_under_test.first_result, base + page_under_test.sample))
    try:
        result = page.evaluate("globalThis.ondeviceFirstResult")
        result["cpu_s"] = cpu_seconds_between(cpu_before, cpu_seconds_by_process(profile) if profile else None)
        page.evaluate(SERVICE_WORKER_SETTLED)
        page.evaluate(f"new Promise((resolve) => setTimeout(resolve, {DWELL_MS} - (performance.now() - "
                      "ondevice.marks['first-result'])))")
        return result
    finally:
        page.close()


def switch_visit(context, base: str, page_under_test: PageUnderTest) -> dict:
    """A new tab at the gallery; once it is ready, ondevice.navigate to the page's view and its first
    result (bench_pages/switch.mjs): ms since the navigate call, and ondevice.pythonStarts."""
    page = open_ready(context, base + SWITCH_FROM)
    try:
        page.add_script_tag(url=f"{base}{BENCH_DIR}/switch.mjs", type="module")
        return page.evaluate("([view, url]) => ondeviceSwitch(view, url)",
                             [page_under_test.path, base + page_under_test.sample])
    finally:
        page.close()


def offline_visit(context, base: str, page_under_test: PageUnderTest) -> dict:
    """The network off, the page in a new tab of `context` (after its visits so far): {"ok": True,
    marks, timings} as `visit`, or {"ok": False, "error": why it did not open or answer}."""
    context.set_offline(True)
    try:
        return {"ok": True, **visit(context, base, page_under_test, timeout=OFFLINE_TIMEOUT_MS)}
    except Exception as error:  # measured, not a failure of the bench: the report says what happened
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return {"ok": False, "error": first_line.replace(base, "/")}
    finally:
        context.set_offline(False)


def visits_in_one_context(browser, base: str, page_under_test: PageUnderTest, responses: list | None = None) -> dict:
    """A fresh browser profile (empty HTTP cache, code cache and Cache Storage): the "cold" visit,
    then a "repeat" visit in a new tab (the first one closed); for a view of the app, then a
    "switch" to it from the gallery and an "offline" visit, each in a new tab of the same profile;
    last a "return" visit, the browser restarted on the same profile. A profile on disk, as a
    visitor's browser has, not an in-memory context: only the former keeps compiled code between
    visits (docs/STARTUP.md). `responses`: the cold visit's, see open_ready."""
    # bypass_csp: the plain-JS floor pages (bench_pages/) are lab pages with inline scripts, which
    # the site's Content-Security-Policy (headers.py) forbids; the policy costs the site nothing to measure
    profile = tempfile.TemporaryDirectory(prefix="ondevice-bench-")
    folder = Path(profile.name)

    def relaunch():
        return launch_profile(browser.browser_type, folder, bypass_csp=True)

    context = relaunch()
    try:
        visits = {"cold": visit(context, base, page_under_test, responses, profile=folder)}
        visits["repeat"] = visit(context, base, page_under_test, profile=folder)
        if page_under_test.app:
            visits["switch"] = switch_visit(context, base, page_under_test)
            visits["offline"] = offline_visit(context, base, page_under_test)
        context.close()
        context = relaunch()
        visits["return"] = visit(context, base, page_under_test, profile=folder)
        return visits
    finally:
        context.close()
        profile.cleanup()


def interleaved_visits(browser, base: str, pages: dict[str, PageUnderTest], runs: int):
    """visits_in_one_context for each page, `runs` times, the pages taking turns to go first.

    Returns ({name: [{visit kind: visit} per run]}, {name: [(url, content-encoding) of the first
    cold visit's responses]})."""
    visits = {name: [] for name in pages}
    responses = {name: [] for name in pages}
    for run in range(runs):
        for name in list(pages)[::1 if run % 2 == 0 else -1]:
            recorded = responses[name] if run == 0 else None
            visits[name].append(visits_in_one_context(browser, base, pages[name], recorded))
    return visits, responses


def bytes_downloaded(responses: list[tuple[str, str | None]], base: str, site: dict) -> dict:
    """Bytes a cold visit transferred, by kind: on the wire (compressed) and decoded (raw)."""
    kinds: dict[str, dict] = {}
    seen = set()
    for url, encoding in responses:
        path = url[len(base):].split("?")[0]
        entry = site["files"].get(path)
        if entry is None or path in seen:  # a prefetched file is read again from the HTTP cache
            continue
        seen.add(path)
        encoding = (encoding or "").replace("gzip", "gz")
        wire = entry.get(encoding, entry["bytes"]) if encoding else entry["bytes"]
        total = kinds.setdefault(kind_of(path), {"raw": 0, "compressed": 0, "files": 0})
        total["raw"] += entry["bytes"]
        total["compressed"] += wire
        total["files"] += 1
    return kinds


def breakdown(visits: list[dict]) -> dict:
    """Summary of each start-up mark over several visits' marks."""
    return {mark: summary([v[mark] for v in visits if mark in v]) for mark in STARTUP_MARKS
            if any(mark in v for v in visits)}


def compared(ours: list[float], floor: list[float]) -> dict:
    """Our times and the floor's: summaries, the ratio of the medians and the range of the per-run
    ratios (run i of one page against run i of the other, measured next to each other)."""
    ratios = summary([a / b for a, b in zip(ours, floor)])
    return {"python": summary(ours), "plain": summary(floor),
            "ratio": round(statistics.median(ours) / statistics.median(floor), 2),
            "ratio_runs": {"min": ratios["min"], "max": ratios["max"]}}


def first_result(visit: dict) -> float:
    return visit["marks"]["first-result"]


def session_and_first_run(plain_visit: dict) -> float:
    """What the plain-JS page spent creating its session and on its first run, ms."""
    return plain_visit["timings"]["session"] + plain_visit["timings"]["first-run"]


def offline_against_floor(python: list[dict], plain: list[dict]) -> dict:
    """Which offline visits worked (the errors of the others) and, for those, the first result
    against the floor's repeat visit of the same run (a plain page cannot open offline: its best
    second visit is the one from the HTTP cache)."""
    offline = [run["offline"] for run in python]
    out = {"ok": [o["ok"] for o in offline], "errors": sorted({o["error"] for o in offline if not o["ok"]})}
    worked = [(o, floor["repeat"]) for o, floor in zip(offline, plain) if o["ok"]]
    if worked:
        out |= compared([first_result(o) for o, _ in worked], [first_result(f) for _, f in worked])
    return out


def against_floor(python: list[dict], plain: list[dict]) -> dict:
    """Per visit kind, the Python page against its plain-JS floor (runs of visits_in_one_context):
    cold, repeat and return first results; the switch's first result (since the navigate call) against the
    floor's session creation + first run in its repeat visit, with the Python starts of each
    switched visit; the offline visits (offline_against_floor); and "cpu": the CPU both pages' visits
    used up to their first result (CPU_KINDS, where measured)."""
    out = {kind: compared([first_result(run[kind]) for run in python], [first_result(run[kind]) for run in plain])
           for kind in ("cold", "repeat", "return")}
    switches = [run["switch"] for run in python]
    plain_switch = [session_and_first_run(run["repeat"]) for run in plain]
    out["switch"] = {**compared([s["first-result"] for s in switches], plain_switch),
                     "python_starts": [s["pythonStarts"] for s in switches]}
    out["offline"] = offline_against_floor(python, plain)
    out["cpu"] = {kind: compared([run[kind]["cpu_s"] for run in python], [run[kind]["cpu_s"] for run in plain])
                  for kind in CPU_KINDS if all(run[kind].get("cpu_s") for run in python + plain)}
    return out


def floor_for(task: str) -> PageUnderTest:
    """The task page's floor page: its own (FLOORS), else its model file alone (floor-model.html)."""
    return FLOORS.get(task) or PageUnderTest(f"{BENCH_DIR}/floor-model.html?task={task}",
                                             "url => ondeviceFirstRun(url)", FEEDS_FILE.format(task=task),
                                             contains=MODEL_FLOOR_CONTAINS)


def encode_feeds(feeds: dict[str, np.ndarray]) -> dict:
    """Model inputs as the plain-JS pages read them: {name: [base64 bytes, dtype, shape]}."""
    import base64

    return {name: [base64.b64encode(np.ascontiguousarray(array).tobytes()).decode(), str(array.dtype),
                   list(array.shape)] for name, array in feeds.items()}


def write_feeds(task: str, feeds: dict[str, np.ndarray], dist: Path = DIST) -> None:
    """The task's sample as model inputs where floor-model.html reads them (inside bench_pages())."""
    (dist / FEEDS_FILE.format(task=task)).write_text(json.dumps(encode_feeds(feeds)))


def startup(browser, base: str, task: str, runs: int, site: dict) -> dict:
    """The task page's start-up marks cold, repeat, offline and return, its task switch (ms since the
    navigate call), its cold visit's bytes, and the page against its floor page, the two measured
    interleaved (with the load average around)."""
    python = PageUnderTest(PAGES[task]["page"], PYTHON_FIRST_RESULT, PAGES[task]["sample"], app=True)
    floor = floor_for(task)
    load_before = os.getloadavg()
    visits, responses = interleaved_visits(browser, base, {"python": python, "plain": floor}, runs)
    ours = visits["python"]
    switches = [run["switch"] for run in ours]
    return {**{kind: breakdown([run[kind]["marks"] for run in ours if "marks" in run[kind]])
               for kind in ("cold", "repeat", "offline", "return")},
            "switch": {key: summary([s[key] for s in switches if key in s]) for key in SWITCH_MARKS
                       if any(key in s for s in switches)},
            "bytes": bytes_downloaded(responses["python"], base, site),
            "floor": {"python_page": python.path, "plain_page": floor.path, "plain_contains": floor.contains,
                      **against_floor(ours, visits["plain"]),
                      "load_before": [round(x, 2) for x in load_before],
                      "load_after": [round(x, 2) for x in os.getloadavg()]}}


def steady_state(browser, base: str, task: str, variants: list[str], runs: int) -> dict:
    page_info = PAGES[task]
    results = {}
    for variant in variants:
        for threads in (1, 2):
            context = browser.new_context(bypass_csp=True)
            page = open_ready(context, f"{base}{page_info['page']}?variant={variant}&threads={threads}")
            for batch in page_info.get("batches", (None,)):
                arguments = [runs + 2, base + page_info["sample"]] + ([batch] if batch else [])
                timings = json.loads(page.evaluate("args => ondeviceBench(...args)", arguments))[2:]
                key = f"{variant}/{threads}t" + (f"/batch {batch}" if "batches" in page_info else "")
                results[key] = {stage: summary([t[stage] for t in timings]) for stage in timings[0]}
            context.close()
    return results


def plain_js(browser, base: str, model_path: str, variant: str, feeds: dict[str, np.ndarray], runs: int) -> dict:
    encoded = encode_feeds(feeds)
    out = {}
    for threads in (1, 2):
        context = browser.new_context(bypass_csp=True)
        page = open_ready(context, f"{base}{BENCH_DIR}/plain.html?threads={threads}")
        times = page.evaluate(
            "([url, feeds, runs, variant]) => fetch(url).then(r => r.arrayBuffer()).then("
            "b => plainBench(new Uint8Array(b), feeds, runs, variant))",
            [base + model_path, encoded, runs, variant])
        context.close()
        out[f"{threads}t"] = summary(times)
    return out


def native(model_file: Path, variant: str, feeds: dict[str, np.ndarray], runs: int) -> dict:
    from ondevice.runtime import NativeSession

    out = {}
    for threads in (1, 2):
        session = NativeSession(str(model_file), threads=threads, variant=variant)
        times = []
        for _ in range(runs + 2):
            session.run_sync(feeds)
            times.append(session.last_run_ms)
        out[f"{threads}t"] = summary(times[2:])
    return out


def sample_feeds(task: str, sample: Path) -> dict[str, np.ndarray]:
    """The model inputs for a page's bench sample: a photo for image tasks, a text file otherwise."""
    from ondevice.image import as_pil, fit_to_input
    from ondevice.registry import spec_for

    spec = spec_for(task)
    if spec.image is not None:
        tensor, _ = fit_to_input(as_pil(sample), spec.image)
        return {spec.input_name: tensor}
    from ondevice.tasks.embed import preprocess
    from ondevice.text import WordPieceTokenizer

    tokenizer = WordPieceTokenizer.from_tokenizer_json((DIST / "models" / spec.labels_file).read_text())
    return preprocess([sample.read_text(encoding="utf-8").splitlines()[0]], tokenizer, spec)


SOAK_WARMUP = 30  # inferences before the baseline: lazy allocations, caches and JIT settle
SOAK_LIMIT = 0.05  # memory growth after warm-up the soak accepts (issue 13: under 5%)


def soak(browser, base: str, task: str, inferences: int, warmup: int = SOAK_WARMUP, chunk: int = 50) -> dict:
    """A long session on one task page: `warmup` inferences, then `inferences` more through the page's
    bench hook (its sample each time; text pages empty their cache so the model always runs), in
    chunks of `chunk`. Memory after each chunk: the page's JS heap after a forced garbage collection
    (CDP Runtime.getHeapUsage) and Python's wasm memory (Pyodide's heap, a high-water mark).
    Returns the figures and each one's growth from the warm-up baseline to the end (a fraction)."""
    page_info = PAGES[task]
    context = browser.new_context(service_workers="block")
    try:
        page = open_ready(context, base + page_info["page"])
        cdp = context.new_cdp_session(page)
        args = [base + page_info["sample"]] + ([1] if "batches" in page_info else [])

        def memory() -> dict:
            cdp.send("HeapProfiler.collectGarbage")
            return {"js_heap": int(cdp.send("Runtime.getHeapUsage")["usedSize"]),
                    "python_wasm": int(page.evaluate("ondevicePythonMemory()"))}

        page.evaluate("args => ondeviceBench(...args)", [warmup, *args])
        baseline, samples, done = memory(), [], 0
        started = time.perf_counter()
        while done < inferences:
            count = min(chunk, inferences - done)
            page.evaluate("args => ondeviceBench(...args)", [count, *args])
            done += count
            samples.append({"inferences": done, **memory()})
        seconds = time.perf_counter() - started
    finally:
        context.close()
    end = samples[-1]
    return {"page": page_info["page"], "warmup": warmup, "inferences": inferences, "seconds": round(seconds, 1),
            "baseline": baseline, "end": end, "samples": samples,
            "growth": {key: round((end[key] - baseline[key]) / baseline[key], 4) for key in baseline},
            "peak_growth": {key: round((max(s[key] for s in samples) - baseline[key]) / baseline[key], 4)
                            for key in baseline}}


def soak_all(browser, base: str, tasks: list[str] | None, inferences: int) -> dict:
    results = {}
    for task in tasks or list(PAGES):
        results[task] = soak(browser, base, task, inferences)
        print(f"[bench] soak {task}: {inferences} inferences in {results[task]['seconds']:.0f} s, growth "
              f"{results[task]['growth']}", flush=True)
    return results


def measure_task(browser, base: str, task: str, runs: int, steady_runs: int, site: dict, entry: dict) -> dict:
    """Start-up, steady state (ours, plain JS, native) and bytes of one task page; `entry` is the
    task's models-manifest entry."""
    feeds = sample_feeds(task, DIST / PAGES[task]["sample"])
    files = {variant: info["file"] for variant, info in entry["variants"].items()}
    write_feeds(task, feeds)
    result = startup(browser, base, task, runs, site)
    result["steady"] = steady_state(browser, base, task, list(files), steady_runs)
    result["plain_js"] = {v: plain_js(browser, base, f"models/{file}", v, feeds, steady_runs)
                          for v, file in files.items()}
    result["native"] = {v: native(DIST / "models" / file, v, feeds, steady_runs) for v, file in files.items()}
    result["variant_bytes"] = {v: info["bytes"] for v, info in entry["variants"].items()}
    result["default_variant"] = entry["default_variant"]["wasm"]
    return result


def measure(browser, tasks: list[str], runs: int, soak_inferences: int = 1000) -> dict:
    """Every measurement for the given task pages, using an already launched Chromium; then the
    long-session soak (`soak_inferences` per task page, 0: none)."""
    site = json.loads((DIST / "site-manifest.json").read_text())
    models = json.loads((DIST / "models" / "manifest.json").read_text())["models"]
    steady_runs = max(runs * 4, 5)
    server, base = serve_in_background(DIST)
    results = {"machine": {**machine(), "browser": f"Chromium {browser.version}"},
               "runs": runs, "steady_runs": steady_runs, "dwell_ms": DWELL_MS, "tasks": {}}
    try:
        with bench_pages():
            for task in tasks:
                started = time.perf_counter()
                results["tasks"][task] = measure_task(browser, base, task, runs, steady_runs, site, models[task])
                print(f"[bench] {task}: measured in {time.perf_counter() - started:.0f} s", flush=True)
        if soak_inferences:
            results["soak"] = soak_all(browser, base, tasks, soak_inferences)
    finally:
        server.shutdown()
    return results


def write_outputs(results: dict, out: Path, docs: bool) -> str:
    from .bench_report import write_chart, write_markdown

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    write_chart(results, out / "chart.png")
    markdown = write_markdown(results, results["runs"], results["steady_runs"])
    if docs:
        (ROOT / "docs" / "BENCHMARKS.md").write_text(markdown)
        shutil.copy2(out / "chart.png", ROOT / "docs" / "benchmarks.png")
    return markdown


def run_soak_only(args) -> int:
    """`bench --soak-only`: the long-session soak alone; bench/soak.json and its table."""
    from playwright.sync_api import sync_playwright

    from .bench_report import soak_table

    with sync_playwright() as playwright:
        browser = launch(playwright)
        server, base = serve_in_background(DIST)
        try:
            results = {"machine": {**machine(), "browser": f"Chromium {browser.version}"},
                       "soak": soak_all(browser, base, [t for t in args.tasks or PAGES if t in PAGES], args.soak)}
        finally:
            server.shutdown()
            browser.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(results, indent=2))
    print("\n".join(soak_table(results["soak"])))
    print(f"[bench] wrote {args.out / 'soak.json'}")
    return 0


def run_bench(args) -> int:
    from playwright.sync_api import sync_playwright

    from .bench_teaching import measure_teaching

    if args.soak_only:
        return run_soak_only(args)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        results = measure(browser, [t for t in args.tasks or PAGES if t != TEACHING], args.runs, args.soak)
        browser.close()
        if args.tasks is None or TEACHING in args.tasks:
            results["teaching"] = measure_teaching(playwright, args.runs * 4)
    print(write_outputs(results, args.out, docs=not args.no_docs))
    print(f"[bench] wrote {args.out / 'results.json'}, {args.out / 'chart.png'}"
          + ("" if args.no_docs else ", docs/BENCHMARKS.md"))
    return 0


def machine() -> dict:
    import os

    import onnxruntime

    from .runtime_assets import ORT_VERSION, PYODIDE_VERSION, PYSCRIPT_VERSION

    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "pyodide": PYODIDE_VERSION, "pyscript": PYSCRIPT_VERSION, "onnxruntime_web": ORT_VERSION,
            "onnxruntime_native": onnxruntime.__version__, "date": time.strftime("%Y-%m-%d %H:%M")}
