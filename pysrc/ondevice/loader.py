"""`load(task)`: find a model in the manifest, fetch it with progress, open a Session, wrap it.

Models come from a *store*: the page's `models/` folder in the browser (fetched through the
Cache Storage with byte progress), or a local folder under CPython (the build's `dist/models`,
or the folder named by the ONDEVICE_MODELS environment variable).
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import bridge
from .registry import spec_for
from .runtime import NativeSession

BACKENDS = ("wasm", "webgpu")
REPO_MODELS = Path(__file__).resolve().parents[2] / "dist" / "models"


@dataclass(frozen=True)
class Progress:
    """Bytes of one file loaded so far; `total` is 0 while unknown."""

    file: str
    loaded: int
    total: int


ProgressCallback = Callable[[Progress], None]


class LocalStore:
    """Model files in a folder on disk (CPython)."""

    def __init__(self, folder: Path | str | None = None):
        folder = folder or os.environ.get("ONDEVICE_MODELS") or REPO_MODELS
        self.folder = Path(folder)

    async def text(self, name: str) -> str:
        path = self.folder / name
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: run `python build.py` or set ONDEVICE_MODELS")
        return path.read_text(encoding="utf-8")

    async def session(self, name: str, sha256: str, backend: str, on_progress, variant: str = ""):
        data = (self.folder / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"{name} does not match the sha256 in the manifest")
        if on_progress:
            on_progress(len(data), len(data))
        return NativeSession(data, variant=variant)


class PageStore:
    """Model files served beside the page (Pyodide): cached, verified, with byte progress."""

    def __init__(self, base_url: str = "models/"):
        self.base_url = base_url

    async def text(self, name: str) -> str:
        return await bridge.fetch_text(self.base_url + name)

    async def session(self, name: str, sha256: str, backend: str, on_progress, variant: str = ""):
        return await bridge.BrowserSession.open(self.base_url + name, sha256, backend,
                                                fold_weights=variant == "int8-weights", on_progress=on_progress)


def default_store():
    return PageStore() if bridge.IN_PYODIDE else LocalStore()


async def read_manifest(store) -> dict:
    return json.loads(await store.text("manifest.json"))


async def load(
    task: str,
    *,
    variant: str | None = None,
    backend: str = "wasm",
    on_progress: ProgressCallback | None = None,
    store=None,
):
    """Load the model for `task` and return its callable task object.

    task: "image-classification" (see ondevice.registry.MODELS for all).
    variant: "int8-weights" | "int8" | "fp16" | "fp32"; default: the variant the build chose for
        the backend (see the manifest's default_variant).
    backend: "wasm" or "webgpu" (browser only; CPython always runs native onnxruntime).
    on_progress: called with Progress(file, loaded, total) while the model downloads.
    """
    spec = spec_for(task)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    store = store or default_store()
    entry = (await read_manifest(store))["models"].get(task)
    if entry is None:
        raise ValueError(f"the site was built without a model for {task!r}")
    shipped = entry["variants"]
    if variant is None:
        variant = entry["default_variant"][backend]
    if variant not in shipped:
        raise ValueError(f"variant {variant!r} of {task} is not shipped; available: {', '.join(shipped)}")
    file = shipped[variant]
    labels = json.loads(await store.text(entry["labels"]))
    report = (lambda loaded, total: on_progress(Progress(file["file"], loaded, total))) if on_progress else None
    session = await store.session(file["file"], file["sha256"], backend, report, variant)
    return task_class(spec)(session, spec, labels, variant, file["sha256"])


def task_class(spec):
    """The class named by spec.task_class ("module:Class" under ondevice.tasks), imported lazily."""
    module, name = spec.task_class.split(":")
    return getattr(importlib.import_module(f".tasks.{module}", __package__), name)
