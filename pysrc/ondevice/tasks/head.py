"""A trainable classification head on a backbone's unit vectors, shared by text and image teaching.

`LinearHead` is multinomial logistic regression in numpy (pure and deterministic: full-batch
gradient descent from zero weights with a small L2 penalty). `HeadFit` runs that descent in
chunks, so a page can show progress between them. `TrainedHead` is a head together with the
backbone its vectors come from, saved and loaded as versioned JSON; loading a head made for
another backbone is refused in the user's words.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import InputError

FORMAT = 2  # 1: text heads before images could be taught ({"model": name}, no backbone block)


@dataclass(frozen=True)
class Prediction:
    """The most likely label and every label's probability (summing to 1)."""

    label: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class LinearHead:
    """Softmax(vectors @ weights.T + bias): weights float32 (labels, dimensions), bias (labels,)."""

    labels: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray

    @classmethod
    def fit(cls, vectors: np.ndarray, targets: Sequence[str], **options) -> LinearHead:
        """Fit on float32 vectors (n, dimensions) with one label per row; labels keep first-seen order.

        Options: l2, steps, learning_rate (see HeadFit). Raises InputError for fewer than two labels.
        """
        fit = HeadFit(vectors, targets, **options)
        fit.run(fit.steps)
        return fit.head()

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """float32 (n, dimensions) -> float32 (n, labels), rows summing to 1."""
        return softmax(np.asarray(vectors, dtype=np.float32) @ self.weights.T + self.bias).astype(np.float32)

    def predictions(self, vectors: np.ndarray) -> list[Prediction]:
        out = []
        for row in self.probabilities(vectors):
            out.append(Prediction(self.labels[int(np.argmax(row))],
                                  {label: float(p) for label, p in zip(self.labels, row)}))
        return out


class HeadFit:
    """Gradient descent on the mean cross-entropy + l2/2 |weights|^2, `run(n)` steps at a time.

    vectors: float (n, dimensions); targets: one label per row. The result depends only on the
    examples and their order, never on how the steps are chunked.

    With fewer examples than dimensions (the usual few-shot case) the descent runs in the span of
    the examples: from zero, every step keeps weights = coefficients @ vectors, so it updates the
    (labels, n) coefficients through the (n, n) Gram matrix instead of (labels, dimensions)
    weights: the same steps, several times less arithmetic (250 images x 1,280 features: ~6x).
    """

    def __init__(self, vectors: np.ndarray, targets: Sequence[str], *, l2: float = 1e-3, steps: int = 400,
                 learning_rate: float = 4.0):
        self.labels = tuple(dict.fromkeys(targets))
        if len(self.labels) < 2:
            raise InputError("Give examples for at least two labels.")
        self.x = np.asarray(vectors, dtype=np.float64)
        self.y = np.zeros((len(targets), len(self.labels)))
        self.y[np.arange(len(targets)), [self.labels.index(t) for t in targets]] = 1.0
        self.in_span = len(self.x) <= self.x.shape[1]
        self.gram = self.x @ self.x.T if self.in_span else None
        self.coefficients = np.zeros((len(self.labels), len(self.x) if self.in_span else self.x.shape[1]))
        self.bias = np.zeros(len(self.labels))
        self.l2, self.steps, self.learning_rate = l2, steps, learning_rate
        self.done = 0

    def run(self, steps: int) -> None:
        """Take up to `steps` more steps (never beyond the total)."""
        basis = self.gram if self.in_span else self.x
        for _ in range(min(steps, self.steps - self.done)):
            error = (softmax(basis @ self.coefficients.T + self.bias) - self.y) / len(self.x)
            gradient = error.T if self.in_span else error.T @ self.x
            self.coefficients -= self.learning_rate * (gradient + self.l2 * self.coefficients)
            self.bias -= self.learning_rate * error.sum(axis=0)
            self.done += 1

    @property
    def finished(self) -> bool:
        return self.done >= self.steps

    def head(self) -> LinearHead:
        weights = self.coefficients @ self.x if self.in_span else self.coefficients
        return LinearHead(self.labels, weights.astype(np.float32), self.bias.astype(np.float32))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Backbone:
    """The model whose vectors a head was trained on: registry task and model name, the variant
    and the sha256 of its file."""

    task: str
    model: str
    variant: str
    sha256: str

    @classmethod
    def of(cls, task_object) -> Backbone:
        """The backbone of a loaded task object (see ondevice.load)."""
        return cls(task_object.spec.task, task_object.spec.model_name, task_object.variant, task_object.sha256)

    def refusal(self, other: Backbone) -> str:
        """Why a head trained on `self` cannot run on `other`, or "" when it can.

        Another variant (precision) of the same model is accepted: the build gates every variant's
        vectors against fp32 by cosine. The same variant with other bytes is another network.
        """
        if other.model != self.model:
            return f"This model was trained on {self.model}, not {other.model}: teach it again here."
        if other.variant == self.variant and self.sha256 and other.sha256 and other.sha256 != self.sha256:
            return (f"This model was trained on another build of {self.model} ({self.variant}, sha256 "
                    f"{self.sha256[:12]}…, here {other.sha256[:12]}…): teach it again here.")
        return ""


@dataclass(frozen=True)
class TrainedHead:
    """A LinearHead and the backbone it was trained on; JSON in and out."""

    head: LinearHead
    backbone: Backbone

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "backbone": vars(self.backbone), "labels": list(self.head.labels),
            "weights": self.head.weights.tolist(), "bias": self.head.bias.tolist(),
        })

    @classmethod
    def from_json(cls, text: str | bytes, here: Backbone, dimensions: int) -> TrainedHead:
        """Read what `to_json` wrote, for use on the backbone `here`, whose vectors have `dimensions`.

        Raises InputError in the user's words for anything else: not JSON, another format, a head
        for another backbone, shapes that do not fit.
        """
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise InputError("This file is not a trained model (it is not JSON).") from None
        if not isinstance(data, dict) or "format" not in data:
            raise InputError("This file is not a trained model made by ondevice.")
        if data["format"] == 1 and "model" in data:  # text heads saved before format 2
            data["backbone"] = {"task": here.task, "model": data["model"], "variant": "", "sha256": ""}
        elif data["format"] != FORMAT:
            raise InputError(f"This trained model has format {data['format']!r}; this version reads format {FORMAT}.")
        try:
            backbone = Backbone(**data["backbone"])
            head = LinearHead(tuple(str(label) for label in data["labels"]),
                              np.array(data["weights"], dtype=np.float32), np.array(data["bias"], dtype=np.float32))
        except (KeyError, TypeError, ValueError):
            raise InputError("This trained model file is incomplete or damaged.") from None
        if backbone.task != here.task:
            raise InputError(f"This model was trained for {backbone.task}, not {here.task}.")
        if reason := backbone.refusal(here):
            raise InputError(reason)
        labels = len(head.labels)
        if labels < 2 or head.weights.shape != (labels, dimensions) or head.bias.shape != (labels,):
            raise InputError("This trained model file is incomplete or damaged.")
        return cls(head, backbone)
