"""Images in, uint8 RGB arrays out: decoding, orientation, resizing and centre-cropping.

Everything here is plain PIL + numpy, identical under CPython and Pyodide, so a photo decoded from
the same bytes gives the same model input in both. DOM elements (<img>, <video>, <canvas>) are
read into arrays by `ondevice.bridge`, the only module that touches JavaScript.

Pillow is imported by the functions that use it, not by this module: `import ondevice` does not
load Pillow, so a page that never decodes an image (the text pages) need not download it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import bridge
from .errors import InputError
from .registry import ImageInput

if TYPE_CHECKING:
    from PIL import Image

MAX_PIXELS = 100_000_000


class ImageError(InputError):
    """The input is not an image ondevice can read; the message is meant for the end user."""


@dataclass(frozen=True)
class Placement:
    """Where the model's input window lies in the caller's image, in the caller's pixels.

    The model saw the region (left, top, left + width, top + height) of the original image,
    scaled to the model's input size. Detection and segmentation use it to map results back.
    """

    image_width: int
    image_height: int
    left: float
    top: float
    width: float
    height: float


def decode(data: bytes, *, min_size: int = 0) -> Image.Image:
    """Decode encoded image bytes (JPEG, PNG, WebP, GIF, BMP...) to an upright RGB PIL image.

    EXIF orientation is applied. With `min_size`, JPEGs are decoded at the smallest DCT scale whose
    shorter side is still >= min_size, which is several times faster for large photos.
    Raises ImageError for data that is not an image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ImageError("The file is empty.")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ImageError(f"The image is too large ({image.width}x{image.height} pixels).")
        if min_size and image.format == "JPEG":
            image.draft("RGB", (min_size, min_size))
        image = ImageOps.exif_transpose(image)
        return image.convert("RGB")
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageError(
            "This file is not an image that can be read (JPEG, PNG, WebP, GIF or BMP expected)."
        ) from error


def as_pil(image, *, min_size: int = 0) -> Image.Image:
    """Any supported image input as an RGB PIL image.

    Accepts encoded bytes (bytes, bytearray, memoryview), a file path, a PIL image, a numpy array
    of shape (H, W, 3) or (H, W, 4) with dtype uint8, and in the browser an <img>, <video>,
    <canvas>, ImageData or ImageBitmap.
    """
    from PIL import Image

    if isinstance(image, Image.Image):
        return image.convert("RGB")
    if isinstance(image, (bytes, bytearray, memoryview)):
        return decode(bytes(image), min_size=min_size)
    if isinstance(image, (str, Path)):
        return decode(Path(image).read_bytes(), min_size=min_size)
    if isinstance(image, np.ndarray):
        return Image.fromarray(as_rgb_array(image))
    if bridge.is_js_object(image):
        return Image.fromarray(bridge.pixels_from_element(image))
    raise ImageError(f"Cannot read an image from a {type(image).__name__}.")


def as_array(image) -> np.ndarray:
    """Any supported image input (see `as_pil`) as a (H, W, 3) uint8 RGB array.

    DOM elements are read straight into an array (for a <video>, its current frame), so a page
    can read a frame once and hand the same pixels to a model and to compositing.
    """
    if isinstance(image, np.ndarray):
        return as_rgb_array(image)
    if bridge.is_js_object(image):
        return as_rgb_array(bridge.pixels_from_element(image))
    return np.asarray(as_pil(image), dtype=np.uint8)


def as_rgb_array(pixels: np.ndarray) -> np.ndarray:
    """Check and normalise an (H, W, 3|4) uint8 array to contiguous (H, W, 3) RGB."""
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.dtype != np.uint8:
        raise ImageError(f"Expected an (H, W, 3) uint8 RGB array, got {pixels.shape} {pixels.dtype}.")
    if pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise ImageError("The image has no pixels.")
    return np.ascontiguousarray(pixels[:, :, :3])


def fit_to_input(image: Image.Image, spec: ImageInput) -> tuple[np.ndarray, Placement]:
    """Resize (bilinear) and centre-crop a photo to the model input.

    Returns the tensor, uint8 RGB NHWC of shape (1, spec.height, spec.width, 3), and the Placement
    of the crop in the image. With spec.resize_shorter_to the shorter side is scaled to that size
    and the centre (height, width) window is taken; without it the whole image is stretched.
    """
    from PIL import Image

    width, height = image.size
    if spec.resize_shorter_to:
        scale = spec.resize_shorter_to / min(width, height)
        box_width, box_height = spec.width / scale, spec.height / scale
        left, top = (width - box_width) / 2, (height - box_height) / 2
    else:
        left, top, box_width, box_height = 0.0, 0.0, float(width), float(height)
    box = (left, top, left + box_width, top + box_height)
    resized = image.resize((spec.width, spec.height), Image.Resampling.BILINEAR, box=box)
    tensor = np.asarray(resized, dtype=np.uint8)[np.newaxis]
    return tensor, Placement(width, height, left, top, box_width, box_height)
