"""ondevice: pre-trained models that run on the user's device, driven by Python.

    from ondevice import load
    classifier = await load("image-classification")
    labels = await classifier(image, top_k=5)

The same code runs in the browser (Pyodide + onnxruntime-web) and in CPython (onnxruntime).
"""
from .image import ImageError
from .loader import Progress, load
from .registry import MODELS
from .tasks.classify import Classification
from .tasks.detect import Box, Detection

__all__ = ["Box", "Classification", "Detection", "ImageError", "MODELS", "Progress", "load"]
__version__ = "0.1.0"
