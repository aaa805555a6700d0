"""Teachable image classification under CPython: real photos, the head's maths, JSON, the command line."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ondevice import InputError, TeachableImageClassifier, TextClassifier
from ondevice.tasks.head import HeadFit, LinearHead, softmax
from teaching_photos import held_out_set, training_set

TASK = "image-classification"
PYSRC = Path(__file__).resolve().parents[1] / "pysrc"


@pytest.fixture(scope="module")
def backbone(native_model):
    return native_model(TASK)


@pytest.fixture(scope="module")
def taught(backbone, run):
    teacher = TeachableImageClassifier(backbone)
    for label, images in training_set().items():
        for image in images:
            run(teacher.add_example(label, image))
    run(teacher.train())
    return teacher


def test_taught_classes_recognise_photos_never_used_for_training(taught, run):
    results = [(label, run(taught.predict(image)).label)
               for label, images in held_out_set().items() for image in images]
    right = sum(want == got for want, got in results)
    assert right / len(results) >= 0.9, results


def test_features_are_unit_vectors_that_tell_photos_apart(backbone, photo, run):
    cat, coffee, cat_again = (run(backbone.features(photo(name))) for name in ("cat", "coffee", "cat"))
    assert cat.shape == (1280,) and cat.dtype == np.float32
    assert np.linalg.norm(cat) == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_array_equal(cat, cat_again)
    assert float(cat @ coffee) < 0.9


def test_json_round_trip_predicts_the_same(taught, backbone, run):
    again = TeachableImageClassifier.from_json(backbone, taught.to_json())
    image = held_out_set(1)["brick"][0]
    want, got = run(taught.predict(image)), run(again.predict(image))
    assert got.label == want.label and got.probabilities == pytest.approx(want.probabilities, abs=1e-6)
    assert again.labels == ("motorcycle", "brick", "grass", "gravel")


def test_same_examples_give_the_same_head(backbone, taught, run):
    again = TeachableImageClassifier(backbone)
    for label, images in training_set().items():
        for image in images:
            run(again.add_example(label, image))
    run(again.train(on_progress=lambda fraction: None))
    np.testing.assert_array_equal(again.head.weights, taught.head.weights)
    np.testing.assert_array_equal(again.head.bias, taught.head.bias)


def test_a_head_for_another_backbone_or_a_damaged_file_is_refused(taught, backbone, native_model, run):
    saved = json.loads(taught.to_json())
    text_head = run(TextClassifier.train(native_model("sentence-embeddings"), {"a": ["yes"], "b": ["no"]}))
    cases = {
        "trained for sentence-embeddings": text_head.to_json(),
        "trained on mobilenet": json.dumps({**saved, "backbone": {**saved["backbone"], "model": "mobilenet"}}),
        "another build": json.dumps({**saved, "backbone": {**saved["backbone"], "sha256": "0" * 64}}),
        "format 7": json.dumps({**saved, "format": 7}),
        "not JSON": "{not json",
        "not a trained model made by ondevice": json.dumps([1, 2]),
        "incomplete or damaged": json.dumps({**saved, "bias": saved["bias"][:-1]}),
        "damaged": json.dumps({**saved, "weights": [row[:384] for row in saved["weights"]]}),  # a text head's size
    }
    for message, text in cases.items():
        with pytest.raises(InputError, match=message):
            TeachableImageClassifier.from_json(backbone, text)
    other_variant = {**saved, "backbone": {**saved["backbone"], "variant": "fp32", "sha256": "1" * 64}}
    assert TeachableImageClassifier.from_json(backbone, json.dumps(other_variant)).labels == taught.labels


def test_training_explains_what_is_missing(backbone, photo, run):
    teacher = TeachableImageClassifier(backbone)
    with pytest.raises(InputError, match="Train the classifier first"):
        run(teacher.predict(photo("cat")))
    run(teacher.add_example("cat", photo("cat")))
    with pytest.raises(InputError, match="at least two classes"):
        run(teacher.train())
    with pytest.raises(InputError, match="“cup” first"):
        run(teacher.train(["cat", "cup"]))
    with pytest.raises(InputError, match="name"):
        teacher.add_features("  ", np.zeros(1280))
    assert teacher.head is None and teacher.counts == {"cat": 1}


def reference_descent(x, y, steps=400, l2=1e-3, rate=4.0):
    """Plain full-batch gradient descent on softmax cross-entropy, written out for the test."""
    w, b = np.zeros((y.shape[1], x.shape[1])), np.zeros(y.shape[1])
    for _ in range(steps):
        p = np.exp(x @ w.T + b)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) / len(x)
        w, b = w - rate * (g.T @ x + l2 * w), b - rate * g.sum(axis=0)
    return w, b


@pytest.mark.parametrize("examples,dimensions", [(12, 40), (60, 8)])  # fewer / more examples than dimensions
def test_head_fit_equals_plain_gradient_descent_in_any_chunking(examples, dimensions):
    rng = np.random.default_rng(examples)
    x = rng.normal(size=(examples, dimensions))
    targets = [("a", "b", "c")[i % 3] for i in range(examples)]
    y = np.eye(3)[[("a", "b", "c").index(t) for t in targets]]
    want_w, want_b = reference_descent(x, y)
    fit = HeadFit(x, targets)
    for chunk in (7, 50, 1000):
        fit.run(chunk)
    assert fit.finished and fit.done == 400
    np.testing.assert_allclose(fit.head().weights, want_w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fit.head().bias, want_b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(LinearHead.fit(x, targets).weights, fit.head().weights)
    assert np.allclose(softmax(np.array([[1000.0, 0.0]])), [[1.0, 0.0]])


def cli(*args, cwd):
    command = [sys.executable, "-m", "ondevice.teach", *args]
    env = {**os.environ, "PYTHONPATH": str(PYSRC), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    for label, images in training_set(10).items():
        (folder / label).mkdir()
        for i, data in enumerate(images):
            (folder / label / f"{i:02}.jpg").write_bytes(data)
    return folder


def test_command_line_trains_predicts_and_exports_what_onnxruntime_runs(photo_folder, tmp_path, dist, backbone, run):
    import onnxruntime

    from ondevice.tasks.classify import preprocess

    models = ["--models", str(dist / "models")]
    trained = cli("train", str(photo_folder), "-o", "model.json", *models, cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    accuracy = float(trained.stdout.split("held-out accuracy: ")[1].split("=")[1].split("%")[0])
    assert accuracy >= 90, trained.stdout
    tests = []
    for label, images in held_out_set(2).items():
        for i, data in enumerate(images):
            (tmp_path / f"{label}-{i}.jpg").write_bytes(data)
            tests.append((f"{label}-{i}.jpg", label))
    predicted = cli("predict", "model.json", *[name for name, _ in tests], "--json", *models, cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    results = json.loads(predicted.stdout)
    assert [r["file"] for r in results] == [name for name, _ in tests]
    assert sum(r["label"] == label for r, (_, label) in zip(results, tests)) >= len(tests) - 1, results

    exported = cli("export", "model.json", "-o", "model.onnx", *models, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    session = onnxruntime.InferenceSession(str(tmp_path / "model.onnx"))
    labels = json.loads(session.get_modelmeta().custom_metadata_map["labels"])
    page_model = TeachableImageClassifier.from_json(backbone, (tmp_path / "model.json").read_text())
    for name, _ in tests[:3]:
        tensor, _ = preprocess((tmp_path / name).read_bytes(), backbone.spec)
        (probabilities,) = session.run(["probabilities"], {"image": tensor})[0]
        want = run(page_model.predict((tmp_path / name).read_bytes())).probabilities
        np.testing.assert_allclose(probabilities, [want[label] for label in labels], atol=1e-4)


def test_command_line_says_what_is_wrong_with_the_folder(tmp_path, dist):
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "a.jpg").write_bytes(b"not a photo")
    result = cli("train", str(tmp_path), "-o", "m.json", "--models", str(dist / "models"), cwd=tmp_path)
    assert result.returncode == 2 and "at least two sub-folders" in result.stderr
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "b.jpg").write_bytes(b"not a photo either")
    result = cli("train", str(tmp_path), "-o", "m.json", "--models", str(dist / "models"), cwd=tmp_path)
    assert result.returncode == 2 and "a.jpg: This file is not an image" in result.stderr
