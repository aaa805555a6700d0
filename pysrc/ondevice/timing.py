"""Per-call timings (Python pre-processing, model run, Python post-processing) for the benchmark."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Timings:
    """Milliseconds spent in each stage of the last call (a stage entered twice adds up)."""

    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + (time.perf_counter() - started) * 1000

    def as_dict(self) -> dict[str, float]:
        return dict(self.stages)
