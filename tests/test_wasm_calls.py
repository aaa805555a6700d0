"""Indirect calls through trampolines: the same results and traps as the module before, under node.

A small module assembled here by hand is run before and after the rewrite; the shipped Pyodide wasm
is compared with npm's, section by section (its exports in test_wasm_exports).
"""

from ondevice_build.paths import NODE_MODULES
from ondevice_build.runtime_assets import INTERPRETER
from ondevice_build.wasm_calls import route_indirect_calls

from node_js import run_node_json
from wasm_reading import leb, sections

I32, I64, FUNCREF = 0x7F, 0x7E, 0x70
LOCAL_GET, CALL, CALL_INDIRECT = b"\x20", b"\x10", b"\x11"


def vec(items):
    assert len(items) < 128
    return bytes([len(items)]) + b"".join(items)


def section(sid, payload):
    assert len(payload) < 128 * 128
    size = bytes([len(payload) & 0x7F | 0x80, len(payload) >> 7])  # two-byte LEB128
    return bytes([sid]) + size + payload


def name(text):
    return vec([bytes([c]) for c in text.encode()])


def body(code):
    """A code entry: its size, no locals, the instructions, end."""
    content = b"\0" + code + b"\x0b"
    assert len(content) < 128
    return bytes([len(content)]) + content


# types: 0 (i32)->i32, 1 (i32 index, i32)->i32, 2 (i64)->i64, 3 (i64, i32 index)->i64, 4 (i32)->()
TYPES = [((I32,), (I32,)), ((I32, I32), (I32,)), ((I64,), (I64,)), ((I64, I32), (I64,)), ((I32,), ())]
INDIRECT_TO_TYPE_0 = CALL_INDIRECT + b"\x00\x00"
# function 0 is the import env.seen; the table holds [double, negate, inc64]
FUNCTIONS = [
    (0, LOCAL_GET + b"\x00\x41\x02\x6c"),  # 1 double: x * 2
    (0, b"\x41\x00" + LOCAL_GET + b"\x00\x6b"),  # 2 negate: 0 - x
    # 3 apply(i, x): seen(i); table[i](x) + (-129), the call inside a block
    (1, LOCAL_GET + b"\x00" + CALL + b"\x00\x02\x7f" + LOCAL_GET + b"\x01" + LOCAL_GET + b"\x00"
     + INDIRECT_TO_TYPE_0 + b"\x0b\x41\xff\x7e\x6a"),
    (2, LOCAL_GET + b"\x00\x42\x01\x7c"),  # 4 inc64: x + 1
    (3, LOCAL_GET + b"\x00" + LOCAL_GET + b"\x01" + CALL_INDIRECT + b"\x02\x00"),  # 5 apply64(x, i)
    (1, LOCAL_GET + b"\x01" + LOCAL_GET + b"\x00" + INDIRECT_TO_TYPE_0 + LOCAL_GET + b"\x00"
     + INDIRECT_TO_TYPE_0),  # 6 twice(i, x): table[i](table[i](x))
    # 7 choose(i, x): if i: table[0](x) else table[1](x)
    (1, LOCAL_GET + b"\x00\x04\x7f" + LOCAL_GET + b"\x01\x41\x00" + INDIRECT_TO_TYPE_0 + b"\x05" + LOCAL_GET
     + b"\x01\x41\x01" + INDIRECT_TO_TYPE_0 + b"\x0b"),
]
EXPORTS = {"apply": 3, "apply64": 5, "twice": 6, "choose": 7}


def assemble():
    types = vec([b"\x60" + vec([bytes([t]) for t in p]) + vec([bytes([t]) for t in r]) for p, r in TYPES])
    imports = vec([name("env") + name("seen") + b"\x00\x04"])
    functions = vec([bytes([t]) for t, _ in FUNCTIONS])
    table = vec([bytes([FUNCREF]) + b"\x00\x03"])
    exports = vec([name(n) + b"\x00" + bytes([i]) for n, i in EXPORTS.items()])
    elements = vec([b"\x00\x41\x00\x0b" + vec([b"\x01", b"\x02", b"\x04"])])
    code = vec([body(c) for _, c in FUNCTIONS])
    return (b"\0asm\1\0\0\0" + section(1, types) + section(2, imports) + section(3, functions)
            + section(4, table) + section(7, exports) + section(9, elements) + section(10, code))


