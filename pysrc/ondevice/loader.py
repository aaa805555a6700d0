"""`load(task)`: find a model in the manifest, fetch it with progress, open a Session, wrap it.

Models come from a *store*: the page's `models/` folder in the browser (fetched through the
Cache Storage with byte progress), or a local folder under CPython (the build's `dist/models`,
or the folder named by the ONDEVICE_MODELS environment variable).

Backends: WebGPU is used where asked and where it can run the model; otherwise `load()` falls back
by itself (`choose_variant`, then a failed WebGPU session) and the task object's `variant`,
`session.backend` and `fallback` (why, in the user's words) say what really runs.
"""
from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import bridge
from .errors import BackendUnavailable
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


@dataclass(frozen=True)
class WebGPUSupport:
    """What the browser's WebGPU offers: `problem` says why it cannot be used (None: it can);
    `float16`: its shaders compute in 16-bit floats (fp16 models need that)."""

    problem: str | None = None
    float16: bool = True


@dataclass(frozen=True)
class Choice:
    """The variant and backend a task really runs on; `fallback` says why they differ from what was
    asked (in the user's words), None when they do not."""

    variant: str
    backend: str
    fallback: str | None = None


def choose_variant(defaults: dict, shipped, variant: str | None, backend: str,
                   webgpu: WebGPUSupport) -> Choice:
    """Which of the `shipped` variants runs, and on which backend, for what was asked.

    defaults: the manifest's default_variant ({"wasm": ..., "webgpu": ...}). Without a usable
    WebGPU the WASM default runs on WASM (a WebGPU variant such as fp16 is no WASM default); an fp16
    variant on a WebGPU without 16-bit floats becomes fp32 on WebGPU.
    """
    variant = variant or defaults[backend]
    if backend != "webgpu":
        return Choice(variant, backend)
    if webgpu.problem:
        wasm = defaults["wasm"]
        return Choice(wasm, "wasm", f"WebGPU is not available here ({webgpu.problem}), "
                                    f"so the {wasm} model runs on WASM instead.")
    if variant == "fp16" and not webgpu.float16 and "fp32" in shipped:
        return Choice("fp32", "webgpu", "This device's WebGPU cannot compute in 16-bit floats, "
                                        "so the fp32 model runs on WebGPU instead of fp16.")
    return Choice(variant, backend)


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

    async def webgpu_support(self) -> WebGPUSupport:
        return WebGPUSupport()  # CPython runs every variant natively, whatever backend was asked


class PageStore:
    """Model files served beside the page (Pyodide): cached, verified, with byte progress."""

    def __init__(self, base_url: str = "models/"):
        self.base_url = base_url

    async def text(self, name: str) -> str:
        return await bridge.fetch_text(self.base_url + name)

    async def session(self, name: str, sha256: str, backend: str, on_progress, variant: str = ""):
        return await bridge.BrowserSession.open(self.base_url + name, sha256, backend,
                                                fold_weights=variant == "int8-weights", on_progress=on_progress)

    async def webgpu_support(self) -> WebGPUSupport:
        problem, float16 = await bridge.webgpu_support()
        return WebGPUSupport(problem, float16)


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
    backend: "wasm" or "webgpu" (browser only; CPython always runs native onnxruntime). Where
        WebGPU is missing or cannot run the model, the WASM default variant runs on WASM instead
        (see choose_variant); the task object's `fallback` then says why, else it is None.
    on_progress: called with Progress(file, loaded, total) while the model downloads.
    """
    spec = spec_for(task)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    store = store or default_store()
    entry = (await read_manifest(store))["models"].get(task)
    if entry is None:
        raise ValueError(f"the site was built without a model for {task!r}")
    shipped, defaults = entry["variants"], entry["default_variant"]
    if variant is not None and variant not in shipped:
        raise ValueError(f"variant {variant!r} of {task} is not shipped; available: {', '.join(shipped)}")
    webgpu = await store.webgpu_support() if backend == "webgpu" else WebGPUSupport()
    choice = choose_variant(defaults, shipped, variant, backend, webgpu)
    labels = json.loads(await store.text(entry["labels"]))

    async def open_session(choice: Choice):
        file = shipped[choice.variant]
        report = (lambda loaded, total: on_progress(Progress(file["file"], loaded, total))) if on_progress else None
        return await store.session(file["file"], file["sha256"], choice.backend, report, choice.variant)

    opening = asyncio.ensure_future(open_session(choice))
    task_class(spec).warm_up(spec)  # while the session is being made
    try:
        session = await opening
    except BackendUnavailable as error:
        if choice.backend == "wasm":
            raise
        choice = Choice(defaults["wasm"], "wasm", f"WebGPU could not run this model here ({error}), "
                                                  f"so the {defaults['wasm']} model runs on WASM instead.")
        session = await open_session(choice)
    model = task_class(spec)(session, spec, labels, choice.variant, shipped[choice.variant]["sha256"])
    model.fallback = choice.fallback
    return model


def task_class(spec):
    """The class named by spec.task_class ("module:Class" under ondevice.tasks), imported lazily."""
    module, name = spec.task_class.split(":")
    return getattr(importlib.import_module(f".tasks.{module}", __package__), name)
