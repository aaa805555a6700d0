"""Few-shot text classification: teach labels from a handful of examples, on sentence embeddings.

`TextClassifier` pairs a `LinearHead` (see head.py, shared with image teaching) with a
`TextEmbedder`: train it from labelled examples, predict labels with probabilities, save it as
JSON and load it back.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from ..errors import InputError
from .head import Backbone, LinearHead, Prediction, TrainedHead

__all__ = ["Prediction", "TextClassifier", "labelled_pairs"]


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
        return TrainedHead(self.head, Backbone.of(self.embedder)).to_json()

    @classmethod
    def from_json(cls, embedder, text: str | bytes) -> TextClassifier:
        """Load what `to_json` wrote; InputError when it was made for another model or is damaged."""
        return cls(embedder, TrainedHead.from_json(text, Backbone.of(embedder), embedder.dimensions).head)
