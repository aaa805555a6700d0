"""ondevice: pre-trained models that run on the user's device, driven by Python.

    from ondevice import load
    classifier = await load("image-classification")
    labels = await classifier(image, top_k=5)
    segmenter = await load("person-segmentation")
    mask = await segmenter(image)                  # (H, W) float32, 1 = person
    picture = compose.blur_background(pixels, mask)

The same code runs in the browser (Pyodide + onnxruntime-web) and in CPython (onnxruntime).
"""
from . import compose
from .image import ImageError
from .loader import Progress, load
from .registry import MODELS
from .tasks.classify import Classification

__all__ = ["Classification", "ImageError", "MODELS", "Progress", "compose", "load"]
__version__ = "0.1.0"
