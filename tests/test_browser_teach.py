"""The teachable image classifier page in Chromium: taught from photos it agrees with CPython; the
fake camera teaches two classes and the live prediction follows the clip; models go out and come
back (also one trained by the command line); every bad input gets its message and changes nothing."""
import json

import numpy as np
import pytest
from browser_pages import REJECT_CAMERA, bypassing_csp, open_page, runs, wait_for_run
from teaching_photos import held_out_set, training_set

from ondevice import TeachableImageClassifier, TextClassifier

TASK = "image-classification"
TOLERANCE = 0.01  # browser and native onnxruntime features differ by float rounding only


def jpeg_files(images: list[bytes], stem: str) -> list[dict]:
    return [{"name": f"{stem}-{i}.jpg", "mimeType": "image/jpeg", "buffer": data} for i, data in enumerate(images)]


def act(page, action) -> None:
    """Do `action(page)` and wait until the page has finished the user action it started."""
    before = runs(page)
    action(page)
    wait_for_run(page, before)


def card(n: int) -> str:
    return f".class-card:nth-child({n})"


def name_classes(page, names) -> None:
    while page.locator(".class-card").count() < len(names):
        page.click("#add-class")
    for n, name in enumerate(names, 1):
        page.fill(f"{card(n)} .label-name", name)


def add_photos(page, n: int, files: list[dict]) -> None:
    act(page, lambda p: p.set_input_files(f"{card(n)} .class-photos", files=files))


def probabilities(page) -> dict[str, float]:
    return dict(page.eval_on_selector_all("#results li", "items => items.map(li => [li.dataset.label, Number(li.dataset.score)])"))


def predict_photo(page, data: bytes, name: str = "photo.jpg") -> dict[str, float]:
    act(page, lambda p: p.set_input_files("#file", files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}]))
    return probabilities(page)


TEACHING = {label: images for label, images in training_set(4).items() if label in ("motorcycle", "brick", "grass")}


@pytest.fixture(scope="module")
def taught_page(browser, site_url):
    """The page with three classes taught from 4 photos each, trained."""
    context = browser.new_context(accept_downloads=True)
    page = open_page(context, site_url + "teach.html")
    name_classes(page, list(TEACHING))
    for n, (label, images) in enumerate(TEACHING.items(), 1):
        add_photos(page, n, jpeg_files(images, label))
    act(page, lambda p: p.click("#train"))
    yield page
    context.close()


@pytest.fixture(scope="module")
def cpython_teacher(native_model, run):
    teacher = TeachableImageClassifier(native_model(TASK))
    for label, images in TEACHING.items():
        for data in images:
            run(teacher.add_example(label, data))
    run(teacher.train())
    return teacher


def test_photos_teach_the_same_classifier_as_cpython(taught_page, cpython_teacher, run):
    assert taught_page.get_attribute(card(1), "data-count") == "4"
    assert "Trained on 12 examples of 3 classes" in taught_page.text_content("#train-status")
    for label in TEACHING:
        data = held_out_set(1)[label][0]
        got = predict_photo(taught_page, data, f"{label}.jpg")
        want = run(cpython_teacher.predict(data))
        assert taught_page.get_attribute("#prediction", "data-label") == want.label == label
        assert list(got) == list(want.probabilities)  # a bar per class, in the classes' order
        np.testing.assert_allclose(list(got.values()), list(want.probabilities.values()), atol=TOLERANCE)
    assert taught_page.errors == []


