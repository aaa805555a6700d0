"""Quality gates: a quantised variant ships only if it agrees with fp32 on real photos.

Each photo is seen in several views (as is, mirrored, zoomed into the centre, cropped to a
corner) so a handful of photos gives a few dozen distinct inputs.

fp32's side of every comparison is computed once per fp32 model per build (`fp32_results`, kept in
memory by the model file's sha256), so judging several variants, or the many candidates of a
mixed-precision search, runs only the candidates.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageOps

from ondevice.image import Placement, as_pil, fit_to_input
from ondevice.registry import ModelSpec
from ondevice.runtime import NativeSession
from ondevice.tasks import detect

from .photos import CALIBRATION, GATE, photo


def views(image: Image.Image) -> list[Image.Image]:
    """Four views of a photo: original, mirrored, centre 60% zoom, top-left 80% crop."""
    width, height = image.size
    zoom = image.crop((int(width * 0.2), int(height * 0.2), int(width * 0.8), int(height * 0.8)))
    corner = image.crop((0, 0, int(width * 0.8), int(height * 0.8)))
    return [image, ImageOps.mirror(image), zoom, corner]


@lru_cache(maxsize=8)
def image_feeds(spec: ModelSpec, names: tuple[str, ...]) -> list[dict[str, np.ndarray]]:
    """Model feeds for every view of every named photo (decoded once per build, then reused)."""
    feeds = []
    for name in names:
        for view in views(as_pil(photo(name))):
            tensor, _ = fit_to_input(view, spec.image)
            feeds.append({spec.input_name: tensor})
    return feeds


_FP32_RESULTS: dict[tuple, list] = {}


def fp32_results(fp32: Path, spec: ModelSpec, what: str, per_view: Callable[[dict[str, np.ndarray]], object]) -> list:
    """`per_view(outputs)` for fp32's outputs on every gate view, in `image_feeds(spec, GATE)` order.

    Run once per fp32 model (by the sha256 of its file) and `what` (a name for `per_view`), then
    reused; results of another fp32 model are dropped first, so memory holds one model's worth.
    """
    digest = hashlib.sha256(fp32.read_bytes()).hexdigest()
    key = (digest, spec, what)
    if key not in _FP32_RESULTS:
        for stale in [k for k in _FP32_RESULTS if k[0] != digest]:
            del _FP32_RESULTS[stale]
        session = NativeSession(str(fp32))
        _FP32_RESULTS[key] = [per_view(session.run_sync(feed)) for feed in image_feeds(spec, GATE)]
    return _FP32_RESULTS[key]


class PhotoGate:
    """Calibrates static int8 on the CALIBRATION photos' views (disjoint from the gate photos)."""

    def calibration_feeds(self, spec: ModelSpec) -> list[dict]:
        return image_feeds(spec, CALIBRATION)

    def sensitivity_feeds(self, spec: ModelSpec, labels) -> list[dict]:
        """The inputs that rank layers for mixed precision: the calibration views too."""
        return image_feeds(spec, CALIBRATION)


