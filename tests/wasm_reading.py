"""The tests' own reading of a WebAssembly module's sections, without the build's code."""


def leb(data, pos):
    """(value, position after it) of the unsigned LEB128 at `pos`."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def sections(wasm):
    """{section id: [payloads]} of a module."""
    found, pos = {}, 8
    while pos < len(wasm):
        size, start = leb(wasm, pos + 1)
        found.setdefault(wasm[pos], []).append(wasm[start:start + size])
        pos = start + size
    return found


def export_entries(wasm):
    """{name: the export's whole entry (name, kind, index) as bytes}, in the module's order."""
    payload = sections(wasm)[7][0]
    count, pos = leb(payload, 0)
    entries = {}
    for _ in range(count):
        start = pos
        size, pos = leb(payload, pos)
        name = payload[pos:pos + size].decode()
        pos = leb(payload, pos + size + 1)[1]  # past the kind, then the index
        entries[name] = payload[start:pos]
    return entries
