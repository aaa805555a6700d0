"""Run a recipe: fetch -> export fp32 -> quantise -> gate, cached by content hash.

The cache key covers every source file the recipe's build can run, found by following imports
(`source_files`: from the recipe module and this module, every module of ondevice/,
ondevice_build/ and models/ they import, at any depth, including imports inside functions), the
sha256 of every input, the pinned tool versions (requirements.lock), the installed onnx and
onnxruntime versions and the recipe's tool files (conversion scripts and tool-environment locks),
so changing any of them redoes the work and its gate verdicts, and nothing else does.
"""
from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from . import gates, quantise, sensitivity
from .fetch import fetch
from .paths import CONVERTED, MODELS, PYSRC, ROOT
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


def _module_file(name: str) -> Path | None:
    """The project source file of module `name` (ondevice*, models*), or None if not ours."""
    top = name.split(".")[0]
    base = MODELS.parent if top == "models" else PYSRC
    if top not in ("ondevice", "ondevice_build", "models"):
        return None
    path = base.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imported_modules(path: Path, package: str) -> set[str]:
    """Every module `path` (in `package`) imports, anywhere in the file: `import a.b` gives a, a.b;
    `from a import b` gives a and a.b (b may be a module); relative imports are resolved."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                names |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            parts = module.split(".")
            names |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def source_files(recipe: Recipe) -> list[Path]:
    """Every project source file a build of `recipe` can run: its recipe module, this module and,
    transitively, every ondevice / ondevice_build / models module they import; sorted."""
    roots = {inspect.getmodule(recipe.export).__name__, inspect.getmodule(type(recipe.gate)).__name__, __name__}
    seen: dict[str, Path] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        path = _module_file(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        pending.extend(_imported_modules(path, package) - seen.keys())
    return sorted(set(seen.values()))


def _source_bytes(path: Path) -> bytes:
    return path.read_bytes()


def cache_key(recipe: Recipe, inputs: dict[str, Path]) -> str:
    import onnx
    import onnxruntime

    digest = hashlib.sha256()
    for path in [*source_files(recipe), ROOT / "requirements.lock", *recipe.tool_files]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + _source_bytes(path))
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
        mix = None
        if variant == "int8":
            quantise.static_int8(fp32, out, recipe.gate.calibration_feeds(recipe.spec))
        elif variant == "int8-weights":
            mix = sensitivity.search(fp32, out, recipe.gate.sensitivity_feeds(recipe.spec, labels),
                                     lambda candidate: recipe.gate.judge(recipe.spec, labels, fp32, candidate, variant), log)
        else:
            getattr(quantise, quantise.QUANTISERS[variant])(fp32, out)
        verdict = mix.pop("verdict") if mix else recipe.gate.judge(recipe.spec, labels, fp32, out, variant)
        verdict.update(file=out.name, bytes=out.stat().st_size)
        if mix:
            verdict["fp16_layers"] = len(mix["kept_fp16"])
            (folder / f"{variant}.mix.json").write_text(json.dumps(mix, indent=1))
        report["variants"][variant] = verdict
        status = "ships" if verdict["passed"] else "REFUSED (not shipped)"
        log(f"[quantise] {task} {variant}: {out.stat().st_size:,} B in {time.perf_counter() - started:.1f} s; "
            f"gate {status}: {json.dumps({k: v for k, v in verdict.items() if k not in ('file', 'passed')})}")
    report_path.write_text(json.dumps(report, indent=2))
    return BuiltModel(recipe, folder, labels, report)
