"""Python's memory snapshot as the build ships it: every file of the wheels that Python can still read,
every library in place, the bytecode of PyScript's package.

The restore itself (numpy and Pillow working after it, the fallback to a normal boot) is tested in
the browser: test_browser_start.py.
"""
import json
import re
import struct

from ondevice_build.runtime_assets import PYSCRIPT_STDLIB
from ondevice_build.snapshot import PAGE, sparse
from snapshot_files import SITE_PACKAGES, pyodide_lock, shipped_config, snapshot_files, wheel_files

WASM_MAGIC = b"\0asm"
PYTHON_312_MAGIC = (3531).to_bytes(2, "little") + b"\r\n"  # importlib.util.MAGIC_NUMBER of Python 3.12
CHECKED_HASH = (3).to_bytes(4, "little")  # PEP 552 flags: hash-based, checked against the source
PYSCRIPT_FOLDER = "/home/pyodide/pyscript/"  # where PyScript writes its package: Python's working folder
# What only a compiler reads (C headers and static libraries, Cython files, pkg-config, type stubs)
COMPILER_ONLY = re.compile(r"\.(h|a|c|pxd|pyx|pc|pyi)$")


def test_the_snapshot_carries_what_python_can_still_read_of_the_wheels_and_the_libraries_it_loaded(dist):
    snapshot = shipped_config(dist)["python"]["snapshot"]
    layout, shipped = snapshot_files(dist)
    shipped = {path: data for path, data in shipped.items() if not path.startswith(PYSCRIPT_FOLDER)}
    expected = wheel_files(dist)
    assert sorted(layout["packages"]) == sorted(pyodide_lock(dist)["packages"])
    assert shipped.keys() <= expected.keys()
    assert [path for path in shipped if shipped[path] != expected[path]] == []
    # left out: what only a compiler reads, and bytecode of modules the snapshot had imported (that
    # Python never reads them again is checked in the browser: test_browser_start.py)
    left_out = expected.keys() - shipped.keys()
    assert all(COMPILER_ONLY.search(path) or path.endswith(".pyc") for path in left_out), left_out
    assert {SITE_PACKAGES + "numpy/__init__.pyc", SITE_PACKAGES + "PIL/Image.pyc",
            SITE_PACKAGES + "numpy/_core/include/numpy/ndarraytypes.h"} <= left_out
    # kept: what the pages load later (numpy.random's modules and library, Pillow's WebP codec),
    # data files, the packages' licences and metadata
    assert {SITE_PACKAGES + "numpy/random/__init__.pyc", SITE_PACKAGES + "PIL/WebPImagePlugin.pyc",
            SITE_PACKAGES + "numpy/random/_generator.cpython-312-wasm32-emscripten.so"} <= shipped.keys()
    assert all(path in shipped for path in expected if not COMPILER_ONLY.search(path) and not path.endswith(".pyc"))
    # numpy's core and Pillow's imaging library are loaded by the snapshot's imports, and each is a
    # wasm module placed at a recorded memory range of its own
    loaded = {lib["path"]: lib for lib in layout["libs"]}
    assert loaded.keys() == snapshot["libs"].keys()
    assert any("_multiarray_umath" in path for path in loaded) and any("PIL/_imaging." in path for path in loaded)
    assert all(shipped[path].startswith(WASM_MAGIC) for path in loaded)
    ranges = sorted((lib["memoryBase"], lib["memoryBase"] + lib["memorySize"]) for lib in loaded.values())
    assert all(end <= start for (_, end), (start, _) in zip(ranges, ranges[1:]))
    assert ranges[-1][1] <= snapshot["memoryBytes"] == layout["memory"]["bytes"]


def test_the_snapshot_carries_the_bytecode_of_every_module_of_pyscripts_package(dist):
    """PyScript writes its package as source into Python's working folder at every start; the
    snapshot's files put Python 3.12 bytecode beside each module (hash-based, checked against the
    source Python finds), and nothing else there. That Python uses it, being of the very source
    PyScript writes, is checked in the browser (test_browser_start.py)."""
    stdlib = PYSCRIPT_STDLIB.read_text(encoding="utf-8")
    modules = json.loads(stdlib[stdlib.index("{"):].strip().rstrip(";"))["pyscript"]
    shipped = {path: data for path, data in snapshot_files(dist)[1].items() if path.startswith(PYSCRIPT_FOLDER)}
    assert sorted(shipped) == sorted(f"{PYSCRIPT_FOLDER}__pycache__/{name[:-3]}.cpython-312.pyc" for name in modules)
    assert all(data[:8] == PYTHON_312_MAGIC + CHECKED_HASH for data in shipped.values())


def test_the_memory_file_leaves_out_only_pages_of_zeros_and_says_where_the_rest_goes():
    header = struct.pack("<4I", 0x706F7970, 32, 0, 0) + bytes(16)  # Pyodide's: its length in word 1
    pages = [bytes(PAGE), b"\x07" * PAGE, bytes(PAGE), bytes(PAGE), bytes(PAGE - 1) + b"\x01", b"\xff" * PAGE,
             bytes(PAGE)]
    memory = b"".join(pages)
    data, placement = sparse(header + memory)
    # written back into zeroed memory as the page does (js/python.mjs), the runs give the memory again
    restored, at = bytearray(placement["bytes"]), len(header)
    for offset, length in placement["runs"]:
        restored[offset:offset + length] = data[at:at + length]
        at += length
    assert data[:len(header)] == header and at == len(data)
    assert bytes(restored) == memory
    assert placement == {"bytes": 7 * PAGE, "runs": [[PAGE, PAGE], [4 * PAGE, 2 * PAGE]]}