# Each call's result or trap, and what the import saw.
RUN = """
const results = [];
for (const file of process.argv.slice(1)) {
  const seen = [];
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(require("fs").readFileSync(file)),
                                               { env: { seen: (i) => seen.push(i) } });
  const calls = [["apply", 0, 21], ["apply", 1, 21], ["apply", 2, 21], ["apply", 3, 21], ["apply64", 41n, 2],
                 ["apply64", 41n, 0], ["twice", 0, 5], ["twice", 1, 5], ["choose", 1, 7], ["choose", 0, 7]];
  results.push({ seen, calls: calls.map(([f, ...args]) => {
    try { return String(exports[f](...args)); } catch (error) { return `${error.name}: ${error.message}`; }
  }) });
}
console.log(JSON.stringify(results));
"""


def run_in_node(*files):
    return run_node_json(RUN, *files)


def test_the_rewritten_module_computes_and_traps_as_before(tmp_path):
    original = assemble()
    (tmp_path / "before.wasm").write_bytes(original)
    (tmp_path / "after.wasm").write_bytes(route_indirect_calls(original))
    before, after = run_in_node(tmp_path / "before.wasm", tmp_path / "after.wasm")
    assert before["calls"][:2] == ["-87", "-150"]  # 21 * 2 - 129, -21 - 129
    assert "signature mismatch" in before["calls"][2] and "out of bounds" in before["calls"][3]
    assert before["calls"][4:] == ["42", "RuntimeError: null function or function signature mismatch",
                                   "20", "5", "14", "-7"]
    assert after == before


def test_each_indirect_call_becomes_a_call_of_one_trampoline_per_signature():
    rewritten = sections(route_indirect_calls(assemble()))
    # functions 8 and 9 (after the import and the 7 defined) are the trampolines of types 0 and 2, in the
    # order their first call comes; each takes the call's arguments and the table index, of a new type
    to_8, to_9 = CALL + b"\x08", CALL + b"\x09"
    expected_bodies = [c.replace(INDIRECT_TO_TYPE_0, to_8).replace(CALL_INDIRECT + b"\x02\x00", to_9)
                       for _, c in FUNCTIONS]
    expected_bodies += [LOCAL_GET + b"\x00" + LOCAL_GET + b"\x01" + INDIRECT_TO_TYPE_0,
                        LOCAL_GET + b"\x00" + LOCAL_GET + b"\x01" + CALL_INDIRECT + b"\x02\x00"]
    assert rewritten[10] == [vec([body(c) for c in expected_bodies])]
    new_types = [((I32, I32), (I32,)), ((I64, I32), (I64,))]
    assert rewritten[1] == [vec([b"\x60" + vec([bytes([t]) for t in p]) + vec([bytes([t]) for t in r])
                                 for p, r in TYPES + new_types])]
    assert rewritten[3] == [vec([bytes([t]) for t, _ in FUNCTIONS] + [b"\x05", b"\x06"])]
    assert {sid: payloads for sid, payloads in rewritten.items() if sid not in (1, 3, 10)} == \
        {sid: payloads for sid, payloads in sections(assemble()).items() if sid not in (1, 3, 10)}


def test_the_shipped_interpreter_keeps_every_index_of_pyodides_own(dist):
    shipped = sections(next(dist.glob(f"runtime/pyodide-*/{INTERPRETER}")).read_bytes())
    original = sections((NODE_MODULES / "pyodide" / INTERPRETER).read_bytes())
    assert shipped.keys() == original.keys()
    for sid in original:  # imports, table, memory, globals, elements, data, custom: unchanged
        if sid not in (1, 3, 7, 10):  # (exports: test_wasm_exports)
            assert shipped[sid] == original[sid], f"section {sid} changed"
    for sid in (1, 3):  # types and functions: Pyodide's own first, as they were, then ours
        (before, after), (count_before, at_before), (count_after, at_after) = (
            (original[sid][0], shipped[sid][0]), leb(original[sid][0], 0), leb(shipped[sid][0], 0))
        assert count_after > count_before and after[at_after:].startswith(before[at_before:])
