"""`python build.py bench`: measure the built site in headless Chromium, beside its floor and limit.

For each task page: cold start (fresh browser context, empty caches) and repeat visit (same
context) as a breakdown of start-up marks; steady-state inference per shipped variant with 1 and 2
WASM threads, split into Python pre-processing / ORT run / Python post-processing; the same ONNX
file run by a minimal plain-JavaScript onnxruntime-web page (the floor) and by native onnxruntime
(this machine's limit); and the bytes each page downloads, raw and compressed, by kind.
It measures; it never fails for being slow.
"""
from __future__ import annotations

import json
import platform
import shutil
import statistics
import time
from pathlib import Path

import numpy as np

from .browser import launch
from .paths import DIST, ROOT
from .serve import serve_in_background

# batches: how many inputs the page's bench hook runs at once (text: 1 and 32 sentences per call).
PAGES = {"image-classification": {"page": "classify.html", "sample": "samples/coffee.jpg"},
         "sentence-embeddings": {"page": "search.html", "sample": "samples/sentences.txt", "batches": (1, 32)},
         "person-segmentation": {"page": "segment.html", "sample": "samples/astronaut.jpg"},
         "object-detection": {"page": "detect.html", "sample": "samples/coffee.jpg"}}
STARTUP_MARKS = ("python-downloaded", "packages-downloaded", "onnxruntime-downloaded", "model-downloaded",
                 "python-started", "python-ready", "session-created", "ready", "first-result")
KIND_PREFIXES = (("runtime/pyodide-", "python"), ("runtime/ort-", "onnxruntime"), ("models/", "model"),
                 ("runtime/pyscript-", "pyscript"))
PLAIN_PAGE = """<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
import * as ort from "../{ort}";
ort.env.wasm.wasmPaths = new URL("../{ort_dir}/", location.href).href;
ort.env.wasm.numThreads = Number(new URLSearchParams(location.search).get("threads") || 1);
globalThis.plainBench = async (model, feeds, runs) => {{
  const session = await ort.InferenceSession.create(model, {{executionProviders: ["wasm"], graphOptimizationLevel: "all"}});
  const arrays = {{uint8: Uint8Array, int64: BigInt64Array, float32: Float32Array}};
  const tensors = Object.entries(feeds).map(([name, [b64, dtype, dims]]) => {{
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    return [name, dtype, new arrays[dtype](bytes.buffer), dims];
  }});
  const times = [];
  for (let i = 0; i < runs + 2; i++) {{
    const inputs = Object.fromEntries(tensors.map(([name, dtype, data, dims]) => [name, new ort.Tensor(dtype, data, dims)]));
    const started = performance.now();
    const out = await session.run(inputs);
    times.push(performance.now() - started);
    for (const t of Object.values(out)) t.dispose();
  }}
  return times.slice(2);  // two warm-up runs, as for the Python page
}};
document.title = "ready";
</script>"""


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


def visit(page, url: str, sample_url: str) -> dict:
    """Load the page, classify the sample once, return the start-up marks (ms since navigation)."""
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=180_000)
    page.evaluate(f"ondeviceBench(1, {json.dumps(sample_url)})")
    page.evaluate("ondevice.mark('first-result')")
    return page.evaluate("ondevice.marks")


def bytes_downloaded(responses: list, base: str, site: dict) -> dict:
    """Bytes a cold visit transferred, by kind: on the wire (compressed) and decoded (raw)."""
    kinds: dict[str, dict] = {}
    seen = set()
    for response in responses:
        path = response.url[len(base):].split("?")[0]
        entry = site["files"].get(path)
        if entry is None or path in seen:  # a prefetched file is read again from the HTTP cache
            continue
        seen.add(path)
        encoding = (response.headers.get("content-encoding") or "").replace("gzip", "gz")
        wire = entry.get(encoding, entry["bytes"]) if encoding else entry["bytes"]
        total = kinds.setdefault(kind_of(path), {"raw": 0, "compressed": 0, "files": 0})
        total["raw"] += entry["bytes"]
        total["compressed"] += wire
        total["files"] += 1
    return kinds


