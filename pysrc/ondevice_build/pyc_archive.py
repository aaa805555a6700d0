"""Rewrite a zip or wheel with its Python sources compiled to bytecode, deterministically.

The build runs this file inside Pyodide under node (see `ondevice_build.bytecode`), so the
bytecode is that of Pyodide's own Python (3.12), the one the browser runs; it uses only the
standard library, so tests can import its functions under CPython too.

Each `.py` entry becomes an *unchecked hash-based* `.pyc` (PEP 552): the header holds a hash of
the source instead of a modification time, and the importer never compares it with the source, so
the output depends only on the input bytes. With `check_source`, a *checked* one: for sources that
someone else writes beside it at run time, the importer hashes the source it finds and compiles
that instead when the hashes differ. Where the `.pyc` goes depends on how the archive is
imported in the browser:

- `zip`: the archive stays a zip on `sys.path` (Pyodide's `python_stdlib.zip`, `ondevice.zip`).
  zipimport prefers `module.pyc` to `module.py` in the same folder.
- `folder`: the archive is unpacked into a folder (wheels). Without the sources, `module.pyc` sits
  where `module.py` was (a sourceless module); with them, the bytecode goes where Python looks for
  a source's cache, `__pycache__/module.<cache tag>.pyc`.

`keep_sources` keeps the `.py` files too (tracebacks then show source lines), at a larger
download. Entries keep their order, names, timestamps and compression; a wheel's RECORD lists
the new files with their sha256. Code objects are named by the path the module has in the
browser (`prefix` + entry name), so tracebacks point at real files.

Command line (what the build runs in Pyodide): `pyc_archive.py JOBS.json`, where the file holds
a list of {"source", "target", "prefix", "layout", "keep_sources", "check_source"}.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import marshal
import sys
import zipfile

LAYOUTS = ("zip", "folder")
UNCHECKED_HASH = (0b01).to_bytes(4, "little")  # PEP 552 flags: hash-based, source not checked
CHECKED_HASH = (0b11).to_bytes(4, "little")  # hash-based, the source checked against it on import


def pyc_bytes(source: bytes, path: str, check_source: bool = False) -> bytes:
    """The .pyc file for `source` (a module's bytes), its code named `path`: a hash-based header."""
    code = compile(source, path, "exec", dont_inherit=True)
    flags = CHECKED_HASH if check_source else UNCHECKED_HASH
    return importlib.util.MAGIC_NUMBER + flags + importlib.util.source_hash(source) + marshal.dumps(code)


def pyc_name(name: str, layout: str, keep_sources: bool) -> str:
    """Where the bytecode of the archive entry `name` (a .py) goes in the rewritten archive."""
    if layout == "folder" and keep_sources:
        return importlib.util.cache_from_source(name)
    return name[:-3] + ".pyc"


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def compile_archive(data: bytes, *, prefix: str, layout: str, keep_sources: bool, check_source: bool = False) -> bytes:
    """The archive `data` (zip or wheel bytes) with every .py compiled; returns the new archive's bytes.

    prefix: the folder the archive's entries live under in the browser, e.g. "/lib/python312.zip"
    or "/lib/python3.12/site-packages"; it names the code objects (tracebacks).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    written: list[tuple[zipfile.ZipInfo, bytes]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            content = archive.read(info)
            if info.filename.endswith(".pyc"):
                continue  # stale bytecode of another Python: rebuilt from the source
            if not info.filename.endswith(".py"):
                written.append((info, content))
                continue
            if keep_sources:
                written.append((info, content))
            try:
                bytecode = pyc_bytes(content, f"{prefix.rstrip('/')}/{info.filename}", check_source)
            except SyntaxError as error:
                raise SyntaxError(f"{info.filename} does not compile: {error}") from error
            written.append((entry_like(info, pyc_name(info.filename, layout, keep_sources)), bytecode))
    return write_zip(with_record(written))


def entry_like(info: zipfile.ZipInfo, name: str) -> zipfile.ZipInfo:
    """A new entry called `name` with the timestamp and compression of `info`."""
    entry = zipfile.ZipInfo(name, date_time=info.date_time)
    entry.compress_type = info.compress_type
    entry.external_attr = info.external_attr
    return entry


def with_record(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> list[tuple[zipfile.ZipInfo, bytes]]:
    """For a wheel: its .dist-info/RECORD rewritten to list exactly `entries`; other archives as given."""
    records = [i for i, (info, _) in enumerate(entries) if info.filename.endswith(".dist-info/RECORD")]
    if not records:
        return entries
    index = records[0]
    record_name = entries[index][0].filename
    lines = [record_line(info.filename, content) for info, content in entries if info.filename != record_name]
    record = ("\n".join(lines + [f"{record_name},,"]) + "\n").encode()
    return [*entries[:index], (entries[index][0], record), *entries[index + 1:]]


def write_zip(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info, content in entries:
            archive.writestr(info, content, compresslevel=9 if info.compress_type == zipfile.ZIP_DEFLATED else None)
    return out.getvalue()


def run_jobs(jobs: list[dict]) -> None:
    for job in jobs:
        with open(job["source"], "rb") as source:
            data = source.read()
        compiled = compile_archive(data, prefix=job["prefix"], layout=job["layout"], keep_sources=job["keep_sources"],
                                   check_source=job["check_source"])
        with open(job["target"], "wb") as target:
            target.write(compiled)
        print(f"{job['target']}: {len(data):,} -> {len(compiled):,} B")


if __name__ == "__main__":
    with open(sys.argv[1]) as jobs_file:
        run_jobs(json.load(jobs_file))
