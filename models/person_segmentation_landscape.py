"""Recipe: MediaPipe selfie segmentation, landscape model (144x256; Apache-2.0) -> ONNX.

Same source package, conversion, check and gate as the general model: see person_segmentation.py.
"""
from __future__ import annotations

from ondevice.registry import PERSON_SEGMENTATION_LANDSCAPE
from ondevice_build.fetch import Artifact, PypiMember

from .person_segmentation import FOLDER, MEDIAPIPE, recipe

LANDSCAPE = Artifact(
    "selfie_segmentation_landscape.tflite",
    "a77d03f4659b9f6b6c1f5106947bf40e99d7655094b6527f214ea7d451106edd",
    (PypiMember(*MEDIAPIPE, FOLDER + "selfie_segmentation_landscape.tflite"),),
)

RECIPE = recipe(PERSON_SEGMENTATION_LANDSCAPE, LANDSCAPE)
