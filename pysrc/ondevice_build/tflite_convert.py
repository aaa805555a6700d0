"""Convert a .tflite model to ONNX with tf2onnx, and run it in the TFLite interpreter for checks.

Runs inside the TensorFlow tool environment (see tool_env), not in .venv: the build calls
`python tflite_convert.py convert|run ...` there as a subprocess. MediaPipe's custom op
`Convolution2DTransposeBias` (which neither tf2onnx nor the stock interpreter knows) is first
replaced by the builtin TRANSPOSE_CONV with a bias input: the same maths (inputs: activations,
weights OHWI, bias; options: padding, stride_w, stride_h), which both tools support.

    python tflite_convert.py convert MODEL.tflite OUT.onnx
    python tflite_convert.py run MODEL.tflite INPUTS.npz OUTPUTS.npz
"""
from __future__ import annotations

import struct
import sys
import tempfile
from pathlib import Path

import numpy as np

CUSTOM_TRANSPOSE_CONV = b"Convolution2DTransposeBias"


def patch_custom_ops(source: str, target: str) -> list[tuple[int, int, int, int]]:
    """Rewrite every Convolution2DTransposeBias as TRANSPOSE_CONV(output_shape, weights, input, bias).

    Writes the patched model to `target`; returns the (activations, weights, bias, output) tensor
    indices of each replaced operator (the same in both models).
    """
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(source)
    custom = [i for i, code in enumerate(model.operatorCodes) if code.customCode == CUSTOM_TRANSPOSE_CONV]
    replaced = []
    if not custom:
        flatbuffer_utils.write_model(model, target)
        return replaced
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.TRANSPOSE_CONV
    code.version = 3  # version 3 takes the optional bias input
    model.operatorCodes.append(code)
    transpose_conv = len(model.operatorCodes) - 1
    for graph in model.subgraphs:
        for op in graph.operators:
            if op.opcodeIndex not in custom:
                continue
            padding, stride_w, stride_h = struct.unpack("<iii", bytes(op.customOptions))
            activations, weights, bias = op.inputs
            output_shape = np.asarray(graph.tensors[op.outputs[0]].shape, dtype=np.int32)
            buffer = schema.BufferT()
            buffer.data = output_shape.tobytes()
            model.buffers.append(buffer)
            tensor = schema.TensorT()
            tensor.shape = [4]
            tensor.type = schema.TensorType.INT32
            tensor.buffer = len(model.buffers) - 1
            tensor.name = graph.tensors[op.outputs[0]].name + b"_output_shape"
            graph.tensors.append(tensor)
            options = schema.TransposeConvOptionsT()
            options.padding, options.strideW, options.strideH = padding, stride_w, stride_h
            op.opcodeIndex = transpose_conv
            op.inputs = [len(graph.tensors) - 1, weights, activations, bias]
            op.builtinOptionsType = schema.BuiltinOptions.TransposeConvOptions
            op.builtinOptions = options
            op.customOptions = None
            replaced.append((activations, weights, bias, op.outputs[0]))
    flatbuffer_utils.write_model(model, target)
    return replaced


def convert(source: str, out: str) -> None:
    """Patch the custom ops, then convert with tf2onnx (opset 17) to `out`."""
    import tf2onnx

    with tempfile.TemporaryDirectory() as folder:
        patched = str(Path(folder) / "patched.tflite")
        replaced = patch_custom_ops(source, patched)
        tf2onnx.convert.from_tflite(patched, opset=17, output_path=out)
    print(f"converted {source}: {len(replaced)} custom transpose convolution(s) replaced")


def transpose_conv_reference(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Convolution2DTransposeBias with a 2x2 kernel and stride 2, in numpy: each input pixel
    (i, j) writes the 2x2 block (2i + a, 2j + b) = sum_c x[i, j, c] * weights[o, a, b, c] + bias[o].
    x: (N, H, W, C); weights: OHWI (O, 2, 2, C); returns (N, 2H, 2W, O)."""
    n, h, w, _ = x.shape
    out = np.einsum("nijc,oabc->niajbo", x.astype(np.float64), weights.astype(np.float64))
    return (out.reshape(n, 2 * h, 2 * w, -1) + bias).astype(np.float32)


def run(model: str, inputs: str, outputs: str) -> None:
    """Run the (patched) model in the TFLite interpreter on every array in INPUTS.npz (each one
    (1, H, W, C) float32); save its first output for each under the same key in OUTPUTS.npz, and
    under "custom_op_max_difference" the largest difference between the interpreter's
    TRANSPOSE_CONV and the custom op's maths in numpy, over all inputs."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        patched = str(Path(folder) / "patched.tflite")
        replaced = patch_custom_ops(model, patched)
        # Without the XNNPACK delegate: it folds constant tensors away, so they could not be read.
        interpreter = tf.lite.Interpreter(
            model_path=patched, experimental_preserve_all_tensors=True,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        interpreter.allocate_tensors()
    feed, fetch = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    results = {}
    worst = 0.0
    with np.load(inputs) as arrays:
        for key in arrays.files:
            interpreter.set_tensor(feed, arrays[key])
            interpreter.invoke()
            results[key] = interpreter.get_tensor(fetch).copy()
            for activations, weights, bias, output in replaced:
                expected = transpose_conv_reference(*(interpreter.get_tensor(i) for i in (activations, weights, bias)))
                worst = max(worst, float(np.max(np.abs(interpreter.get_tensor(output) - expected))))
    np.savez(outputs, custom_op_max_difference=np.float32(worst), **results)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"convert": convert, "run": run}[command](*arguments)
