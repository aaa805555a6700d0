"""Pyodide's wasm with every indirect call made through one small function per signature.

Why: V8's optimising compiler inlines the target of a `call_indirect` it has seen (speculatively)
and throws the optimised code away ("wrong call target") when another target comes. CPython's
interpreter loop inlines many small functions that call through function pointers (deallocators,
vectorcalls, ...), so a page visit compiled the 57 kB loop three to five times while Python started:
1.3-1.8 s of CPU on a two-core machine, beside onnxruntime-web's session. Through a trampoline per
signature, those calls share one call site, which soon has too many targets to speculate on, and
the loop is compiled once (docs/STARTUP.md has the measurements).

The trampoline makes the same `call_indirect` (same table, same signature check, same trap), so
nothing Python computes changes. Types and functions are only appended: no index moves, so the
function table, the exports and the table entries the memory snapshot records stay as they were.
"""
from __future__ import annotations

from .wasm_format import (FUNCTION_IMPORT, IMPORT_SECTION, WasmFormatError, encode_unsigned, join_sections,
                          read_imports, read_unsigned, skip_signed, split_sections, vector)

TYPE_SECTION, FUNCTION_SECTION, CODE_SECTION = 1, 3, 10
FUNCTION_TYPE = 0x60
CALL, CALL_INDIRECT = 0x10, 0x11
LOCAL_GET, I32 = 0x20, 0x7F
END = 0x0B

# Instructions by the immediates that follow their opcode (WebAssembly 2.0, threads, exceptions).
NO_IMMEDIATE = {0x00, 0x01, 0x05, 0x0A, 0x0B, 0x0F, 0x19, 0x1A, 0x1B, 0xD1, *range(0x45, 0xC5)}
ONE_INDEX = {0x07, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x12, 0x14, 0x15, 0x18, 0x20, 0x21, 0x22, 0x23, 0x24,
             0x25, 0x26, 0x3F, 0x40, 0xD2}
TWO_INDICES = {0x11, 0x13}  # call_indirect, return_call_indirect: type, table
BLOCKS = {0x02, 0x03, 0x04, 0x06}  # block, loop, if, try: a block type
MEMORY_ACCESS = set(range(0x28, 0x3F))  # loads and stores: a memarg
VALUE_TYPES = {0x40, 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F}


def skip_memarg(data: bytes, pos: int) -> int:
    align, pos = read_unsigned(data, pos)
    if align & 0x40:  # a memory index follows (multi-memory)
        pos = read_unsigned(data, pos)[1]
    return read_unsigned(data, pos)[1]


def skip_prefixed(data: bytes, prefix: int, pos: int) -> int:
    """Past the immediates of a 0xFC (bulk memory, saturating), 0xFD (SIMD) or 0xFE (atomics) op."""
    sub, pos = read_unsigned(data, pos)
    if prefix == 0xFC:
        if sub <= 7:
            return pos
        count = 2 if sub in (8, 10, 12, 14) else 1 if sub <= 17 else None
    elif prefix == 0xFD:
        if sub <= 11 or sub in (92, 93):
            return skip_memarg(data, pos)
        if sub in (12, 13):  # v128.const, i8x16.shuffle
            return pos + 16
        if 21 <= sub <= 34:  # lane index
            return pos + 1
        if 84 <= sub <= 91:  # load/store lane: memarg and lane index
            return skip_memarg(data, pos) + 1
        return pos
    else:
        return pos + 1 if sub == 3 else skip_memarg(data, pos)  # atomic.fence has one zero byte
    if count is None:
        raise WasmFormatError(f"unknown instruction 0xFC {sub} at byte {pos}")
    for _ in range(count):
        pos = read_unsigned(data, pos)[1]
    return pos


