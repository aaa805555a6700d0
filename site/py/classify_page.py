"""The image-classification view: a photo in, the top-5 ImageNet labels out."""
from pyscript import document

import pagekit

page = classifier = None  # set by mount()


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
    page.element("results").replaceChildren(*items)


async def classify(data: bytes, name: str, blob) -> None:
    results = await classifier(data, top_k=5)  # raises ImageError before anything on screen changes
    pagekit.show_photo(page.element("preview"), blob)
    render(results)
    page.element("timing").textContent = pagekit.timing_text(classifier, name)
    page.mark("first-result")


async def mount(view: pagekit.Page) -> None:
    global page, classifier
    page = view
    classifier = await page.load_task("image-classification")
    page.expose_bench(classifier, top_k=5)
    page.on_image(classify)
    page.ready()
