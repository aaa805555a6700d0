"""Small edits to converted ONNX graphs so they fit ondevice's conventions.

- `uint8_image_input`: the graph takes uint8 RGB NHWC and scales it itself (x * scale + offset in
  float32), so callers ship 4x less data across the JavaScript boundary;
- `rename_tensor`: give a converter's tensor names the registry's names;
- `add_kernel_shapes`: Conv/ConvTranspose nodes state their kernel_shape (onnxruntime-web's
  WebGPU backend fails without it).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def rename_tensor(model: onnx.ModelProto, old: str, new: str) -> None:
    """Rename tensor `old` to `new` everywhere in the main graph (nodes, inputs, outputs)."""
    graph = model.graph
    for node in graph.node:
        node.input[:] = [new if name == old else name for name in node.input]
        node.output[:] = [new if name == old else name for name in node.output]
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        if value.name == old:
            value.name = new


def uint8_image_input(model: onnx.ModelProto, name: str, scale: float, offset: float = 0.0) -> None:
    """Replace the graph's only float input (N, H, W, C) by uint8 input `name` of the same shape,
    converted inside the graph as float(x) * scale + offset (scale 1/255 is done as x / 255)."""
    graph = model.graph
    (old,) = graph.input
    float_name = old.name
    dims = [d.dim_value or d.dim_param for d in old.type.tensor_type.shape.dim]
    graph.input.remove(old)
    graph.input.append(helper.make_tensor_value_info(name, TensorProto.UINT8, dims))
    nodes = [helper.make_node("Cast", [name], [f"{name}_float"], to=TensorProto.FLOAT, name=f"{name}_cast")]
    scaled = f"{name}_float"
    if scale != 1.0:
        by_division = abs(1.0 / scale - round(1.0 / scale)) < 1e-9
        factor = np.float32(round(1.0 / scale) if by_division else scale)
        graph.initializer.append(numpy_helper.from_array(np.asarray(factor, np.float32), f"{name}_scale"))
        op = "Div" if by_division else "Mul"
        out = float_name if offset == 0.0 else f"{name}_scaled"
        nodes.append(helper.make_node(op, [scaled, f"{name}_scale"], [out], name=f"{name}_{op.lower()}"))
        scaled = out
    if offset != 0.0:
        graph.initializer.append(numpy_helper.from_array(np.asarray(offset, np.float32), f"{name}_offset"))
        nodes.append(helper.make_node("Add", [scaled, f"{name}_offset"], [float_name], name=f"{name}_offset"))
        scaled = float_name
    if scaled != float_name:
        nodes.append(helper.make_node("Identity", [scaled], [float_name], name=f"{name}_identity"))
    existing = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes + existing)


def add_kernel_shapes(model: onnx.ModelProto) -> int:
    """Add kernel_shape to every Conv/ConvTranspose whose weight is an initializer and lacks it."""
    weights = {init.name: init.dims for init in model.graph.initializer}
    added = 0
    for node in model.graph.node:
        if node.op_type not in ("Conv", "ConvTranspose") or node.input[1] not in weights:
            continue
        if any(attribute.name == "kernel_shape" for attribute in node.attribute):
            continue
        node.attribute.append(helper.make_attribute("kernel_shape", list(weights[node.input[1]][2:])))
        added += 1
    return added
