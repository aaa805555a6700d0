"""Quality gate for sentence-embedding variants: same vectors and same neighbours as fp32.

On the hand-written sentences of `sentences.TOPICS`, the queries of `sentences.SEARCH_CASES` and
a few edge cases (empty, one symbol, truncated),
a variant ships when (1) every embedding's cosine to fp32's is at least a bound; (2) each
sentence's nearest neighbour among the others is fp32's wherever fp32's choice is clear (a margin
of at least CLEAR_MARGIN in cosine over the runner-up; closer calls are near-ties with no ranking
to preserve); (3) the search queries find fp32's top-1 sentence at least a stated share of times.
"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ondevice.registry import SENTENCE_EMBEDDINGS, ModelSpec
from ondevice.runtime import NativeSession
from ondevice.tasks.embed import TextEmbedder

from .sentences import CALIBRATION, SEARCH_CASES, corpus

CLEAR_MARGIN = 0.05
EDGE_CASES = ["", "!", "word " * 1000]  # nothing but [CLS] [SEP], one symbol, truncated at max_tokens


def native_embeddings(model: Path, variant: str, tokenizer_json: dict, texts: list[str],
                      spec: ModelSpec = SENTENCE_EMBEDDINGS) -> np.ndarray:
    """float32 (n, dimensions) embeddings of `texts` by the library's TextEmbedder on native
    onnxruntime, one text per run (so no text is padded or shares a batch)."""
    embedder = TextEmbedder(NativeSession(str(model), variant=variant), spec, tokenizer_json, variant)
    return asyncio.run(embedder.embed(texts, batch_size=1))


_FP32_EMBEDDINGS: dict[tuple, np.ndarray] = {}


def fp32_embeddings(model: Path, tokenizer_json: dict, texts: list[str], spec: ModelSpec) -> np.ndarray:
    """`native_embeddings` of the fp32 model, computed once per model file (by sha256) and texts,
    so judging many variants (or a mixed-precision search's candidates) runs only the candidates."""
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    key = (digest, spec, tuple(texts))
    if key not in _FP32_EMBEDDINGS:
        _FP32_EMBEDDINGS.clear()
        _FP32_EMBEDDINGS[key] = native_embeddings(model, "fp32", tokenizer_json, texts, spec)
    return _FP32_EMBEDDINGS[key]


def nearest(queries: np.ndarray, corpus_vectors: np.ndarray, exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """For each unit query row, the index of the most similar corpus row and its margin over the
    runner-up (cosine); with exclude_self, queries are the corpus and a row never matches itself."""
    similarity = queries @ corpus_vectors.T
    if exclude_self:
        np.fill_diagonal(similarity, -np.inf)
    top_two = np.sort(similarity, axis=1)[:, -2:]
    return np.argmax(similarity, axis=1), top_two[:, 1] - top_two[:, 0]


@dataclass(frozen=True)
class EmbeddingGate:
    min_cosine: dict[str, float] = field(default_factory=dict)
    min_search_agreement: dict[str, float] = field(default_factory=dict)

    def calibration_feeds(self, spec: ModelSpec) -> list[dict]:
        return []  # the transformer has no static int8 variant: nothing to calibrate

    def sensitivity_feeds(self, spec: ModelSpec, labels) -> list[dict]:
        """One feed per `sentences.CALIBRATION` text (none of them judged by the gate)."""
        from ondevice.tasks.embed import preprocess
        from ondevice.text import WordPieceTokenizer

        tokenizer = WordPieceTokenizer.from_tokenizer_json(labels, max_length=spec.text.max_tokens)
        return [preprocess([text], tokenizer, spec) for text in CALIBRATION]

    def judge(self, spec: ModelSpec, labels, fp32: Path, candidate: Path, variant: str) -> dict:
        sentences, queries = corpus(), [query for query, _ in SEARCH_CASES]
        texts = sentences + queries + EDGE_CASES
        reference = fp32_embeddings(fp32, labels, texts, spec)
        got = native_embeddings(candidate, variant, labels, texts, spec)
        cosines = np.sum(reference * got, axis=1)
        n = len(sentences)
        expected, margin = nearest(reference[:n], reference[:n], exclude_self=True)
        found, _ = nearest(got[:n], got[:n], exclude_self=True)
        clear = margin >= CLEAR_MARGIN
        searched = slice(n, n + len(queries))
        search_agreement = float(np.mean(nearest(reference[searched], reference[:n])[0] == nearest(got[searched], got[:n])[0]))
        min_cosine = self.min_cosine.get(variant, 0.999)
        min_search = self.min_search_agreement.get(variant, 1.0)
        kept = int(np.sum(found[clear] == expected[clear]))
        return {
            "passed": bool(cosines.min() >= min_cosine and kept == int(clear.sum()) and search_agreement >= min_search),
            "inputs": len(cosines),
            "min_cosine": round(float(cosines.min()), 5),
            "mean_cosine": round(float(cosines.mean()), 5),
            "clear_neighbours_kept": f"{kept}/{int(clear.sum())}",
            "neighbour_agreement": round(float(np.mean(found == expected)), 4),
            "search_top1_agreement": round(search_agreement, 4),
            "bound": (f"cosine to fp32 >= {min_cosine} on every text; every clear nearest neighbour kept "
                      f"(margin >= {CLEAR_MARGIN}); search top-1 agreement >= {min_search:.0%}"),
        }
