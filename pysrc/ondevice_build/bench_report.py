"""Turn bench results into docs/BENCHMARKS.md tables and a PNG chart (drawn with Pillow)."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

MARK_NAMES = {
    "python-downloaded": "Pyodide runtime downloaded", "packages-downloaded": "numpy + Pillow downloaded",
    "onnxruntime-downloaded": "ONNX Runtime downloaded", "model-downloaded": "model downloaded",
    "python-started": "Python ready (PyScript, packages loaded)", "python-ready": "page script running",
    "session-created": "ORT session created", "ready": "page ready", "first-result": "first result",
}
# Issue 10: the Python page's first result against the plain-JS floor's (a target, never a test).
FLOOR_TARGETS = {"cold": 1.5, "repeat": 1.2}


def cell(stats: dict | None) -> str:
    if not stats:
        return "-"
    return f"{stats['median']:.1f} ({stats['min']:.1f}-{stats['max']:.1f})"


def load_average(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def floor_table(results: dict) -> list[str]:
    """Start-up of each Python page against its plain-JavaScript floor, ratios beside the targets."""
    compared = {task: r["floor"] for task, r in results["tasks"].items() if "floor" in r}
    if not compared:
        return []
    lines = ["", "## Start-up against the plain-JavaScript floor", "",
             "First result on the sample photo, ms since navigation start, median (min-max) of "
             f"{results['runs']} run(s). Each run: a fresh browser context per page for the cold visit, then "
             "the repeat visit in a new tab of the same context (HTTP cache and Cache Storage kept, first tab "
             "closed); the two pages take turns to go first. The floor (`pysrc/ondevice_build/bench_pages/`) "
             "does the same work in plain JavaScript with the same onnxruntime-web files, settings, model and "
             "photo. Ratio = Python median / plain median (range of the per-run ratios).", "",
             "| page | visit | Python page | plain-JS floor | ratio Python/plain | target "
             "| load average 1/5/15 min, before → after |",
             "|---|---|---:|---:|---:|---:|---|"]
    for task, f in compared.items():
        load = f"{load_average(f['load_before'])} → {load_average(f['load_after'])}"
        for visit_kind, target in FLOOR_TARGETS.items():
            row = f[visit_kind]
            lines.append(
                f"| `{f['python_page']}` ({task}) | {visit_kind} | {cell(row['python'])} | {cell(row['plain'])} | "
                f"**{row['ratio']:.2f}** ({row['ratio_runs']['min']:.2f}-{row['ratio_runs']['max']:.2f}) | "
                f"<= {target} | {load} |")
    return lines


def write_markdown(results: dict, runs: int, steady_runs: int) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python build.py bench` (figures below: the last run). Medians with (min-max).",
        f"Cold/repeat start: {runs} run(s); steady state: {steady_runs} inferences after 2 warm-up runs.",
        "",
        f"Machine: {m['cpus']} CPUs, {m['platform']}; {m.get('browser', '?')} headless; Python {m['python']}; "
        f"Pyodide {m['pyodide']}, PyScript {m['pyscript']}, onnxruntime-web {m['onnxruntime_web']}, "
        f"native onnxruntime {m['onnxruntime_native']}; {m['date']}.",
        "Timings on a shared 2-core machine are noisy: compare ratios within one run.",
    ] + floor_table(results)
    for task, r in results["tasks"].items():
        lines += ["", f"## {task}", "", "### Start-up (ms since navigation)", "",
                  "| stage | cold (empty cache) | repeat visit (new tab, same context) |", "|---|---:|---:|"]
        for mark, name in MARK_NAMES.items():
            if mark in r["cold"] or mark in r["repeat"]:
                lines.append(f"| {name} | {cell(r['cold'].get(mark))} | {cell(r['repeat'].get(mark))} |")
        lines += ["", "### Steady state per inference (ms)", "",
                  "| variant | threads | Python pre | ORT run (ours) | Python post | plain JS ORT | native ORT | ours/plain-JS | plain-JS/native |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for key, stages in r["steady"].items():
            variant, threads, *batch = key.split("/")
            plain = r["plain_js"][variant][threads]["median"]
            native = r["native"][variant][threads]["median"]
            ours = stages["run"]["median"]
            size = int(batch[0].split()[-1]) if batch else 1
            per_second = f", {size * 1000 / sum(s['median'] for s in stages.values()):.0f}/s" if batch else ""
            ratio = f"{ours / plain:.2f}" if size == 1 else "-"
            lines.append(
                f"| {variant}{' (default)' if variant == r['default_variant'] else ''}"
                f"{f' ({batch[0]}{per_second})' if batch else ''} | {threads[:-1]} | "
                f"{cell(stages.get('preprocess'))} | {cell(stages['run'])} | {cell(stages.get('postprocess'))} | "
                f"{plain:.1f} | {native:.1f} | {ratio} | {plain / native:.1f} |")
        lines += ["", "### Bytes downloaded before the first result (cold visit)", "",
                  "| kind | files | raw | on the wire |", "|---|---:|---:|---:|"]
        total_raw = total_wire = 0
        for kind, b in sorted(r["bytes"].items()):
            total_raw += b["raw"]
            total_wire += b["compressed"]
            lines.append(f"| {kind} | {b['files']} | {b['raw'] / 1e6:.2f} MB | {b['compressed'] / 1e6:.2f} MB |")
        lines.append(f"| **total** | | **{total_raw / 1e6:.2f} MB** | **{total_wire / 1e6:.2f} MB** |")
        lines += ["", "Model file per variant: " + ", ".join(
            f"{v} {b / 1e6:.1f} MB" for v, b in r["variant_bytes"].items()) + "."]
    lines += ["", "![start-up stages and per-inference times](benchmarks.png)", "",
              "Raw figures: bench/results.json (not committed; rerun `python build.py bench`).", ""]
    return "\n".join(lines)


def write_chart(results: dict, path: Path) -> None:
    """Horizontal bars: cold start-up stages, and ORT run time ours / plain JS / native per variant."""
    rows = []
    for task, r in results["tasks"].items():
        for mark, name in MARK_NAMES.items():
            if mark in r["cold"]:
                rows.append((f"{task}: cold {name}", r["cold"][mark]["median"], (70, 110, 200)))
        for key, stages in r["steady"].items():
            variant, threads, *batch = key.split("/")
            if batch and batch[0] != "batch 1":
                continue  # the chart compares single inputs with the plain-JS and native floors
            rows.append((f"{variant} {threads}: ours (pre+run+post)",
                         sum(s["median"] for s in stages.values()), (220, 120, 60)))
            rows.append((f"{variant} {threads}: plain JS ORT", r["plain_js"][variant][threads]["median"], (90, 170, 90)))
            rows.append((f"{variant} {threads}: native ORT", r["native"][variant][threads]["median"], (150, 150, 150)))
    width, label_width, bar_height = 1100, 420, 18
    image = Image.new("RGB", (width, 30 + bar_height * len(rows)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 8), "ms (start-up marks: since navigation; inference: per call)", fill="black")
    startup_max = max([v for label, v, _ in rows if "cold" in label] or [1])
    infer_max = max([v for label, v, _ in rows if "cold" not in label] or [1])
    for i, (label, value, colour) in enumerate(rows):
        y = 28 + i * bar_height
        scale = startup_max if "cold" in label else infer_max
        length = int((width - label_width - 80) * value / scale)
        draw.text((10, y + 3), label[:64], fill="black")
        draw.rectangle((label_width, y + 2, label_width + max(length, 1), y + bar_height - 3), fill=colour)
        draw.text((label_width + length + 6, y + 3), f"{value:.0f}", fill="black")
    image.save(path)
