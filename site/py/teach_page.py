"""The teachable image classifier view: name classes, give each examples (webcam frames while its
Record button is held, or photos), train a head in Python, then see predictions live on the webcam
or on a photo; download the model as JSON and load one back (also one `python -m ondevice.teach
train` wrote).

Each example is one run of the image classifier's network (its feature vector, kept per class
card); training hands them to `TeachableImageClassifier`, the same code the command line runs.
"""
import time

import js
from pyscript import document

import pagekit
from camera import CameraControl
from ondevice import ImageError, InputError, TeachableImageClassifier

RECORD_INTERVAL = 0.1  # seconds between two recorded webcam frames: at most 10 examples a second
THUMBNAILS = 8  # the latest examples shown on a class card
THUMBNAIL_SIZE = (64, 48)

page = backbone = webcam = None  # set by mount()
examples = {}  # class card key -> feature vectors, in the order they were given
state = {"classifier": None, "recording": None, "recorded_at": 0.0, "cards": 0, "photo": None}


# ---- classes ----------------------------------------------------------------------------------
def cards() -> list:
    return list(page.root.querySelectorAll(".class-card"))


def card_for(key: str):
    return page.root.querySelector(f'.class-card[data-key="{key}"]')


def class_name(card) -> str:
    return card.querySelector(".label-name").value.strip()


def add_class(name: str = "") -> None:
    state["cards"] += 1
    card = page.element("class-template").content.cloneNode(True).querySelector(".class-card")
    key = card.dataset.key = f"class-{state['cards']}"
    examples[key] = []
    card.querySelector(".label-name").value = name or f"Class {state['cards']}"
    record = card.querySelector(".record")
    page.listen(record, "pointerdown", lambda event: start_recording(key, event))
    for event in ("pointerup", "pointerleave", "pointercancel", "blur"):
        page.listen(record, event, stop_recording)
    page.listen(record, "keydown", lambda event: start_recording(key, event) if event.key in (" ", "Enter") else None)
    page.listen(record, "keyup", stop_recording)
    page.listen(card.querySelector(".remove-label"), "click", lambda event: remove_class(key))
    page.listen(card.querySelector(".clear-examples"), "click", lambda event: clear_examples(key))
    page.listen(card.querySelector(".class-photos"), "change", lambda event: add_files(key, event.target))
    page.listen(card, "dragover", lambda event: event.preventDefault())
    page.listen(card, "drop", lambda event: drop_files(key, event))
    page.listen(card, "paste", lambda event: paste_files(key, event))
    page.element("classes").append(card)


def remove_class(key: str) -> None:
    card = card_for(key)
    page.forget(card)  # its buttons' and inputs' handlers too
    card.remove()
    examples.pop(key, None)


def clear_examples(key: str) -> None:
    examples[key] = []
    card_for(key).querySelector(".thumbs").replaceChildren()
    show_count(key)


def show_count(key: str) -> None:
    card = card_for(key)
    card.dataset.count = str(len(examples[key]))
    card.querySelector(".count").textContent = str(len(examples[key]))


def add_thumbnail(key: str, source) -> None:
    """Draw `source` (a <video> frame or an ImageBitmap) as the class card's newest thumbnail."""
    canvas = document.createElement("canvas")
    canvas.width, canvas.height = THUMBNAIL_SIZE
    canvas.getContext("2d").drawImage(source, 0, 0, *THUMBNAIL_SIZE)
    thumbs = card_for(key).querySelector(".thumbs")
    thumbs.prepend(canvas)
    while thumbs.children.length > THUMBNAILS:
        thumbs.lastElementChild.remove()


# ---- examples from photos -----------------------------------------------------------------------
async def add_photos(key: str, files) -> None:
    """Add each image file to the class; the files that are not images are named in one message
    after the others were added."""
    refused = []
    for file in [files.item(i) for i in range(files.length)]:
        data = (await file.arrayBuffer()).to_bytes()
        try:
            vector = await backbone.features(data)
        except ImageError as error:
            refused.append(f"{file.name} ({error})")
            continue
        if card_for(key) is None:  # the class was removed meanwhile
            return
        examples[key].append(vector)
        show_count(key)
        bitmap = await js.createImageBitmap(file)
        add_thumbnail(key, bitmap)
        bitmap.close()
        await pagekit.yield_to_browser()
    if refused:
        raise InputError("Not added: " + "; ".join(refused))


async def add_files(key: str, input_element) -> None:
    files = input_element.files
    await page.run_guarded(add_photos, key, files)
    input_element.value = ""


async def drop_files(key: str, event) -> None:
    event.preventDefault()
    await page.run_guarded(add_photos, key, event.dataTransfer.files)


async def paste_files(key: str, event) -> None:
    files = event.clipboardData.files
    if files.length:
        event.stopPropagation()  # the page-wide paste (a photo to classify) is not meant
        event.preventDefault()
        await page.run_guarded(add_photos, key, files)


# ---- the webcam: recording examples, live predictions -------------------------------------------
def start_recording(key: str, event) -> None:
    event.preventDefault()
    if not webcam.running:
        page.show_error("Start the webcam first, then hold Record while it shows this class.")
        return
    state["recording"] = key
    card_for(key).classList.add("recording")


def stop_recording(event=None) -> None:
    key, state["recording"] = state["recording"], None
    if key is not None and card_for(key) is not None:
        card_for(key).classList.remove("recording")


