"""Reading and writing the WebAssembly binary format, as far as the build's rewrites of Pyodide's
wasm need it (`wasm_calls`, `wasm_exports`): LEB128 numbers, vectors, names, sections, imports."""
from __future__ import annotations

from collections.abc import Iterator

MAGIC = b"\0asm\1\0\0\0"
IMPORT_SECTION, EXPORT_SECTION = 2, 7
FUNCTION_IMPORT = 0


class WasmFormatError(ValueError):
    """The module holds something the build does not know how to read."""


def read_unsigned(data: bytes, pos: int) -> tuple[int, int]:
    """(value, position after it) of the unsigned LEB128 at `pos`."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def skip_signed(data: bytes, pos: int) -> int:
    """The position after the signed LEB128 at `pos`."""
    while data[pos] >= 0x80:
        pos += 1
    return pos + 1


def encode_unsigned(value: int) -> bytes:
    """`value` as unsigned LEB128."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | 0x80 if value else byte)
        if not value:
            return bytes(out)


def vector(items: list[bytes]) -> bytes:
    """A vector of the encoded `items`: their count, then each."""
    return encode_unsigned(len(items)) + b"".join(items)


def read_name(data: bytes, pos: int) -> tuple[str, int]:
    """(name, position after it) of the name at `pos`."""
    size, pos = read_unsigned(data, pos)
    return data[pos:pos + size].decode(), pos + size


def split_sections(wasm: bytes) -> list[tuple[int, bytes]]:
    """(section id, payload) of each section, in order."""
    if wasm[:8] != MAGIC:
        raise WasmFormatError("not a WebAssembly 1.0 module")
    sections, pos = [], 8
    while pos < len(wasm):
        size, start = read_unsigned(wasm, pos + 1)
        sections.append((wasm[pos], wasm[start:start + size]))
        pos = start + size
    return sections


def join_sections(sections: list[tuple[int, bytes]]) -> bytes:
    """A module of these (section id, payload) sections, in order."""
    return MAGIC + b"".join(bytes([sid]) + encode_unsigned(len(payload)) + payload for sid, payload in sections)


def read_imports(payload: bytes) -> Iterator[tuple[str, str, int]]:
    """(module, field, kind) of each import in an import section's payload."""
    count, pos = read_unsigned(payload, 0)
    for _ in range(count):
        module, pos = read_name(payload, pos)
        field, pos = read_name(payload, pos)
        kind, pos = payload[pos], pos + 1
        if kind == FUNCTION_IMPORT:  # type index
            pos = read_unsigned(payload, pos)[1]
        elif kind in (1, 2):  # table (reference type first), memory: limits
            pos += kind == 1
            flags, pos = payload[pos], pos + 1
            pos = read_unsigned(payload, pos)[1]
            if flags & 1:
                pos = read_unsigned(payload, pos)[1]
        elif kind == 3:  # global: value type, mutability
            pos += 2
        elif kind == 4:  # tag: attribute, type index
            pos = read_unsigned(payload, pos + 1)[1]
        else:
            raise WasmFormatError(f"unknown import kind {kind}")
        yield module, field, kind


def read_exports(payload: bytes) -> Iterator[tuple[str, bytes]]:
    """(name, the export's whole entry) of each export in an export section's payload."""
    count, pos = read_unsigned(payload, 0)
    for _ in range(count):
        start = pos
        name, pos = read_name(payload, pos)
        pos = read_unsigned(payload, pos + 1)[1]  # kind, index
        yield name, payload[start:pos]
