"""Object detection: photo -> labelled boxes of the 80 COCO object classes (what TF.js COCO-SSD gives).

`preprocess` and `postprocess` are pure (numpy + PIL); `ObjectDetector` strings them around a
Session. The model (registry.OBJECT_DETECTION, SSD MobileNet v2) takes the whole photo stretched to
uint8 RGB (1, 300, 300, 3) and returns, for each of its 1917 anchors, class scores (1, 1917, 91)
(column 0 is the background, column k the COCO category id k) and a decoded box (1, 1917, 4) as
normalised (y_min, x_min, y_max, x_max). NMS runs here, in numpy (see `nms`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import image as images
from ..registry import ModelSpec
from .base import Task
from .nms import iou, non_max_suppression, per_class_non_max_suppression


class Box(NamedTuple):
    """A box in pixels of the caller's image: top-left corner, width and height (floats)."""

    x: float
    y: float
    width: float
    height: float

    def corners(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max)."""
        return (self.x, self.y, self.x + self.width, self.y + self.height)

    def overlap(self, other: "Box") -> float:
        """Intersection over union with `other` (0..1)."""
        return float(iou(np.array(self.corners()), np.array([other.corners()]))[0])


@dataclass(frozen=True)
class Detection:
    """One detected object: its COCO label, score (0..1), box in the caller's pixels, COCO id."""

    label: str
    score: float
    box: Box
    class_id: int


def preprocess(image, spec: ModelSpec) -> tuple[np.ndarray, images.Placement]:
    """Any supported image -> (uint8 tensor (1, H, W, 3) of the whole image, its Placement).

    A big JPEG is decoded at reduced scale (never below the model input); the Placement, and with
    it every box, is still in the caller's own full-scale pixels.
    """
    return images.fit_to_input(images.as_pil(image, min_size=max(spec.image.height, spec.image.width)), spec.image)


def to_pixels(boxes: np.ndarray, placement: images.Placement) -> np.ndarray:
    """(N, 4) normalised (y_min, x_min, y_max, x_max) in the model input -> (N, 4) pixel
    (x_min, y_min, x_max, y_max) in the caller's image, clipped to the image."""
    boxes = np.clip(np.asarray(boxes, dtype=np.float64).reshape(-1, 4), 0.0, 1.0)
    x = placement.left + boxes[:, [1, 3]] * placement.width
    y = placement.top + boxes[:, [0, 2]] * placement.height
    x = np.clip(x, 0, placement.image_width)
    y = np.clip(y, 0, placement.image_height)
    return np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1)


def postprocess(scores: np.ndarray, boxes: np.ndarray, placement: images.Placement, labels: list[str],
                min_score: float = 0.5, max_boxes: int = 20, iou_threshold: float = 0.5,
                per_class: bool = False) -> list[Detection]:
    """Model outputs -> at most `max_boxes` detections scoring >= `min_score`, best first.

    scores: (1, A, C) or (A, C) per-class scores; boxes: (1, A, 4) or (A, 4) normalised
    (y_min, x_min, y_max, x_max); labels: C names, "" for ids that are no class (the background,
    COCO's unused ids). Class-agnostic (as COCO-SSD): each anchor keeps its best class and NMS runs
    over all boxes. per_class: every (anchor, class) pair scoring >= min_score is a candidate and
    boxes only suppress boxes of their own class.
    """
    if not 0 <= min_score <= 1:
        raise ValueError("min_score must be between 0 and 1")
    if max_boxes < 0:
        raise ValueError("max_boxes must not be negative")
    scores = np.asarray(scores, dtype=np.float32).reshape(-1, len(labels))
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    if len(scores) != len(boxes):
        raise ValueError(f"model returned {len(scores)} score rows for {len(boxes)} boxes")
    classes = np.flatnonzero([bool(label) for label in labels])
    class_scores = scores[:, classes]
    if per_class:
        anchors, columns = np.nonzero(class_scores >= min_score)
    else:
        columns = np.argmax(class_scores, axis=1)
        anchors = np.flatnonzero(class_scores[np.arange(len(class_scores)), columns] >= min_score)
        columns = columns[anchors]
    candidate_scores = class_scores[anchors, columns]
    pixels = to_pixels(boxes[anchors], placement)
    suppress = per_class_non_max_suppression if per_class else non_max_suppression
    extra = (columns,) if per_class else ()
    kept = suppress(pixels, candidate_scores, *extra, iou_threshold=iou_threshold, max_boxes=max_boxes)
    return [
        Detection(labels[classes[columns[i]]], float(candidate_scores[i]),
                  Box(float(x0), float(y0), float(x1 - x0), float(y1 - y0)), int(classes[columns[i]]))
        for i in kept
        for x0, y0, x1, y1 in [pixels[i]]
    ]


class ObjectDetector(Task):
    """`await detector(image, min_score=0.5, max_boxes=20, iou_threshold=0.5)` -> list[Detection].

    See `ondevice.load`; `detect` is the same call under its name.
    """

    verb = "detect"

    async def detect(self, image, min_score: float = 0.5, max_boxes: int = 20, iou_threshold: float = 0.5,
                     per_class: bool = False) -> list[Detection]:
        """Objects in `image` (bytes, path, PIL image, (H, W, 3) uint8 array, or in the browser an
        <img>/<video>/<canvas>), best first; an image with nothing in it gives []."""
        def finish(outputs, placement):
            scores, boxes = (outputs[name] for name in self.spec.output_names)
            return postprocess(scores, boxes, placement, self.labels, min_score, max_boxes, iou_threshold, per_class)

        return await self.run_image(image, preprocess, finish)
