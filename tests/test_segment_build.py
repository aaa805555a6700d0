"""Build helpers behind the segmentation recipe: ONNX graph edits, and the custom op's maths."""
import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

from ondevice_build.onnx_edit import add_kernel_shapes, rename_tensor, uint8_image_input
from ondevice_build.tflite_convert import transpose_conv_reference


def run(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def tiny_conv_model() -> onnx.ModelProto:
    """float NCHW input (1, 3, 4, 4) -> 1x1 Conv (no kernel_shape attribute) -> output "y"."""
    weight = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3, 1, 1) / 10, "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_uint8_input_scales_inside_the_graph_exactly_like_dividing_by_255():
    pixels = np.random.default_rng(1).integers(0, 256, (1, 3, 4, 4), dtype=np.uint8)
    (expected,) = run(tiny_conv_model(), {"x": pixels.astype(np.float32) / 255})
    model = tiny_conv_model()
    uint8_image_input(model, "image", scale=1 / 255)
    rename_tensor(model, "y", "mask")
    assert add_kernel_shapes(model) == 1
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["image"] and [o.name for o in model.graph.output] == ["mask"]
    assert model.graph.input[0].type.tensor_type.elem_type == TensorProto.UINT8
    (got,) = run(model, {"image": pixels})
    np.testing.assert_array_equal(got, expected)


def test_custom_transpose_conv_maths_equals_onnx_conv_transpose():
    """MediaPipe's Convolution2DTransposeBias (2x2, stride 2, OHWI weights, bias) written in numpy
    is exactly ONNX ConvTranspose with the weights as (C_in, C_out, kH, kW)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 5, 6, 16)).astype(np.float32)  # NHWC
    weights = rng.normal(size=(3, 2, 2, 16)).astype(np.float32)  # OHWI
    bias = rng.normal(size=(3,)).astype(np.float32)
    expected = transpose_conv_reference(x, weights, bias)
    assert expected.shape == (1, 10, 12, 3)
    graph = helper.make_graph(
        [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], kernel_shape=[2, 2], strides=[2, 2])], "ct",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 5, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 10, 12])],
        [numpy_helper.from_array(weights.transpose(3, 0, 1, 2).copy(), "w"), numpy_helper.from_array(bias, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    (got,) = run(model, {"x": x.transpose(0, 3, 1, 2).copy()})
    np.testing.assert_allclose(got.transpose(0, 2, 3, 1), expected, atol=1e-5)
