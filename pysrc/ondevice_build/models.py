"""Run a recipe: fetch -> export fp32 -> quantise -> gate, cached by content hash.

The cache key covers the recipe's source, the build code that shapes the result, the sha256 of
every input, the versions of the conversion tools and the recipe's tool files (conversion scripts
and tool-environment locks), so changing any of them redoes the work and nothing else does.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ondevice import runtime

from . import gates, quantise
from .fetch import fetch
from .paths import CONVERTED
from .recipe import Recipe

RECIPES = ("image_classification", "object_detection", "sentence_embeddings", "person_segmentation",
           "person_segmentation_landscape")


@dataclass(frozen=True)
class BuiltModel:
    recipe: Recipe
    folder: Path
    labels: list[str]
    report: dict  # per variant: file, gate figures, passed

    def shipped(self) -> dict[str, Path]:
        return {name: self.folder / info["file"] for name, info in self.report["variants"].items() if info["passed"]}


def load_recipes() -> list[Recipe]:
    return [importlib.import_module(f"models.{name}").RECIPE for name in RECIPES]


def cache_key(recipe: Recipe, inputs: dict[str, Path]) -> str:
    import onnx
    import onnxruntime

    digest = hashlib.sha256()
    for module in (inspect.getmodule(recipe.export), inspect.getmodule(type(recipe.gate)), quantise, gates, runtime):
        digest.update(Path(module.__file__).read_bytes())
    for path in recipe.tool_files:
        digest.update(path.read_bytes())
    for name, artifact in sorted(recipe.inputs.items()):
        digest.update(f"{name}={artifact.sha256}".encode())
    digest.update(f"onnx={onnx.__version__} ort={onnxruntime.__version__}".encode())
    return digest.hexdigest()[:16]


def build_model(recipe: Recipe, force: bool = False, log=print) -> BuiltModel:
    inputs = {name: fetch(artifact, log) for name, artifact in recipe.inputs.items()}
    folder = CONVERTED / recipe.spec.task / cache_key(recipe, inputs)
    report_path = folder / "report.json"
    labels = recipe.read_labels(inputs)
    if report_path.exists() and not force:
        return BuiltModel(recipe, folder, labels, json.loads(report_path.read_text()))
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    task = recipe.spec.task
    started = time.perf_counter()
    fp32 = folder / "fp32.onnx"
    recipe.export(inputs, fp32)
    log(f"[convert] {task}: fp32 ONNX {fp32.stat().st_size:,} B in {time.perf_counter() - started:.1f} s")
    report = {"variants": {"fp32": {"file": fp32.name, "passed": True, "bytes": fp32.stat().st_size}}}
    if recipe.conversion_check:
        report["conversion_check"] = recipe.conversion_check(inputs, fp32)
        log(f"[check] {task}: fp32 ONNX vs the source model: {json.dumps(report['conversion_check'])}")
    for variant in recipe.quantisations:
        out = folder / f"{variant}.onnx"
        started = time.perf_counter()
        if variant == "int8":
            quantise.static_int8(fp32, out, recipe.gate.calibration_feeds(recipe.spec))
        else:
            getattr(quantise, quantise.QUANTISERS[variant])(fp32, out)
        verdict = recipe.gate.judge(recipe.spec, labels, fp32, out, variant)
        verdict.update(file=out.name, bytes=out.stat().st_size)
        report["variants"][variant] = verdict
        status = "ships" if verdict["passed"] else "REFUSED (not shipped)"
        log(f"[quantise] {task} {variant}: {out.stat().st_size:,} B in {time.perf_counter() - started:.1f} s; "
            f"gate {status}: {json.dumps({k: v for k, v in verdict.items() if k not in ('file', 'passed')})}")
    report_path.write_text(json.dumps(report, indent=2))
    return BuiltModel(recipe, folder, labels, report)
