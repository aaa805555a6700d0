"""Few-shot text classification: teach labels from a handful of examples, on sentence embeddings.

`LinearHead` is multinomial logistic regression in numpy (pure, deterministic: full-batch
gradient descent from zero weights with a small L2 penalty). `TextClassifier` pairs a head with a
`TextEmbedder`: train it from labelled examples, predict labels with probabilities, save it as
JSON and load it back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from ..errors import InputError

FORMAT = 1


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
    def fit(cls, vectors: np.ndarray, targets: Sequence[str], *, l2: float = 1e-3, steps: int = 400,
            learning_rate: float = 4.0) -> LinearHead:
        """Fit on float32 vectors (n, dimensions) with one label per row; labels keep first-seen order."""
        labels = tuple(dict.fromkeys(targets))
        if len(labels) < 2:
            raise InputError("Give examples for at least two labels.")
        x = np.asarray(vectors, dtype=np.float64)
        y = np.zeros((len(targets), len(labels)))
        y[np.arange(len(targets)), [labels.index(t) for t in targets]] = 1.0
        weights = np.zeros((len(labels), x.shape[1]))
        bias = np.zeros(len(labels))
        for _ in range(steps):
            error = (softmax(x @ weights.T + bias) - y) / len(x)  # gradient of the mean cross-entropy
            weights -= learning_rate * (error.T @ x + l2 * weights)
            bias -= learning_rate * error.sum(axis=0)
        return cls(labels, weights.astype(np.float32), bias.astype(np.float32))

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """float32 (n, dimensions) -> float32 (n, labels), rows summing to 1."""
        return softmax(np.asarray(vectors, dtype=np.float32) @ self.weights.T + self.bias).astype(np.float32)

    def predictions(self, vectors: np.ndarray) -> list[Prediction]:
        out = []
        for row in self.probabilities(vectors):
            out.append(Prediction(self.labels[int(np.argmax(row))],
                                  {label: float(p) for label, p in zip(self.labels, row)}))
        return out


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def labelled_pairs(examples: Mapping[str, Iterable[str]] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """{label: [texts]} or [(text, label)] -> [(text, label)] without blank texts or labels."""
    pairs = ([(text, label) for label, texts in examples.items() for text in texts]
             if isinstance(examples, Mapping) else list(examples))
    return [(text.strip(), str(label).strip()) for text, label in pairs if text.strip() and str(label).strip()]


class TextClassifier:
    """`await TextClassifier.train(embedder, {"positive": [...], "negative": [...]})`, then
    `await classifier.predict("text")` -> Prediction. `to_json()` / `from_json(embedder, text)`."""

    def __init__(self, embedder, head: LinearHead):
        self.embedder = embedder
        self.head = head

    @property
    def labels(self) -> tuple[str, ...]:
        return self.head.labels

    @classmethod
    async def train(cls, embedder, examples) -> TextClassifier:
        """Train from {label: [texts]} or [(text, label)]; blank texts are ignored.

        Raises InputError in the user's words when fewer than two labels have examples.
        """
        pairs = labelled_pairs(examples)
        if len({label for _, label in pairs}) < 2:
            raise InputError("Give at least one example for each of at least two labels.")
        vectors = await embedder.embed([text for text, _ in pairs])
        return cls(embedder, LinearHead.fit(vectors, [label for _, label in pairs]))

    async def predict(self, text: str) -> Prediction:
        return (await self.predict_batch([text]))[0]

    async def predict_batch(self, texts: Sequence[str]) -> list[Prediction]:
        return self.head.predictions(await self.embedder.embed(list(texts)))

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "model": self.embedder.spec.model_name, "labels": list(self.head.labels),
            "weights": self.head.weights.tolist(), "bias": self.head.bias.tolist(),
        })

    @classmethod
    def from_json(cls, embedder, text: str | bytes) -> TextClassifier:
        """A classifier saved by `to_json`. Raises InputError, in the user's words, for anything
        else: not JSON, another format version, another embedding model, missing or misshapen
        weights."""
        not_ours = "This file is not a classifier saved by this page (a .json file from its Download button)."
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(not_ours) from error
        if not isinstance(data, dict) or not {"format", "model", "labels", "weights", "bias"} <= data.keys():
            raise InputError(not_ours)
        if data["format"] != FORMAT:
            raise InputError(f"This classifier was saved in another format (version {data['format']!r}); "
                             f"this page reads version {FORMAT}. Train it again here and download it.")
        if data["model"] != embedder.spec.model_name:
            raise InputError(f"This classifier was trained on another model's sentence embeddings "
                             f"({data['model']!r}), not {embedder.spec.model_name}: it cannot be used here.")
        try:
            labels = tuple(str(label) for label in data["labels"])
            weights = np.array(data["weights"], dtype=np.float32)
            bias = np.array(data["bias"], dtype=np.float32)
        except (TypeError, ValueError) as error:
            raise InputError(not_ours) from error
        dimensions = embedder.spec.text.dimensions
        if (len(labels) < 2 or weights.shape != (len(labels), dimensions) or bias.shape != (len(labels),)
                or not np.isfinite(weights).all() or not np.isfinite(bias).all()):
            raise InputError("This classifier file is damaged: its weights do not fit its labels and this model.")
        return cls(embedder, LinearHead(labels, weights, bias))
