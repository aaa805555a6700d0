"""Recipe: MediaPipe selfie segmentation (general 256x256; Apache-2.0) -> ONNX, uint8 NHWC input.

The .tflite file ships in PyPI `mediapipe==0.10.14` (later releases ship none). tf2onnx converts
it in the TensorFlow tool environment after MediaPipe's custom op `Convolution2DTransposeBias`
is replaced by the builtin TRANSPOSE_CONV (see ondevice_build/tflite_convert.py); the graph then
takes uint8 RGB (1, H, W, 3), divides by 255 itself, and returns the person probability
(1, H, W, 1) as "mask". The conversion check runs the TFLite interpreter on the same real photos.
`recipe()` is shared with the landscape model (models/person_segmentation_landscape.py).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ondevice.registry import PERSON_SEGMENTATION, ModelSpec
from ondevice_build import tool_env
from ondevice_build.fetch import Artifact, PypiMember
from ondevice_build.gates import SegmentationGate, image_feeds
from ondevice_build.paths import PYSRC
from ondevice_build.photos import GOLDEN
from ondevice_build.recipe import Recipe

MEDIAPIPE = ("mediapipe", "0.10.14")
FOLDER = "mediapipe/modules/selfie_segmentation/"
CONVERTER = Path(tool_env.__file__).with_name("tflite_convert.py")
GENERAL = Artifact(
    "selfie_segmentation.tflite",
    "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
    (PypiMember(*MEDIAPIPE, FOLDER + "selfie_segmentation.tflite"),),
)
# The conversion check's bounds: ONNX vs the TFLite interpreter, probabilities and masks (> 0.5).
MAX_DIFFERENCE = 1e-3
MIN_MASK_IOU = 0.99


def export_for(spec: ModelSpec):
    def export(inputs: dict[str, Path], out: Path) -> None:
        import onnx

        from ondevice_build.onnx_edit import add_kernel_shapes, rename_tensor, uint8_image_input

        converted = out.with_name("tf2onnx.onnx")
        tool_env.run_script(tool_env.TENSORFLOW, CONVERTER, "convert", inputs["model"], converted)
        model = onnx.load(str(converted))
        (output,) = model.graph.output
        rename_tensor(model, output.name, spec.output_names[0])
        uint8_image_input(model, spec.input_name, scale=1 / 255)
        add_kernel_shapes(model)
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, str(out))
        converted.unlink()

    return export


def conversion_check_for(spec: ModelSpec):
    def conversion_check(inputs: dict[str, Path], fp32: Path) -> dict:
        """The fp32 ONNX model against the TFLite interpreter on every view of the golden photos."""
        from ondevice.runtime import NativeSession
        from ondevice.tasks.segment import mask_iou

        feeds = image_feeds(spec, GOLDEN)
        with tempfile.TemporaryDirectory() as folder:
            floats, results = Path(folder) / "inputs.npz", Path(folder) / "outputs.npz"
            np.savez(floats, **{str(i): feed[spec.input_name].astype(np.float32) / 255 for i, feed in enumerate(feeds)})
            tool_env.run_script(tool_env.TENSORFLOW, CONVERTER, "run", inputs["model"], floats, results)
            with np.load(results) as arrays:
                expected = [arrays[str(i)] for i in range(len(feeds))]
                custom_op_difference = float(arrays["custom_op_max_difference"])
        session = NativeSession(str(fp32))
        got = [session.run_sync(feed)[spec.output_names[0]] for feed in feeds]
        max_difference = max(float(np.max(np.abs(a - b))) for a, b in zip(expected, got))
        min_iou = min(mask_iou(a, b) for a, b in zip(expected, got))
        report = {
            "reference": "TFLite interpreter (TensorFlow 2.21, builtin kernels), custom op as TRANSPOSE_CONV",
            "inputs": len(feeds), "max_difference": max_difference, "min_mask_iou": round(min_iou, 6),
            "custom_op_vs_numpy_max_difference": custom_op_difference,
            "bound": f"max difference <= {MAX_DIFFERENCE}, mask IoU >= {MIN_MASK_IOU}",
        }
        if max_difference > MAX_DIFFERENCE or min_iou < MIN_MASK_IOU:
            raise RuntimeError(f"{spec.task}: the ONNX model does not match the TFLite model: {report}")
        return report

    return conversion_check


def read_labels(inputs: dict[str, Path]) -> list[str]:
    return ["background", "person"]


def recipe(spec: ModelSpec, model: Artifact) -> Recipe:
    return Recipe(
        spec=spec,
        inputs={"model": model},
        export=export_for(spec),
        read_labels=read_labels,
        # int8 (static QDQ) is tried so the gate can show it breaks the mask; fp16 misses the bound on a
        # few food photos (docs/QUANTISATION.md).
        quantisations=("int8", "fp16"),
        # Every view of the 154 gate photos where fp32 finds a person: mask IoU with fp32 >= 0.98.
        gate=SegmentationGate(min_mask_iou=0.98),
        conversion_check=conversion_check_for(spec),
        tool_files=(CONVERTER, PYSRC / "ondevice_build/onnx_edit.py", PYSRC / "ondevice/tasks/segment.py",
                    tool_env.TENSORFLOW.lock_path),
    )


RECIPE = recipe(PERSON_SEGMENTATION, GENERAL)
