"""Decoding, orientation, resizing and cropping of photos (ondevice.image), on real files."""
import io

import numpy as np
import pytest
from PIL import Image

from ondevice.image import ImageError, as_pil, decode, fit_to_input
from ondevice.registry import ImageInput


def encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def test_non_image_bytes_raise_a_readable_error():
    with pytest.raises(ImageError, match="not an image"):
        decode(b"%PDF-1.4 definitely not a photo")


def test_empty_file_is_reported_as_empty():
    with pytest.raises(ImageError, match="empty"):
        decode(b"")


def test_truncated_jpeg_is_an_image_error(photo):
    data = photo("rocket").read_bytes()
    with pytest.raises(ImageError):
        decode(data[: len(data) // 50])


def test_exif_orientation_is_applied():
    wide = Image.new("RGB", (40, 20), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    upright = decode(encode(wide, "JPEG", exif=exif.tobytes()))
    assert upright.size == (20, 40)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "I;16"])
def test_every_mode_becomes_rgb(mode):
    image = Image.new(mode, (8, 6))
    assert decode(encode(image, "PNG")).mode == "RGB"


def test_arrays_must_be_uint8_rgb():
    with pytest.raises(ImageError, match="uint8"):
        as_pil(np.zeros((4, 4, 3), dtype=np.float32))
    rgba = np.zeros((4, 5, 4), dtype=np.uint8)
    assert as_pil(rgba).size == (5, 4)


def test_centre_crop_takes_the_middle_of_the_shorter_side_scaled_photo(photo):
    image = as_pil(photo("astronaut"))  # 512 x 512
    tensor, placement = fit_to_input(image, ImageInput(224, 224, resize_shorter_to=256))
    assert tensor.shape == (1, 224, 224, 3) and tensor.dtype == np.uint8
    assert placement.width == pytest.approx(512 * 224 / 256)
    assert placement.left == pytest.approx((512 - placement.width) / 2)


def test_crop_of_a_landscape_photo_is_centred(photo):
    image = as_pil(photo("coffee"))  # 600 x 400
    _, placement = fit_to_input(image, ImageInput(224, 224, resize_shorter_to=256))
    assert placement.height == pytest.approx(400 * 224 / 256)
    assert placement.left + placement.width / 2 == pytest.approx(300)


def test_jpeg_draft_decoding_keeps_at_least_the_requested_size(photo):
    full = decode(photo("china").read_bytes())
    small = decode(photo("china").read_bytes(), min_size=100)
    assert min(small.size) >= 100 and small.size[0] < full.size[0]


def test_text_code_runs_without_loading_pillow():
    """Text pages do not download Pillow: importing ondevice and its text tasks must not import it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import ondevice

    code = ("import sys; import ondevice, ondevice.tasks.embed, ondevice.tasks.fewshot; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'PIL'], 'PIL imported'; "
            "from ondevice import compose; assert 'PIL.Image' in sys.modules")
    path = {**os.environ, "PYTHONPATH": str(Path(ondevice.__file__).parents[1])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=path)
    assert result.returncode == 0, result.stderr
