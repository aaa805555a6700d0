"""Precompiled Python for the browser: archives rewritten with 3.12 bytecode, cached by content.

Pyodide's `python_stdlib.zip`, the numpy/Pillow wheels and our `ondevice.zip` carry only `.py`
sources, and PyScript writes its own package as source, so every page start compiled them in wasm
(most of Python's start-up time). Here each is
rewritten once, at build time, by `pyc_archive.py` running inside Pyodide itself under node (the
machine's CPython is another version, and bytecode is version-specific). Every input is checked
against its expected sha256 first; the output depends only on the input bytes and the compiler
(hash-based .pyc, unchecked but for PyScript's package; fixed entry order and timestamps), so it is cached under
`.cache/bytecode/` by a key made of both.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .fetch import file_sha256
from .paths import CACHE, NODE_MODULES

HERE = Path(__file__).resolve().parent
COMPILER = HERE / "pyc_archive.py"  # runs inside Pyodide
RUNNER = HERE / "pyodide_node.mjs"  # starts Pyodide under node and runs a script in it
PYODIDE = NODE_MODULES / "pyodide"
STORE = CACHE / "bytecode"


class CompileError(RuntimeError):
    """Pyodide could not compile an archive (the message holds its output)."""


@dataclass(frozen=True)
class Archive:
    """A zip or wheel to compile and how the browser imports it (see pyc_archive's docstring).

    prefix: the folder its entries live under in the browser (names the code objects);
    layout: "zip" (imported from the zip file) or "folder" (unpacked first);
    keep_sources: ship the .py files beside the bytecode (tracebacks with source lines);
    check_source: bytecode the importer checks against the source it finds beside it (for sources
    written at run time by someone else: PyScript's package).
    """

    source: Path
    sha256: str
    prefix: str
    layout: str
    keep_sources: bool = False
    check_source: bool = False


def compiler_fingerprint() -> str:
    """sha256 of what decides the bytecode: the compiler script, its runner and Pyodide's version."""
    pyodide_version = json.loads((PYODIDE / "package.json").read_text())["version"]
    digest = hashlib.sha256(pyodide_version.encode())
    for path in (COMPILER, RUNNER):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(archive: Archive, fingerprint: str) -> str:
    recipe = [archive.sha256, archive.prefix, archive.layout, archive.keep_sources, archive.check_source, fingerprint]
    return hashlib.sha256(json.dumps(recipe).encode()).hexdigest()


def compiled_path(archive: Archive, fingerprint: str) -> Path:
    return STORE / f"{cache_key(archive, fingerprint)[:16]}-{archive.source.name}"


def verify(archive: Archive) -> None:
    actual = file_sha256(archive.source)
    if actual != archive.sha256:
        raise CompileError(f"{archive.source} has sha256 {actual}, expected {archive.sha256}: refusing to compile it")


def compile_archives(archives: list[Archive], log=print) -> list[Path]:
    """Each archive with its Python compiled to bytecode: paths of the results, in order.

    Inputs are verified by sha256; results come from the cache when compiled before, else all
    missing ones are compiled in one Pyodide run. Raises CompileError when an input does not match
    or Pyodide fails.
    """
    fingerprint = compiler_fingerprint()
    targets = [compiled_path(archive, fingerprint) for archive in archives]
    missing = [(a, t) for a, t in zip(archives, targets) if not t.exists()]
    for archive, _ in missing:
        verify(archive)
    if missing:
        run_compiler(missing, log)
    return targets


def run_compiler(jobs: list[tuple[Archive, Path]], log=print) -> None:
    """Compile `jobs` (archive, cache path) in one Pyodide run, in a folder only Pyodide sees."""
    node = shutil.which("node")
    if node is None:
        raise CompileError("node not found: Node.js 20+ is needed to compile Python for the browser")
    STORE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=STORE) as folder:
        work = Path(folder)
        shutil.copy2(COMPILER, work / COMPILER.name)
        specs = []
        for index, (archive, _) in enumerate(jobs):
            shutil.copy2(archive.source, work / f"in-{index}-{archive.source.name}")
            specs.append({"source": f"in-{index}-{archive.source.name}", "target": f"out-{index}-{archive.source.name}",
                          "prefix": archive.prefix, "layout": archive.layout, "keep_sources": archive.keep_sources,
                          "check_source": archive.check_source})
        (work / "jobs.json").write_text(json.dumps(specs))
        result = subprocess.run([node, str(RUNNER), str(PYODIDE), str(work), COMPILER.name, "jobs.json"],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise CompileError(f"Pyodide could not compile {[a.source.name for a, _ in jobs]}:\n"
                               f"{(result.stdout + result.stderr).strip()[-4000:]}")
        for spec, (archive, target) in zip(specs, jobs):
            (work / spec["target"]).replace(target)
            log(f"[bytecode] {archive.source.name}: {archive.source.stat().st_size:,} B of sources -> "
                f"{target.stat().st_size:,} B compiled")
