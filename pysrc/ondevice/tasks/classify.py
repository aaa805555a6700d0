"""Image classification: photo -> top-k ImageNet labels with probabilities.

`preprocess` and `postprocess` are pure (numpy + PIL); `ImageClassifier` strings them around a
Session. The model (see registry.IMAGE_CLASSIFICATION) takes uint8 RGB NHWC and returns softmax
probabilities of shape (batch, n_classes) and features (batch, dimensions): unit vectors that
teachable classifiers (teachable.py) train their own heads on.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import image as images
from ..registry import ModelSpec
from .base import Task


@dataclass(frozen=True)
class Classification:
    """One predicted class: its name, probability (0..1) and index in the label list."""

    label: str
    score: float
    class_id: int


def preprocess(image, spec: ModelSpec) -> tuple[np.ndarray, images.Placement]:
    """Any supported image -> (uint8 tensor of shape (1, H, W, 3), Placement of the crop)."""
    pil = images.as_pil(image, min_size=spec.image.resize_shorter_to or max(spec.image.height, spec.image.width))
    return images.fit_to_input(pil, spec.image)


def postprocess(probabilities: np.ndarray, labels: list[str], top_k: int = 5) -> list[Classification]:
    """(1, n_classes) or (n_classes,) probabilities -> the top_k classes, most likely first.

    Ties are broken by the lower class index, so the order is deterministic.
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    scores = np.asarray(probabilities, dtype=np.float32).reshape(-1)
    if scores.size != len(labels):
        raise ValueError(f"model returned {scores.size} scores for {len(labels)} labels")
    top_k = min(top_k, scores.size)
    order = np.lexsort((np.arange(scores.size), -scores))[:top_k]
    return [Classification(labels[i], float(scores[i]), int(i)) for i in order]


class ImageClassifier(Task):
    """`await classifier(image, top_k=5)` (or `classifier.classify(...)`) -> list[Classification];
    `await classifier.features(image)` -> the image's feature vector; see `ondevice.load`."""

    verb = "classify"

    async def classify(self, image, top_k: int = 5) -> list[Classification]:
        """The top_k ImageNet classes of `image` (bytes, path, PIL image, (H, W, 3) uint8 array, or in
        the browser an <img>/<video>/<canvas>), most likely first."""
        return await self.run_image(image, preprocess, lambda outputs, _: postprocess(
            outputs[self.spec.output_names[0]], self.labels, top_k))

    async def features(self, image) -> np.ndarray:
        """float32 (dimensions,) unit vector: the network's pooled activations before its ImageNet
        layer, for the same centre crop the classifier sees."""
        return await self.run_image(image, preprocess, lambda outputs, _: np.asarray(
            outputs[self.spec.output_names[1]], dtype=np.float32).reshape(-1))
