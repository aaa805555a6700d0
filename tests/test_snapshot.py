"""Python's memory snapshot as the build ships it: nothing of the wheels lost, every library in place.

The restore itself (numpy and Pillow working after it, the fallback to a normal boot) is tested in
the browser: test_browser_start.py.
"""
import json
import re
import zipfile

WASM_MAGIC = b"\0asm"
SITE_PACKAGES = "/lib/python3.12/site-packages/"


def shipped_config(dist) -> dict:
    """The glue's config, as the page has it."""
    text = (dist / "classify.html").read_text()
    return json.loads(re.search(r'<script type="application/json" id="ondevice-config">(.*?)</script>', text, re.S)[1])


def test_the_snapshot_carries_every_file_of_the_wheels_and_the_libraries_it_loaded(dist):
    snapshot = shipped_config(dist)["python"]["snapshot"]
    layout = json.loads((dist / snapshot["meta"]["url"]).read_bytes())
    site = (dist / snapshot["site"]["url"]).read_bytes()
    shipped = {path: site[offset:offset + size] for path, offset, size in layout["files"]}
    shipped |= {path: (dist / asset["url"]).read_bytes() for path, asset in snapshot["libs"].items()}
    lock = json.loads(next(dist.glob("runtime/pyodide-*/pyodide-lock.json")).read_text())
    expected = {}
    for entry in lock["packages"].values():
        with zipfile.ZipFile(next(dist.glob(f"runtime/pyodide-*/{entry['file_name']}"))) as wheel:
            expected |= {SITE_PACKAGES + info.filename: wheel.read(info) for info in wheel.infolist() if not info.is_dir()}
    assert sorted(layout["packages"]) == sorted(lock["packages"])
    assert shipped.keys() == expected.keys()
    assert [path for path in expected if shipped[path] != expected[path]] == []
    # numpy's core and Pillow's imaging library are loaded by the snapshot's imports, and each is a
    # wasm module placed at a recorded memory range of its own
    loaded = {lib["path"]: lib for lib in layout["libs"]}
    assert loaded.keys() == snapshot["libs"].keys()
    assert any("_multiarray_umath" in path for path in loaded) and any("PIL/_imaging." in path for path in loaded)
    assert all(shipped[path].startswith(WASM_MAGIC) for path in loaded)
    ranges = sorted((lib["memoryBase"], lib["memoryBase"] + lib["memorySize"]) for lib in loaded.values())
    assert all(end <= start for (_, end), (start, _) in zip(ranges, ranges[1:]))
    assert ranges[-1][1] <= snapshot["memory"]["bytes"]
