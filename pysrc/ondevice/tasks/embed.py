"""Sentence embeddings: texts -> unit vectors, and semantic search over a corpus.

`preprocess` (tokenise + pad) and `search_vectors` (cosine ranking) are pure; `TextEmbedder`
strings them around a Session. The model (see registry.SENTENCE_EMBEDDINGS) takes int64
input_ids and attention_mask of shape (batch, tokens) and returns L2-normalised float32
embeddings of shape (batch, dimensions): mean pooling and normalisation happen in the graph, so
the cosine similarity of two embeddings is their dot product.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from ..errors import InputError
from ..registry import ModelSpec
from ..runtime import Session
from ..text import Encoding, WordPieceTokenizer
from ..timing import Timings
from .base import Task

CACHE_SIZE = 20_000  # embeddings kept per embedder (384 floats each: about 30 MB at most)


@dataclass(frozen=True)
class SearchHit:
    """One corpus entry ranked for a query: its position in the corpus, text and cosine score."""

    index: int
    text: str
    score: float


def preprocess(texts: Sequence[str], tokenizer: WordPieceTokenizer, spec: ModelSpec) -> dict[str, np.ndarray]:
    """Texts -> the model's feeds: input_ids and attention_mask, int64 (batch, tokens), right-padded."""
    return feeds_for([tokenizer.encode(t) for t in texts], tokenizer, spec)


def feeds_for(encodings: Sequence[Encoding], tokenizer: WordPieceTokenizer, spec: ModelSpec) -> dict[str, np.ndarray]:
    ids, mask = tokenizer.pad(encodings)
    return {spec.input_name: np.array(ids, dtype=np.int64), spec.text.mask_name: np.array(mask, dtype=np.int64)}


def search_vectors(query: np.ndarray, corpus: np.ndarray, top_k: int) -> list[tuple[int, float]]:
    """Rank corpus rows (n, d) by cosine to one unit query (d,); best first, ties by lower index."""
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    if len(corpus) == 0:
        return []
    scores = np.asarray(corpus, dtype=np.float32) @ np.asarray(query, dtype=np.float32).reshape(-1)
    order = np.lexsort((np.arange(scores.size), -scores))[:top_k]
    return [(int(i), float(scores[i])) for i in order]


def as_texts(texts: str | Iterable[str]) -> list[str]:
    if isinstance(texts, str):
        return [texts]
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"expected text (str), got {type(text).__name__}")
    return texts


class TextEmbedder(Task):
    """`await embedder.embed(texts)` -> (n, dimensions) float32 unit vectors; see `ondevice.load`.

    Recent embeddings are cached by text, so searching the same corpus again, or retraining a
    classifier on mostly the same examples, only runs the model on texts it has not seen.
    `await embedder(texts)` is `embed`.
    """

    verb = "embed"

    def __init__(self, session: Session, spec: ModelSpec, tokenizer_json, variant: str, sha256: str = ""):
        super().__init__(session, spec, tokenizer_json, variant, sha256)
        self.tokenizer = WordPieceTokenizer.from_tokenizer_json(tokenizer_json, max_length=spec.text.max_tokens)
        self.dimensions = spec.text.dimensions
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._truncated: set[str] = set()  # cached texts longer than max_tokens

    def is_truncated(self, text: str) -> bool:
        """True when `text` is longer than the model reads (max_tokens) and only its start counts
        (known without tokenising again for any text still in the cache)."""
        if text in self._cache:
            return text in self._truncated
        return self.tokenizer.encode(text).truncated

    async def embed(self, texts: str | Iterable[str], batch_size: int = 32,
                    on_progress: Callable[[int, int], object] | None = None) -> np.ndarray:
        """Embed texts (one str or many) -> float32 (n, dimensions), row i for texts[i].

        Texts are batched by similar length (less padding); `on_progress(done, total)` is called
        (and awaited if it returns an awaitable) after each batch, so a page can show progress
        and stay responsive. Texts longer than max_tokens are truncated (see is_truncated).
        """
        texts = as_texts(texts)
        session = self.session  # ClosedError before any work
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        timings = Timings()
        found = {t: self._cache[t] for t in texts if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        with timings.stage("preprocess"):
            encodings = {t: self.tokenizer.encode(t) for t in missing}
        missing.sort(key=lambda t: len(encodings[t].ids))
        done = len(texts) - len(missing)
        for start in range(0, len(missing), batch_size):
            batch = missing[start:start + batch_size]
            with timings.stage("preprocess"):
                feeds = feeds_for([encodings[t] for t in batch], self.tokenizer, self.spec)
            with timings.stage("run"):
                outputs = await session.run(feeds)
            for text, vector in zip(batch, outputs[self.spec.output_names[0]]):
                found[text] = np.asarray(vector, dtype=np.float32)
            done += len(batch)
            if on_progress is not None:
                pending = on_progress(min(done, len(texts)), len(texts))
                if hasattr(pending, "__await__"):
                    await pending
        with timings.stage("postprocess"):
            self._truncated.update(t for t in missing if encodings[t].truncated)
            for text in found:
                self._remember(text, found[text])
            vectors = (np.stack([found[t] for t in texts]) if texts
                       else np.zeros((0, self.dimensions), dtype=np.float32))
        self.timings = timings
        return vectors

    async def search(self, query: str, corpus: Sequence[str], top_k: int = 5,
                     on_progress: Callable[[int, int], object] | None = None) -> list[SearchHit]:
        """The top_k corpus texts closest in meaning to `query`, best first, with cosine scores.

        An empty or whitespace-only query raises InputError (there is nothing to search for).
        """
        if not isinstance(query, str) or not query.strip():
            raise InputError("Type something to search for.")
        corpus = as_texts(corpus)
        vectors = await self.embed(corpus, on_progress=on_progress)
        query_vector = (await self.embed([query]))[0]
        return [SearchHit(i, corpus[i], score) for i, score in search_vectors(query_vector, vectors, top_k)]

    def clear_cache(self) -> None:
        """Forget every cached embedding (the next embed of any text runs the model)."""
        self._cache.clear()
        self._truncated.clear()

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._cache[text] = vector
        self._cache.move_to_end(text)
        while len(self._cache) > CACHE_SIZE:
            self._truncated.discard(self._cache.popitem(last=False)[0])
