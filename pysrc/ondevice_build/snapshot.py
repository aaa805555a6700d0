"""Python's memory snapshot: Pyodide with numpy, Pillow and `ondevice` imported, made at build time.

A page restores it instead of booting Pyodide, loading the wheels and importing them (js/python.mjs;
docs/STARTUP.md). Three files go beside Pyodide in the site's runtime folder:
- `snapshot-memory-<hash>.bin`: Pyodide's linear memory after `SNAPSHOT_IMPORTS` ran (made by
  `snapshot_make.mjs` under node, from the very files the pages load), without its pages of zeros:
  Pyodide's header, then the memory's runs of pages that hold a byte other than zero (`sparse`: a
  quarter of the memory is zeros), which the page writes back into zeroed memory;
- `snapshot-site-<hash>.bin`: the other files of the wheels that Python can still read, end to end:
  the page writes them into site-packages (later imports, data files, the libraries a later import
  loads). Left out: the modules the imports ran (Python does not read a module again once it is in
  `sys.modules`) and what only builds extensions against the packages (`BUILD_ONLY`). Then the
  other files Python's file system gets before PyScript starts (the bytecode of PyScript's package,
  beside where PyScript writes its sources);
- `<library>-<hash>.wasm`: each library the imports loaded (numpy's and Pillow's extension
  modules), on its own so the page compiles it as it downloads and Chromium keeps the compiled code;
- `snapshot-<hash>.json`: where each run of the memory goes (`memory`: the memory's size and each
  run's offset and length), where each file sits in the site files, the packages it holds, the sha256
  of the page's code it imported (`ondevice.zip`, which the page writes where it stood), and what
  the restore needs to put the libraries back where they were (their dlopen handles and memory
  ranges, the linker digest).

Cached under `.cache/snapshot/` by a key made of every input: the maker, the page's restore code,
Pyodide's files and the compiled stdlib and wheels it ran with, the page's code, and the imports.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .fetch import file_sha256
from .paths import CACHE, SITE

HERE = Path(__file__).resolve().parent
MAKER = HERE / "snapshot_make.mjs"
RESTORER = SITE / "js" / "python.mjs"  # its linkDigest() is the maker's too
STORE = CACHE / "snapshot"
SITE_PACKAGES = "/lib/python3.12/site-packages"  # where loadPackage unpacks wheels, and the snapshot's maker
# Where the page's code zip (ondevice.zip) sits on sys.path: the snapshot imports `ondevice` from there,
# and js/python.mjs writes the page's copy there (config.python.code.path, from bundle.py)
CODE_PATH = "/lib/ondevice.zip"
# What the snapshot has imported: what the pages' Python imports before its first result, the
# stdlib included (its bytecode is then already unmarshalled), and the `ondevice` library with every
# task, from the page's code zip. Not the page modules: they import pyscript, which PyScript writes
# and sets up as it starts. A JavaScript object Python holds must be reachable from `globalThis` (as
# `js` is): Pyodide records its path and looks it up again at restore.
SNAPSHOT_IMPORTS = """\
import asyncio, dataclasses, hashlib, importlib, inspect, io, json, pathlib, re, traceback, typing
import unicodedata, warnings
import numpy
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
Image.preinit()  # the JPEG, PNG, GIF, BMP and PPM plugins, which Image.open would import
import ondevice, ondevice.compose, ondevice.tasks.segment
"""


PAGE = 4096  # the memory file leaves out the memory's pages of PAGE zeros


def sparse(snapshot: bytes) -> tuple[bytes, dict]:
    """Pyodide's snapshot (a header whose second word is its length, then the linear memory) as the
    header followed by the memory's runs of pages that are not all zeros, and where those runs go:
    {"bytes": the memory's size, "runs": [[offset in the memory, length], ...]}."""
    header = int.from_bytes(snapshot[4:8], "little")
    memory = memoryview(snapshot)[header:]
    zeros = bytes(PAGE)
    runs = []
    for offset in range(0, len(memory), PAGE):
        page = memory[offset:offset + PAGE]
        if page == zeros[:len(page)]:
            continue
        if runs and sum(runs[-1]) == offset:
            runs[-1][1] += len(page)
        else:
            runs.append([offset, len(page)])
    data = b"".join([snapshot[:header], *(memory[offset:offset + length] for offset, length in runs)])
    return data, {"bytes": len(memory), "runs": runs}


# Files of the wheels that only a compiler reads: C headers and static libraries (numpy.get_include),
# Cython declarations and sources, pkg-config files, type stubs.
BUILD_ONLY = (".h", ".a", ".c", ".pxd", ".pyx", ".pc", ".pyi")


class SnapshotError(RuntimeError):
    """The snapshot could not be made (the message holds Pyodide's output)."""


def cache_key(runtime: Path, wheels: dict[str, Path], library: Path) -> str:
    inputs = [SNAPSHOT_IMPORTS, sorted(wheels), CODE_PATH]
    inputs += [file_sha256(path) for path in (MAKER, RESTORER, library, *sorted(runtime.iterdir()))]
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


def wheel_files(wheels: dict[str, Path]):
    """(site-packages path, bytes) of every file of the wheels."""
    for wheel in wheels.values():
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield f"{SITE_PACKAGES}/{info.filename}", archive.read(info)


def make(runtime: Path, wheels: dict[str, Path], library: Path, target: Path) -> None:
    """Run the maker on `runtime`, with `library` at CODE_PATH, into `target` (memory.bin, link.json)."""
    node = shutil.which("node")
    if node is None:
        raise SnapshotError("node not found: Node.js 20+ is needed to make Python's snapshot")
    with tempfile.TemporaryDirectory() as folder:
        imports = Path(folder) / "imports.py"
        imports.write_text(SNAPSHOT_IMPORTS)
        names = json.dumps([path.name for path in wheels.values()])
        result = subprocess.run([node, str(MAKER), str(runtime), names, str(library), CODE_PATH, str(imports),
                                 str(target)],
                                capture_output=True, text=True)
    if result.returncode != 0:
        raise SnapshotError(f"Pyodide could not make the snapshot:\n{(result.stdout + result.stderr).strip()[-4000:]}")


def write_named(folder: Path, stem: str, suffix: str, data: bytes) -> str:
    """Write `data` into `folder` under a name with its hash (the runtime folder is cached for a
    year by the server: a changed file must change its name); return the name."""
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}{suffix}"
    (folder / name).write_bytes(data)
    return name


