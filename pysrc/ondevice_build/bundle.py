"""Write dist/: the app shell, the runtime it loads, the gated models, samples, a manifest.

The site is one app shell (`site/shell.html`) written under every page name (index.html,
classify.html, ...): the same document whichever page a visitor opens, so Python starts once per
visit and moving between tasks only swaps the view (the glue routes by the URL's file name). Each
view is a fragment in `site/views/`; its `<!--ondevice:NAME-->` markers become the parts views
share (`site/views/parts/`: loading panel, photo input, webcam controls), and it goes into the
shell as a `<template>`. `<!--ondevice:head-->` becomes the scripts and a JSON config naming the
runtime files (size, sha256), every view's tasks and every model variant, so the glue can show
bytes loaded and fetch a view's model before Python is even running. Text and wasm files are
pre-compressed (gzip, brotli) for `serve` or any static host that serves precompressed files. The
service worker (`sw.js`) is stamped with the build's id and the sha256 of every other file.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import brotli
from onnx import TensorProto, helper
from PIL import Image

from ondevice.registry import spec_for

from . import photos, sentences
from .bytecode import Archive, compile_archives
from .fetch import file_sha256
from .headers import HEADERS_FILE, write_headers_file
from .models import BuiltModel
from .paths import CACHE, DIST, PYSRC, SITE
from .runtime_assets import (LOCK, ORT_DIR, PYODIDE_VERSION, PYSCRIPT_DIR, PYTHON_PACKAGES, STDLIB, RuntimeFiles,
                             copy_runtime, pyscript_interpreter)
from .snapshot import CODE_PATH


@dataclass(frozen=True)
class View:
    """One page of the app: its title, the Python module that runs it (site/py) and its tasks,
    the first of which the glue starts loading as soon as the view is shown."""

    title: str
    module: str | None
    tasks: tuple[str, ...] = ()


VIEWS = {
    "index.html": View("ondevice: AI models that run in your browser", None),
    "classify.html": View("Image classification · ondevice", "classify_page", ("image-classification",)),
    "search.html": View("Semantic search · ondevice", "search_page", ("sentence-embeddings",)),
    "fewshot.html": View("Few-shot text classifier · ondevice", "fewshot_page", ("sentence-embeddings",)),
    "segment.html": View("Virtual background · ondevice", "segment_page",
                         ("person-segmentation", "person-segmentation-landscape")),
    "detect.html": View("Object detection · ondevice", "detect_page", ("object-detection",)),
    "teach.html": View("Teachable image classifier · ondevice", "teach_page", ("image-classification",)),
}
APP_SCRIPT = "app.py"  # the one PyScript script: mounts the views (site/py/app.py)
PAGE_MODULES = ("pagekit.py", "camera.py")  # shared by the view modules
START_PACKAGES = ("numpy",)  # loaded as Python starts; a view loads what else it needs when shown
KINDS = {"python": "Python runtime", "packages": "Python packages", "onnxruntime": "ONNX Runtime",
         "model": "Model", "code": "ondevice code"}
COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".json", ".wasm", ".onnx", ".py", ".txt", ".tar", ".bin"}
LIBRARY_ZIP = "py/ondevice.zip"
SERVICE_WORKER = "sw.js"
BUILD_STAMP = "/*ondevice:build*/null"  # in site/sw.js; replaced by the build's id and file hashes


def short_hash(path: Path) -> str:
    return file_sha256(path)[:10]


def write_models(dist: Path, built: list[BuiltModel]) -> dict:
    """Copy each shipped variant under a content-hashed name; return the models manifest."""
    folder = dist / "models"
    folder.mkdir(parents=True)
    manifest = {"format": 1, "models": {}}
    for model in built:
        spec = model.recipe.spec
        variants = {}
        for variant, source in model.shipped().items():
            name = f"{spec.model_name}.{variant}.{short_hash(source)}.onnx"
            shutil.copy2(source, folder / name)
            info = model.report["variants"][variant]
            variants[variant] = {
                "file": name, "bytes": source.stat().st_size, "sha256": file_sha256(source),
                "gate": {k: v for k, v in info.items() if k not in ("file", "bytes")},
            }
        refused = {v: info for v, info in model.report["variants"].items() if not info["passed"]}
        (folder / spec.labels_file).write_text(json.dumps(model.labels))
        preferred = [v for v in spec.variants if v in variants]
        manifest["models"][spec.task] = {
            "model": spec.model_name,
            "labels": spec.labels_file,
            "default_variant": {
                "wasm": preferred[0],
                "webgpu": spec.webgpu_variant if spec.webgpu_variant in variants else preferred[0],
            },
            "variants": variants,
            "refused_variants": refused,
            "conversion_check": model.report.get("conversion_check"),
            "input": {"name": spec.input_name, "dtype": "uint8", "layout": "NHWC",
                      "height": spec.image.height, "width": spec.image.width} if spec.image else {},
            "preprocessing": {"resize_shorter_to": spec.image.resize_shorter_to,
                              "crop": "centre", "normalisation": "inside the graph"} if spec.image else {},
            "outputs": list(spec.output_names),
            "licence": spec.licence,
            "source": spec.source,
        }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def python_packages(tasks: tuple[str, ...]) -> tuple[str, ...]:
    """What a page's Python loads: numpy always, Pillow only where a task takes images."""
    return ("numpy", "pillow") if any(spec_for(task).image for task in tasks) else ("numpy",)


