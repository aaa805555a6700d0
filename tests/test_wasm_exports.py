"""Pyodide's wasm without the C++ exports no shipped library links to, read by V8 under node.

V8's own reading of the modules (`WebAssembly.Module.exports` and `.imports`) says what each library
of the shipped wheels imports and what the interpreters export; the shipped interpreter must export
every name a library imports from it and leave out only mangled C++ names, and its export entries
must be npm's own, byte for byte and in order (the tests' own reader, `wasm_reading`).
"""
import re
import zipfile

from ondevice_build.paths import NODE_MODULES
from ondevice_build.runtime_assets import INTERPRETER, STDLIB
from ondevice_build.wasm_exports import without_unlinked_cxx_exports

from node_js import run_node, run_node_json
from wasm_reading import export_entries

# {file: {"exports": [[name, kind], ...], "imports": [[module, name, kind], ...]}} as V8 reads each module
READ = """
const fs = require("fs");
const out = {};
for (const file of process.argv.slice(1)) {
  const module = new WebAssembly.Module(fs.readFileSync(file));
  out[file] = { exports: WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]),
                imports: WebAssembly.Module.imports(module).map((i) => [i.module, i.name, i.kind]) };
}
console.log(JSON.stringify(out));
"""


def read_in_node(*files):
    return run_node_json(READ, *files)


def pyodides_shared_library_pattern():
    """The pattern by which Pyodide's package loader tells a shared library (SHAREDLIB_REGEX)."""
    with zipfile.ZipFile(NODE_MODULES / "pyodide" / STDLIB) as stdlib:
        source = stdlib.read("pyodide/_package_loader.py").decode()
    return re.compile(re.search(r'SHAREDLIB_REGEX = re\.compile\(r"(.+)"\)', source).group(1))


def shared_libraries(wheels, folder):
    """Every shared library Pyodide would load from `wheels`, written to `folder`."""
    pattern, files = pyodides_shared_library_pattern(), []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for member in (m for m in archive.namelist() if pattern.search(m.rsplit("/", 1)[-1])):
                files.append(folder / f"{len(files)}.so")
                files[-1].write_bytes(archive.read(member))
    return files


def test_the_shipped_interpreter_leaves_out_only_cxx_exports_no_shipped_library_imports(dist, tmp_path):
    shipped = next(dist.glob(f"runtime/pyodide-*/{INTERPRETER}"))
    npm = NODE_MODULES / "pyodide" / INTERPRETER
    wheels = sorted(shipped.parent.glob("*.whl"))
    libraries = shared_libraries(wheels, tmp_path)
    assert wheels and len(libraries) > 5  # numpy's and Pillow's
    read = read_in_node(npm, shipped, *libraries)
    original = dict(map(tuple, read.pop(str(npm))["exports"]))
    kept = dict(map(tuple, read.pop(str(shipped))["exports"]))
    imported = {name for library in read.values() for module, name, _ in library["imports"]
                if module in ("env", "GOT.func", "GOT.mem")}
    left_out = original.keys() - kept.keys()
    assert all(name.startswith("_Z") for name in left_out)
    assert not left_out & imported
    assert imported & original.keys() <= kept.keys()
    assert any(name.startswith("_Z") for name in imported & kept.keys())  # (the C++ names numpy links to)
    assert len(left_out) > len(original) / 2
    npm_entries = export_entries(npm.read_bytes())  # each kept export: npm's entry (kind, index), in npm's order
    assert list(export_entries(shipped.read_bytes()).items()) == [
        (name, entry) for name, entry in npm_entries.items() if name in kept]


def module(sections):
    return b"\0asm\1\0\0\0" + b"".join(bytes([sid, len(payload)]) + payload for sid, payload in sections)


def name(text):
    return bytes([len(text)]) + text.encode()


def test_exports_a_library_imports_stay_and_the_module_computes_as_before(tmp_path):
    # a module exporting "add" (C) and four mangled names; the wheel's library imports two of them from
    # env and GOT.func, one from GOT.mem (a global), and another module's "_Z3subii", which is not this one's
    add, sub = b"\x20\x00\x20\x01\x6a", b"\x20\x00\x20\x01\x6b"  # local.get 0, local.get 1, i32.add / i32.sub
    types = b"\x01\x60\x02\x7f\x7f\x01\x7f"
    functions = b"\x02\x00\x00"
    globals_ = b"\x01\x7f\x00\x41\x2a\x0b"  # an immutable i32 global = 42
    exports = [("add", 0, 0), ("_Z3addii", 0, 0), ("_Z3subii", 0, 1), ("_Z3muliii", 0, 1), ("_ZN4data5valueE", 3, 0)]
    exports_payload = bytes([len(exports)]) + b"".join(name(n) + bytes([kind, i]) for n, kind, i in exports)
    code = b"\x02" + b"".join(bytes([len(c) + 2]) + b"\x00" + c + b"\x0b" for c in (add, sub))
    main = module([(1, types), (3, functions), (6, globals_), (7, exports_payload), (10, code)])
    imports = [("env", "_Z3addii", b"\x00\x00"), ("GOT.func", "_Z3muliii", b"\x03\x7f\x01"),
               ("GOT.mem", "_ZN4data5valueE", b"\x03\x7f\x01"), ("other", "_Z3subii", b"\x00\x00")]
    library = module([(1, types), (2, bytes([len(imports)]) + b"".join(name(m) + name(f) + d for m, f, d in imports))])
    wheel = tmp_path / "lib-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("lib/_native.cpython-312-wasm32-emscripten.so", library)
    files = {"main": main, "pruned": without_unlinked_cxx_exports(main, [wheel]), "lib": library}
    for key, data in files.items():
        (tmp_path / f"{key}.wasm").write_bytes(data)
    read = read_in_node(*(tmp_path / f"{key}.wasm" for key in files))
    assert [i[:2] for i in read[str(tmp_path / "lib.wasm")]["imports"]] == [[m, f] for m, f, _ in imports]
    assert read[str(tmp_path / "pruned.wasm")]["exports"] == [
        ["add", "function"], ["_Z3addii", "function"], ["_Z3muliii", "function"], ["_ZN4data5valueE", "global"]]
    run = ("for (const file of process.argv.slice(1)) {"
           " const e = new WebAssembly.Instance(new WebAssembly.Module(require('fs').readFileSync(file))).exports;"
           " console.log(e.add(2, 3), e._Z3addii(40, 2), e._Z3muliii(9, 4), e._ZN4data5valueE.value); }")
    before, after = run_node(run, tmp_path / "main.wasm", tmp_path / "pruned.wasm").splitlines()
    assert before == after == "5 42 5 42"
