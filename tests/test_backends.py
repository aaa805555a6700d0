"""Which variant runs on which backend: `choose_variant`'s rules, `load()` falling back to WASM when
the WebGPU session fails (a store that refuses WebGPU stands in for the browser), and every shipped
model file fit for onnxruntime-web's WebGPU backend."""
import json

import onnx
import pytest

from ondevice import load
from ondevice.errors import BackendUnavailable
from ondevice.loader import Choice, LocalStore, WebGPUSupport, choose_variant
from ondevice_build.paths import DIST

DEFAULTS = {"wasm": "int8-weights", "webgpu": "fp16"}
SHIPPED = ("fp32", "int8-weights", "fp16")


def test_wasm_runs_what_was_asked_or_its_default():
    assert choose_variant(DEFAULTS, SHIPPED, None, "wasm", WebGPUSupport()) == Choice("int8-weights", "wasm")
    assert choose_variant(DEFAULTS, SHIPPED, "fp16", "wasm", WebGPUSupport()) == Choice("fp16", "wasm")


def test_a_usable_webgpu_runs_its_default_or_what_was_asked():
    assert choose_variant(DEFAULTS, SHIPPED, None, "webgpu", WebGPUSupport()) == Choice("fp16", "webgpu")
    assert choose_variant(DEFAULTS, SHIPPED, "fp32", "webgpu", WebGPUSupport()) == Choice("fp32", "webgpu")


def test_without_webgpu_the_wasm_default_runs_on_wasm_and_says_why():
    choice = choose_variant(DEFAULTS, SHIPPED, "fp16", "webgpu", WebGPUSupport("this browser has no WebGPU", False))
    assert (choice.variant, choice.backend) == ("int8-weights", "wasm")
    assert choice.fallback == ("WebGPU is not available here (this browser has no WebGPU), "
                               "so the int8-weights model runs on WASM instead.")


def test_fp16_on_a_webgpu_without_16_bit_floats_becomes_fp32_on_webgpu():
    choice = choose_variant(DEFAULTS, SHIPPED, None, "webgpu", WebGPUSupport(None, float16=False))
    assert (choice.variant, choice.backend) == ("fp32", "webgpu") and "16-bit floats" in choice.fallback
    # other variants need no 16-bit floats
    assert choose_variant(DEFAULTS, SHIPPED, "int8-weights", "webgpu", WebGPUSupport(None, False)).fallback is None


class RefusingWebGPU(LocalStore):
    """The build's models, with a WebGPU that says it works and then fails every session."""

    def __init__(self, folder):
        super().__init__(folder)
        self.opened = []

    async def session(self, name, sha256, backend, on_progress, variant=""):
        self.opened.append((variant, backend))
        if backend == "webgpu":
            raise BackendUnavailable("the GPU process crashed")
        return await super().session(name, sha256, backend, on_progress, variant)


def test_load_falls_back_to_the_wasm_default_when_the_webgpu_session_fails(dist, manifest, run):
    store = RefusingWebGPU(dist / "models")
    defaults = manifest["models"]["image-classification"]["default_variant"]
    classifier = run(load("image-classification", backend="webgpu", store=store))
    assert store.opened == [(defaults["webgpu"], "webgpu"), (defaults["wasm"], "wasm")]
    assert classifier.variant == defaults["wasm"]
    assert classifier.fallback == (f"WebGPU could not run this model here (the GPU process crashed), "
                                   f"so the {defaults['wasm']} model runs on WASM instead.")


def test_load_as_asked_has_no_fallback_and_a_wasm_failure_is_not_hidden(dist, run):
    classifier = run(load("image-classification", store=LocalStore(dist / "models")))
    assert classifier.fallback is None

    class RefusingEverything(LocalStore):
        async def session(self, *args, **kwargs):
            raise BackendUnavailable("no")

    with pytest.raises(BackendUnavailable):
        run(load("image-classification", store=RefusingEverything(dist / "models")))


def shipped_files() -> list:
    path = DIST / "models" / "manifest.json"
    models = json.loads(path.read_text())["models"] if path.exists() else {}
    return [pytest.param(info["file"], id=f"{task}-{variant}")
            for task, entry in models.items() for variant, info in entry["variants"].items()]


@pytest.mark.parametrize("file", shipped_files())
def test_every_convolution_states_its_kernel_shape_for_webgpu(dist, file):
    """onnxruntime-web's WebGPU backend fails on a Conv without kernel_shape ("dilations should be 2D")."""
    graph = onnx.load(str(dist / "models" / file), load_external_data=False).graph
    missing = [node.name for node in graph.node if node.op_type in ("Conv", "ConvTranspose")
               and not any(attribute.name == "kernel_shape" for attribute in node.attribute)]
    assert missing == []
