"""The virtual-background view: blur or replace the background behind a person, or cut them out,
in a photo (upload / samples, PNG download) or live from the webcam (with an FPS figure)."""
import asyncio
import json
import time

import js
from pyodide.ffi import to_js
from pyscript import document

import camera
import pagekit
from ondevice import compose
from ondevice.bridge import draw_pixels
from ondevice.image import as_array
from ondevice.tasks import segment

page = None  # set by mount()
MASK_SMOOTHING = 0.5  # webcam: weight kept from earlier frames' masks


class Settings:
    """What the controls say: the effect, its background, the model and precision."""

    def __init__(self):
        self.background = None  # the chosen picture's bytes (None: none yet, see ensure_picture)
        self.fitted = {}  # (width, height) -> the picture fitted to that size

    @property
    def effect(self) -> str:
        return str(element("effect").value)

    @property
    def colour(self) -> tuple[int, int, int]:
        value = str(element("colour").value).lstrip("#")
        return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))

    def picture(self, width: int, height: int):
        if (width, height) not in self.fitted:
            self.fitted[(width, height)] = compose.fit_background(self.background, width, height)
        return self.fitted[(width, height)]

    async def ensure_picture(self) -> None:
        """The "image" effect without a chosen picture shows the first bundled one, fetched the
        first time it is needed (not while the view starts: a visitor may never use it)."""
        if self.effect == "image" and self.background is None:
            first = await pagekit.fetch_bytes(pagekit.glue.config.backgrounds[0].url)
            if self.background is None:  # (not if the visitor chose one meanwhile: a webcam frame is not guarded)
                self.set_picture(first)

    def set_picture(self, data: bytes) -> None:
        compose.fit_background(data, 8, 8)  # raises ImageError for a file that is not a picture
        self.background, self.fitted = data, {}

    def apply(self, frame, mask):
        """The frame with the chosen effect: uint8 RGB (H, W, 3), or RGBA for "cutout"."""
        if self.effect == "cutout":
            return compose.cut_out(frame, mask)
        if self.effect == "image":
            return compose.replace_background(frame, mask, self.picture(frame.shape[1], frame.shape[0]))
        if self.effect == "colour":
            return compose.replace_background(frame, mask, self.colour)
        return compose.blur_background(frame, mask)


def element(element_id: str):
    return page.element(element_id)


settings = Settings()
models = {}


async def segmenter(task: str | None = None):
    """The loaded model for `task` (default: the model control) at the chosen precision."""
    key = (task or str(element("model").value), str(element("variant").value) or None)
    if key not in models:  # one load per model, however many callers wait for it
        models[key] = asyncio.ensure_future(page.load_task(*key))
    try:
        model = await models[key]
    except Exception:
        del models[key]
        raise
    if model.variant != key[1]:  # not the precision asked (a WebGPU fallback: the page's note says why)
        models.setdefault((key[0], model.variant), models[key])
        element("variant").value = model.variant  # the control shows what runs
    return model


# ---- photo mode -----------------------------------------------------------------------------
class Photo:
    """The photo on screen: its bytes, pixels, mask and name (a new effect re-uses the mask)."""
    data = None
    pixels = None
    mask = None
    name = "photo"
    download_url = ""


async def show_photo() -> float:
    """Draw the current photo with the chosen effect; returns the milliseconds it took."""
    await settings.ensure_picture()
    started = time.perf_counter()
    draw_pixels(element("photo-result"), settings.apply(Photo.pixels, Photo.mask))
    element("photo-result").hidden = False
    return (time.perf_counter() - started) * 1000


async def segment_photo(data: bytes, name: str, blob=None) -> None:
    model = await segmenter()
    pixels = as_array(data, max_pixels=segment.MAX_PIXELS)  # ImageError before anything on screen changes
    mask = await model(pixels)
    await settings.ensure_picture()  # (a picture that cannot be had leaves the photo on screen as it was)
    Photo.data, Photo.pixels, Photo.mask, Photo.name = data, pixels, mask, name.rsplit(".", 1)[0]
    compose_ms = await show_photo()
    stages = model.timings.as_dict()
    person = compose.has_person(mask)
    document.body.dataset.person = "yes" if person else "no"
    element("download").disabled = False
    found = f"a person on {(mask > 0.5).mean():.0%} of the photo" if person else \
        "no person found, so the photo is shown unchanged"
    python_ms = stages["preprocess"] + stages["postprocess"] + compose_ms
    element("timing").textContent = (f"{name}: {found}. {python_ms + stages['run']:.0f} ms "
                                     f"(Python {python_ms:.0f}, model {stages['run']:.0f})")
    page.mark("first-result")


async def restyle(event=None) -> None:
    """Re-apply the effect to the current photo after the effect or colour changed."""
    if Photo.pixels is not None:
        await page.run_guarded(show_photo)


async def resegment(event=None) -> None:
    """Segment the current photo again after the model or precision changed."""
    if Photo.data is not None:
        await page.run_guarded(segment_photo, Photo.data, Photo.name)


