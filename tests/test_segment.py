"""Person segmentation: the mask maths and compositing, and the shipped models on real photos."""
import io

import numpy as np
import pytest
from PIL import Image

from ondevice import compose
from ondevice.image import Placement
from ondevice.tasks.segment import mask_iou, postprocess

TASKS = ["person-segmentation", "person-segmentation-landscape"]
# Hand-drawn regions of the astronaut photo (512x512; left, top, right, bottom): her face and her
# suit are person; the US flag behind her (top left) and the shuttle model (top right) are not.
ASTRONAUT_PERSON = {"face": (185, 75, 265, 165), "suit": (120, 320, 300, 480)}
ASTRONAUT_BACKGROUND = {"flag": (0, 0, 70, 220), "shuttle": (370, 0, 450, 200)}
# Most of a background region that may be marked person: the general model marks none of it; the
# landscape model sees this square photo squashed to 16:9 and bleeds into the flag's lower part
# (about 6% of the flag region when this was written).
BACKGROUND_LEAK = {"person-segmentation": 0.01, "person-segmentation-landscape": 0.10}


def region(mask, box):
    left, top, right, bottom = box
    return mask[top:bottom, left:right]


def test_postprocess_stretches_the_mask_back_to_the_caller_resolution():
    small = np.zeros((1, 4, 4, 1), dtype=np.float32)
    small[0, :, :2, 0] = 1.0  # person on the left half
    mask = postprocess(small, Placement(40, 20, 0, 0, 40, 20))
    assert mask.shape == (20, 40) and mask.dtype == np.float32
    assert mask[:, :15].min() > 0.99 and mask[:, 25:].max() < 0.01
    assert 0.0 <= mask.min() and mask.max() <= 1.0


def test_mask_iou_counts_overlap_and_treats_two_empty_masks_as_equal():
    a = np.zeros((10, 10)); b = np.zeros((10, 10))
    assert mask_iou(a, b) == 1.0
    a[:, :5] = 1; b[:, 2:7] = 1
    assert mask_iou(a, b) == pytest.approx(3 / 7)


def test_compositing_keeps_the_person_and_changes_the_background():
    photo = np.full((60, 80, 3), 200, dtype=np.uint8)
    photo[:, :, 0] = np.arange(80, dtype=np.uint8)[np.newaxis] * 3  # some texture to blur
    mask = np.zeros((60, 80), dtype=np.float32)
    mask[10:50, 20:50] = 1.0
    green = compose.replace_background(photo, mask, (0, 255, 0))
    assert np.array_equal(green[20:40, 28:42], photo[20:40, 28:42])  # inside, away from the feathered edge
    assert (green[:, :10] == (0, 255, 0)).all() and (green[:, 60:] == (0, 255, 0)).all()
    blurred = compose.blur_background(photo, mask)
    assert np.array_equal(blurred[20:40, 28:42], photo[20:40, 28:42])
    assert np.abs(blurred[:, 60:].astype(int) - photo[:, 60:]).max() > 0
    cut = compose.cut_out(photo, mask)
    assert cut.shape == (60, 80, 4) and (cut[20:40, 28:42, 3] == 255).all() and (cut[:, :10, 3] == 0).all()
    assert np.array_equal(cut[:, :, :3], photo)
    edge = compose.feather(mask, 3.0)[30, 17:23]
    assert 0 < edge.min() < 0.5 < edge.max() < 1  # a soft edge, not a step


def test_replace_background_fits_a_picture_to_cover_the_photo():
    photo = np.zeros((30, 90, 3), dtype=np.uint8)
    mask = np.zeros((30, 90), dtype=np.float32)
    mask[:, :10] = 1
    picture = np.zeros((100, 100, 3), dtype=np.uint8)
    picture[:, :, 2] = 255
    out = compose.replace_background(photo, mask, picture)
    assert out.shape == (30, 90, 3) and (out[:, 20:] == (0, 0, 255)).all()


def test_an_empty_mask_leaves_the_photo_unchanged():
    photo = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    nobody = np.zeros((40, 50), dtype=np.float32)
    assert not compose.has_person(nobody)
    for result in (compose.blur_background(photo, nobody), compose.replace_background(photo, nobody, (0, 0, 0))):
        assert np.array_equal(result, photo)
    assert np.array_equal(compose.cut_out(photo, nobody), np.dstack([photo, np.full((40, 50), 255, np.uint8)]))


def test_compositing_refuses_a_mask_of_another_size():
    with pytest.raises(ValueError, match="does not match"):
        compose.blur_background(np.zeros((10, 10, 3), np.uint8), np.zeros((5, 5)))


