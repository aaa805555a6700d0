"""Teachable image classification: your own classes, taught from a few example images.

`TeachableImageClassifier` keeps one feature vector per example (one run of the image
classifier's network: its pooled activations, see ImageClassifier.features), trains a
`LinearHead` on them in numpy, predicts with probabilities per class, and saves the head as JSON
that names the backbone it needs. The same examples in the same order give the same head.
"""
from __future__ import annotations

import inspect
from typing import Callable, Iterable

import numpy as np

from ..errors import InputError
from .head import Backbone, HeadFit, Prediction, TrainedHead

STEPS_PER_REPORT = 50  # training steps between two progress reports


class TeachableImageClassifier:
    """Teach classes by example on an "image-classification" task object (`ondevice.load`).

        teacher = TeachableImageClassifier(await load("image-classification"))
        await teacher.add_example("cup", photo)        # bytes, path, PIL, array, <img>/<video>/<canvas>
        await teacher.train()
        await teacher.predict(another_photo)           # Prediction(label, probabilities)
        text = teacher.to_json()                       # TeachableImageClassifier.from_json(backbone, text)
    """

    def __init__(self, backbone):
        self.backbone = backbone
        self._examples: dict[str, list[np.ndarray]] = {}
        self.head = None  # the LinearHead of the last train(), or of from_json()

    @property
    def counts(self) -> dict[str, int]:
        """Examples per label, in the order the labels were first given."""
        return {label: len(vectors) for label, vectors in self._examples.items()}

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels the current head predicts (empty before training)."""
        return self.head.labels if self.head else ()

    async def add_example(self, label: str, image) -> int:
        """Add one example image for `label` (one backbone run); returns the label's example count."""
        return self.add_features(label, await self.backbone.features(image))

    def add_features(self, label: str, vector: np.ndarray) -> int:
        """Add a feature vector (dimensions,) for `label`, as ImageClassifier.features returns it."""
        label = str(label).strip()
        if not label:
            raise InputError("Give the class a name first.")
        self._examples.setdefault(label, []).append(np.asarray(vector, dtype=np.float32).reshape(-1))
        return len(self._examples[label])

    def forget(self, label: str) -> None:
        """Drop every example of `label` (the trained head, if any, stays until the next train())."""
        self._examples.pop(str(label).strip(), None)

    async def train(self, labels: Iterable[str] | None = None,
                    on_progress: Callable[[float], object] | None = None) -> None:
        """Fit a new head on the examples of `labels` (default: every label with examples).

        `on_progress(fraction)` is called (and awaited if it returns an awaitable) every
        STEPS_PER_REPORT steps, so a page can show progress. Raises InputError in the user's words
        when fewer than two labels are named or a named label has no examples; the previous head
        then stays.
        """
        labels = [str(label).strip() for label in (self._examples if labels is None else labels)]
        if len(set(labels)) < 2:
            raise InputError("Teach at least two classes.")
        if empty := [label for label in labels if not self._examples.get(label)]:
            raise InputError(f"Add examples to “{empty[0]}” first: every class needs at least one.")
        vectors = np.stack([vector for label in labels for vector in self._examples[label]])
        targets = [label for label in labels for _ in self._examples[label]]
        fit = HeadFit(vectors, targets)
        while not fit.finished:
            fit.run(STEPS_PER_REPORT)
            if on_progress and inspect.isawaitable(report := on_progress(fit.done / fit.steps)):
                await report
        self.head = fit.head()

    async def predict(self, image) -> Prediction:
        """The most likely taught class of an image, with every class's probability."""
        if self.head is None:
            raise InputError("Train the classifier first.")
        return self.classify_features(await self.backbone.features(image))

    def classify_features(self, vector: np.ndarray) -> Prediction:
        """predict() for a feature vector already computed (ImageClassifier.features)."""
        if self.head is None:
            raise InputError("Train the classifier first.")
        return self.head.predictions(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]

    def to_json(self) -> str:
        """The trained head and the backbone it needs, as JSON (see head.TrainedHead)."""
        if self.head is None:
            raise InputError("Train the classifier first.")
        return TrainedHead(self.head, Backbone.of(self.backbone)).to_json()

    @classmethod
    def from_json(cls, backbone, text: str | bytes) -> TeachableImageClassifier:
        """A classifier that predicts with a saved head (it has no examples until you add some).

        Raises InputError when the file is not a trained model or was made for another backbone.
        """
        classifier = cls(backbone)
        classifier.head = TrainedHead.from_json(text, Backbone.of(backbone), backbone.spec.feature_dimensions).head
        return classifier
