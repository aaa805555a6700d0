"""Real photos to teach classes from, with held-out photos of each class that training never sees.

The motorcycle class trains on one photo of the stereo pair and is tested on the other; the
texture classes (brick, grass, gravel) train on the left half of their photo and are tested on
the right half, which no training crop overlaps. Training images are random crops (50-90% of the
side) and mirror images, as a user would photograph an object from a few angles.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from ondevice_build.photos import photo

CLASSES = {  # label: (training photo, held-out photo) as (photo name, "left" | "right" | "whole")
    "motorcycle": (("motorcycle", "whole"), ("motorcycle-right", "whole")),
    "brick": (("brick", "left"), ("brick", "right")),
    "grass": (("grass", "left"), ("grass", "right")),
    "gravel": (("gravel", "left"), ("gravel", "right")),
}


def part(name: str, side: str) -> Image.Image:
    image = Image.open(photo(name)).convert("RGB")
    width, height = image.size
    return {"whole": image, "left": image.crop((0, 0, width // 2, height)),
            "right": image.crop((width - width // 2, 0, width, height))}[side]


def views(image: Image.Image, count: int, seed: int) -> list[Image.Image]:
    """`count` random crops of 50-90% of each side, every second one mirrored."""
    rng = np.random.default_rng(seed)
    width, height = image.size
    out = []
    for i in range(count):
        scale = rng.uniform(0.5, 0.9)
        w, h = int(width * scale), int(height * scale)
        left, top = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
        crop = image.crop((left, top, left + w, top + h))
        out.append(ImageOps.mirror(crop) if i % 2 else crop)
    return out


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def training_set(per_class: int = 8) -> dict[str, list[bytes]]:
    """{label: JPEG bytes of its training views}, deterministic."""
    return {label: [jpeg(v) for v in views(part(*train), per_class, seed)]
            for seed, (label, (train, _)) in enumerate(CLASSES.items())}


def held_out_set(per_class: int = 4) -> dict[str, list[bytes]]:
    """{label: JPEG bytes of the held-out photo and `per_class - 1` views of it}."""
    return {label: [jpeg(part(*test))] + [jpeg(v) for v in views(part(*test), per_class - 1, 100 + seed)]
            for seed, (label, (_, test)) in enumerate(CLASSES.items())}
