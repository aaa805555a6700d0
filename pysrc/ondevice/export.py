"""Export a teachable classifier as one ONNX file that any onnxruntime runs (CPython only; needs onnx).

The file is the backbone's graph up to its `features` output, followed by the trained head:
MatMul + Add + Softmax. Input: the backbone's uint8 RGB image (N, H, W, 3), resized and centre-cropped
as the backbone expects; output: `probabilities` (N, classes), in the order of the `labels`
metadata entry (a JSON list).
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from .tasks.head import Backbone

OUTPUT = "probabilities"


def teachable_onnx(backbone_file: Path, classifier, out: Path) -> None:
    """Write `classifier` (a trained TeachableImageClassifier) on top of `backbone_file` to `out`."""
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("exporting needs the onnx package: pip install 'ondevice[export]'") from None

    spec = classifier.backbone.spec
    features = spec.output_names[1]
    with tempfile.TemporaryDirectory() as folder:
        trunk = Path(folder) / "trunk.onnx"
        onnx.utils.extract_model(str(backbone_file), str(trunk), [spec.input_name], [features])
        model = onnx.load(str(trunk))
    head = classifier.head
    graph = model.graph
    graph.initializer.extend([
        numpy_helper.from_array(np.ascontiguousarray(head.weights.T, dtype=np.float32), "head_weights"),
        numpy_helper.from_array(head.bias.astype(np.float32), "head_bias"),
    ])
    graph.node.extend([
        helper.make_node("MatMul", [features, "head_weights"], ["head_logits"], name="head_matmul"),
        helper.make_node("Add", ["head_logits", "head_bias"], ["head_scores"], name="head_add"),
        helper.make_node("Softmax", ["head_scores"], [OUTPUT], name="head_softmax", axis=-1),
    ])
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(OUTPUT, onnx.TensorProto.FLOAT, ["batch", len(head.labels)]))
    backbone = json.dumps(vars(Backbone.of(classifier.backbone)))
    for key, value in {"labels": json.dumps(list(head.labels)), "backbone": backbone}.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(model)
    onnx.save(model, str(out))
