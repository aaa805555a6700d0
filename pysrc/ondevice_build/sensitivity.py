"""Mixed-precision weight-only quantisation: which layers to keep in float16, found by measurement
(`python build.py quantise-search TASK`), then pinned in a JSON file next to the recipe
(`PinnedMix`) that every build quantises with and gates once; the build itself never searches.

1. `layer_costs`: for every weight of `quantise.weight_layers`, quantise that weight alone to int8
   (per output channel) and measure how far the model's outputs move from fp32's on the
   calibration inputs (disjoint from the gate's): the mean relative L2 error of each output,
   averaged over outputs. Cached on disk by the content hash of the fp32 model, the inputs and
   this code, so a rebuild that changes none of them measures nothing again.
2. `search`: rank the layers by that cost; keep the k most sensitive in float16 and the rest in
   int8, for k = 0, 1, 2, 4, ... until the variant passes its gate, then bisect down to the
   smallest k that passes (the gate is near monotone in k; each k is one gate run). The smallest
   passing file is the variant; if even every layer in float16 fails, the last try is returned
   and the gate refuses it.
3. `scheme_costs`: the same output error with every weight quantised under other schemes
   (int8 per group of 32 values, int4 per channel, int4 per group of 32), to see what per-group
   scales or int4 would buy before building a format for them.
"""
from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx

from . import quantise
from .paths import CONVERTED

SENSITIVITY_CACHE = CONVERTED / "sensitivity"
SCHEMES = {"int8 per channel": (8, 0), "int8 per group of 32": (8, 32), "int4 per channel": (4, 0),
           "int4 per group of 32": (4, 32)}


@dataclass(frozen=True)
class PinnedMix:
    """The int8-weights mix a recipe ships: the weight layers (named by their nodes in the fp32
    graph: `quantise.WeightLayer.node`) kept in float16, every other weight layer in int8. Read from the recipe's `weight_mix` file,
    written by `write_pinned`; `fp32_sha256` is the fp32 model the search ran on, `searched` when."""

    fp16_layers: tuple[str, ...] = ()
    fp32_sha256: str = ""
    searched: str = ""

    @classmethod
    def load(cls, path: Path | None) -> "PinnedMix":
        """The mix pinned in `path` (None or no file: every weight int8)."""
        if path is None or not path.exists():
            return cls()
        record = json.loads(path.read_text())
        return cls(tuple(record["fp16_layers"]), record.get("fp32_sha256", ""), record.get("searched", ""))


def write_pinned(path: Path, fp32: Path, result: dict, searched: str) -> None:
    """Pin `search`'s result in `path`: the chosen layers first, then its tries, the per-layer
    table and the scheme costs (what docs/QUANTISATION.md reports)."""
    record = {
        "fp16_layers": result["kept_fp16"],
        "fp16_share_of_weights": result["fp16_share_of_weights"],
        "fp32_sha256": hashlib.sha256(fp32.read_bytes()).hexdigest(),
        "searched": searched,
        "gate": {key: value for key, value in result["verdict"].items() if key != "bound"},
        "bound": result["verdict"].get("bound", ""),
        "tries": result["tries"],
        "schemes": result["schemes"],
        "layers": result["layers"],
    }
    path.write_text(json.dumps(record, indent=1) + "\n")


def _session(model: onnx.ModelProto):
    from ondevice.runtime import NativeSession

    return NativeSession(model.SerializeToString())


def output_error(reference: list[dict[str, np.ndarray]], got: list[dict[str, np.ndarray]]) -> float:
    """Mean over outputs of the mean over inputs of ||got - reference|| / ||reference||."""
    errors = []
    for name in reference[0]:
        errors.append(np.mean([np.linalg.norm(g[name] - r[name]) / max(np.linalg.norm(r[name]), 1e-12)
                               for r, g in zip(reference, got)]))
    return float(np.mean(errors))


def _outputs(model: onnx.ModelProto, feeds: list[dict]) -> list[dict[str, np.ndarray]]:
    session = _session(model)
    return [session.run_sync(feed) for feed in feeds]


def _content_key(fp32: Path, feeds: list[dict], what: str) -> str:
    digest = hashlib.sha256(what.encode())
    digest.update(fp32.read_bytes())
    for feed in feeds:
        for name in sorted(feed):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(feed[name]).tobytes())
    for module in (quantise, inspect.getmodule(output_error)):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def _cached(fp32: Path, feeds: list[dict], what: str, compute: Callable[[], dict]) -> dict:
    path = SENSITIVITY_CACHE / f"{what}-{_content_key(fp32, feeds, what)}.json"
    if path.exists():
        return json.loads(path.read_text())
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


