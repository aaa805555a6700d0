"""Quantised variants of an fp32 ONNX model: static QDQ int8 (calibrated), weight-only int8, fp16.

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



def weight_int8(fp32: Path, out: Path) -> None:
    """Weight-only int8: each Conv/Gemm/MatMul weight (and Gather table: token embeddings) stored
    as int8 with a per-output-channel (per-row) scale and a DequantizeLinear in front; activations
    stay float.

    4x smaller to download than fp32; onnxruntime (native and web) folds the DequantizeLinear
    into a float weight at load, so it runs at fp32 speed and accuracy close to fp32.
    """
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    weight_inputs = {node.input[1] for node in graph.node if node.op_type in ("Conv", "Gemm", "MatMul")}
    weight_inputs |= {node.input[0] for node in graph.node if node.op_type == "Gather"}  # embedding tables, per row
    matmul_weights = {node.input[1] for node in graph.node if node.op_type == "MatMul"}
    dequantize_nodes = []
    for name in sorted(weight_inputs & initializers.keys()):
        weight = numpy_helper.to_array(initializers[name])
        if weight.dtype != np.float32 or weight.ndim < 2 or weight.size < 256:
            continue
        axis = 1 if name in matmul_weights else 0  # MatMul weights are (in, out); Conv/Gemm (out, ...)
        reduce_axes = tuple(i for i in range(weight.ndim) if i != axis)
        scale = np.abs(weight).max(axis=reduce_axes) / 127.0
        scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
        shape = [1] * weight.ndim
        shape[axis] = -1
        quantised = np.clip(np.round(weight / scale.reshape(shape)), -127, 127).astype(np.int8)
        graph.initializer.remove(initializers[name])
        graph.initializer.extend([
            numpy_helper.from_array(quantised, f"{name}_int8"),
            numpy_helper.from_array(scale, f"{name}_scale"),
            numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{name}_zero"),
        ])
        dequantize_nodes.append(helper.make_node(
            "DequantizeLinear", [f"{name}_int8", f"{name}_scale", f"{name}_zero"], [name],
            name=f"{name}_dequantize", axis=axis))
    nodes = dequantize_nodes + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.save(model, str(out))


def dynamic_int8(fp32: Path, out: Path) -> None:
    """Dynamic int8: MatMul weights int8 per output channel, activations quantised at run time
    from their observed range (no calibration); the usual choice for transformers."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(out), per_channel=True, weight_type=QuantType.QInt8)


QUANTISERS = {"int8": "static_int8", "fp16": "fp16", "int8-weights": "weight_int8", "int8-dynamic": "dynamic_int8"}