def download_cut_out(event) -> None:
    """Save the person alone (transparent background) as <photo>-cut-out.png."""
    if Photo.pixels is None:
        return
    png = compose.to_png(compose.cut_out(Photo.pixels, Photo.mask))
    blob = js.Blob.new(to_js([to_js(png)]), to_js({"type": "image/png"}, dict_converter=js.Object.fromEntries))
    if Photo.download_url:
        js.URL.revokeObjectURL(Photo.download_url)
    Photo.download_url = js.URL.createObjectURL(blob)
    link = document.createElement("a")
    link.href = Photo.download_url
    link.download = f"{Photo.name}-cut-out.png"
    link.click()


# ---- webcam mode ----------------------------------------------------------------------------
webcam = None  # a camera.CameraControl, made by mount()
smoother = compose.MaskSmoother(MASK_SMOOTHING)


async def show_frame(video) -> str:
    """One webcam frame with the chosen background; returns the frame's size and timings."""
    model = await segmenter()
    frame = as_array(video)
    await settings.ensure_picture()
    started = time.perf_counter()
    mask = smoother.smooth(await model(frame))
    if not webcam.running:  # stopped while the frame was segmented: leave the screen as stop left it
        return ""
    draw_pixels(element("webcam-result"), settings.apply(frame, mask))
    model_ms = model.timings.as_dict()["run"]
    python_ms = (time.perf_counter() - started) * 1000 - model_ms
    return f"{frame.shape[1]}×{frame.shape[0]} · model {model_ms:.0f} ms, Python {python_ms:.0f} ms"


async def before_camera() -> None:
    await segmenter()
    smoother.reset()


def choose_mode(mode: str) -> None:
    for name in ("photo", "webcam"):
        element(f"{name}-mode").hidden = name != mode
        element(f"mode-{name}").setAttribute("aria-selected", "true" if name == mode else "false")
    if mode != "webcam" and webcam.running:
        webcam.stop()


# ---- controls -------------------------------------------------------------------------------
def fill_variants(event=None) -> None:
    """The precision control: the variants the chosen model ships (the two models ship different
    ones), with the view's choice for it selected, else what was shown if that model ships it."""
    task = str(element("model").value)
    shipped = list(pagekit.glue.config.models.to_py()[task]["variants"])
    chosen, current = page.model_choice(task)[0], str(element("variant").value)
    selected = chosen if chosen in shipped else current if current in shipped else shipped[0]
    options = []
    for variant in shipped:
        option = document.createElement("option")
        option.value = option.textContent = variant
        option.selected = variant == selected
        options.append(option)
    element("variant").replaceChildren(*options)


async def change_model(event=None) -> None:
    fill_variants()
    await resegment()


def fill_backgrounds() -> None:
    for index, picture in enumerate(pagekit.glue.config.backgrounds):
        button = document.createElement("button")
        button.type = "button"
        button.dataset.background = picture.name
        button.title = f"Background: {picture.name}"
        button.setAttribute("aria-pressed", "true" if index == 0 else "false")
        button.innerHTML = f'<img src="{picture.url}" alt="{picture.name}">'

        async def choose(event, picture=picture, button=button):
            async def fetch_and_set():
                settings.set_picture(await pagekit.fetch_bytes(picture.url))
                for other in element("backgrounds").children:
                    other.setAttribute("aria-pressed", "true" if other == button else "false")
                element("effect").value = "image"
                if Photo.pixels is not None:
                    await show_photo()

            await page.run_guarded(fetch_and_set)

        page.listen(button, "click", choose)
        element("backgrounds").append(button)


async def on_background_file(event) -> None:
    files = event.target.files
    if files is None or not files.length:
        return
    data = (await files.item(0).arrayBuffer()).to_bytes()
    event.target.value = ""

    async def use_it():
        settings.set_picture(data)
        for other in element("backgrounds").children:
            other.setAttribute("aria-pressed", "false")
        element("effect").value = "image"
        if Photo.pixels is not None:
            await show_photo()

    await page.run_guarded(use_it)


async def bench(runs: int, url: str) -> str:
    """Benchmark hook (python build.py bench): segment the photo at `url` `runs` times (with the
    model control's model) and blur its background; per-stage timings of each call as JSON."""
    data = await pagekit.fetch_bytes(url)
    model = await segmenter()
    pixels = as_array(data)
    timings = []
    for _ in range(int(runs)):
        mask = await model(pixels)
        started = time.perf_counter()
        compose.blur_background(pixels, mask)
        timings.append({**model.timings.as_dict(), "compose": (time.perf_counter() - started) * 1000})
    return json.dumps(timings)


async def mount(view: pagekit.Page) -> None:
    global page, webcam
    page = view
    fill_variants()
    fill_backgrounds()
    await segmenter("person-segmentation")
    page.bench = bench
    page.listen(element("mode-photo"), "click", lambda event: choose_mode("photo"))
    page.listen(element("mode-webcam"), "click", lambda event: choose_mode("webcam"))
    for control, handler in (("effect", restyle), ("colour", restyle), ("variant", resegment), ("model", change_model)):
        page.listen(element(control), "change", handler)
    page.listen(element("background-file"), "change", on_background_file)
    page.listen(element("download"), "click", download_cut_out)
    webcam = camera.CameraControl(page, show_frame, before_start=before_camera)
    page.on_image(segment_photo)
    page.ready()


def suspend() -> None:
    """Leaving the view: the webcam goes off."""
    if webcam is not None:
        webcam.stop()
