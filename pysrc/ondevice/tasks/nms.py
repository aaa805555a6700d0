"""Non-maximum suppression in numpy: keep the best box of each group of overlapping boxes.

Boxes are float arrays of shape (N, 4) as (x_min, y_min, x_max, y_max) in any one unit; scores are
(N,). Both functions return int64 indices into the inputs, best score first; equal scores keep the
lower index first, so results are deterministic.
"""
from __future__ import annotations

import numpy as np


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one (4,) box with each of (N, 4) boxes -> (N,) float in [0, 1]."""
    left = np.maximum(box[0], boxes[:, 0])
    top = np.maximum(box[1], boxes[:, 1])
    right = np.minimum(box[2], boxes[:, 2])
    bottom = np.minimum(box[3], boxes[:, 3])
    intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    area = max(box[2] - box[0], 0) * max(box[3] - box[1], 0)
    areas = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
    union = area + areas - intersection
    return np.divide(intersection, union, out=np.zeros_like(union, dtype=np.float64), where=union > 0)


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float = 0.5,
                        max_boxes: int = 20) -> np.ndarray:
    """Greedy NMS over all boxes regardless of class (as COCO-SSD does).

    Takes boxes in order of score and drops every later box whose IoU with a kept box exceeds
    `iou_threshold`; stops after `max_boxes` kept boxes. Returns (K,) int64 indices, K <= max_boxes.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(boxes) != len(scores):
        raise ValueError(f"{len(boxes)} boxes but {len(scores)} scores")
    if not 0 <= iou_threshold <= 1:
        raise ValueError("iou_threshold must be between 0 and 1")
    order = np.lexsort((np.arange(len(scores)), -scores))
    kept: list[int] = []
    while order.size and len(kept) < max_boxes:
        best, order = order[0], order[1:]
        kept.append(int(best))
        order = order[iou(boxes[best], boxes[order]) <= iou_threshold]
    return np.asarray(kept, dtype=np.int64)


def per_class_non_max_suppression(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray,
                                  iou_threshold: float = 0.5, max_boxes: int = 20) -> np.ndarray:
    """NMS within each class only: boxes of different classes never suppress each other.

    classes: (N,) integer class of each box. Returns (K,) int64 indices, best score first overall,
    K <= max_boxes.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    classes = np.asarray(classes).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(classes) != len(scores):
        raise ValueError(f"{len(classes)} classes but {len(scores)} scores")
    kept = [np.flatnonzero(classes == c)[non_max_suppression(boxes[classes == c], scores[classes == c],
                                                              iou_threshold, max_boxes)]
            for c in np.unique(classes)]
    kept = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
    return kept[np.lexsort((kept, -scores[kept]))][:max_boxes].astype(np.int64)