def test_download_and_load_round_trip_also_with_the_command_line(taught_page, native_model, run, tmp_path):
    with taught_page.expect_download() as download:
        taught_page.click("#save")
    saved = tmp_path / "model.json"
    download.value.save_as(saved)
    in_cpython = TeachableImageClassifier.from_json(native_model(TASK), saved.read_text())
    photo = held_out_set(1)["grass"][0]
    shown = predict_photo(taught_page, photo)
    np.testing.assert_allclose(list(run(in_cpython.predict(photo)).probabilities.values()), list(shown.values()),
                               atol=TOLERANCE)

    # A model made under CPython (as `python -m ondevice.teach train` makes it), loaded into the page.
    cli_teacher = TeachableImageClassifier(native_model(TASK))
    for label in ("gravel", "motorcycle"):
        for data in training_set(3)[label]:
            run(cli_teacher.add_example(label, data))
    run(cli_teacher.train())
    act(taught_page, lambda p: p.set_input_files("#load-model", files=[
        {"name": "cli.json", "mimeType": "application/json", "buffer": cli_teacher.to_json().encode()}]))
    assert "Loaded cli.json: gravel, motorcycle" in taught_page.text_content("#model-status")
    shown = probabilities(taught_page)  # the photo on screen, classified again with the loaded model
    assert list(shown) == ["gravel", "motorcycle"]
    np.testing.assert_allclose(list(shown.values()), list(run(cli_teacher.predict(photo)).probabilities.values()),
                               atol=TOLERANCE)


