"""What every task object shares: the Session, its registry entry, labels, variant, file and timings."""
from __future__ import annotations

from typing import Callable

from ..registry import ModelSpec
from ..runtime import Session
from ..timing import Timings


class Task:
    """Built by `ondevice.load` as `Class(session, spec, labels, variant, sha256)`; subclasses define
    `async __call__` and set `self.timings` to the stages of the last call. `sha256` names the
    model file (what a head trained on this model's vectors records as its backbone)."""

    def __init__(self, session: Session, spec: ModelSpec, labels: list[str], variant: str, sha256: str = ""):
        self.session = session
        self.spec = spec
        self.labels = labels
        self.variant = variant
        self.sha256 = sha256
        self.timings = Timings()

    async def run_image(self, image, preprocess: Callable, postprocess: Callable):
        """One timed image call: `preprocess(image, spec)` -> (tensor, placement), the Session, then
        `postprocess(outputs, placement)`; the stages' times land in `self.timings`."""
        timings = Timings()
        with timings.stage("preprocess"):
            tensor, placement = preprocess(image, self.spec)
        with timings.stage("run"):
            outputs = await self.session.run({self.spec.input_name: tensor})
        with timings.stage("postprocess"):
            result = postprocess(outputs, placement)
        self.timings = timings
        return result
