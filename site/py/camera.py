"""Webcam plumbing for live views: start and stop a camera, a frame loop, an FPS figure, and the
one set of webcam controls every live view shows.

    camera = Camera(video_element)
    await camera.start()                      # raises CameraError with a message for the user
    await camera.run(on_frame)                # calls `await on_frame(video)` once per new frame
    camera.stop()                             # from a Stop button; run() then returns

The loop awaits the browser between frames (the page stays responsive) and processes the newest
frame only, so a slow model drops frames instead of falling behind. `camera.fps` is the rate of
processed frames over the last second or so.

`CameraControl(page, on_frame)` wires a view's controls, the same markup in every live view:
#camera-start / #camera-stop buttons (one shown at a time), #camera-status (frames/s, with
data-fps and data-frames), #camera-message (why the camera could not start) and a <video
id="video">; <body data-camera> is "on", "off" or the browser's reason (e.g. "NotAllowedError").
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


class CameraControl:
    """A live view's webcam controls (see the module docstring for the markup they use).

    on_frame: `async (video) -> str | None`, one frame's work; what it returns is shown after
    the frames/s figure. before_start / after_stop: optional hooks (load a model first; hide the
    live picture afterwards).
    """

    def __init__(self, page, on_frame, before_start=None, after_stop=None):
        self.page = page
        self.camera = Camera(page.element("video"))
        self.on_frame, self.before_start, self.after_stop = on_frame, before_start, after_stop
        page.listen(page.element("camera-start"), "click", self.start)
        page.listen(page.element("camera-stop"), "click", self.stop)
        page.element("camera-start").disabled = False

    @property
    def running(self) -> bool:
        return self.camera.running

    def _buttons(self, running: bool) -> None:
        start, stop = self.page.element("camera-start"), self.page.element("camera-stop")
        start.hidden, stop.hidden = running, not running
        start.disabled = False

    def _say(self, camera_state: str, message: str = "") -> None:
        self.page.element("camera-message").textContent = message
        js.document.body.dataset.camera = camera_state

    async def start(self, event=None) -> None:
        """Start the camera and process frames until stop(); a frame's error is shown (guarded
        like any user action) without stopping the camera."""
        self.page.element("camera-start").disabled = True
        self._say("starting")
        try:
            if self.before_start:
                await self.before_start()
            await self.camera.start()
        except CameraError as error:
            self._say(error.reason, str(error))
            self._buttons(False)
            return
        self._say("on")
        self._buttons(True)
        status = self.page.element("camera-status")
        status.textContent = "Webcam on: measuring frames/s…"
        await self.camera.run(lambda video: self.page.run_guarded(self._frame, video))

    async def _frame(self, video) -> None:
        if not self.camera.running:
            return
        detail = await self.on_frame(video)
        if not self.camera.running:  # stopped while this frame was processed: show nothing of it
            return
        status = self.page.element("camera-status")
        status.dataset.fps = f"{self.camera.fps:.2f}"
        status.dataset.frames = str(self.camera.frames + 1)
        rate = f"{self.camera.fps:.1f} frames/s" if self.camera.frames else "measuring frames/s…"
        status.textContent = f"{rate} · {detail}" if detail else rate

    def stop(self, event=None) -> None:
        """Turn the camera off (its light goes off); the frame loop ends after the current frame."""
        if self.camera.running:
            self.camera.stop()
            self.page.element("camera-status").textContent = "Webcam stopped."
            if self.after_stop:
                self.after_stop()
        self._say("off")
        self._buttons(False)