def startup(browser, base: str, task: str, runs: int, site: dict) -> dict:
    page_info = PAGES[task]
    url, sample = base + page_info["page"], base + page_info["sample"]
    cold, warm, downloads = [], [], None
    for _ in range(runs):
        context = browser.new_context()
        page = context.new_page()
        responses = []
        page.on("response", lambda response: responses.append(response))
        cold.append(visit(page, url, sample))
        if downloads is None:
            downloads = bytes_downloaded(responses, base, site)
        warm.append(visit(page, url, sample))
        context.close()

    def breakdown(visits):
        return {mark: summary([v[mark] for v in visits if mark in v]) for mark in STARTUP_MARKS
                if any(mark in v for v in visits)}

    return {"cold": breakdown(cold), "repeat": breakdown(warm), "bytes": downloads}


def steady_state(browser, base: str, task: str, variants: list[str], runs: int) -> dict:
    page_info = PAGES[task]
    results = {}
    for variant in variants:
        for threads in (1, 2):
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{base}{page_info['page']}?variant={variant}&threads={threads}")
            page.wait_for_selector("body[data-state=ready]", timeout=180_000)
            for batch in page_info.get("batches", (None,)):
                arguments = [runs + 2, base + page_info["sample"]] + ([batch] if batch else [])
                timings = json.loads(page.evaluate("args => ondeviceBench(...args)", arguments))[2:]
                key = f"{variant}/{threads}t" + (f"/batch {batch}" if "batches" in page_info else "")
                results[key] = {stage: summary([t[stage] for t in timings]) for stage in timings[0]}
            context.close()
    return results


def plain_js(browser, base: str, model_path: str, feeds: dict[str, np.ndarray], runs: int) -> dict:
    import base64

    encoded = {name: [base64.b64encode(np.ascontiguousarray(array).tobytes()).decode(), str(array.dtype),
                      list(array.shape)] for name, array in feeds.items()}
    out = {}
    for threads in (1, 2):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}_bench/plain.html?threads={threads}")
        page.wait_for_function("document.title === 'ready'")
        times = page.evaluate(
            "([url, feeds, runs]) => fetch(url).then(r => r.arrayBuffer()).then("
            "b => plainBench(new Uint8Array(b), feeds, runs))",
            [base + model_path, encoded, runs])
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


def measure(browser, tasks: list[str] | None, runs: int) -> dict:
    """Every measurement for the given task pages, using an already launched Chromium."""
    site = json.loads((DIST / "site-manifest.json").read_text())
    models = json.loads((DIST / "models" / "manifest.json").read_text())["models"]
    steady_runs = max(runs * 4, 5)
    plain_dir = DIST / "_bench"
    plain_dir.mkdir(exist_ok=True)
    ort_wasm = next(p for p in site["files"] if p.endswith("ort.wasm.min.mjs"))
    (plain_dir / "plain.html").write_text(PLAIN_PAGE.format(ort=ort_wasm, ort_dir=ort_wasm.rsplit("/", 1)[0]))
    server, base = serve_in_background(DIST)
    results = {"machine": {**machine(), "browser": f"Chromium {browser.version}"},
               "runs": runs, "steady_runs": steady_runs, "tasks": {}}
    try:
        for task in tasks or list(PAGES):
            started = time.perf_counter()
            entry = models[task]
            feeds = sample_feeds(task, DIST / PAGES[task]["sample"])
            variants = list(entry["variants"])
            files = {v: entry["variants"][v]["file"] for v in variants}
            task_result = startup(browser, base, task, runs, site)
            task_result["steady"] = steady_state(browser, base, task, variants, steady_runs)
            task_result["plain_js"] = {v: plain_js(browser, base, f"models/{files[v]}", feeds, steady_runs)
                                       for v in variants}
            task_result["native"] = {v: native(DIST / "models" / files[v], v, feeds, steady_runs)
                                     for v in variants}
            task_result["variant_bytes"] = {v: info["bytes"] for v, info in entry["variants"].items()}
            task_result["default_variant"] = entry["default_variant"]["wasm"]
            results["tasks"][task] = task_result
            print(f"[bench] {task}: measured in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        server.shutdown()
        shutil.rmtree(plain_dir, ignore_errors=True)
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


def run_bench(args) -> int:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        results = measure(browser, args.tasks, args.runs)
        browser.close()
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