async def on_frame(video) -> str | None:
    """One webcam frame: recorded as an example while a Record button is held, else classified
    once a model is trained (one network run either way)."""
    key, classifier = state["recording"], state["classifier"]
    if key is not None:
        now = time.perf_counter()
        if now - state["recorded_at"] < RECORD_INTERVAL:
            return None
        vector = await backbone.features(video)
        if state["recording"] != key or card_for(key) is None:  # released while the frame ran
            return None
        state["recorded_at"] = now
        examples[key].append(vector)
        show_count(key)
        add_thumbnail(key, video)
        return f"recording {class_name(card_for(key))}: {len(examples[key])} examples"
    if classifier is None:
        return "hold Record on a class to add what the webcam shows"
    prediction = classifier.classify_features(await backbone.features(video))
    if not webcam.running:  # stopped while the frame ran: leave the screen as stop left it
        return None
    render(prediction)
    page.element("timing").textContent = pagekit.timing_text(backbone, "frame")
    return prediction.label


# ---- training, predictions, saving --------------------------------------------------------------
async def train() -> None:
    names = [class_name(card) for card in cards()]
    if "" in names:
        raise InputError("Give every class a name.")
    if duplicated := sorted({name for name in names if names.count(name) > 1}):
        raise InputError(f"Two classes are called “{duplicated[0]}”: give each class its own name.")
    teacher = TeachableImageClassifier(backbone)
    for card, name in zip(cards(), names):
        for vector in examples[str(card.dataset.key)]:
            teacher.add_features(name, vector)
    bar = page.element("train-progress")

    async def on_progress(fraction: float) -> None:
        bar.value = fraction
        await pagekit.yield_to_browser()

    started = time.perf_counter()
    bar.value, bar.hidden = 0, False
    try:
        await teacher.train(names, on_progress=on_progress)  # keeps the previous model if this raises
    finally:
        bar.hidden = True
    total = sum(teacher.counts.values())
    page.element("train-status").textContent = (
        f"Trained on {total} examples of {len(names)} classes in {(time.perf_counter() - started) * 1000:.0f} ms.")
    await use(teacher)


async def use(classifier) -> None:
    """Make `classifier` the one that predicts; the photo on screen is classified again with it."""
    state["classifier"] = classifier
    page.element("save").disabled = False
    if state["photo"] is not None:
        await predict_photo(*state["photo"])


async def predict_photo(data: bytes, name: str, blob) -> None:
    if state["classifier"] is None:
        raise InputError("Train the classifier first (or load a model), then give it a photo.")
    prediction = await state["classifier"].predict(data)  # raises ImageError before the screen changes
    state["photo"] = (data, name, blob)
    pagekit.show_photo(page.element("preview"), blob)
    render(prediction)
    page.element("timing").textContent = pagekit.timing_text(backbone, name)
    page.mark("first-result")


def render(prediction) -> None:
    """The predicted class, and a bar per class in the classes' own order (steady on live video)."""
    element = page.element("prediction")
    element.dataset.label = prediction.label
    element.textContent = f"{prediction.label} ({prediction.probabilities[prediction.label]:.0%})"
    pagekit.render_scores(page.element("results"),
                          [(label, probability, {}) for label, probability in prediction.probabilities.items()])


def save(event=None) -> None:
    pagekit.download_text(state["classifier"].to_json(), "teachable-model.json", "application/json")


async def load_model(event) -> None:
    file = event.target.files.item(0) if event.target.files.length else None
    event.target.value = ""
    if file is None:
        return

    async def read() -> None:
        classifier = TeachableImageClassifier.from_json(backbone, (await file.arrayBuffer()).to_bytes())
        page.element("model-status").textContent = (
            f"Loaded {file.name}: {', '.join(classifier.labels)}. Training again replaces it with a model "
            "taught from the examples above.")
        await use(classifier)

    await page.run_guarded(read)


async def bench(runs: int, url: str) -> str:
    """Benchmark hook (python build.py bench): per run, the time to add one example (the photo at
    `url`), to train on 5 classes x 50 examples (copies of that example's vector, slightly moved)
    and to classify the photo with the trained model, in ms."""
    import json

    import numpy as np

    data = await pagekit.fetch_bytes(url)
    rng = np.random.default_rng(0)
    timings = []
    for _ in range(int(runs)):
        teacher = TeachableImageClassifier(backbone)
        started = time.perf_counter()
        vector = await backbone.features(data)
        added = time.perf_counter()
        for label in range(5):
            for noise in rng.normal(0, 0.02, (50, vector.size)):
                teacher.add_features(f"class {label}", vector + noise)
        ready = time.perf_counter()
        await teacher.train()
        trained = time.perf_counter()
        await teacher.predict(data)
        predicted = time.perf_counter()
        timings.append({"add_example": (added - started) * 1000, "train_5x50": (trained - ready) * 1000,
                        "predict": (predicted - trained) * 1000})
    return json.dumps(timings)


async def mount(view: pagekit.Page) -> None:
    global page, backbone, webcam
    page = view
    backbone = await page.load_task("image-classification")
    webcam = CameraControl(page, on_frame, after_stop=stop_recording)
    for name in ("Class 1", "Class 2"):
        add_class(name)
    page.listen(page.element("add-class"), "click", lambda event: add_class())
    page.listen(page.element("train"), "click", lambda event: page.run_guarded(train))
    page.listen(page.element("save"), "click", save)
    page.listen(page.element("load-model"), "change", load_model)
    page.on_image(predict_photo)
    for control in ("add-class", "train", "load-model"):
        page.element(control).disabled = False
    page.bench = bench
    page.ready()


def suspend() -> None:
    """Leaving the view: the webcam goes off."""
    if webcam is not None:
        webcam.stop()