def write_library(dist: Path) -> Path:
    """The `ondevice` package and the app's page modules (pagekit, camera, one per view) as one zip
    that Python imports from where it stands (zipimport, at CODE_PATH: nothing to unpack),
    precompiled to bytecode (sources kept beside it: tracebacks show our lines). Only the app script
    itself (PyScript runs it) is served apart. Returns the zip's path."""
    target = dist / LIBRARY_ZIP
    target.parent.mkdir(parents=True, exist_ok=True)
    sources = [(path.relative_to(PYSRC), path) for path in sorted((PYSRC / "ondevice").rglob("*.py"))]
    sources += [(Path(name), SITE / "py" / name) for name in page_modules()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in sources:
            info = zipfile.ZipInfo(str(name), date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    library = Archive(target, file_sha256(target), CODE_PATH, "zip", keep_sources=True)
    shutil.copy2(compile_archives([library])[0], target)
    shutil.copy2(SITE / "py" / APP_SCRIPT, dist / "py" / APP_SCRIPT)
    return target


def page_modules() -> tuple[str, ...]:
    """The site's Python modules besides the library and the app script: shared ones, one per view."""
    return (*PAGE_MODULES, *(f"{view.module}.py" for view in VIEWS.values() if view.module))


def write_samples(dist: Path, names: tuple[str, ...] = photos.SAMPLES) -> list[dict]:
    folder = dist / "samples"
    folder.mkdir(exist_ok=True)
    samples = []
    for name in names:
        image = Image.open(photos.photo(name)).convert("RGB")
        image.thumbnail((800, 800))
        image.save(folder / f"{name}.jpg", quality=90)
        samples.append({"name": name, "url": f"samples/{name}.jpg"})
    (folder / "sentences.txt").write_text("\n".join(sentences.corpus()) + "\n", encoding="utf-8")
    return samples


def asset(dist: Path, relative: str, kind: str) -> dict:
    path = dist / relative
    return {"url": relative, "bytes": path.stat().st_size, "sha256": file_sha256(path), "kind": kind}


def model_variants(manifest: dict) -> dict:
    """Per task: the default variant per backend and each shipped variant's file, size and sha256."""
    return {task: {"default": entry["default_variant"],
                   "variants": {name: {"url": f"models/{info['file']}", "bytes": info["bytes"],
                                       "sha256": info["sha256"]} for name, info in entry["variants"].items()}}
            for task, entry in manifest["models"].items()}


def ort_starter() -> str:
    """A one-node model (y = x), base64: on a later visit the glue opens a session on it as the page
    starts, which starts onnxruntime-web's runtime (its worker, wasm and threads) before the view's
    model has arrived (js/ondevice.mjs, startOnnxruntime)."""
    def value(name):
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "starter", [value("x")], [value("y")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    return base64.b64encode(model.SerializeToString()).decode()


def python_modules(runtime: RuntimeFiles) -> list[str]:
    """The modules Python's start imports at once: the glue's js/python.mjs, Pyodide's module and
    the script beside it, which Pyodide would otherwise import only once its own module has run."""
    return ["js/python.mjs", runtime.pyodide_module, next(f for f in runtime.pyodide if f.endswith("/pyodide.asm.js"))]


def shell_head(dist: Path, runtime: RuntimeFiles, manifest: dict, samples: list[dict]) -> str:
    packages = START_PACKAGES
    # the wheels are downloaded only when Python boots without the snapshot (the glue's pythonBoots)
    wasm = next(f for f in runtime.pyodide if f.endswith(".wasm"))  # compiled as it downloads: config.python
    # the stdlib and the lock are handed to Pyodide from the glue's checked bytes: config.python.files
    handed = [f for f in runtime.pyodide if f.endswith((f"/{STDLIB}", f"/{LOCK}"))]
    prefetch = [asset(dist, f, "python") for f in runtime.pyodide
                if not f.endswith((".mjs", ".wasm")) and f not in handed]
    prefetch += [asset(dist, f, "onnxruntime") for f in runtime.ort_wasm]
    config = {
        "ort": {"wasm": runtime.ort_wasm[0], "webgpu": runtime.ort_webgpu[0], "wasmPaths": f"{ORT_DIR}/",
                # prefetched (with progress) only by a view that will run on WebGPU
                "webgpuFiles": [asset(dist, f, "onnxruntime") for f in runtime.ort_webgpu],
                "starter": ort_starter()},
        "pyscript": f"{PYSCRIPT_DIR}/core.js",
        "kinds": KINDS,
        "prefetch": prefetch,
        "views": {name: {"title": view.title, "tasks": list(view.tasks), "module": view.module,
                         "packages": list(python_packages(view.tasks))} for name, view in VIEWS.items()},
        "python": {"version": PYODIDE_VERSION, "module": runtime.pyodide_module, "wasm": asset(dist, wasm, "python"),
                   "files": [asset(dist, f, "python") for f in handed],
                   # the library and the page modules: written to `path` by js/python.mjs from the glue's
                   # checked bytes, and imported from there
                   "code": {**asset(dist, LIBRARY_ZIP, "code"), "path": CODE_PATH},
                   "packages": list(packages),
                   # (memoryBytes: Pyodide's memory is made this size for the restore, before the files arrive)
                   "snapshot": {"memory": asset(dist, runtime.snapshot["memory"], "python"),
                                "memoryBytes": runtime.snapshot["memoryBytes"],
                                "meta": asset(dist, runtime.snapshot["meta"], "python"),
                                "site": asset(dist, runtime.snapshot["site"], "packages"),
                                "libs": {path: asset(dist, file, "packages")
                                         for path, file in runtime.snapshot["libs"].items()}}},
        "packages": {name: [asset(dist, f, "packages") for f in runtime.wheels_for((name,))] for name in PYTHON_PACKAGES},
        "models": model_variants(manifest),
        # the small text files Python reads (manifest, label lists): the glue checks them too
        "texts": {relative: file_sha256(dist / relative) for relative in
                  ["models/manifest.json", *sorted({f"models/{e['labels']}" for e in manifest["models"].values()})]},
        "samples": samples,
        "backgrounds": [{"name": name, "url": f"samples/{name}.jpg"} for name in photos.BACKGROUNDS],
    }
    pyscript_config = pyscript_interpreter(packages)
    (dist / "py" / "app.json").write_text(json.dumps(pyscript_config, indent=2))
    return "\n".join([
        '<link rel="icon" href="data:,">',
        '<link rel="stylesheet" href="css/style.css">',
        f'<script type="application/json" id="ondevice-config">{html.escape(json.dumps(config), quote=False)}</script>',
        '<script type="module" src="js/ondevice.mjs"></script>',
        # fetched and compiled while the glue runs: Python's start imports them at once (js/python.mjs),
        # and so does onnxruntime-web's early start on a later visit
        *(f'<link rel="modulepreload" href="{url}">' for url in [*python_modules(runtime), runtime.ort_wasm[0]]),
        f'<script type="module" src="{PYSCRIPT_DIR}/core.js"></script>',
        f'<script type="py" src="py/{APP_SCRIPT}" config="py/app.json"></script>',
    ])


def fill_parts(fragment: str) -> str:
    """Replace each `<!--ondevice:NAME-->` with site/views/parts/NAME.html (the markup views share:
    loading panel, photo input, webcam controls), indented as the marker is."""
    def part(match) -> str:
        text = (SITE / "views" / "parts" / f"{match.group(2)}.html").read_text(encoding="utf-8")
        return "".join(match.group(1) + line for line in text.splitlines(keepends=True)).rstrip("\n")

    return re.sub(r"^( *)<!--ondevice:([a-z-]+)-->", part, fragment, flags=re.M)


def view_templates() -> str:
    """Every view fragment of site/views/ as a <template id="view:NAME">, shared parts filled in."""
    templates = []
    for name in VIEWS:
        fragment = fill_parts((SITE / "views" / name).read_text(encoding="utf-8"))
        templates.append(f'<template id="view:{name}"><div class="view">\n{fragment}</div></template>')
    return "\n".join(templates)


def write_pages(dist: Path, runtime: RuntimeFiles, manifest: dict, samples: list[dict]) -> None:
    """The shell, complete with its views, under every view's page name."""
    shell = (SITE / "shell.html").read_text(encoding="utf-8")
    shell = shell.replace("<!--ondevice:head-->", shell_head(dist, runtime, manifest, samples))
    shell = shell.replace("<!--ondevice:views-->", view_templates())
    for name in VIEWS:
        (dist / name).write_text(shell, encoding="utf-8")


def compress(dist: Path) -> None:
    """Write .gz and .br beside every compressible file where that saves at least 5%."""
    store = CACHE / "compressed"
    store.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in dist.rglob("*") if p.is_file() and p.suffix in COMPRESSIBLE):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        for suffix, squeeze in ((".gz", lambda d: gzip.compress(d, 9, mtime=0)),
                                (".br", lambda d: brotli.compress(d, quality=11 if len(d) < 4_000_000 else 9))):
            cached = store / f"{digest}{suffix}"
            if not cached.exists():
                cached.write_bytes(squeeze(data))
            if cached.stat().st_size < 0.95 * len(data):
                shutil.copy2(cached, path.with_name(path.name + suffix))


def site_files(dist: Path) -> list[str]:
    """Every file of the site (paths relative to `dist`, sorted), precompressed copies left out."""
    return sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file() and p.suffix not in (".gz", ".br"))


def stamp_service_worker(dist: Path, template: Path = SITE / SERVICE_WORKER) -> str:
    """Write dist/sw.js: `template` with this build's id and the sha256 of every other file of
    the site (site-manifest.json aside); returns the build id.

    The id hashes those sha256 and the worker's own code, so any change to the site is a new
    worker with a new cache. The file is replaced atomically (a server never sends half a worker)
    and its now stale .gz/.br copies are removed: compress() writes them again.
    """
    code = template.read_text(encoding="utf-8")
    if BUILD_STAMP not in code:
        raise ValueError(f"{template} has no {BUILD_STAMP} to stamp")
    skip = {SERVICE_WORKER, "site-manifest.json", HEADERS_FILE}
    files = {path: file_sha256(dist / path) for path in site_files(dist) if path not in skip}
    build_id = hashlib.sha256(json.dumps([files, code], sort_keys=True).encode()).hexdigest()[:16]
    target = dist / SERVICE_WORKER
    staged = target.with_name(target.name + ".partial")
    staged.write_text(code.replace(BUILD_STAMP, json.dumps({"id": build_id, "files": files})), encoding="utf-8")
    staged.replace(target)
    for suffix in (".gz", ".br"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    return build_id


def write_site_manifest(dist: Path) -> dict:
    files = {}
    for relative in site_files(dist):
        path = dist / relative
        entry = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
        for suffix in (".gz", ".br"):
            if path.with_name(path.name + suffix).exists():
                entry[suffix[1:]] = path.with_name(path.name + suffix).stat().st_size
        files[relative] = entry
    manifest = {"files": files}
    (dist / "site-manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def bundle(built: list[BuiltModel], log=print) -> Path:
    """Write the whole site into dist/ (built in a temporary folder, then swapped in)."""
    staging = DIST.with_name("dist.partial")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(SITE, staging, ignore=shutil.ignore_patterns("py", "views", "*.html"))
    (staging / "py").mkdir()
    library = write_library(staging)
    runtime = copy_runtime(staging, library, log)
    manifest = write_models(staging, built)
    samples = write_samples(staging)
    write_samples(staging, photos.BACKGROUNDS)
    write_pages(staging, runtime, manifest, samples)
    write_headers_file(staging)
    stamp_service_worker(staging)
    compress(staging)
    write_site_manifest(staging)
    if DIST.exists():
        shutil.rmtree(DIST)
    staging.rename(DIST)
    return DIST