def test_mask_smoother_averages_frames_and_restarts_on_a_new_size():
    smoother = compose.MaskSmoother(0.5)
    assert smoother.smooth(np.ones((2, 2))).mean() == 1.0
    assert smoother.smooth(np.zeros((2, 2))).mean() == 0.5
    assert smoother.smooth(np.zeros((2, 2))).mean() == 0.25
    assert smoother.smooth(np.ones((3, 3))).mean() == 1.0
    with pytest.raises(ValueError):
        compose.MaskSmoother(1.0)


def test_cut_out_png_keeps_the_alpha_channel():
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[2:6, 2:6] = (255, 0, 0, 255)
    decoded = Image.open(io.BytesIO(compose.to_png(rgba)))
    assert decoded.mode == "RGBA" and np.array_equal(np.asarray(decoded), rgba)


# ---- the shipped models ------------------------------------------------------------------------
# What the gate (mask IoU >= 0.98 with fp32 on every gate view with a person) lets ship: each
# model's fp16 misses it on a view or two (0.967, 0.966), so only fp32 ships (also on WebGPU).
SHIPPED = {"person-segmentation": {"fp32"}, "person-segmentation-landscape": {"fp32"}}
SHIPPED_VARIANTS = [(task, variant) for task in TASKS for variant in sorted(SHIPPED[task])]


def test_int8_is_refused_by_the_gate_and_fp16_ships_only_within_its_bound(manifest):
    for task in TASKS:
        entry = manifest["models"][task]
        assert set(entry["variants"]) == SHIPPED[task], task
        refused = entry["refused_variants"]["int8"]
        assert not refused["passed"] and refused["min_mask_iou"] < 0.5, refused
        fp16 = entry["variants"]["fp16"]["gate"] if "fp16" in SHIPPED[task] else entry["refused_variants"]["fp16"]
        assert (fp16["min_mask_iou"] >= 0.98) == ("fp16" in SHIPPED[task]) and fp16["mean_mask_iou"] >= 0.99, fp16
        assert entry["default_variant"]["wasm"] == "fp32"
        assert entry["default_variant"]["webgpu"] == ("fp16" if "fp16" in SHIPPED[task] else "fp32")


def test_conversion_matches_the_tflite_interpreter(manifest):
    for task in TASKS:
        check = manifest["models"][task]["conversion_check"]
        assert check["inputs"] >= 28 and check["max_difference"] <= 1e-3 and check["min_mask_iou"] >= 0.99, check
        assert check["custom_op_vs_numpy_max_difference"] <= 1e-3, check


@pytest.mark.parametrize("task, variant", SHIPPED_VARIANTS)
def test_astronaut_mask_covers_her_and_not_the_flag_behind(native_model, photo, run, task, variant):
    mask = run(native_model(task, variant)(photo("astronaut")))
    assert mask.shape == (512, 512) and mask.dtype == np.float32
    for name, box in ASTRONAUT_PERSON.items():
        assert (region(mask, box) > 0.5).mean() > 0.95, name
    for name, box in ASTRONAUT_BACKGROUND.items():
        assert (region(mask, box) > 0.5).mean() < BACKGROUND_LEAK[task], name


@pytest.mark.parametrize("task", TASKS)
def test_a_photo_without_a_person_gives_an_empty_mask_and_an_unchanged_photo(native_model, photo, run, task):
    pixels = np.asarray(Image.open(photo("rocket")).convert("RGB"))
    mask = run(native_model(task)(pixels))
    assert mask.shape == pixels.shape[:2]
    assert (mask > 0.5).mean() < 0.001 and not compose.has_person(mask)
    assert np.array_equal(compose.blur_background(pixels, mask), pixels)
    assert np.array_equal(compose.replace_background(pixels, mask, (0, 255, 0)), pixels)


def test_astronaut_composite_keeps_her_pixels_and_changes_the_flag(native_model, photo, run):
    pixels = np.asarray(Image.open(photo("astronaut")).convert("RGB"))
    mask = run(native_model("person-segmentation")(pixels))
    for composite in (compose.blur_background(pixels, mask), compose.replace_background(pixels, mask, (0, 255, 0))):
        face, flag = (200, 100, 250, 150), ASTRONAUT_BACKGROUND["flag"]  # inside her face, away from the edge
        assert np.abs(region(composite, face).astype(int) - region(pixels, face)).max() <= 2
        assert np.abs(region(composite, flag).astype(int) - region(pixels, flag)).mean() > 10
