"""What the build ships of Python's snapshot, read from dist/ as the page gets it: for
test_snapshot.py and the browser's restore tests."""
import json
import re
import zipfile

SITE_PACKAGES = "/lib/python3.12/site-packages/"


def shipped_config(dist) -> dict:
    """The glue's config, as the page has it."""
    text = (dist / "classify.html").read_text()
    return json.loads(re.search(r'<script type="application/json" id="ondevice-config">(.*?)</script>', text, re.S)[1])


def pyodide_lock(dist) -> dict:
    return json.loads(next(dist.glob("runtime/pyodide-*/pyodide-lock.json")).read_text())


def wheel_files(dist) -> dict:
    """site-packages path -> bytes of every file of the wheels the lock names."""
    files = {}
    for entry in pyodide_lock(dist)["packages"].values():
        with zipfile.ZipFile(next(dist.glob(f"runtime/pyodide-*/{entry['file_name']}"))) as wheel:
            files |= {SITE_PACKAGES + info.filename: wheel.read(info) for info in wheel.infolist() if not info.is_dir()}
    return files


def snapshot_files(dist) -> tuple[dict, dict]:
    """(the snapshot's layout, path in Python's file system -> bytes of every file it ships, libraries
    included)."""
    snapshot = shipped_config(dist)["python"]["snapshot"]
    layout = json.loads((dist / snapshot["meta"]["url"]).read_bytes())
    site = (dist / snapshot["site"]["url"]).read_bytes()
    shipped = {path: site[offset:offset + size] for path, offset, size in layout["files"]}
    return layout, shipped | {path: (dist / asset["url"]).read_bytes() for path, asset in snapshot["libs"].items()}


def left_out_modules(dist) -> list[str]:
    """The modules whose bytecode is in the wheels but not in the snapshot's site files."""
    left_out = wheel_files(dist).keys() - snapshot_files(dist)[1].keys()
    names = [path[len(SITE_PACKAGES):-len(".pyc")].replace("/", ".") for path in left_out if path.endswith(".pyc")]
    return sorted(name.removesuffix(".__init__") for name in names)
