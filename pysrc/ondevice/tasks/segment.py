"""Person segmentation: photo or video frame -> a float mask (0..1) of where a person is.

`preprocess` and `postprocess` are pure (numpy + PIL); `PersonSegmenter` strings them around a
Session. The models (registry.PERSON_SEGMENTATION and PERSON_SEGMENTATION_LANDSCAPE) take the
whole image stretched to their input, uint8 RGB NHWC, and return a person probability per input
pixel, shape (1, H, W, 1); the mask is scaled back (bilinear) to the caller's resolution.
Compositing (blur, replace, cut out) lives in `ondevice.compose`.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from .. import image as images
from ..registry import ModelSpec
from .base import Task

# The largest photo segmented: the mask is float32 at the photo's own resolution and compositing
# holds a few more full-size copies, so 25 megapixels is already ~100 MB per copy in the wasm heap.
MAX_PIXELS = 25_000_000


def preprocess(image, spec: ModelSpec) -> tuple[np.ndarray, images.Placement]:
    """Any supported image -> (uint8 tensor (1, H, W, 3) of the whole image, its Placement).

    The image is decoded at full size (no JPEG draft scaling), so the Placement, and with it the
    mask, has the caller's resolution; over MAX_PIXELS it is refused (ImageError).
    """
    return images.fit_to_input(images.as_pil(image, max_pixels=MAX_PIXELS), spec.image)


def postprocess(probabilities: np.ndarray, placement: images.Placement) -> np.ndarray:
    """(1, h, w, 1) model output -> float32 mask (image_height, image_width), values in 0..1.

    The model saw the whole image stretched to (h, w), so the mask is stretched back (bilinear).
    """
    small = np.asarray(probabilities, dtype=np.float32).reshape(probabilities.shape[1:3])
    size = (placement.image_width, placement.image_height)
    if small.shape[::-1] == size:
        return np.clip(small, 0.0, 1.0)
    mask = Image.fromarray(small, mode="F").resize(size, Image.Resampling.BILINEAR)
    return np.clip(np.asarray(mask, dtype=np.float32), 0.0, 1.0)


def mask_iou(a: np.ndarray, b: np.ndarray, threshold: float = 0.5) -> float:
    """Intersection over union of two masks (same shape) thresholded at `threshold`; two empty
    masks agree perfectly (1.0)."""
    a, b = np.asarray(a) > threshold, np.asarray(b) > threshold
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else float(np.count_nonzero(a & b) / union)


class PersonSegmenter(Task):
    """`await segmenter(image)` -> float32 mask (H, W) in 0..1 at the image's own resolution.

    image: bytes, a path, a PIL image, an (H, W, 3) uint8 array, or in the browser an <img>,
    <video> (its current frame) or <canvas>. `segment` is the same call under its name.
    See `ondevice.load` and `ondevice.compose`.
    """

    verb = "segment"

    async def segment(self, image) -> np.ndarray:
        """Where a person is in `image`: float32 (H, W) in 0..1 at the image's resolution."""
        return await self.run_image(image, preprocess, lambda outputs, placement: postprocess(
            outputs[self.spec.output_names[0]], placement))