def next_instruction(data: bytes, pos: int) -> int:
    """Where the instruction at `pos` ends."""
    op = data[pos]
    pos += 1
    if op in NO_IMMEDIATE:
        return pos
    if op in ONE_INDEX:
        return read_unsigned(data, pos)[1]
    if op in TWO_INDICES:
        return read_unsigned(data, read_unsigned(data, pos)[1])[1]
    if op in BLOCKS:
        return pos + 1 if data[pos] in VALUE_TYPES else skip_signed(data, pos)
    if op in MEMORY_ACCESS:
        return skip_memarg(data, pos)
    if op in (0x41, 0x42, 0xD0):  # i32.const, i64.const, ref.null
        return skip_signed(data, pos)
    if op in (0x43, 0x44):  # f32.const, f64.const
        return pos + (4 if op == 0x43 else 8)
    if op == 0x0E:  # br_table: the labels, then the default
        count, pos = read_unsigned(data, pos)
        for _ in range(count + 1):
            pos = read_unsigned(data, pos)[1]
        return pos
    if op == 0x1C:  # select with value types
        count, pos = read_unsigned(data, pos)
        return pos + count
    if op in (0xFC, 0xFD, 0xFE):
        return skip_prefixed(data, op, pos)
    raise WasmFormatError(f"unknown opcode {op:#x} at byte {pos - 1}")


def route_body(data: bytes, start: int, end: int, trampoline) -> bytes:
    """The function body data[start:end] with each `call_indirect` into table 0 made a `call` of
    trampoline(type index)."""
    out = bytearray()
    copied = pos = start
    locals_count, pos = read_unsigned(data, pos)
    for _ in range(locals_count):
        pos = read_unsigned(data, pos)[1] + 1
    while pos < end:
        after = next_instruction(data, pos)
        if data[pos] == CALL_INDIRECT:
            type_index, table_at = read_unsigned(data, pos + 1)
            if read_unsigned(data, table_at)[0] == 0:
                out += data[copied:pos] + bytes([CALL]) + encode_unsigned(trampoline(type_index))
                copied = after
        pos = after
    return bytes(out + data[copied:end])


def read_types(payload: bytes) -> list[tuple[bytes, bytes]]:
    """(parameter types, result types) of each function type."""
    count, pos = read_unsigned(payload, 0)
    types = []
    for _ in range(count):
        if payload[pos] != FUNCTION_TYPE:
            raise WasmFormatError(f"type {len(types)} is not a function type")
        n, pos = read_unsigned(payload, pos + 1)
        params, pos = payload[pos:pos + n], pos + n
        n, pos = read_unsigned(payload, pos)
        types.append((params, payload[pos:pos + n]))
        pos += n
    return types


def imported_functions(payload: bytes) -> int:
    return sum(kind == FUNCTION_IMPORT for _module, _field, kind in read_imports(payload))


def route_indirect_calls(wasm: bytes) -> bytes:
    """`wasm` with every `call_indirect` into table 0 made through a trampoline for its signature."""
    sections = split_sections(wasm)
    payload = {sid: body for sid, body in sections if sid != 0}
    types = read_types(payload[TYPE_SECTION])
    first_defined = imported_functions(payload.get(IMPORT_SECTION, b"\0"))
    count, pos = read_unsigned(payload[FUNCTION_SECTION], 0)
    function_types = []
    for _ in range(count):
        type_index, pos = read_unsigned(payload[FUNCTION_SECTION], pos)
        function_types.append(type_index)

    trampolines: dict[int, int] = {}  # type index of the call -> function index of its trampoline

    def trampoline(type_index: int) -> int:
        if type_index not in trampolines:
            trampolines[type_index] = first_defined + count + len(trampolines)
        return trampolines[type_index]

    code = payload[CODE_SECTION]
    bodies, pos = [], read_unsigned(code, 0)[1]
    for _ in range(count):
        size, pos = read_unsigned(code, pos)
        bodies.append(route_body(code, pos, pos + size, trampoline))
        pos += size
    new_types = []
    for type_index in trampolines:  # (the call's parameters, the table index) -> the call's results
        params, results = types[type_index]
        new_types.append((params + bytes([I32]), results))
        function_types.append(len(types) + len(new_types) - 1)
        gets = b"".join(bytes([LOCAL_GET]) + encode_unsigned(i) for i in range(len(params) + 1))
        bodies.append(b"\0" + gets + bytes([CALL_INDIRECT]) + encode_unsigned(type_index) + b"\0" + bytes([END]))
    rewritten = {
        TYPE_SECTION: vector([bytes([FUNCTION_TYPE]) + encode_unsigned(len(params)) + params
                              + encode_unsigned(len(results)) + results for params, results in types + new_types]),
        FUNCTION_SECTION: vector([encode_unsigned(t) for t in function_types]),
        CODE_SECTION: vector([encode_unsigned(len(body)) + body for body in bodies]),
    }
    return join_sections([(sid, rewritten.get(sid, body)) for sid, body in sections])
