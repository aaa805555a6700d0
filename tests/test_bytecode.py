"""Python precompiled for the browser: deterministic, verified, 3.12 bytecode, and a lock that matches.

The compile tests run the real compiler (Pyodide under node) on a small archive; the site tests
read what the build shipped in dist/.
"""
import base64
import hashlib
import importlib.util
import io
import json
import sys
import zipfile

import pytest

from ondevice_build import bytecode
from ondevice_build.bytecode import Archive, CompileError, compile_archives
from ondevice_build.pyc_archive import compile_archive

PYTHON_3_12_MAGIC = (3531).to_bytes(2, "little") + b"\r\n"  # importlib.util.MAGIC_NUMBER of CPython 3.12
UNCHECKED_HASH = (1).to_bytes(4, "little")
MODULES = {"demo/__init__.py": "from .maths import double\n", "demo/maths.py": "def double(x):\n    return 2 * x\n",
           "demo/data.txt": "not Python"}


def write_zip(path, files: dict[str, str]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), text)
    return path


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty bytecode cache, so every compile really runs Pyodide."""
    monkeypatch.setattr(bytecode, "STORE", tmp_path / "store")
    return tmp_path / "store"


def test_compiling_twice_in_pyodide_gives_identical_3_12_bytecode(tmp_path, store):
    source = write_zip(tmp_path / "demo.zip", MODULES)
    archive = Archive(source, sha256(source), "/home/pyodide", "folder")
    first = compile_archives([archive], log=lambda *_: None)[0].read_bytes()
    for cached in store.glob("*"):
        cached.unlink()
    second = compile_archives([archive], log=lambda *_: None)[0].read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as compiled:
        assert compiled.namelist() == ["demo/__init__.pyc", "demo/maths.pyc", "demo/data.txt"]
        header = compiled.read("demo/maths.pyc")[:16]
    assert header[:4] == PYTHON_3_12_MAGIC and header[4:8] == UNCHECKED_HASH


def test_an_archive_that_does_not_match_its_sha256_is_not_compiled(tmp_path, store):
    source = write_zip(tmp_path / "demo.zip", MODULES)
    with pytest.raises(CompileError, match="expected " + "0" * 64):
        compile_archives([Archive(source, "0" * 64, "/home/pyodide", "folder")], log=lambda *_: None)
    assert not list(store.glob("*.zip"))


def test_sources_kept_for_an_unpacked_archive_go_beside_their_cached_bytecode():
    data = write_zip(io.BytesIO(), MODULES).getvalue()
    compiled = compile_archive(data, prefix="/home/pyodide", layout="folder", keep_sources=True)
    with zipfile.ZipFile(io.BytesIO(compiled)) as archive:
        names = archive.namelist()
    cached = importlib.util.cache_from_source  # demo/__pycache__/maths.<this Python's tag>.pyc
    assert names == ["demo/__init__.py", cached("demo/__init__.py"), "demo/maths.py", cached("demo/maths.py"),
                     "demo/data.txt"]


@pytest.mark.parametrize("check_source,expected", [(False, 2), (True, 3)])
def test_checked_bytecode_gives_way_to_another_source_beside_it(tmp_path, monkeypatch, check_source, expected):
    """PyScript's package is shipped as checked bytecode, because PyScript writes the sources beside
    it at run time: if that source is not the one the bytecode was made from, Python runs the source
    (unchecked bytecode, the build's default, would still run). Run here in this Python, with
    bytecode this Python compiled."""
    module = "democheck"
    data = write_zip(io.BytesIO(), {f"{module}.py": "X = 2\n"}).getvalue()
    compiled = compile_archive(data, prefix=str(tmp_path), layout="folder", keep_sources=True, check_source=check_source)
    zipfile.ZipFile(io.BytesIO(compiled)).extractall(tmp_path)
    (tmp_path / f"{module}.py").write_text("X = 3\n")  # another source written beside the bytecode
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    assert importlib.import_module(module).X == expected


def test_a_wheels_record_lists_its_bytecode_with_sha256():
    files = {**MODULES, "demo-1.0.dist-info/RECORD": "demo/maths.py,sha256=x,1\n"}
    data = write_zip(io.BytesIO(), files).getvalue()
    compiled = compile_archive(data, prefix="/lib/python3.12/site-packages", layout="folder", keep_sources=False)
    with zipfile.ZipFile(io.BytesIO(compiled)) as archive:
        record = archive.read("demo-1.0.dist-info/RECORD").decode().splitlines()
        maths = archive.read("demo/maths.pyc")
    digest = base64.urlsafe_b64encode(hashlib.sha256(maths).digest()).rstrip(b"=").decode()
    assert f"demo/maths.pyc,sha256={digest},{len(maths)}" in record
    assert not any(line.startswith("demo/maths.py,") for line in record)


def test_the_site_ships_3_12_bytecode_and_a_lock_that_matches_it(dist):
    folder = next((dist / "runtime").glob("pyodide-*"))
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    assert sorted(lock["packages"]) == ["numpy", "pillow"]  # no micropip
    for entry in lock["packages"].values():
        wheel = folder / entry["file_name"]
        assert sha256(wheel) == entry["sha256"], wheel.name
    for archive_path in [folder / "python_stdlib.zip", *(folder / e["file_name"] for e in lock["packages"].values())]:
        with zipfile.ZipFile(archive_path) as archive:
            names = archive.namelist()
            assert not [n for n in names if n.endswith(".py")], archive_path.name
            first = next(n for n in names if n.endswith(".pyc"))
            assert archive.read(first)[:8] == PYTHON_3_12_MAGIC + UNCHECKED_HASH, archive_path.name
