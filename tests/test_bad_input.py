"""Bad and odd input in CPython (fast): every case of the table (tests/bad_inputs.py) through each
image task's own pre-processing, arrays and PIL images held to the same pixel bound, texts that
tokenise, few-shot files that are not ours; and the task objects' one lifecycle.
"""
import warnings

import numpy as np
import pytest
from PIL import Image

import bad_inputs
from bad_inputs import FEWSHOT_FILES, FILE_CASES, TEXTS, message_is_for_users
from ondevice import InputError, TextClassifier
from ondevice.image import MAX_PIXELS, ImageError, as_array, as_pil, decode
from ondevice.registry import spec_for
from ondevice.tasks import classify, detect, segment
from ondevice.tasks.base import ClosedError

PAGES = {"classify": ("image-classification", classify.preprocess),
         "detect": ("object-detection", detect.preprocess),
         "segment": ("person-segmentation", segment.preprocess)}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("case", FILE_CASES, ids=lambda case: case.name)
def test_each_file_gives_a_result_or_an_image_error_in_the_users_words(case, page):
    task, preprocess = PAGES[page]
    _, _, data = case.make()
    expected = case.expected_on(page)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # no PIL warning leaks through either
        if expected is None:
            tensor, placement = preprocess(data, spec_for(task))
            assert tensor.dtype == np.uint8 and tensor.shape[-1] == 3
            return
        with pytest.raises(ImageError) as error:
            preprocess(data, spec_for(task))
    assert expected in str(error.value) and message_is_for_users(str(error.value)), str(error.value)


def test_the_decompression_bomb_is_an_image_error_not_pils():
    with pytest.raises(ImageError, match="too large") as error:
        decode(bad_inputs.bomb_png())
    assert type(error.value) is ImageError and isinstance(error.value.__cause__, Image.DecompressionBombError)


def test_arrays_and_pil_images_are_held_to_the_same_pixel_bound():
    tall = np.lib.stride_tricks.as_strided(np.zeros(3, np.uint8), (MAX_PIXELS + 1, 1, 3), (0, 0, 1))  # no memory
    with pytest.raises(ImageError, match="too large"):
        as_array(tall)
    with pytest.raises(ImageError, match="too large"):
        segment.preprocess(np.zeros((6000, 5000, 3), np.uint8), spec_for("person-segmentation"))  # 30 MP > 25
    with pytest.raises(ImageError, match="no pixels"):
        as_array(np.zeros((0, 5, 3), np.uint8))
    assert as_pil(np.zeros((2, 3, 4), np.uint8)).size == (3, 2)


def test_transparent_pixels_are_white_and_16_bit_tones_are_kept():
    rgba = Image.new("RGBA", (4, 2), (10, 20, 30, 0))
    assert np.asarray(decode(bad_inputs.encode(rgba, "PNG")))[0, 0].tolist() == [255, 255, 255]
    grey16 = Image.fromarray(np.full((2, 2), 32768, np.uint16))  # mid-grey, not white
    assert np.asarray(decode(bad_inputs.encode(grey16, "PNG")))[0, 0].tolist() == [128, 128, 128]


def test_a_big_jpeg_is_decoded_at_reduced_scale_in_its_full_size_pixels():
    data = bad_inputs.big_jpeg(50)
    image = decode(data, min_size=300)
    assert max(image.size) < 2000 and image.info["full_size"] == Image.open(__import__("io").BytesIO(data)).size
    _, placement = detect.preprocess(data, spec_for("object-detection"))
    assert (placement.image_width, placement.image_height) == image.info["full_size"]


def test_the_exif_rotated_cat_is_upright():
    assert decode(bad_inputs.exif_rotated()).size == bad_inputs.cat().size


def test_odd_photos_give_the_same_answers_as_the_plain_photo(native_model, run):
    """Independent references: the upright photo for the rotated one, the 8-bit grey photo for the
    16-bit one, the original for its 50 MP enlargement (boxes scaled by the enlargement)."""
    classifier, detector = native_model("image-classification"), native_model("object-detection")
    plain = run(classifier(bad_inputs.cat_jpeg()))[0].class_id
    assert run(classifier(bad_inputs.exif_rotated()))[0].class_id == plain
    grey8 = bad_inputs.encode(bad_inputs.cat().convert("L"), "PNG")
    assert run(classifier(bad_inputs.sixteen_bit()))[0].class_id == run(classifier(grey8))[0].class_id
    big = bad_inputs.big_jpeg(50)
    assert run(classifier(big))[0].class_id == plain
    small_boxes = run(detector(bad_inputs.cat()))
    big_boxes = run(detector(big))
    scale = Image.open(__import__("io").BytesIO(big)).width / bad_inputs.cat().width
    assert [d.label for d in big_boxes[:1]] == [d.label for d in small_boxes[:1]]
    expected = detect.Box(*(value * scale for value in small_boxes[0].box))
    assert big_boxes[0].box.overlap(expected) > 0.9


@pytest.mark.parametrize("name", TEXTS)
def test_every_text_embeds_to_a_unit_vector(native_model, run, name):
    vector = run(native_model("sentence-embeddings").embed([TEXTS[name]]))[0]
    assert np.isfinite(vector).all() and abs(float(np.linalg.norm(vector)) - 1) < 1e-3


@pytest.mark.parametrize("name", FEWSHOT_FILES)
def test_a_few_shot_file_that_is_not_ours_is_refused_in_the_users_words(native_model, name):
    text, phrase = FEWSHOT_FILES[name]
    with pytest.raises(InputError, match=phrase) as error:
        TextClassifier.from_json(native_model("sentence-embeddings"), text)
    assert message_is_for_users(str(error.value))


@pytest.mark.parametrize("task,verb", [("image-classification", "classify"), ("object-detection", "detect"),
                                       ("person-segmentation", "segment"), ("sentence-embeddings", "embed")])
def test_every_task_has_one_lifecycle(dist, run, task, verb):
    """Callable and its verb give the same answer; `async with` closes; a closed task says so."""
    from ondevice import load
    from ondevice.loader import LocalStore

    sample = ["a sentence"] if task == "sentence-embeddings" else bad_inputs.cat_jpeg()

    async def session():
        async with await load(task, store=LocalStore(dist / "models")) as model:
            by_call, by_verb = await model(sample), await getattr(model, verb)(sample)
        with pytest.raises(ClosedError, match="closed"):
            await model(sample)
        await model.close()  # idempotent
        return by_call, by_verb, model.closed

    by_call, by_verb, closed = run(session())
    assert closed and repr(by_call) == repr(by_verb)