def write_snapshot(runtime: Path, wheels: dict[str, Path], library: Path, more_files: dict[str, bytes],
                   log=print) -> dict:
    """Make (or take from the cache) the snapshot of the Pyodide in `runtime` with the `wheels`
    ({package: wheel in runtime}) installed and the page's code (`library`, a zip on `sys.path` at
    CODE_PATH), and write its files into `runtime`, `more_files` ({path: bytes}) among its site
    files: their names by role ("memory", "site", "meta", and "libs": {library path: file}), and
    "memoryBytes", the size of the memory it restores."""
    cached = STORE / cache_key(runtime, wheels, library)[:16]
    if not (cached / "link.json").exists():
        STORE.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=STORE))
        make(runtime, wheels, library, staging)
        shutil.rmtree(cached, ignore_errors=True)
        staging.rename(cached)
        size = (cached / "memory.bin").stat().st_size
        log(f"[snapshot] made: {size:,} B of memory with {', '.join(wheels)} and ondevice imported")
    link = json.loads((cached / "link.json").read_text())
    loaded = {lib["path"] for lib in link["libs"]}
    unread = set(link.pop("imported"))
    site, libs = [], {}
    for path, data in wheel_files(wheels):
        if path in loaded:
            libs[path] = write_named(runtime, path.rsplit("/", 1)[1].split(".")[0], ".wasm", data)
        elif path not in unread and not path.endswith(BUILD_ONLY):
            site.append((path, data))
    blob, index = bytearray(), []
    for path, data in site + sorted(more_files.items()):
        index.append([path, len(blob), len(data)])
        blob += data
    memory, placement = sparse((cached / "memory.bin").read_bytes())
    layout = {"packages": sorted(wheels), "code": file_sha256(library), "memory": placement, **link, "files": index}
    return {"memory": write_named(runtime, "snapshot-memory", ".bin", memory), "memoryBytes": placement["bytes"],
            "site": write_named(runtime, "snapshot-site", ".bin", bytes(blob)),
            "meta": write_named(runtime, "snapshot", ".json", json.dumps(layout).encode()),
            "libs": libs}
