"""The recipe format: what every model recipe in models/ declares.

A recipe names its pinned inputs (weights, labels), how to export the fp32 ONNX graph from them,
how to read the label list, which quantised variants to try, the quality gate each variant
must pass against fp32 to be shipped, and (for int8-weights) the pinned mix of int8 and float16
weights that `python build.py quantise-search TASK` chose.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from ondevice.registry import ModelSpec

from .fetch import Artifact


class Gate(Protocol):
    """Compares a candidate variant with fp32 on real inputs; says whether it may ship and why."""

    def judge(self, spec: ModelSpec, labels: list[str], fp32: Path, candidate: Path, variant: str) -> dict: ...

    def calibration_feeds(self, spec: ModelSpec) -> list[dict]: ...

    def sensitivity_feeds(self, spec: ModelSpec, labels) -> list[dict]: ...


@dataclass(frozen=True)
class Recipe:
    spec: ModelSpec
    inputs: dict[str, Artifact]
    export: Callable[[dict[str, Path], Path], None]  # (fetched inputs, output .onnx) -> None
    read_labels: Callable[[dict[str, Path]], list[str]]
    gate: Gate
    quantisations: tuple[str, ...] = ("int8", "fp16")
    conversion_check: Callable[[dict[str, Path], Path], dict] | None = None
    # Files outside the recipe module that shape the export (a conversion script run in a tool
    # environment, that environment's lock): their bytes are part of the model's cache key.
    tool_files: tuple[Path, ...] = ()
    # The int8-weights variant's mix, pinned: a JSON file committed next to the recipe, written by
    # `python build.py quantise-search TASK` (sensitivity.PinnedMix). The build quantises with it
    # and gates the result once; it never searches. None: every weight in int8.
    weight_mix: Path | None = None
