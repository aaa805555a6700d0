"""Images in, uint8 RGB arrays out: decoding, orientation, resizing and centre-cropping.

Everything here is plain PIL + numpy, identical under CPython and Pyodide, so a photo decoded from
the same bytes gives the same model input in both. DOM elements (<img>, <video>, <canvas>) are
read into arrays by `ondevice.bridge`, the only module that touches JavaScript.

Pillow is imported by the functions that use it, not by this module: `import ondevice` does not
load Pillow, so a page that never decodes an image (the text pages) need not download it.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import bridge
from .errors import InputError
from .registry import ImageInput

if TYPE_CHECKING:
    from PIL import Image

# The largest image any input may have, however it comes (encoded bytes, a file, a PIL image, an
# array, a DOM element): checked on the header or the element's size, before any pixel is decoded or
# copied. Over it, ImageError, never PIL's DecompressionBombError nor an out-of-memory Pyodide.
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


def check_size(width: int, height: int, max_pixels: int = MAX_PIXELS) -> None:
    """Raise ImageError, in the user's words, for an image with no pixels or more than `max_pixels`."""
    if width <= 0 or height <= 0:
        raise ImageError("The image has no pixels.")
    if width * height > max_pixels:
        raise ImageError(f"This image is too large: {width} x {height} pixels ({width * height / 1e6:.0f} "
                         f"megapixels); at most {max_pixels / 1e6:.0f} megapixels can be used here. "
                         "Save a smaller copy and try again.")


def stand_in_photo(size: int = 96) -> bytes:
    """A small JPEG photo (a colour gradient) for warming up a task's image steps."""
    from PIL import Image

    ramp = np.linspace(0, 255, size, dtype=np.uint8)
    pixels = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], ramp[::-1][None, :]), axis=-1)
    encoded = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(encoded, "JPEG")
    return encoded.getvalue()


def decode(data: bytes, *, min_size: int = 0, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode encoded image bytes (JPEG, PNG, WebP, GIF, BMP...) to an upright RGB PIL image.

    EXIF orientation is applied; transparent pixels are shown on white (as a browser shows them on a
    white page); 16-bit greyscale keeps its tones (scaled to 8 bits, not clipped); an animated image
    gives its first frame. With `min_size`, JPEGs are decoded at the smallest DCT scale (1/2, 1/4
    or 1/8) whose sides are still >= min_size, several times faster and smaller for big photos;
    the image's `info["full_size"]` then holds its (width, height) at full scale, upright, and
    `fit_to_input` places crops in those full-scale pixels.
    Raises ImageError for data that is not an image, or for more than `max_pixels` pixels once
    decoded (the size is read from the header first: nothing big is decoded to find out).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ImageError("The file is empty.")
    try:
        with warnings.catch_warnings():  # PIL warns from 89 MP on; MAX_PIXELS is the bound here
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        full_size = image.size
        if min_size and image.format == "JPEG":
            image.draft("RGB", (min_size, min_size))
        check_size(*image.size, max_pixels)
        if full_size != image.size and image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
            full_size = full_size[::-1]  # the orientation turns the image a quarter
        image = to_rgb(ImageOps.exif_transpose(image))
    except ImageError:
        raise
    except Image.DecompressionBombError as error:  # PIL refuses over 2 x Image.MAX_IMAGE_PIXELS
        raise ImageError(f"This image is too large: over {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels; at "
                         f"most {max_pixels / 1e6:.0f} megapixels can be used here.") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageError(
            "This file is not an image that can be read (JPEG, PNG, WebP, GIF or BMP expected)."
        ) from error
    if full_size != image.size:
        image.info["full_size"] = full_size
    return image


def full_size(image: Image.Image) -> tuple[int, int]:
    """(width, height) of the photo a PIL image came from: its own size, or for one decoded at
    reduced scale (`decode(min_size=...)`) the full-scale size."""
    return image.info.get("full_size", image.size)


def to_rgb(image: Image.Image) -> Image.Image:
    """A PIL image of any mode as RGB: alpha composited on white, 16/32-bit greyscale scaled to 8 bits."""
    from PIL import Image

    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode != "F" and values.max(initial=0) > 255 else 255.0
        grey = np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def as_pil(image, *, min_size: int = 0, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Any supported image input as an RGB PIL image.

    Accepts encoded bytes (bytes, bytearray, memoryview), a file path, a PIL image, a numpy array
    of shape (H, W, 3) or (H, W, 4) with dtype uint8, and in the browser an <img>, <video>,
    <canvas>, ImageData or ImageBitmap. Every kind is held to the same `max_pixels` bound
    (ImageError beyond it); `min_size`: see `decode`.
    """
    from PIL import Image

    if isinstance(image, Image.Image):
        check_size(*image.size, max_pixels)
        return to_rgb(image)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return decode(bytes(image), min_size=min_size, max_pixels=max_pixels)
    if isinstance(image, (str, Path)):
        return decode(Path(image).read_bytes(), min_size=min_size, max_pixels=max_pixels)
    if isinstance(image, np.ndarray):
        return Image.fromarray(as_rgb_array(image, max_pixels))
    if bridge.is_js_object(image):
        return Image.fromarray(read_element(image, max_pixels))
    raise ImageError(f"Cannot read an image from a {type(image).__name__}.")


def as_array(image, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Any supported image input (see `as_pil`) as a (H, W, 3) uint8 RGB array.

    DOM elements are read straight into an array (for a <video>, its current frame), so a page
    can read a frame once and hand the same pixels to a model and to compositing.
    """
    if isinstance(image, np.ndarray):
        return as_rgb_array(image, max_pixels)
    if bridge.is_js_object(image):
        return read_element(image, max_pixels)
    return np.asarray(as_pil(image, max_pixels=max_pixels), dtype=np.uint8)


def read_element(element, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """An <img>, <video>, <canvas>, ImageData or ImageBitmap as (H, W, 3) uint8 RGB; its size is
    checked against `max_pixels` before a pixel is copied."""
    check_size(*bridge.element_size(element), max_pixels)
    return bridge.pixels_from_element(element)


def as_rgb_array(pixels: np.ndarray, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Check and normalise an (H, W, 3|4) uint8 array to contiguous (H, W, 3) RGB."""
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.dtype != np.uint8:
        raise ImageError(f"Expected an (H, W, 3) uint8 RGB array, got {pixels.shape} {pixels.dtype}.")
    check_size(pixels.shape[1], pixels.shape[0], max_pixels)
    return np.ascontiguousarray(pixels[:, :, :3])


def fit_to_input(image: Image.Image, spec: ImageInput) -> tuple[np.ndarray, Placement]:
    """Resize (bilinear) and centre-crop a photo to the model input.

    Returns the tensor, uint8 RGB NHWC of shape (1, spec.height, spec.width, 3), and the Placement
    of the crop in the image. With spec.resize_shorter_to the shorter side is scaled to that size
    and the centre (height, width) window is taken; without it the whole image is stretched.
    An image decoded at reduced scale (`decode(min_size=...)`) is placed in its full-scale pixels.
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
    full_width, full_height = full_size(image)
    x_scale, y_scale = full_width / width, full_height / height
    return tensor, Placement(full_width, full_height, left * x_scale, top * y_scale,
                             box_width * x_scale, box_height * y_scale)
