"""The image-classification page: a photo in, the top-5 ImageNet labels out."""
import json

import js
from pyodide.ffi import create_proxy
from pyscript import document

import pagekit

pagekit.glue.mark("python-ready")
classifier = await pagekit.load_task("image-classification")  # noqa: F704 (PyScript top-level await)


def render(results) -> None:
    items = []
    for result in results:
        item = document.createElement("li")
        item.dataset.label = result.label
        item.dataset.score = repr(result.score)
        item.dataset.classId = str(result.class_id)
        item.innerHTML = '<span class="label"></span><span class="score"></span><span class="bar"></span>'
        item.querySelector(".label").textContent = result.label
        item.querySelector(".score").textContent = f"{result.score:.1%}"
        item.querySelector(".bar").style.width = f"{max(result.score, 0.005):.1%}"
        items.append(item)
    document.getElementById("results").replaceChildren(*items)


async def classify(data: bytes, name: str, blob) -> None:
    results = await classifier(data, top_k=5)  # raises ImageError before anything on screen changes
    preview = document.getElementById("preview")
    old = preview.src
    preview.src = js.URL.createObjectURL(blob)
    preview.hidden = False
    if old.startswith("blob:"):
        js.URL.revokeObjectURL(old)
    render(results)
    stages = classifier.timings.as_dict()
    document.getElementById("timing").textContent = (
        f"{name}: {sum(stages.values()):.0f} ms (Python pre-processing {stages['preprocess']:.0f}, "
        f"model {stages['run']:.0f}, post-processing {stages['postprocess']:.0f})"
    )
    pagekit.glue.mark("first-result")


async def bench(runs: int, url: str) -> str:
    """Benchmark hook (python build.py bench): classify the photo at `url` `runs` times and
    return the per-stage timings of each call as JSON."""
    data = (await (await js.fetch(url)).arrayBuffer()).to_bytes()
    timings = []
    for _ in range(int(runs)):
        await classifier(data, top_k=5)
        timings.append(classifier.timings.as_dict())
    return json.dumps(timings)


js.globalThis.ondeviceBench = create_proxy(bench)
pagekit.on_image(classify)
pagekit.ready()
