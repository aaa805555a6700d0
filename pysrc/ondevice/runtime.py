"""The Session protocol and its CPython implementation (onnxruntime).

A Session takes numpy arrays by input name and returns numpy arrays by output name; task code
sees nothing else, so the same pre/post-processing runs on native onnxruntime and on
onnxruntime-web (`ondevice.bridge.BrowserSession`).
"""
from __future__ import annotations

import time
from typing import Protocol

import numpy as np


class Session(Protocol):
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    backend: str
    last_run_ms: float

    async def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...

    async def close(self) -> None:
        """Release the model and its buffers; the session is unusable afterwards."""


class NativeSession:
    """A `Session` on CPython onnxruntime (CPU), for checks against the browser and for scripts."""

    def __init__(self, model: bytes | str, threads: int = 0, variant: str = ""):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        if variant == "int8-weights":
            # Fold each weight's DequantizeLinear into a float weight at load: fp32 speed.
            options.add_session_config_entry("session.disable_quant_qdq", "1")
        # x86 CPUs without VNNI saturate int16 sums in u8s8 int8 kernels; this makes onnxruntime
        # use exact u8u8 kernels there, so int8 results (and the build's gates) match VNNI CPUs.
        options.add_session_config_entry("session.x64quantprecision", "1")
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.input_names = tuple(i.name for i in self._session.get_inputs())
        self.output_names = tuple(o.name for o in self._session.get_outputs())
        self.backend = "native"
        self.last_run_ms = 0.0

    def run_sync(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._session is None:
            raise RuntimeError("this session was closed")
        started = time.perf_counter()
        values = self._session.run(list(self.output_names), feeds)
        self.last_run_ms = (time.perf_counter() - started) * 1000
        return dict(zip(self.output_names, values))

    async def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self.run_sync(feeds)

    async def close(self) -> None:
        self._session = None  # onnxruntime frees the session with its last reference
