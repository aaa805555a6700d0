"""The object-detection view: labelled boxes over a photo, or over the live webcam video."""
from pyscript import document

import pagekit
from camera import CameraControl
from ondevice.image import as_pil, full_size

page = detector = webcam = None  # set by mount()
COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080", "#f032e6", "#9a6324")


def draw(canvas, detections, width: int, height: int) -> None:
    """Draw each detection's box and label on `canvas`, sized to the image's own pixels (the CSS
    stretches it over the picture, so boxes in image pixels land where they belong)."""
    if canvas.width != width or canvas.height != height:
        canvas.width, canvas.height = width, height
    context = canvas.getContext("2d")
    context.clearRect(0, 0, width, height)
    line = max(2, round(max(width, height) / 300))
    size = max(12, 7 * line)
    context.lineWidth = line
    context.font = f"600 {size}px system-ui, sans-serif"
    context.textBaseline = "top"
    for detection in detections:
        x, y, box_width, box_height = detection.box
        colour = COLOURS[detection.class_id % len(COLOURS)]
        context.strokeStyle = context.fillStyle = colour
        context.strokeRect(x, y, box_width, box_height)
        text = f"{detection.label} {detection.score:.0%}"
        label_width, label_height = context.measureText(text).width + 2 * line, size + 2 * line
        label_y = y - label_height if y >= label_height else y  # above the box, or inside at the top
        context.fillRect(x - line / 2, label_y, label_width, label_height)
        context.fillStyle = "#fff"
        context.fillText(text, x + line / 2, label_y + line)


def render(detections) -> None:
    """List the detections under the picture (data-* attributes hold full-precision values)."""
    items = []
    for detection in detections:
        item = document.createElement("li")
        item.dataset.label = detection.label
        item.dataset.score = repr(detection.score)
        item.dataset.box = ",".join(repr(value) for value in detection.box)
        item.innerHTML = '<span class="label"></span> <span class="score"></span> <span class="box"></span>'
        item.querySelector(".label").textContent = detection.label
        item.querySelector(".score").textContent = f"{detection.score:.0%}"
        x, y, width, height = (round(value) for value in detection.box)
        item.querySelector(".box").textContent = f"at ({x}, {y}), {width} × {height} px"
        items.append(item)
    page.element("detections").replaceChildren(*items)


def found_text(detections) -> str:
    count = len(detections)
    return "No objects found. " if not count else f"{count} object{'s' if count > 1 else ''} found. "


def show_stage(name: str) -> None:
    """Show the photo or the video stage, hide the other."""
    page.element("photo-stage").hidden = name != "photo"
    page.element("video-stage").hidden = name != "video"


async def detect_photo(data: bytes, name: str, blob) -> None:
    # Raises ImageError before anything on screen changes; a big JPEG is decoded at reduced scale
    # (never below the model's input), its boxes still in the photo's own pixels.
    photo = as_pil(data, min_size=max(detector.spec.image.width, detector.spec.image.height))
    webcam.stop()  # a photo replaces the live view
    detections = await detector(photo)
    pagekit.show_photo(page.element("preview"), blob)
    show_stage("photo")
    draw(page.element("photo-overlay"), detections, *full_size(photo))
    render(detections)
    page.element("timing").textContent = found_text(detections) + pagekit.timing_text(detector, name)
    page.mark("first-result")


# ---- webcam ---------------------------------------------------------------------------------
async def detect_frame(video) -> None:
    """One webcam frame: detect, draw the boxes over the video and list them."""
    detections = await detector(video)
    if not webcam.running:  # stopped while the frame was detected: leave the screen as stop left it
        return
    show_stage("video")
    draw(page.element("video-overlay"), detections, video.videoWidth, video.videoHeight)
    render(detections)
    page.element("timing").textContent = found_text(detections) + pagekit.timing_text(detector, "frame")


async def mount(view: pagekit.Page) -> None:
    global page, detector, webcam
    page = view
    detector = await page.load_task("object-detection")
    webcam = CameraControl(page, detect_frame, after_stop=lambda: show_stage("none"))
    page.expose_bench(detector)
    page.on_image(detect_photo)
    page.ready()


def suspend() -> None:
    """Leaving the view: the webcam goes off."""
    if webcam is not None:
        webcam.stop()
