"""What every task object shares: the Session, its registry entry, labels, variant, file (sha256), timings,
and
one lifecycle.

Every task object is callable and has the same call under its verb (`classifier.classify(image)`
is `classifier(image)`), and releases its model's session with `await task.close()` or at the end
of `async with task:`. In the browser that frees onnxruntime-web's session (its weights and
buffers in the wasm heap); after it, a call raises `ClosedError` instead of reaching a released
session. A new task class gets all of this by subclassing `Task` and naming its verb.
"""
from __future__ import annotations

from typing import Callable

from .. import image as images
from ..registry import ModelSpec
from ..runtime import Session
from ..timing import Timings


class ClosedError(RuntimeError):
    """The task object was closed (`close()`, or the end of `async with`): load the model again."""


class Task:
    """Built by `ondevice.load` as `Class(session, spec, labels, variant, sha256)`.

    Subclasses set `verb` to the name of their async main method (e.g. "classify"), which
    `__call__` runs, and set `self.timings` to the stages of the last call (`run_image` does).
    `sha256` names the model file (what a head trained on this model's vectors records as its
    backbone). `fallback` says why the model runs on another variant or backend than asked (see
    ondevice.loader), else None.
    """

    verb: str = ""
    fallback: str | None = None

    def __init__(self, session: Session, spec: ModelSpec, labels: list[str], variant: str, sha256: str = ""):
        self._session = session
        self.spec = spec
        self.labels = labels
        self.variant = variant
        self.sha256 = sha256
        self.timings = Timings()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.verb and not callable(getattr(cls, cls.verb, None)):
            raise TypeError(f"{cls.__name__}.verb names {cls.verb!r}, which it does not define")

    async def __call__(self, *args, **kwargs):
        """The task's verb: `await task(...)` is `await task.<verb>(...)`."""
        return await getattr(self, self.verb)(*args, **kwargs)

    @classmethod
    def warm_up(cls, spec: ModelSpec) -> None:
        """Run this task's Python steps once on a stand-in input while its model loads (ondevice.load
        calls it then), so that the first real call does not pay their one-time costs: in the
        browser, the page compiles the numpy and Pillow code a step uses on its first use (the
        classification page's first result came 130 ms sooner, docs/STARTUP.md). Image tasks decode
        and fit a small JPEG; other tasks have nothing to warm up."""
        if spec.image is not None:
            images.fit_to_input(images.as_pil(images.stand_in_photo()), spec.image)

    # ---- lifecycle ----
    @property
    def session(self) -> Session:
        """The model's Session; ClosedError once the task is closed."""
        if self._session is None:
            raise ClosedError(f"This {self.spec.task} model was closed; load it again to use it.")
        return self._session

    @property
    def closed(self) -> bool:
        return self._session is None

    async def close(self) -> None:
        """Release the model's session (in the browser: onnxruntime-web's memory). Idempotent."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    # ---- one image call ----
    async def run_image(self, image, preprocess: Callable, postprocess: Callable):
        """One timed image call: `preprocess(image, spec)` -> (tensor, placement), the Session, then
        `postprocess(outputs, placement)`; the stages' times land in `self.timings`."""
        session = self.session  # ClosedError before any work
        timings = Timings()
        with timings.stage("preprocess"):
            tensor, placement = preprocess(image, self.spec)
        with timings.stage("run"):
            outputs = await session.run({self.spec.input_name: tensor})
        with timings.stage("postprocess"):
            result = postprocess(outputs, placement)
        self.timings = timings
        return result
