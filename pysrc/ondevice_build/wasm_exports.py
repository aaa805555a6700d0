"""Pyodide's wasm without the exports of the C++ library that no shipped library links to.

Why: Pyodide's interpreter is an Emscripten main module, which exports every symbol it has so that a
shared library loaded later can link to it: 9,837 exports, 5,897 of them mangled C++ names (libc++'s).
At every start Emscripten's dynamic linker walks each export on the page's main thread while Python
starts: a GOT entry (a `WebAssembly.Global`) for each, a function-table slot for each function that
has none yet, the symbol table copied again as each library loads. The libraries this site can load
are those of its lock's wheels (numpy's and Pillow's), which import 20 C++ names; Pyodide's
JavaScript names none, and nothing the site runs looks a C++ name up by hand (`ctypes` could). So
the build keeps every export but the mangled names that no shared library in the shipped wheels
imports (docs/STARTUP.md: 5,877 fewer, 42-76 ms of linking a visit instead of 105-128 ms).

Only the export section changes: the file's functions, globals and indices stay as they were. The
page's run time does change: the linker gives the table fewer slots and the GOT fewer entries, so
every library lands elsewhere in the table. The memory snapshot records those places; it is made
from this wasm (its cache key and the runtime's folder name hash it) and the restore refuses a
snapshot whose link digest differs (js/python.mjs).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .wasm_format import (EXPORT_SECTION, IMPORT_SECTION, join_sections, read_exports, read_imports,
                          split_sections, vector)

LINKED_MODULES = {"env", "GOT.func", "GOT.mem"}  # what a side module imports from the modules it is linked to
CXX_MANGLED = "_Z"
SHARED_LIBRARY = re.compile(r"\.so(.\d+)*$")  # the files Pyodide loads as shared libraries: its SHAREDLIB_REGEX


def linked_imports(wasm: bytes) -> set[str]:
    """The names a side module imports from the modules it is linked to."""
    return {field for sid, payload in split_sections(wasm) if sid == IMPORT_SECTION
            for module, field, _kind in read_imports(payload) if module in LINKED_MODULES}


def wheel_imports(wheels: list[Path]) -> set[str]:
    """Every name that the shared libraries in `wheels` import from the modules they are linked to."""
    names = set()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if SHARED_LIBRARY.search(member):
                    names |= linked_imports(archive.read(member))
    return names


def without_unlinked_cxx_exports(wasm: bytes, wheels: list[Path]) -> bytes:
    """`wasm` without its exports named as mangled C++ that no shared library in `wheels` imports."""
    needed = wheel_imports(wheels)

    def kept(payload: bytes) -> bytes:
        return vector([entry for name, entry in read_exports(payload)
                       if not name.startswith(CXX_MANGLED) or name in needed])

    return join_sections([(sid, kept(payload) if sid == EXPORT_SECTION else payload)
                          for sid, payload in split_sections(wasm)])
