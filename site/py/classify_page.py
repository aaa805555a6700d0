"""The image-classification page: a photo in, the top-5 ImageNet labels out."""
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
    pagekit.show_photo(document.getElementById("preview"), blob)
    render(results)
    document.getElementById("timing").textContent = pagekit.timing_text(classifier, name)
    pagekit.glue.mark("first-result")


pagekit.expose_bench(classifier, top_k=5)
pagekit.on_image(classify)
pagekit.ready()
