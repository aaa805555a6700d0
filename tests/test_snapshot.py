"""Python's memory snapshot as the build ships it: every file of the wheels that Python can still read,
every library in place.

The restore itself (numpy and Pillow working after it, the fallback to a normal boot) is tested in
the browser: test_browser_start.py.
"""
import re
import struct

from ondevice_build.snapshot import PAGE, sparse
from snapshot_files import SITE_PACKAGES, pyodide_lock, shipped_config, snapshot_files, wheel_files

WASM_MAGIC = b"\0asm"
# What only a compiler reads (C headers and static libraries, Cython files, pkg-config, type stubs)
COMPILER_ONLY = re.compile(r"\.(h|a|c|pxd|pyx|pc|pyi)$")


def test_the_snapshot_carries_what_python_can_still_read_of_the_wheels_and_the_libraries_it_loaded(dist):
    snapshot = shipped_config(dist)["python"]["snapshot"]
    layout, shipped = snapshot_files(dist)
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
