"""The image-classification view: a photo in, the top-5 ImageNet labels out."""
import pagekit

page = classifier = None  # set by mount()


async def classify(data: bytes, name: str, blob) -> None:
    results = await classifier(data, top_k=5)  # raises ImageError before anything on screen changes
    pagekit.show_photo(page.element("preview"), blob)
    pagekit.render_scores(page.element("results"),
                          [(result.label, result.score, {"classId": result.class_id}) for result in results])
    page.element("timing").textContent = pagekit.timing_text(classifier, name)
    page.mark("first-result")


async def mount(view: pagekit.Page) -> None:
    global page, classifier
    page = view
    classifier = await page.load_task("image-classification")
    page.expose_bench(classifier, top_k=5)
    page.on_image(classify)
    page.ready()
