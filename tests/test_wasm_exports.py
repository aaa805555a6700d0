"""Pyodide's wasm without the C++ exports no shipped library links to, read by V8 under node.

V8's own reading of the modules (`WebAssembly.Module.exports` and `.imports`) is the reference: the
shipped interpreter must export every name that a shared library in the shipped wheels imports and
npm's interpreter exports, each export as npm's has it, and leave out only mangled C++ names.
"""
import zipfile

from ondevice_build.paths import NODE_MODULES
from ondevice_build.runtime_assets import INTERPRETER
from ondevice_build.wasm_exports import without_unlinked_cxx_exports

from node_js import run_node, run_node_json

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


def shared_libraries(wheels, folder):
    """Every .so in `wheels`, written to `folder`."""
    files = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for member in (m for m in archive.namelist() if m.endswith(".so")):
                files.append(folder / f"{len(files)}.so")
                files[-1].write_bytes(archive.read(member))
    return files


def test_the_shipped_interpreter_leaves_out_only_cxx_exports_no_shipped_library_imports(dist, tmp_path):
    shipped = next(dist.glob(f"runtime/pyodide-*/{INTERPRETER}"))
    wheels = sorted(shipped.parent.glob("*.whl"))
    libraries = shared_libraries(wheels, tmp_path)
    assert wheels and len(libraries) > 5  # numpy's and Pillow's
    read = read_in_node(NODE_MODULES / "pyodide" / INTERPRETER, shipped, *libraries)
    original = dict(map(tuple, read.pop(str(NODE_MODULES / "pyodide" / INTERPRETER))["exports"]))
    kept = dict(map(tuple, read.pop(str(shipped))["exports"]))
    imported = {name for library in read.values() for module, name, _ in library["imports"]
                if module in ("env", "GOT.func", "GOT.mem")}
    assert kept.items() <= original.items()
    left_out = original.keys() - kept.keys()
    assert all(name.startswith("_Z") for name in left_out)
    assert not left_out & imported
    assert imported & original.keys() <= kept.keys()
    assert any(name.startswith("_Z") for name in imported & kept.keys())  # (the C++ names numpy links to)
    assert len(left_out) > len(original) / 2


def module(sections):
    return b"\0asm\1\0\0\0" + b"".join(bytes([sid, len(payload)]) + payload for sid, payload in sections)


def test_an_export_a_library_imports_stays_and_the_module_runs_as_before(tmp_path):
    # a module exporting "add" (C), "_Z3addii" (mangled, imported by the wheel's library) and
    # "_Z3subii" (mangled, imported by none), and a wheel whose library imports env._Z3addii
    add = b"\x20\x00\x20\x01\x6a"  # local.get 0, local.get 1, i32.add
    sub = b"\x20\x00\x20\x01\x6b"
    types = b"\x01\x60\x02\x7f\x7f\x01\x7f"
    functions = b"\x02\x00\x00"
    exports = b"\x03" + b"".join(bytes([len(n)]) + n + b"\x00" + bytes([i])
                                 for n, i in [(b"add", 0), (b"_Z3addii", 0), (b"_Z3subii", 1)])
    code = b"\x02" + b"".join(bytes([len(c) + 2]) + b"\x00" + c + b"\x0b" for c in (add, sub))
    main = module([(1, types), (3, functions), (7, exports), (10, code)])
    library = module([(1, types), (2, b"\x01\x03env\x08_Z3addii\x00\x00")])  # imports: env._Z3addii, type 0
    wheel = tmp_path / "lib-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("lib/_native.so", library)
    (tmp_path / "main.wasm").write_bytes(main)
    (tmp_path / "pruned.wasm").write_bytes(without_unlinked_cxx_exports(main, [wheel]))
    (tmp_path / "lib.so").write_bytes(library)
    read = read_in_node(tmp_path / "main.wasm", tmp_path / "pruned.wasm", tmp_path / "lib.so")
    assert read[str(tmp_path / "lib.so")]["imports"] == [["env", "_Z3addii", "function"]]
    assert read[str(tmp_path / "pruned.wasm")]["exports"] == [["add", "function"], ["_Z3addii", "function"]]
    run = ("const m = new WebAssembly.Instance(new WebAssembly.Module(require('fs').readFileSync(process.argv[1])));"
           "console.log(m.exports.add(2, 3), m.exports._Z3addii(40, 2))")
    assert run_node(run, tmp_path / "pruned.wasm").split() == ["5", "42"]
