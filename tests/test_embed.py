"""Sentence embeddings under CPython: the shipped models against sentence-transformers, search,
the few-shot classifier and awkward inputs (empty, whitespace, very long, large corpora)."""
import numpy as np
import pytest

from models.sentence_embeddings import INPUTS, model_folder, reference_embeddings
from ondevice import InputError, TextClassifier
from ondevice.tasks.embed import search_vectors
from ondevice.tasks.head import LinearHead
from ondevice_build.fetch import fetch
from ondevice_build.sentences import SEARCH_CASES, corpus

TASK = "sentence-embeddings"
# Ten examples, each topic in both classes, so what separates them is the sentiment, not the topic.
REVIEWS = {
    "positive": ["Fast delivery and the shoes fit perfectly.", "An absolute delight of a film, I laughed throughout.",
                 "The best pizza in town, fresh and hot.", "Our hotel room was quiet, clean and comfortable.",
                 "Support answered within minutes and fixed my problem."],
    "negative": ["Delivery took a month and the shoes were the wrong size.",
                 "Boring, predictable and far too long; I nearly left the cinema.",
                 "Overpriced pizza, cold and tasteless.", "The hotel was noisy and the bed was uncomfortable.",
                 "Customer support never answered my emails."],
}
HELD_OUT = [("What a wonderful surprise, I love it!", "positive"), ("Brilliant acting and a moving story.", "positive"),
            ("Everything worked out of the box, very happy.", "positive"), ("Dreadful. I want my money back.", "negative"),
            ("The package arrived damaged and late.", "negative"), ("The waiter ignored us for an hour.", "negative")]


@pytest.fixture(scope="module")
def embedder(native_model):
    return native_model(TASK)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """sentence-transformers' own vectors from the same verified weights (no network)."""
    texts = corpus() + [q for q, _ in SEARCH_CASES] + ["", "word " * 10_000]
    inputs = {name: fetch(artifact, log=lambda *_: None) for name, artifact in INPUTS.items()}
    return texts, reference_embeddings(model_folder(inputs, tmp_path_factory.mktemp("minilm")), texts)


def test_fp32_matches_sentence_transformers(native_model, reference, run):
    texts, expected = reference
    got = run(native_model(TASK, "fp32").embed(texts, batch_size=8))
    cosines = np.sum(expected * got, axis=1)
    assert cosines.min() >= 0.999, cosines.min()


@pytest.mark.parametrize("variant", ["int8-weights", "int8-dynamic", "fp16"])
def test_quantised_variants_stay_close_to_sentence_transformers(native_model, manifest, reference, run, variant):
    assert variant in manifest["models"][TASK]["variants"], manifest["models"][TASK]["refused_variants"]
    texts, expected = reference
    got = run(native_model(TASK, variant).embed(texts))
    assert np.sum(expected * got, axis=1).min() >= 0.97  # the gate's bound (worst: the empty text)


@pytest.mark.parametrize("variant", ["int8-weights", "fp32", "fp16"])  # not int8-dynamic: see the registry
def test_embeddings_are_unit_vectors_and_batching_does_not_change_them(native_model, run, variant):
    embedder = native_model(TASK, variant)
    texts = corpus()[:12]
    batched = run(embedder.embed(texts, batch_size=12))
    embedder._cache.clear()
    one_by_one = np.concatenate([run(embedder.embed([t])) for t in texts])
    assert batched.shape == (12, 384) and batched.dtype == np.float32
    # fp16 normalises in half precision: its norms are 1 to about 3e-4
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-3 if variant == "fp16" else 1e-4)
    cosines = np.sum(batched * one_by_one, axis=1) / np.linalg.norm(batched, axis=1) / np.linalg.norm(one_by_one, axis=1)
    assert cosines.min() > 0.9999


@pytest.mark.parametrize("query,expected", SEARCH_CASES)
def test_search_finds_the_expected_sentence(embedder, run, query, expected):
    hits = run(embedder.search(query, corpus(), top_k=3))
    assert hits[0].text == expected, hits
    assert hits[0].score > hits[1].score
    assert corpus()[hits[0].index] == expected


def test_few_shot_classifier_separates_positive_and_negative_reviews(embedder, run):
    classifier = run(TextClassifier.train(embedder, REVIEWS))
    predictions = run(classifier.predict_batch([text for text, _ in HELD_OUT]))
    assert [p.label for p in predictions] == [label for _, label in HELD_OUT]
    for prediction in predictions:
        assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert prediction.probabilities[prediction.label] > 0.6


def test_few_shot_classifier_survives_a_json_round_trip(embedder, run):
    classifier = run(TextClassifier.train(embedder, REVIEWS))
    again = TextClassifier.from_json(embedder, classifier.to_json())
    text = HELD_OUT[0][0]
    assert run(again.predict(text)) == run(classifier.predict(text))


def test_few_shot_classifier_explains_what_is_missing(embedder, run):
    with pytest.raises(InputError, match="at least two labels"):
        run(TextClassifier.train(embedder, {"positive": REVIEWS["positive"], "negative": ["   "]}))
    classifier = run(TextClassifier.train(embedder, REVIEWS))
    other = classifier.to_json().replace('"all-minilm-l6-v2"', '"another-model"')
    with pytest.raises(InputError, match="another-model"):
        TextClassifier.from_json(embedder, other)


def test_linear_head_learns_separable_points_and_ranks_ties_deterministically():
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8, dtype=np.float32) * 3
    points = np.concatenate([centre + rng.normal(0, 0.3, (10, 8)) for centre in centres]).astype(np.float32)
    targets = [label for label in "abc" for _ in range(10)]
    head = LinearHead.fit(points, targets)
    assert [p.label for p in head.predictions(centres)] == ["a", "b", "c"]
    assert head.labels == ("a", "b", "c")
    with pytest.raises(ValueError):
        LinearHead.fit(points[:10], targets[:10])
    assert search_vectors(np.ones(2), np.ones((3, 2)), top_k=2) == [(0, 2.0), (1, 2.0)]
    assert search_vectors(np.ones(2), np.zeros((0, 2)), top_k=2) == []


def test_empty_whitespace_and_very_long_texts_behave(embedder, run):
    vectors = run(embedder.embed(["", "   \n\t ", "word " * 10_000]))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.is_truncated("word " * 10_000) and not embedder.is_truncated("a short sentence")
    assert run(embedder.embed([])).shape == (0, 384)
    for query in ("", "   "):
        with pytest.raises(InputError, match="Type something"):
            run(embedder.search(query, corpus()))


def test_a_2000_sentence_corpus_is_embedded_once_then_each_query_costs_one_text(embedder, run):
    sentences = [f"Note {i}: {text}" for i, text in enumerate(corpus() * 40)]
    progress = []
    hits = run(embedder.search("the router keeps dropping the connection", sentences, top_k=5,
                               on_progress=lambda done, total: progress.append((done, total))))
    assert len(sentences) == 2000 and progress[-1] == (2000, 2000) and len(progress) > 10
    assert "router" in hits[0].text
    calls = []
    original = embedder.session.run

    async def counting_run(feeds):
        calls.append(len(feeds["input_ids"]))
        return await original(feeds)

    embedder.session.run = counting_run
    try:
        run(embedder.search("rain tomorrow in the north", sentences, top_k=5))
    finally:
        embedder.session.run = original
    assert calls == [1]
