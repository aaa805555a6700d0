"""The one table of bad and odd inputs, made in the test (nothing stored), for CPython and the browser.

Each file case is a name, a maker of (file name, MIME type, bytes) and what should happen: `None`
(a result: an odd but valid image) or a phrase the user's message must contain; `on_page`
overrides that per page (a 50-megapixel photo is classified, but refused by the segmentation page,
which works at full resolution). Each page's browser test gives every case, then a good photo.
"""
from __future__ import annotations

import functools
import io
import json
import struct
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from PIL import Image

from ondevice_build import photos

NOT_AN_IMAGE = "not an image"
TOO_LARGE = "too large"
EMPTY = "empty"


@dataclass(frozen=True)
class FileCase:
    name: str
    make: Callable[[], tuple[str, str, bytes]]
    expect: str | None  # None: a result; else a phrase of the user's message
    on_page: dict[str, str | None] = field(default_factory=dict)  # page -> expect, where it differs

    def expected_on(self, page: str) -> str | None:
        return self.on_page.get(page, self.expect)


def encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


@functools.cache
def cat() -> Image.Image:
    return Image.open(photos.photo("cat")).convert("RGB")


def cat_jpeg() -> bytes:
    return photos.photo("cat").read_bytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A complete, valid greyscale PNG of width x height black pixels (900 megapixels by default),
    about 1 MB on disk: written row by row, never held as pixels."""
    compressor, parts, row = zlib.compressobj(9), [], b"\0" * (width + 1)  # filter byte + pixels
    rows_per_chunk = max(1, 4_000_000 // len(row))
    chunk = row * rows_per_chunk
    for _ in range(height // rows_per_chunk):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(row * (height % rows_per_chunk)) + compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", b"".join(parts))
            + png_chunk(b"IEND", b""))


def header_only_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height and whose pixel data is missing."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IEND", b"")


def exif_rotated() -> bytes:
    """The cat photo stored on its side with EXIF orientation 6: upright, it is the cat again."""
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    return encode(cat().transpose(Image.Transpose.ROTATE_90), "JPEG", quality=92, exif=exif.tobytes())


def sixteen_bit() -> bytes:
    grey = (np.asarray(cat().convert("L"), dtype=np.uint16) * 257)
    return encode(Image.fromarray(grey), "PNG")


def with_alpha() -> bytes:
    rgba = cat().convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size))
    return encode(rgba, "PNG")


def animated_gif() -> bytes:
    frames = [cat().quantize(64), cat().rotate(180).quantize(64), Image.new("P", cat().size)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def big_jpeg(megapixels: float = 50) -> bytes:
    """The cat scaled up to `megapixels` (3:2), as a JPEG of a few MB."""
    width = int((megapixels * 1e6 * 1.5) ** 0.5)
    return encode(cat().resize((width, int(width / 1.5)), Image.Resampling.BILINEAR), "JPEG", quality=80)


def jpeg(data: Callable[[], bytes], name: str = "photo.jpg") -> Callable[[], tuple[str, str, bytes]]:
    return lambda: (name, "image/jpeg", data())


def png(image: Callable[[], Image.Image], name: str = "image.png") -> Callable[[], tuple[str, str, bytes]]:
    return lambda: (name, "image/png", encode(image(), "PNG"))


def raw(name: str, mime: str, data: bytes | Callable[[], bytes]) -> Callable[[], tuple[str, str, bytes]]:
    return lambda: (name, mime, data() if callable(data) else data)


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
       b'<circle cx="50" cy="50" r="40" fill="red"/></svg>')
HTML = b"<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"

FILE_CASES = [
    FileCase("empty file", raw("empty.jpg", "image/jpeg", b""), EMPTY),
    FileCase("plain text", raw("notes.txt", "text/plain", b"this is not a photo\n"), NOT_AN_IMAGE),
    FileCase("html page", raw("photo.jpg", "text/html", HTML), NOT_AN_IMAGE),
    FileCase("svg drawing", raw("circle.svg", "image/svg+xml", SVG), NOT_AN_IMAGE),
    FileCase("pdf", raw("scan.pdf", "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), NOT_AN_IMAGE),
    FileCase("random bytes", raw("photo.jpg", "image/jpeg", bytes(np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8))), NOT_AN_IMAGE),
    FileCase("jpeg cut at 2%", jpeg(lambda: cat_jpeg()[: len(cat_jpeg()) // 50]), NOT_AN_IMAGE),
    FileCase("jpeg cut in half", jpeg(lambda: cat_jpeg()[: len(cat_jpeg()) // 2]), NOT_AN_IMAGE),
    FileCase("jpeg header only", jpeg(lambda: cat_jpeg()[:200]), NOT_AN_IMAGE),
    FileCase("png cut in half", raw("cat.png", "image/png", lambda: encode(cat(), "PNG")[:30_000]), NOT_AN_IMAGE),
    FileCase("png header without pixels", raw("cat.png", "image/png", lambda: header_only_png(451, 300)), NOT_AN_IMAGE),
    FileCase("900 MP decompression bomb", raw("bomb.png", "image/png", bomb_png), TOO_LARGE),
    FileCase("150 MP png header", raw("huge.png", "image/png", lambda: header_only_png(15_000, 10_000)), TOO_LARGE),
    FileCase("cmyk jpeg", jpeg(lambda: encode(cat().convert("CMYK"), "JPEG", quality=92)), None),
    FileCase("16-bit greyscale png", raw("grey16.png", "image/png", sixteen_bit), None),
    FileCase("png with alpha", raw("alpha.png", "image/png", with_alpha), None),
    FileCase("palette png with transparency", raw("palette.png", "image/png", lambda: encode(
        cat().quantize(32), "PNG", transparency=0)), None),
    FileCase("animated gif", raw("anim.gif", "image/gif", animated_gif), None),
    FileCase("exif-rotated jpeg", jpeg(exif_rotated), None),
    FileCase("greyscale jpeg", jpeg(lambda: encode(cat().convert("L"), "JPEG"), "grey.jpg"), None),
    FileCase("progressive jpeg", jpeg(lambda: encode(cat(), "JPEG", progressive=True)), None),
    FileCase("webp", raw("cat.webp", "image/webp", lambda: encode(cat(), "WEBP")), None),
    FileCase("bmp", raw("cat.bmp", "image/bmp", lambda: encode(cat(), "BMP")), None),
    FileCase("1x1 png", png(lambda: Image.new("RGB", (1, 1), (200, 30, 30))), None),
    FileCase("10000x1 png", png(lambda: cat().resize((10_000, 1))), None),
    FileCase("1x10000 png", png(lambda: cat().resize((1, 10_000))), None),
    FileCase("50 MP jpeg", jpeg(big_jpeg, "big.jpg"), None, on_page={"segment": TOO_LARGE}),
]
# Cases whose result must match CPython's on the same bytes (every other odd image only needs a result).
PARITY = {"exif-rotated jpeg", "cmyk jpeg", "16-bit greyscale png", "png with alpha", "50 MP jpeg"}

def classifier_json(**changes) -> str:
    """A few-shot classifier file as the page saves it (format 2), with `changes`."""
    data = {"format": 2, "backbone": {"task": "sentence-embeddings", "model": "all-minilm-l6-v2", "variant": "",
                                      "sha256": ""},
            "labels": ["a", "b"], "weights": np.zeros((2, 384)).tolist(), "bias": [0.0, 0.0]}
    return json.dumps({**data, **changes})


# Few-shot classifier files that are not one: (contents, a phrase of the user's message).
FEWSHOT_FILES = {
    "malformed": ("{not json", "not a trained model"),
    "empty": ("", "not a trained model"),
    "a list": ("[1, 2, 3]", "not a trained model"),
    "a jpeg": (b"\xff\xd8\xff\xe0 a photo, not a classifier", "not a trained model"),
    "missing weights": (json.dumps({k: v for k, v in json.loads(classifier_json()).items() if k != "weights"}),
                        "incomplete or damaged"),
    "wrong version": (classifier_json(format=3), "format 3"),
    "another model's": (classifier_json(backbone={"task": "sentence-embeddings", "model": "bert-base-uncased",
                                                  "variant": "", "sha256": ""}), "trained on bert-base-uncased"),
    "another task's": (classifier_json(backbone={"task": "image-classification", "model": "efficientnet-lite0",
                                                 "variant": "", "sha256": ""}), "trained for image-classification"),
    "weights of the wrong size": (classifier_json(weights=np.zeros((2, 768)).tolist()), "incomplete or damaged"),
}

# Texts typed or pasted: each must give a result (or, empty, keep the last one) without an error.
TEXTS = {"empty": "", "1 MB paste": "word " * 200_000, "control characters": "\x00\x01\x07 hello \x1b[31m red\x7f",
         "lone surrogates": "\ud800 broken \udfff text", "only spaces": " \t\n "}

# Words a message for the user never contains (a traceback, a Python exception's repr...).
NOT_FOR_USERS = ("Traceback", "Error:", "Exception", "PIL", "errno", "Something went wrong", "<", "0x")


def message_is_for_users(message: str) -> bool:
    return bool(message.strip()) and not any(word in message for word in NOT_FOR_USERS)
