"""Compositing with a person mask: blur or replace the background, cut the person out.

Plain numpy + PIL, the same under CPython and Pyodide. Every function takes the photo as
(H, W, 3) uint8 RGB and the mask as (H, W) float in 0..1 (1 = person), as returned by
`PersonSegmenter`, and returns a new uint8 array of the same height and width. Mask edges are
feathered (softened over `feather_radius` pixels) so the cut line does not look jagged. When the mask
holds (almost) no person (`has_person`), every function returns the photo unchanged (cut_out: fully
opaque) instead of blurring or replacing the whole picture. `MaskSmoother` steadies masks over
video frames.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

from .image import as_pil, as_rgb_array

MIN_PERSON_FRACTION = 0.005  # below 0.5% of the pixels, a mask is taken as "no person"


def has_person(mask: np.ndarray, min_fraction: float = MIN_PERSON_FRACTION) -> bool:
    """True when more than `min_fraction` of the mask's pixels are more likely person than not."""
    return np.count_nonzero(mask > 0.5) > min_fraction * mask.size


def alpha_image(mask: np.ndarray, feather_radius: float = 0.0) -> Image.Image:
    """The mask as an 8-bit PIL alpha image ("L"), edges softened by a box blur of
    `feather_radius` pixels (a linear ramp across the edge; twice as fast as a Gaussian)."""
    alpha = Image.fromarray(np.clip(np.asarray(mask, dtype=np.float32) * 255 + 0.5, 0, 255).astype(np.uint8), mode="L")
    return alpha.filter(ImageFilter.BoxBlur(feather_radius)) if feather_radius > 0 else alpha


def feather(mask: np.ndarray, radius: float = 3.0) -> np.ndarray:
    """The mask with its edges softened over `radius` pixels (float32, 0..1,
    in steps of 1/255 like any 8-bit alpha channel)."""
    return np.asarray(alpha_image(mask, radius), dtype=np.float32) / 255


def blend(foreground: np.ndarray, background: np.ndarray, mask, feather_radius: float = 0.0) -> np.ndarray:
    """foreground where mask is 1, background where it is 0, mixed in between; uint8 (H, W, 3).

    mask: (H, W) float 0..1, or an alpha image from `alpha_image`."""
    alpha = mask if isinstance(mask, Image.Image) else alpha_image(mask, feather_radius)
    mixed = Image.composite(Image.fromarray(foreground), Image.fromarray(np.ascontiguousarray(background)), alpha)
    return np.asarray(mixed, dtype=np.uint8)


def blurred(photo: np.ndarray, radius: float = 12.0) -> np.ndarray:
    """The photo blurred by about `radius` pixels: shrunk up to 4x (box average), blurred, scaled
    back (bilinear): several times faster than blurring at full size, and as smooth."""
    image = Image.fromarray(photo)
    factor = max(1, min(4, int(radius // 3), image.width, image.height))
    small = image.reduce(factor).filter(ImageFilter.GaussianBlur(radius / factor))
    return np.asarray(small.resize(image.size, Image.Resampling.BILINEAR), dtype=np.uint8)


def fit_background(background, width: int, height: int) -> np.ndarray:
    """A background image (anything `ondevice.image.as_pil` reads) scaled and centre-cropped to
    cover (height, width), or an (r, g, b) colour filled to that size; uint8 (H, W, 3)."""
    if isinstance(background, tuple):
        return np.broadcast_to(np.asarray(background, dtype=np.uint8), (height, width, 3))
    image = as_pil(background, min_size=max(width, height))  # a big JPEG is decoded at reduced scale
    scale = max(width / image.width, height / image.height)
    box_width, box_height = width / scale, height / scale
    left, top = (image.width - box_width) / 2, (image.height - box_height) / 2
    box = (left, top, left + box_width, top + box_height)
    return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR, box=box), dtype=np.uint8)


def _checked(photo: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    photo = as_rgb_array(photo)
    mask = np.asarray(mask, dtype=np.float32)
    if mask.shape != photo.shape[:2]:
        raise ValueError(f"the mask {mask.shape} does not match the photo {photo.shape[:2]}")
    return photo, mask


def blur_background(photo: np.ndarray, mask: np.ndarray, radius: float = 12.0,
                    feather_radius: float = 3.0) -> np.ndarray:
    """The photo with everything but the person blurred by about `radius` pixels."""
    photo, mask = _checked(photo, mask)
    if not has_person(mask):
        return photo.copy()
    return blend(photo, blurred(photo, radius), mask, feather_radius)


def replace_background(photo: np.ndarray, mask: np.ndarray, background,
                       feather_radius: float = 3.0) -> np.ndarray:
    """The person in front of `background`: an image (covers the photo, centre-cropped) or an
    (r, g, b) colour."""
    photo, mask = _checked(photo, mask)
    if not has_person(mask):
        return photo.copy()
    height, width = mask.shape
    return blend(photo, fit_background(background, width, height), mask, feather_radius)


def cut_out(photo: np.ndarray, mask: np.ndarray, feather_radius: float = 3.0) -> np.ndarray:
    """The person alone: RGBA uint8 (H, W, 4) whose alpha is the (feathered) mask."""
    photo, mask = _checked(photo, mask)
    alpha = alpha_image(mask if has_person(mask) else np.ones_like(mask), feather_radius)
    return np.dstack([photo, np.asarray(alpha, dtype=np.uint8)])


def to_png(pixels: np.ndarray) -> bytes:
    """Encode an (H, W, 3) RGB or (H, W, 4) RGBA uint8 array as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


class MaskSmoother:
    """Temporal smoothing for video: `smooth(mask)` returns an exponential moving average of the
    masks seen so far, `amount` (0..1) being the weight kept from the previous frames (0: off).
    A mask of another size starts over."""

    def __init__(self, amount: float = 0.5):
        if not 0.0 <= amount < 1.0:
            raise ValueError("amount must be in [0, 1)")
        self.amount = amount
        self._previous: np.ndarray | None = None

    def reset(self) -> None:
        self._previous = None

    def smooth(self, mask: np.ndarray) -> np.ndarray:
        mask = np.asarray(mask, dtype=np.float32)
        if self._previous is None or self._previous.shape != mask.shape or self.amount == 0:
            self._previous = mask
        else:
            self._previous = self._previous * self.amount + mask * (1.0 - self.amount)
        return self._previous
