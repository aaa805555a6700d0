"""The only module that touches JavaScript: onnxruntime-web sessions, model bytes, DOM pixels.

Under CPython `IN_PYODIDE` is False and nothing here is called except the cheap checks, so the
rest of the library imports it freely. In the page it talks to the glue module
`site/js/ondevice.mjs`, which publishes `globalThis.ondevice` (onnxruntime-web, cached fetches
with byte progress, pixel reads from elements).
"""
from __future__ import annotations

import sys
import time
from typing import Callable

import numpy as np

from .errors import BackendUnavailable

IN_PYODIDE = sys.platform == "emscripten"

if IN_PYODIDE:  # pragma: no cover - exercised by the browser tests
    import js
    from pyodide.ffi import JsException, JsProxy, create_proxy, to_js
else:
    JsProxy = ()

# onnxruntime-web tensor type names for the numpy dtypes the models use.
_ORT_TYPES = {
    np.dtype(np.float32): "float32",
    np.dtype(np.float16): "float16",
    np.dtype(np.uint8): "uint8",
    np.dtype(np.int64): "int64",
    np.dtype(np.int32): "int32",
}
_NUMPY_TYPES = {name: dtype for dtype, name in _ORT_TYPES.items()}


def is_js_object(value) -> bool:
    """True for a JavaScript object seen from Pyodide (always False under CPython)."""
    return IN_PYODIDE and isinstance(value, JsProxy)


def _glue():
    return js.globalThis.ondevice


def _js_options(options: dict):
    return to_js(options, dict_converter=js.Object.fromEntries)


def element_size(element) -> tuple[int, int]:
    """(width, height) in pixels of an <img>, <video>, <canvas>, ImageBitmap or ImageData, read
    without copying a pixel (as the glue's readPixels sizes its canvas); (0, 0) when it has none."""
    def first(*names) -> int:
        for name in names:
            value = getattr(element, name, 0)
            if value:
                return int(value)
        return 0

    return first("videoWidth", "naturalWidth", "width"), first("videoHeight", "naturalHeight", "height")


def pixels_from_element(element) -> np.ndarray:
    """Read an <img>, <video>, <canvas>, ImageBitmap or ImageData as (H, W, 3) uint8 RGB."""
    frame = _glue().readPixels(element)
    height, width = int(frame.height), int(frame.width)
    rgba = np.empty((height, width, 4), dtype=np.uint8)
    frame.data.assign_to(rgba)
    return rgba[:, :, :3]


def draw_pixels(canvas, pixels: np.ndarray) -> None:
    """Draw an (H, W, 3) RGB or (H, W, 4) RGBA uint8 array onto a <canvas> (resized to fit)."""
    height, width = pixels.shape[:2]
    if pixels.shape[2] == 3:
        rgba = np.empty((height, width, 4), dtype=np.uint8)
        rgba[:, :, :3] = pixels
        rgba[:, :, 3] = 255
        pixels = rgba
    _glue().drawPixels(canvas, _typed_array(np.ascontiguousarray(pixels)), width, height)


async def fetch_text(url: str) -> str:
    """GET a small text file (manifest, labels) relative to the page."""
    return str(await _glue().fetchText(url))


async def webgpu_support() -> tuple[str | None, bool]:
    """(why WebGPU cannot be used here or None, whether it computes in 16-bit floats); asked once
    per page (the glue's answer is shared with its prefetch)."""
    answer = await _glue().webgpuSupport()
    problem = answer.problem
    return (None if problem is None else str(problem)), bool(answer.float16)


class BrowserSession:
    """A `Session` running on onnxruntime-web (WASM, or WebGPU where asked and available)."""

    def __init__(self, js_session, backend: str):
        self._session = js_session
        self.backend = str(getattr(js_session, "ondeviceBackend", None) or backend)  # what ORT was given
        self.input_names = tuple(js_session.inputNames)
        self.output_names = tuple(js_session.outputNames)
        self.last_run_ms = 0.0

    @classmethod
    async def open(cls, url: str, sha256: str, backend: str = "wasm", fold_weights: bool = False,
                   on_progress: Callable[[int, int], None] | None = None) -> "BrowserSession":
        """A session for the .onnx file at `url` (relative to the page) on onnxruntime-web.

        The glue downloads the file through the page's cache with byte progress (reusing a
        download the page shell already started), checks its sha256, and hands over a session it
        may have begun creating while Python was starting.
        fold_weights: turn each int8 weight's DequantizeLinear into a float weight at load (for
        weight-only int8 models; otherwise the embedding table would be dequantised every run).
        Raises BackendUnavailable when `backend` cannot run the model in this browser.
        """
        callback = create_proxy(lambda loaded, total: on_progress(int(loaded), int(total))) if on_progress else None
        options = {"sha256": sha256, "backend": backend, "foldWeights": fold_weights, "onProgress": callback}
        try:
            js_session = await _glue().openSession(url, _js_options(options))
        except JsException as error:
            if getattr(error, "name", "") == "BackendUnavailable":
                raise BackendUnavailable(str(error.message)) from None
            raise
        finally:
            if callback is not None:
                callback.destroy()
        return cls(js_session, backend)

    async def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run the graph; arrays in, arrays out (copied across the JS boundary once each way).

        Every tensor made here, inputs and outputs, is disposed in `finally`, however the run ends
        (an input of the wrong shape, a failed run, a failed copy): a failing call leaks nothing.
        """
        if self._session is None:
            raise RuntimeError("this session was closed")
        glue = _glue()
        js_feeds, results = {}, None
        try:
            for name, array in feeds.items():
                array = np.ascontiguousarray(array)
                dims = to_js([int(d) for d in array.shape])
                js_feeds[name] = await glue.tensor(self.backend, _ORT_TYPES[array.dtype], _typed_array(array), dims)
            started = time.perf_counter()
            results = await self._session.run(_js_options(js_feeds))
            self.last_run_ms = (time.perf_counter() - started) * 1000
            outputs = {}
            for name in self.output_names:
                tensor = getattr(results, name)
                out = np.empty(tuple(int(d) for d in tensor.dims), dtype=_NUMPY_TYPES[str(tensor.type)])
                tensor.data.assign_to(out)
                outputs[name] = out
            return outputs
        finally:
            for tensor in js_feeds.values():
                tensor.dispose()
            if results is not None:
                for name in js.Object.keys(results):
                    getattr(results, name).dispose()

    async def close(self) -> None:
        """Release onnxruntime-web's session (its weights and buffers); idempotent."""
        session, self._session = self._session, None
        if session is not None:
            await session.release()


def _typed_array(array: np.ndarray):
    constructor = {
        "float32": js.Float32Array,
        "float16": js.Uint16Array,
        "uint8": js.Uint8Array,
        "int64": js.BigInt64Array,
        "int32": js.Int32Array,
    }[_ORT_TYPES[array.dtype]]
    typed = constructor.new(array.size)
    typed.assign((array.view(np.uint16) if array.dtype == np.float16 else array).reshape(-1))
    return typed
