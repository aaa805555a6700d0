"""Quantised variants of an fp32 ONNX model: static QDQ int8 (calibrated) and fp16.

fp16 uses onnxruntime's own converter with the graph's inputs and outputs kept in their original
types, so callers feed and read the same dtypes for every variant.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import onnx


def static_int8(fp32: Path, out: Path, feeds: list[dict[str, np.ndarray]]) -> None:
    """QDQ int8: per-channel int8 weights, uint8 activations calibrated on `feeds` (real inputs)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self._feeds = iter(feeds)

        def get_next(self):
            return next(self._feeds, None)

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
        # Probabilities stay float: a uint8 softmax output would round every score to 1/256.
        softmax = [node.name for node in onnx.load(str(prepared)).graph.node if node.op_type == "Softmax"]
        quantize_static(
            str(prepared), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, nodes_to_exclude=softmax,
        )


def fp16(fp32: Path, out: Path) -> None:
    """Weights and activations in float16; inputs and outputs keep their fp32/uint8 types."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = onnx.load(str(fp32))
    del model.graph.value_info[:]  # stale shapes from export make the converter insert bad casts
    converted = convert_float_to_float16(model, keep_io_types=True)
    onnx.save(converted, str(out))


QUANTISERS = {"int8": "static_int8", "fp16": "fp16"}
