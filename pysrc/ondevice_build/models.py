"""Run a recipe: fetch -> export fp32 -> quantise -> gate, cached by content hash.

The cache key covers every source file the recipe's build can run, found by following imports
(`source_files`: from the recipe module and this module, every module of ondevice/,
ondevice_build/ and models/ they import, at any depth, including imports inside functions), the
sha256 of every input, the pinned tool versions (requirements.lock), the installed onnx and
onnxruntime versions, the recipe's tool files (conversion scripts and tool-environment locks) and
its pinned int8-weights mix, so changing any of them redoes the work and its gate verdicts, and
nothing else does.

int8-weights is quantised with the mix pinned in the recipe (`Recipe.weight_mix`) and gated once;
if that fails, the variant is refused with the reason, and `search_weight_mix` (the command
`python build.py quantise-search TASK`) finds and pins a new one. The build never searches.
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
    pinned = [recipe.weight_mix] if recipe.weight_mix and recipe.weight_mix.exists() else []
    for path in [*source_files(recipe), ROOT / "requirements.lock", *recipe.tool_files, *pinned]:
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
        if variant == "int8":
            quantise.static_int8(fp32, out, recipe.gate.calibration_feeds(recipe.spec))
        elif variant == "int8-weights":
            mix = sensitivity.PinnedMix.load(recipe.weight_mix)
            quantise.weight_only(fp32, out, frozenset(mix.fp16_layers))
        else:
            getattr(quantise, quantise.QUANTISERS[variant])(fp32, out)
        verdict = recipe.gate.judge(recipe.spec, labels, fp32, out, variant)
        verdict.update(file=out.name, bytes=out.stat().st_size)
        if variant == "int8-weights":
            verdict.update(_pinned_mix_verdict(recipe, fp32, mix, verdict["passed"]))
        report["variants"][variant] = verdict
        status = "ships" if verdict["passed"] else "REFUSED (not shipped)"
        log(f"[quantise] {task} {variant}: {out.stat().st_size:,} B in {time.perf_counter() - started:.1f} s; "
            f"gate {status}: {json.dumps({k: v for k, v in verdict.items() if k not in ('file', 'passed')})}")
    report_path.write_text(json.dumps(report, indent=2))
    return BuiltModel(recipe, folder, labels, report)


def _pinned_mix_verdict(recipe: Recipe, fp32: Path, mix: "sensitivity.PinnedMix", passed: bool) -> dict:
    """What the report says about an int8-weights variant built from its pinned mix: how many
    layers it kept in float16, from which file, and, when it cannot ship as pinned, why (a layer
    the graph no longer has, or a failed gate) and what to run."""
    import onnx

    layers = {layer.node for layer in quantise.weight_layers(onnx.load(str(fp32)))}
    missing = sorted(set(mix.fp16_layers) - layers)
    figures = {"fp16_layers": len(mix.fp16_layers) - len(missing), "weight_layers": len(layers),
               "mix": recipe.weight_mix.relative_to(ROOT).as_posix() if recipe.weight_mix else "every weight int8"}
    rerun = f"rerun `python build.py quantise-search {recipe.spec.task}` and commit the file it writes"
    if missing:
        figures.update(passed=False, reason=f"the pinned mix names {len(missing)} layer(s) the fp32 graph does not "
                                            f"have ({', '.join(missing[:3])}...): the graph changed; {rerun}")
    elif not passed:
        figures["reason"] = f"the pinned mix fails its gate; {rerun}"
    return figures


def search_weight_mix(recipe: Recipe, log=print) -> Path:
    """Find the smallest int8/float16 weight mix that passes the recipe's int8-weights gate
    (sensitivity.search, on the fp32 model of a cached or fresh build) and pin it in the recipe's
    `weight_mix` file (default: models/<recipe module>.mix.json). Returns that file."""
    from datetime import datetime, timezone

    built = build_model(recipe, log=log)
    fp32 = built.folder / "fp32.onnx"
    pinned = recipe.weight_mix or MODELS / f"{inspect.getmodule(recipe.export).__name__.split('.')[-1]}.mix.json"
    out = built.folder / "int8-weights.search.onnx"
    started = time.perf_counter()
    result = sensitivity.search(
        fp32, out, recipe.gate.sensitivity_feeds(recipe.spec, built.labels),
        lambda candidate: recipe.gate.judge(recipe.spec, built.labels, fp32, candidate, "int8-weights"), log)
    out.unlink(missing_ok=True)
    sensitivity.write_pinned(pinned, fp32, result, datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    kept = set(result["kept_fp16"])
    log("| layer | values | output error alone in int8 | kept |\n|---|---:|---:|---|\n" + "\n".join(
        f"| `{row['layer']}` | {row['values']:,} | {row['error']:.4g} | {'fp16' if row['layer'] in kept else 'int8'} |"
        for row in result["layers"]))
    log(f"[search] {recipe.spec.task}: {len(result['kept_fp16'])} of {len(result['layers'])} layers in fp16 "
        f"({result['fp16_share_of_weights']:.1%} of the weights), gate "
        f"{'passes' if result['verdict']['passed'] else 'FAILS even with every layer fp16'} "
        f"in {time.perf_counter() - started:.0f} s; pinned in {pinned.relative_to(ROOT)}"
        + ("" if recipe.weight_mix else f" (set weight_mix={pinned.name!r} in the recipe to use it)"))
    return pinned