def test_bad_input_gets_its_message_and_changes_nothing(browser, site_url, native_model, run):
    context = browser.new_context()
    context.add_init_script(REJECT_CAMERA)
    page = open_page(context, site_url + "teach.html")
    page.dispatch_event(f"{card(1)} .record", "pointerdown")
    assert "Start the webcam first" in page.text_content("#error")
    page.evaluate("globalThis.cameraError = 'NotAllowedError'")
    page.click("#camera-start")
    page.wait_for_selector("body[data-camera=NotAllowedError]")
    assert "Camera access was refused" in page.text_content("#camera-message")
    motorcycle, brick = training_set(2)["motorcycle"], training_set(2)["brick"]

    def refused(action, message: str) -> None:
        counts = page.eval_on_selector_all(".class-card", "cards => cards.map(card => card.dataset.count)")
        before = (page.text_content("#prediction"), probabilities(page))
        act(page, action)
        assert message in page.text_content("#error"), page.text_content("#error")
        assert page.eval_on_selector_all(".class-card", "cards => cards.map(card => card.dataset.count)") == counts
        assert (page.text_content("#prediction"), probabilities(page)) == before

    refused(lambda p: p.set_input_files("#file", files=jpeg_files(motorcycle[:1], "early")), "Train the classifier first")
    refused(lambda p: p.click("#train"), "Add examples to “Class 1” first")
    add_photos(page, 1, jpeg_files(motorcycle, "motorcycle"))
    refused(lambda p: p.click("#train"), "Add examples to “Class 2” first")
    refused(lambda p: p.set_input_files(f"{card(2)} .class-photos", files=[
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo"}]), "Not added: notes.txt")
    page.fill(f"{card(2)} .label-name", "Class 1")
    add_photos(page, 2, jpeg_files(brick, "brick"))
    refused(lambda p: p.click("#train"), "Two classes are called “Class 1”")
    page.fill(f"{card(2)} .label-name", "")
    refused(lambda p: p.click("#train"), "Give every class a name")
    page.fill(f"{card(2)} .label-name", "brick")
    act(page, lambda p: p.click("#train"))
    assert page.text_content("#error") == ""
    shown = predict_photo(page, held_out_set(1)["brick"][0])
    assert page.get_attribute("#prediction", "data-label") == "brick"

    text_model = run(TextClassifier.train(native_model("sentence-embeddings"), {"a": ["yes"], "b": ["no"]}))
    for name, data, message in [("broken.json", b"{not json", "not JSON"),
                                ("text.json", text_model.to_json().encode(), "trained for sentence-embeddings"),
                                ("old.json", json.dumps({"format": 9}).encode(), "format 9")]:
        refused(lambda p: p.set_input_files("#load-model", files=[
            {"name": name, "mimeType": "application/json", "buffer": data}]), message)
    refused(lambda p: p.set_input_files("#file", files=[
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]), "not an image")
    assert probabilities(page) == shown
    listeners = lambda: int(page.get_attribute("#view > *", "data-listeners"))  # noqa: E731
    before = listeners()
    page.click("#add-class")
    per_class = listeners() - before
    assert per_class > 0
    page.click(f"{card(3)} .remove-label")
    page.click(f"{card(2)} .remove-label")
    assert listeners() == before - per_class  # a removed class frees every handler it had
    refused(lambda p: p.click("#train"), "at least two classes")
    assert page.errors == []


SEGMENT_FRAMES, CLIP_FPS = 25, 10  # the clip: 2.5 s of one photo, then 2.5 s of the other, looped
CLIP_PHOTOS = {"cat": "cat", "coffee": "coffee"}  # class name -> photo shown in its half of the clip
FRAME_CLASS = """([means, wanted, previous]) => new Promise(resolve => {
  // Resolves once the webcam <video> switches to the photo `wanted` (nearest mean colour), i.e. at the
  // start of its half of the clip, so the next second of frames all show it.
  const video = document.querySelector('#video'), canvas = document.createElement('canvas');
  canvas.width = 32; canvas.height = 24;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  let last = previous;
  const look = () => {
    context.drawImage(video, 0, 0, 32, 24);
    const pixels = context.getImageData(0, 0, 32, 24).data, mean = [0, 0, 0];
    for (let i = 0; i < pixels.length; i += 4) for (let c = 0; c < 3; c++) mean[c] += pixels[i + c] / (pixels.length / 4);
    const distance = name => means[name].reduce((sum, value, c) => sum + (value - mean[c]) ** 2, 0);
    const now = Object.keys(means).sort((a, b) => distance(a) - distance(b))[0];
    if (now === wanted && last !== wanted && last !== null) resolve(now); else { last = now; setTimeout(look, 40); }
  };
  look();
})"""


@pytest.fixture(scope="module")
def clip_browser(playwright, photo, tmp_path_factory):
    """Chromium whose fake camera plays the two-photo clip; with each photo's mean colour."""
    from PIL import Image, ImageOps

    from ondevice_build.browser import fake_camera_args, launch, write_y4m

    frames = {name: ImageOps.fit(Image.open(photo(source)).convert("RGB"), (320, 240))
              for name, source in CLIP_PHOTOS.items()}
    video = write_y4m(tmp_path_factory.mktemp("clip") / "clip.y4m",
                      [frames[name] for name in CLIP_PHOTOS for _ in range(SEGMENT_FRAMES)], fps=CLIP_FPS)
    browser = bypassing_csp(launch(playwright, fake_camera_args(video)))
    yield browser, {name: np.asarray(frame, dtype=np.float64).reshape(-1, 3).mean(axis=0).tolist()
                    for name, frame in frames.items()}
    browser.close()


def test_the_webcam_teaches_two_classes_and_the_live_prediction_follows_the_clip(clip_browser, site_url):
    browser, means = clip_browser
    page = open_page(browser.new_context(), site_url + "teach.html")
    name_classes(page, list(CLIP_PHOTOS))
    page.click("#camera-start")
    page.wait_for_selector("body[data-camera=on]", timeout=60_000)
    for n, name in enumerate(CLIP_PHOTOS, 1):
        page.evaluate(FRAME_CLASS, [means, name, None])
        page.locator(f"{card(n)} .record").hover()
        page.mouse.down()
        page.wait_for_timeout(1200)
        page.mouse.up()
        assert int(page.get_attribute(card(n), "data-count")) >= 2, page.text_content("#camera-status")
    act(page, lambda p: p.click("#train"))
    for name in [*CLIP_PHOTOS, *CLIP_PHOTOS]:
        page.evaluate(FRAME_CLASS, [means, name, None])
        page.wait_for_function(f"Number(document.querySelector('#camera-status').dataset.frames) > 0")
        frames = int(page.get_attribute("#camera-status", "data-frames"))
        page.wait_for_function(f"Number(document.querySelector('#camera-status').dataset.frames) > {frames + 1}")
        assert page.get_attribute("#prediction", "data-label") == name
    page.click("#camera-stop")
    assert page.get_attribute("body", "data-camera") == "off" and page.errors == []
