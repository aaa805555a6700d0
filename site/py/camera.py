"""Webcam plumbing for live pages: start and stop a camera, a frame loop, an FPS figure.

    camera = Camera(document.getElementById("video"))
    await camera.start()                      # raises CameraError with a message for the user
    await camera.run(on_frame)                # calls `await on_frame(video)` once per new frame
    camera.stop()                             # from a Stop button; run() then returns

The loop awaits the browser between frames (the page stays responsive) and processes the newest
frame only, so a slow model drops frames instead of falling behind. `camera.fps` is the rate of
processed frames over the last second or so.
"""
import time

import js

glue = js.globalThis.ondevice

# The browser's reason (DOMException name) -> what the user can do about it.
MESSAGES = {
    "NotAllowedError": "Camera access was refused. Allow the camera for this page (the camera icon in "
                       "the address bar), then press Start again.",
    "SecurityError": "Camera access is blocked here: the page must be opened over https or from localhost.",
    "NotFoundError": "No camera was found. Connect a camera and press Start again.",
    "OverconstrainedError": "No camera was found that can deliver video. Connect another camera and press Start again.",
    "NotReadableError": "The camera could not be started: another application may be using it.",
    "AbortError": "The camera could not be started. Press Start to try again.",
    "TypeError": "This browser gives pages no access to a camera.",
}
DEFAULT_MESSAGE = "The camera could not be started ({reason})."


class CameraError(Exception):
    """The camera could not be started; str(error) is a message for the user, `reason` the
    browser's error name (e.g. "NotAllowedError")."""

    def __init__(self, reason: str):
        super().__init__(MESSAGES.get(reason, DEFAULT_MESSAGE.format(reason=reason)))
        self.reason = reason


def error_name(error) -> str:
    """The JavaScript error name behind a Pyodide JsException (e.g. "NotFoundError")."""
    js_error = getattr(error, "js_error", error)
    return str(getattr(js_error, "name", "") or type(error).__name__)


class FpsMeter:
    """Frames per second over a sliding window of recent frame times."""

    def __init__(self, window_seconds: float = 1.0):
        self.window = window_seconds
        self._times: list[float] = []

    def tick(self, now: float | None = None) -> float:
        now = time.perf_counter() if now is None else now
        self._times.append(now)
        while len(self._times) > 2 and now - self._times[0] > self.window:
            self._times.pop(0)
        return self.fps

    @property
    def fps(self) -> float:
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-9)

    def reset(self) -> None:
        self._times.clear()


class Camera:
    """A webcam shown in (or feeding) a <video> element."""

    def __init__(self, video, width: int = 640, height: int = 480):
        self.video = video
        self.width, self.height = width, height
        self.meter = FpsMeter()
        self.frames = 0
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    @property
    def fps(self) -> float:
        return self.meter.fps

    async def start(self) -> None:
        """Ask for the camera and start playing it; raises CameraError when there is none or the
        user refuses."""
        if self._running:
            return
        try:
            await glue.openCamera(self.video, self.width, self.height)
        except Exception as error:  # a JsException carrying the browser's DOMException
            raise CameraError(error_name(error)) from None
        self.meter.reset()
        self.frames = 0
        self._running = True

    def stop(self) -> None:
        """Stop the camera (its light goes off); a running loop ends after the current frame."""
        self._running = False
        glue.closeCamera(self.video)

    async def run(self, on_frame) -> None:
        """Call `await on_frame(video)` for each new frame until stop(); errors in on_frame stop
        the camera and propagate."""
        try:
            while self._running:
                await glue.nextFrame(self.video)
                if not self._running:
                    break
                await on_frame(self.video)
                self.frames += 1
                self.meter.tick()
        except BaseException:
            self.stop()
            raise