@dataclass(frozen=True)
class ClassifierGate(PhotoGate):
    """A variant ships when, over every gate view, compared with fp32:
    - its top-1 agrees with fp32's at least `min_top1_agreement[variant]` of the time (default
      100%) on the views where fp32's top-1 is clear: ahead of its runner-up by at least
      `clear_margin` in probability (closer calls are near-ties that even fp16 weights flip, see
      docs/QUANTISATION.md; all-view agreement is reported too);
    - fp32's top-1 is in its top-5 on every view where fp32 is at least `confident` sure
      (below that fp32's own ranking is a near-tie with nothing to preserve);
    - no class probability moves by more than `max_probability_difference`;
    - its `features` (what teachable classifiers learn from) keep cosine >= `min_feature_cosine[variant]`
      (default 0.99) with fp32's on every view.
    """

    min_top1_agreement: dict[str, float] = field(default_factory=dict)
    confident: float = 0.1
    clear_margin: float = 0.01
    max_probability_difference: float = 0.15
    min_feature_cosine: dict[str, float] = field(default_factory=dict)

    def judge(self, spec: ModelSpec, labels: list[str], fp32: Path, candidate: Path, variant: str) -> dict:
        model = NativeSession(str(candidate), variant=variant)
        output, features = spec.output_names
        agree = agree_clear = clear = confident = kept = 0
        max_diff, min_cosine = 0.0, 1.0
        feeds = image_feeds(spec, GATE)
        references = fp32_results(fp32, spec, "probabilities, features", lambda o: (o[output][0], o[features][0]))
        for feed, (expected, expected_features) in zip(feeds, references):
            outputs = model.run_sync(feed)
            got = outputs[output][0]
            min_cosine = min(min_cosine, float(expected_features @ outputs[features][0]))
            top1 = int(np.argmax(expected))
            agree += int(np.argmax(got) == top1)
            runner_up = np.partition(expected, -2)[-2]
            if expected[top1] - runner_up >= self.clear_margin:
                clear += 1
                agree_clear += int(np.argmax(got) == top1)
            if expected[top1] >= self.confident:
                confident += 1
                kept += int(top1 in np.argsort(-got)[:5])
            max_diff = max(max_diff, float(np.max(np.abs(expected - got))))
        bound = self.min_top1_agreement.get(variant, 1.0)
        min_feature_cosine = self.min_feature_cosine.get(variant, 0.99)
        agreement = agree_clear / max(clear, 1)
        passed = (agreement >= bound and kept == confident and max_diff <= self.max_probability_difference
                  and min_cosine >= min_feature_cosine)
        return {
            "passed": passed,
            "inputs": len(feeds),
            "top1_agreement": round(agreement, 4),
            "clear_views": clear,
            "top1_agreement_all_views": round(agree / len(feeds), 4),
            "top1_in_top5_when_confident": f"{kept}/{confident}",
            "max_probability_difference": round(max_diff, 5),
            "min_feature_cosine": round(min_cosine, 5),
            "bound": (f"top-1 agreement >= {bound:.0%} where fp32's top-1 leads by >= {self.clear_margin}; fp32 top-1 in top-5 whenever fp32 p >= {self.confident}; "
                      f"max probability difference <= {self.max_probability_difference}; "
                      f"feature cosine >= {min_feature_cosine}"),
        }


def gate_outputs(spec: ModelSpec, fp32: Path, candidate: Path, variant: str = ""):
    """(fp32 output, candidate output) of the first output for every gate view, in order."""
    model = NativeSession(str(candidate), variant=variant)
    output = spec.output_names[0]
    references = fp32_results(fp32, spec, output, lambda outputs: outputs[output])
    for feed, expected in zip(image_feeds(spec, GATE), references):
        yield expected, model.run_sync(feed)[output]


@dataclass(frozen=True)
class SegmentationGate(PhotoGate):
    """A variant ships when, over every gate view, compared with fp32:
    - its person mask (probability > 0.5) overlaps fp32's with IoU >= `min_mask_iou` on every view
      where fp32 finds a person on at least `min_person` of the pixels (two empty masks agree);
    - the mean absolute probability difference per view stays <= `max_mean_difference`.
    """

    min_mask_iou: float = 0.97
    min_person: float = 0.01
    max_mean_difference: float = 0.02

    def judge(self, spec: ModelSpec, labels: list[str], fp32: Path, candidate: Path, variant: str) -> dict:
        from ondevice.tasks.segment import mask_iou

        ious, mean_differences = [], []
        for expected, got in gate_outputs(spec, fp32, candidate, variant):
            if np.mean(expected > 0.5) >= self.min_person:
                ious.append(mask_iou(expected, got))
            mean_differences.append(float(np.mean(np.abs(expected - got))))
        passed = bool(min(ious) >= self.min_mask_iou and max(mean_differences) <= self.max_mean_difference)
        return {
            "passed": passed,
            "inputs": len(mean_differences),
            "views_with_a_person": len(ious),
            "min_mask_iou": round(min(ious), 4),
            "mean_mask_iou": round(float(np.mean(ious)), 4),
            "max_mean_difference": round(max(mean_differences), 5),
            "bound": (f"mask IoU >= {self.min_mask_iou} wherever fp32 finds a person on >= {self.min_person:.0%} "
                      f"of the pixels; mean probability difference <= {self.max_mean_difference}"),
        }


