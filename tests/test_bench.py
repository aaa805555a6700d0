"""The benchmark's quick mode (--runs 1) runs end to end, so it cannot silently rot."""
import json

from PIL import Image

from ondevice_build.bench import measure, write_outputs


def test_quick_benchmark_measures_every_stage_and_writes_its_outputs(browser, dist, manifest, tmp_path):
    results = measure(browser, ["image-classification"], runs=1)
    write_outputs(results, tmp_path, docs=False)
    saved = json.loads((tmp_path / "results.json").read_text())
    task = saved["tasks"]["image-classification"]
    cold = task["cold"]
    assert 0 < cold["python-started"]["median"] < cold["session-created"]["median"] < cold["first-result"]["median"]
    shipped = manifest["models"]["image-classification"]["variants"]
    assert set(task["steady"]) == {f"{v}/{t}t" for v in shipped for t in (1, 2)}
    for stages in task["steady"].values():
        assert stages["run"]["median"] > 0 and stages["preprocess"]["median"] > 0
    for variant in shipped:
        assert task["plain_js"][variant]["1t"]["median"] > 0 and task["native"][variant]["1t"]["median"] > 0
    default = manifest["models"]["image-classification"]["default_variant"]["wasm"]
    assert task["bytes"]["model"]["raw"] == shipped[default]["bytes"]
    assert task["bytes"]["python"]["compressed"] < task["bytes"]["python"]["raw"]
    assert Image.open(tmp_path / "chart.png").size[0] > 0
