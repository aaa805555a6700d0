"""What every task object shares: the Session, its registry entry, labels, variant and timings."""
from __future__ import annotations

from ..registry import ModelSpec
from ..runtime import Session
from ..timing import Timings


class Task:
    """Built by `ondevice.load` as `Class(session, spec, labels, variant)`; subclasses define
    `async __call__` and set `self.timings` to the stages of the last call."""

    def __init__(self, session: Session, spec: ModelSpec, labels: list[str], variant: str):
        self.session = session
        self.spec = spec
        self.labels = labels
        self.variant = variant
        self.timings = Timings()
