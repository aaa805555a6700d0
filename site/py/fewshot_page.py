"""The few-shot classifier view: edit labelled examples, type a sentence, see label probabilities.

Training embeds the examples (cached, so an edit only embeds the changed lines) and fits a
numpy logistic-regression head; predictions update as the user types. The classifier can be
downloaded as JSON (TextClassifier.to_json).
"""
from pyscript import document

import pagekit
from ondevice import InputError, TextClassifier

STARTER = {
    "positive": [
        "I loved this film, the acting was wonderful.",
        "Great value for money and it arrived early.",
        "The staff were friendly and the room was spotless.",
        "Best meal I have had in years!",
        "Works perfectly, I would buy it again.",
    ],
    "negative": [
        "The battery died after two days, a waste of money.",
        "Terrible service, we waited an hour for cold food.",
        "The plot made no sense and I was bored throughout.",
        "It broke the first time I used it.",
        "Rude staff and a dirty room. Never again.",
    ],
}

page = embedder = retrain_soon = None  # set by mount()
state = {"classifier": None, "examples": None}


def add_label(name: str = "", examples=()) -> None:
    card = page.element("label-template").content.cloneNode(True).querySelector(".label-card")
    card.querySelector(".label-name").value = name
    card.querySelector(".label-examples").value = "\n".join(examples)
    remove = card.querySelector(".remove-label")
    page.listen(remove, "click", lambda event: remove_label(card))
    page.element("labels").append(card)


def remove_label(card) -> None:
    page.forget(card)  # the card's handler proxies go with it
    card.remove()
    retrain_soon()


def examples_on_screen() -> list[tuple[str, str]]:
    pairs = []
    for card in page.root.querySelectorAll(".label-card"):
        label = card.querySelector(".label-name").value.strip()
        for line in card.querySelector(".label-examples").value.splitlines():
            pairs.append((line, label))
    return pairs


async def train() -> None:
    examples = examples_on_screen()
    if examples == state["examples"] and state["classifier"] is not None:
        return
    if any(text.strip() and not label for text, label in examples):
        raise InputError("Every box of examples needs a label name.")
    classifier = await TextClassifier.train(embedder, examples)  # keeps the old one if this raises
    state["classifier"], state["examples"] = classifier, examples
    counts = {label: sum(1 for t, l in examples if l == label and t.strip()) for label in classifier.labels}
    page.element("train-status").textContent = "Trained on " + ", ".join(
        f"{n} {label}" for label, n in counts.items()) + "."
    page.element("save").disabled = False
    await predict()


async def predict() -> None:
    sentence = page.element("sentence").value
    if state["classifier"] is None:
        await train()
        return
    if not sentence.strip():
        page.element("prediction").textContent = "Type a sentence to classify it."
        page.element("results").replaceChildren()
        return
    prediction = await state["classifier"].predict(sentence)
    render(prediction)
    note = " (only its first 256 tokens were read)" if embedder.is_truncated(sentence) else ""
    stages = embedder.timings.as_dict()
    page.element("timing").textContent = f"Classified in {sum(stages.values()):.0f} ms{note}."
    page.mark("first-result")


def render(prediction) -> None:
    element = page.element("prediction")
    element.dataset.label = prediction.label
    element.textContent = f"{prediction.label} ({prediction.probabilities[prediction.label]:.0%})"
    ranked = sorted(prediction.probabilities.items(), key=lambda item: -item[1])
    pagekit.render_scores(page.element("results"), [(label, probability, {}) for label, probability in ranked])


async def load_classifier(data: bytes, name: str) -> None:
    """A classifier downloaded earlier: predictions use it until the examples are edited."""
    classifier = TextClassifier.from_json(embedder, data)  # InputError in the user's words: nothing changes
    state["classifier"], state["examples"] = classifier, examples_on_screen()
    page.element("train-status").textContent = f"Loaded {name}: labels {', '.join(classifier.labels)}."
    page.element("save").disabled = False
    await predict()


async def on_load(event) -> None:
    files = event.target.files
    if files is not None and files.length:
        file = files.item(0)
        data = (await file.arrayBuffer()).to_bytes()
        await page.run_guarded(load_classifier, data, file.name)
    event.target.value = ""


def save(event=None) -> None:
    pagekit.download_text(state["classifier"].to_json(), "classifier.json", "application/json")


async def mount(view: pagekit.Page) -> None:
    global page, embedder, retrain_soon
    page = view
    embedder = await page.load_task("sentence-embeddings")
    retrain_soon = page.debounced(train, 0.6)
    for label, lines in STARTER.items():
        add_label(label, lines)
    page.listen(page.element("labels"), "input", retrain_soon)
    page.listen(page.element("add-label"), "click", lambda event: add_label())
    page.listen(page.element("save"), "click", save)
    page.listen(page.element("load"), "change", on_load)
    page.listen(page.element("sentence"), "input", page.debounced(predict, 0.15))
    await page.run_guarded(train)
    for control in ("sentence", "add-label", "load"):
        page.element(control).disabled = False
    page.ready()
