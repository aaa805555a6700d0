"""ondevice: pre-trained models that run on the user's device, driven by Python.

    from ondevice import load
    classifier = await load("image-classification")
    labels = await classifier(image, top_k=5)
    segmenter = await load("person-segmentation")
    mask = await segmenter(image)                  # (H, W) float32, 1 = person
    picture = compose.blur_background(pixels, mask)

    embedder = await load("sentence-embeddings")
    vectors = await embedder.embed(["a sentence", "another"])      # (2, 384) unit vectors
    hits = await embedder.search("query", corpus_texts, top_k=5)    # [SearchHit(index, text, score)]

    teacher = TeachableImageClassifier(classifier)                  # your own classes, from examples
    await teacher.add_example("cup", image); ...; await teacher.train()
    prediction = await teacher.predict(image)                       # Prediction(label, probabilities)

The same code runs in the browser (Pyodide + onnxruntime-web) and in CPython (onnxruntime).
Importing the package does not import Pillow: image functions import it when first called, and
`compose` (compositing, all Pillow) is imported on first use, so text-only pages never load it.
"""
import importlib

from .errors import InputError
from .image import ImageError
from .loader import Progress, load
from .registry import MODELS
from .tasks.classify import Classification
from .tasks.detect import Box, Detection
from .tasks.embed import SearchHit
from .tasks.fewshot import TextClassifier
from .tasks.head import Prediction
from .tasks.teachable import TeachableImageClassifier

__all__ = ["Box", "Classification", "Detection", "ImageError", "InputError", "MODELS", "Prediction", "Progress",
           "SearchHit", "TeachableImageClassifier", "TextClassifier", "compose", "load"]
__version__ = "0.1.0"
LAZY_MODULES = ("compose",)  # modules that need Pillow: imported on first use


def __getattr__(name: str):
    if name in LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
