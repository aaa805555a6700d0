"""Quantised variants of an fp32 ONNX model: static QDQ int8 (calibrated), weight-only int8 (every
weight, or a mix with chosen layers kept in float16: see sensitivity.py), fp16, dynamic int8.

fp16 uses onnxruntime's own converter with the graph's inputs and outputs kept in their original
types, so callers feed and read the same dtypes for every variant.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
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



@dataclass(frozen=True)
class WeightLayer:
    """One weight that weight-only quantisation may store in int8: an initializer `name` of `size`
    floats feeding the node `node` (a Conv/Gemm/MatMul, or a Gather table: token embeddings), with
    its output channels (one scale each) along `axis`.

    A layer is named by its node (what a pinned mix lists): node names come from the source
    framework's layers and stay the same from export to export, while tf2onnx numbers the
    initializers it folds (`const_fold_opt__641`) differently on every run."""

    name: str
    axis: int
    size: int
    node: str = ""


def weight_layers(model: onnx.ModelProto) -> list[WeightLayer]:
    """Every quantisable weight of the graph, in initializer-name order (float32, >= 2-D, >= 256
    values; MatMul weights are (in, out), so their channels are axis 1; Conv/Gemm/Gather axis 0)."""
    from onnx import numpy_helper

    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    users: dict[str, str] = {}  # weight -> the first node that uses it as its weight
    for node in graph.node:
        if node.op_type in ("Conv", "Gemm", "MatMul", "Gather"):
            users.setdefault(node.input[0 if node.op_type == "Gather" else 1], node.name)
    matmul_weights = {node.input[1] for node in graph.node if node.op_type == "MatMul"}
    layers = []
    for name in sorted(users.keys() & initializers.keys()):
        init = initializers[name]
        size = int(np.prod(init.dims)) if init.dims else 0
        if init.data_type != onnx.TensorProto.FLOAT or len(init.dims) < 2 or size < 256:
            continue
        layers.append(WeightLayer(name, 1 if name in matmul_weights else 0, size, users[name] or name))
    return layers


def int8_per_channel(weight: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """(int8 weight, float32 scale per channel along `axis`): symmetric, scale = max|w| / 127."""
    reduce_axes = tuple(i for i in range(weight.ndim) if i != axis)
    scale = np.abs(weight).max(axis=reduce_axes) / 127.0
    scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
    shape = [1] * weight.ndim
    shape[axis] = -1
    return np.clip(np.round(weight / scale.reshape(shape)), -127, 127).astype(np.int8), scale


def fake_quantised(weight: np.ndarray, axis: int, bits: int = 8, group: int = 0) -> np.ndarray:
    """The float32 weight that a `bits`-bit symmetric quantisation decodes to: one scale per
    channel along `axis` (group 0), or per run of `group` consecutive values within a channel.
    Per channel with 8 bits this equals what onnxruntime folds from `weight_only`'s int8 + scale."""
    if bits == 8 and group == 0:
        quantised, scale = int8_per_channel(weight, axis)
        shape = [1] * weight.ndim
        shape[axis] = -1
        return quantised.astype(np.float32) * scale.reshape(shape)
    levels = 2 ** (bits - 1) - 1
    channels = np.moveaxis(weight, axis, 0)
    rows = channels.reshape(channels.shape[0], -1)
    width = rows.shape[1]
    step = group or width
    padded = np.pad(rows, ((0, 0), (0, (-width) % step)))
    blocks = padded.reshape(rows.shape[0], -1, step)
    scale = np.abs(blocks).max(axis=2, keepdims=True) / levels
    scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
    decoded = (np.clip(np.round(blocks / scale), -levels, levels) * scale).astype(np.float32)
    decoded = decoded.reshape(rows.shape[0], -1)[:, :width].reshape(channels.shape)
    return np.moveaxis(decoded, 0, axis)


def weight_only(fp32: Path, out: Path, keep_fp16: frozenset[str] | set[str] = frozenset()) -> None:
    """Weight-only int8 with a mixed precision: each weight of `weight_layers` is stored as int8
    with a per-output-channel scale and a DequantizeLinear in front, except those whose node is
    named in `keep_fp16` (`WeightLayer.node`), stored as float16 with a Cast in front; activations
    stay float32.

    onnxruntime (native and web) folds the DequantizeLinear nodes (with the session config entry
    `session.disable_quant_qdq = 1`) and the Casts of constants into float32 weights at load, so
    the model runs at fp32 speed; the download is about 4x (int8) or 2x (fp16) smaller.
    """
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    front = []
    for layer in weight_layers(model):
        weight = numpy_helper.to_array(initializers[layer.name])
        graph.initializer.remove(initializers[layer.name])
        if layer.node in keep_fp16:
            graph.initializer.append(numpy_helper.from_array(weight.astype(np.float16), f"{layer.name}_fp16"))
            front.append(helper.make_node("Cast", [f"{layer.name}_fp16"], [layer.name], name=f"{layer.name}_cast",
                                          to=onnx.TensorProto.FLOAT))
            continue
        quantised, scale = int8_per_channel(weight, layer.axis)
        graph.initializer.extend([
            numpy_helper.from_array(quantised, f"{layer.name}_int8"),
            numpy_helper.from_array(scale, f"{layer.name}_scale"),
            numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{layer.name}_zero"),
        ])
        front.append(helper.make_node(
            "DequantizeLinear", [f"{layer.name}_int8", f"{layer.name}_scale", f"{layer.name}_zero"], [layer.name],
            name=f"{layer.name}_dequantize", axis=layer.axis))
    nodes = front + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.save(model, str(out))


def weight_int8(fp32: Path, out: Path) -> None:
    """Weight-only int8 for every weight (no layer kept in float16): see `weight_only`."""
    weight_only(fp32, out)


def dynamic_int8(fp32: Path, out: Path) -> None:
    """Dynamic int8: MatMul weights int8 per output channel, activations quantised at run time
    from their observed range (no calibration); the usual choice for transformers."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(out), per_channel=True, weight_type=QuantType.QInt8)


QUANTISERS = {"int8": "static_int8", "fp16": "fp16", "int8-weights": "weight_int8", "int8-dynamic": "dynamic_int8"}