def _with_weights(model: onnx.ModelProto, replace: Callable[[quantise.WeightLayer, np.ndarray], np.ndarray],
                  layers: list[quantise.WeightLayer]) -> onnx.ModelProto:
    """A copy of `model` whose `layers` weights are `replace(layer, weight)` (float32)."""
    from onnx import numpy_helper

    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    initializers = {init.name: init for init in copy.graph.initializer}
    for layer in layers:
        init = initializers[layer.name]
        init.CopyFrom(numpy_helper.from_array(replace(layer, numpy_helper.to_array(init)), layer.name))
    return copy


def layer_costs(fp32: Path, feeds: list[dict], log=print) -> list[dict]:
    """Per weight layer: {"layer" (its node's name: `WeightLayer.node`), "initializer", "values",
    "error"}: the output error with that weight alone in int8 (per channel), most costly first."""

    def compute() -> dict:
        model = onnx.load(str(fp32))
        reference = _outputs(model, feeds)
        rows = []
        for layer in quantise.weight_layers(model):
            single = _with_weights(model, lambda l, w: quantise.fake_quantised(w, l.axis), [layer])
            rows.append({"layer": layer.node, "initializer": layer.name, "values": layer.size, "error": output_error(reference, _outputs(single, feeds))})
        log(f"[sensitivity] {fp32.parent.parent.name}: {len(rows)} layers measured on {len(feeds)} calibration inputs")
        return {"layers": sorted(rows, key=lambda row: -row["error"])}

    return _cached(fp32, feeds, "layers", compute)["layers"]


def scheme_costs(fp32: Path, feeds: list[dict]) -> dict[str, float]:
    """Output error with every weight layer quantised under each of SCHEMES (decoded to float)."""

    def compute() -> dict:
        model = onnx.load(str(fp32))
        reference = _outputs(model, feeds)
        layers = quantise.weight_layers(model)
        result = {}
        for scheme, (bits, group) in SCHEMES.items():
            decoded = _with_weights(model, lambda l, w: quantise.fake_quantised(w, l.axis, bits, group), layers)
            result[scheme] = round(output_error(reference, _outputs(decoded, feeds)), 6)
        return result

    return _cached(fp32, feeds, "schemes", compute)


def search(fp32: Path, out: Path, feeds: list[dict], judge: Callable[[Path], dict], log=print) -> dict:
    """Write to `out` the smallest mix (k most sensitive layers in float16, the rest int8) that
    `judge` passes; returns {"kept_fp16": [...], "tries": [...], "layers": per-layer table,
    "schemes": scheme_costs, "verdict": judge's verdict on `out`}."""
    costs = layer_costs(fp32, feeds, log)
    order = [row["layer"] for row in costs]
    tries: dict[int, dict] = {}

    def attempt(k: int) -> dict:
        if k not in tries:
            candidate = out.with_name(f"{out.stem}.k{k}.onnx")
            quantise.weight_only(fp32, candidate, frozenset(order[:k]))
            verdict = judge(candidate)
            tries[k] = {"fp16_layers": k, "bytes": candidate.stat().st_size, "passed": verdict["passed"],
                        "verdict": verdict, "file": candidate}
            log(f"[mixed] {out.stem}: {k} layer(s) in fp16 -> {candidate.stat().st_size:,} B, "
                f"{'passes' if verdict['passed'] else 'fails'}")
        return tries[k]

    failing, k = -1, 0
    while not attempt(k)["passed"] and k < len(order):
        failing, k = k, min(len(order), max(1, 2 * k))
    passing = k if tries[k]["passed"] else None
    if passing is not None:
        while passing - failing > 1:
            middle = (passing + failing) // 2
            if attempt(middle)["passed"]:
                passing = middle
            else:
                failing = middle
    chosen = tries[passing if passing is not None else k]
    chosen["file"].replace(out)
    for entry in tries.values():
        entry["file"].unlink(missing_ok=True)
    total = sum(row["values"] for row in costs)
    return {
        "kept_fp16": order[:chosen["fp16_layers"]],
        "fp16_share_of_weights": round(sum(row["values"] for row in costs[:chosen["fp16_layers"]]) / max(total, 1), 4),
        "tries": [{key: value for key, value in entry.items() if key not in ("file", "verdict")} | {
            "figures": {key: value for key, value in entry["verdict"].items() if key not in ("passed", "bound")}}
            for _, entry in sorted(tries.items())],
        "layers": costs,
        "schemes": scheme_costs(fp32, feeds),
        "verdict": chosen["verdict"],
    }