def match_detections(expected: list, got: list, min_iou: float = 0.5) -> list[tuple[int, int]]:
    """Pair detections of the same class whose boxes overlap by IoU >= min_iou.

    Greedy, best expected detection first, each taking its highest-IoU unpaired partner; returns
    (index in expected, index in got) pairs. Unpaired expected detections were lost, unpaired got
    ones are extra.
    """
    pairs, taken = [], set()
    for i, want in enumerate(expected):
        options = [j for j, have in enumerate(got) if j not in taken and have.class_id == want.class_id]
        if not options:
            continue
        overlaps = [want.box.overlap(got[j].box) for j in options]
        best = int(np.argmax(overlaps))
        if overlaps[best] >= min_iou:
            pairs.append((i, options[best]))
            taken.add(options[best])
    return pairs


@dataclass(frozen=True)
class DetectorGate(PhotoGate):
    """A variant ships when, over every gate view, its detections (min_score `min_score`) compared
    with fp32's, matched by class and IoU >= `min_iou`:
    - keep at least `min_recall[variant]` of fp32's detections (default 100%);
    - add no more than `max_extra` detections per fp32 detection;
    - move no matched score by more than `max_score_difference`.
    """

    min_recall: dict[str, float] = field(default_factory=dict)
    max_extra: float = 0.1
    max_score_difference: float = 0.15
    min_score: float = 0.5
    min_iou: float = 0.5

    def detections(self, outputs: dict[str, np.ndarray], spec: ModelSpec, labels: list[str]) -> list:
        """The detections (score >= min_score) in one view's raw model outputs."""
        height, width = spec.image.height, spec.image.width
        scores, boxes = (outputs[name] for name in spec.output_names)
        return detect.postprocess(scores, boxes, Placement(width, height, 0, 0, width, height), labels,
                                  min_score=self.min_score)

    def judge(self, spec: ModelSpec, labels: list[str], fp32: Path, candidate: Path, variant: str) -> dict:
        model = NativeSession(str(candidate), variant=variant)
        expected_total = got_total = matched = 0
        max_diff, min_overlap = 0.0, 1.0
        feeds = image_feeds(spec, GATE)
        references = fp32_results(fp32, spec, f"detections, score >= {self.min_score}",
                                  lambda outputs: self.detections(outputs, spec, labels))
        for feed, expected in zip(feeds, references):
            got = self.detections(model.run_sync(feed), spec, labels)
            pairs = match_detections(expected, got, self.min_iou)
            expected_total, got_total = expected_total + len(expected), got_total + len(got)
            matched += len(pairs)
            for i, j in pairs:
                max_diff = max(max_diff, abs(expected[i].score - got[j].score))
                min_overlap = min(min_overlap, expected[i].box.overlap(got[j].box))
        recall = matched / max(expected_total, 1)
        extra = (got_total - matched) / max(expected_total, 1)
        bound = self.min_recall.get(variant, 1.0)
        passed = recall >= bound and extra <= self.max_extra and max_diff <= self.max_score_difference
        return {
            "passed": passed,
            "inputs": len(feeds),
            "fp32_detections": expected_total,
            "recall": round(recall, 4),
            "extra_per_fp32_detection": round(extra, 4),
            "max_score_difference": round(max_diff, 5),
            "min_matched_iou": round(min_overlap, 4),
            "bound": (f"keeps >= {bound:.0%} of fp32's detections (score >= {self.min_score}, same class, "
                      f"IoU >= {self.min_iou}); extra <= {self.max_extra:.0%}; matched score difference <= "
                      f"{self.max_score_difference}"),
        }
