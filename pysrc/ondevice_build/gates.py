"""Quality gates: a quantised variant ships only if it agrees with fp32 on real photos.

Each photo is seen in several views (as is, mirrored, zoomed into the centre, cropped to a
corner) so a handful of photos gives a few dozen distinct inputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ondevice.image import as_pil, fit_to_input
from ondevice.registry import ModelSpec
from ondevice.runtime import NativeSession

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


@dataclass(frozen=True)
class ClassifierGate:
    """A variant ships when, over every gate view, compared with fp32:
    - its top-1 agrees at least `min_top1_agreement[variant]` of the time (default 100%);
    - fp32's top-1 is in its top-5 on every view where fp32 is at least `confident` sure
      (below that fp32's own ranking is a near-tie with nothing to preserve);
    - no class probability moves by more than `max_probability_difference`.
    """

    min_top1_agreement: dict[str, float] = field(default_factory=dict)
    confident: float = 0.1
    max_probability_difference: float = 0.15

    def calibration_feeds(self, spec: ModelSpec) -> list[dict]:
        return image_feeds(spec, CALIBRATION)

    def judge(self, spec: ModelSpec, labels: list[str], fp32: Path, candidate: Path, variant: str) -> dict:
        reference, model = NativeSession(str(fp32)), NativeSession(str(candidate))
        output = spec.output_names[0]
        agree = confident = kept = 0
        max_diff = 0.0
        feeds = image_feeds(spec, GATE)
        for feed in feeds:
            expected = reference.run_sync(feed)[output][0]
            got = model.run_sync(feed)[output][0]
            top1 = int(np.argmax(expected))
            agree += int(np.argmax(got) == top1)
            if expected[top1] >= self.confident:
                confident += 1
                kept += int(top1 in np.argsort(-got)[:5])
            max_diff = max(max_diff, float(np.max(np.abs(expected - got))))
        bound = self.min_top1_agreement.get(variant, 1.0)
        agreement = agree / len(feeds)
        passed = agreement >= bound and kept == confident and max_diff <= self.max_probability_difference
        return {
            "passed": passed,
            "inputs": len(feeds),
            "top1_agreement": round(agreement, 4),
            "top1_in_top5_when_confident": f"{kept}/{confident}",
            "max_probability_difference": round(max_diff, 5),
            "bound": (f"top-1 agreement >= {bound:.0%}; fp32 top-1 in top-5 whenever fp32 p >= {self.confident}; "
                      f"max probability difference <= {self.max_probability_difference}"),
        }


def gate_outputs(spec: ModelSpec, fp32: Path, candidate: Path):
    """(fp32 output, candidate output) of the first output for every gate view, in order."""
    reference, model = NativeSession(str(fp32)), NativeSession(str(candidate))
    output = spec.output_names[0]
    for feed in image_feeds(spec, GATE):
        yield reference.run_sync(feed)[output], model.run_sync(feed)[output]


@dataclass(frozen=True)
class SegmentationGate:
    """A variant ships when, over every gate view, compared with fp32:
    - its person mask (probability > 0.5) overlaps fp32's with IoU >= `min_mask_iou` on every view
      where fp32 finds a person on at least `min_person` of the pixels (two empty masks agree);
    - the mean absolute probability difference per view stays <= `max_mean_difference`.
    """

    min_mask_iou: float = 0.97
    min_person: float = 0.01
    max_mean_difference: float = 0.02

    def calibration_feeds(self, spec: ModelSpec) -> list[dict]:
        return image_feeds(spec, CALIBRATION)

    def judge(self, spec: ModelSpec, labels: list[str], fp32: Path, candidate: Path, variant: str) -> dict:
        from ondevice.tasks.segment import mask_iou

        ious, mean_differences = [], []
        for expected, got in gate_outputs(spec, fp32, candidate):
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
