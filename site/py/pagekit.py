"""Shared plumbing for the task pages: state, status and errors, image inputs, model loading.

Photo pages get photos the same way (file picker, drag and drop, paste, one-click samples), shows
errors in the user's words without losing what is on screen, and reports model bytes loaded.
"""
import asyncio
import json
import traceback

import js
from pyodide.ffi import create_proxy
from pyscript import document

from ondevice import InputError, Progress, load

glue = js.globalThis.ondevice
_handlers = []  # keep proxies alive for the life of the page
_busy = asyncio.Lock()


def element(element_id):
    return document.getElementById(element_id)


def set_state(state: str) -> None:
    """data-state on <body>: loading | ready | busy | error (tests and CSS read it)."""
    document.body.dataset.state = state


def status(text: str) -> None:
    element("status").textContent = text


def show_error(message: str) -> None:
    element("error").textContent = message


def url_param(name: str, default: str | None = None) -> str | None:
    value = js.URLSearchParams.new(js.location.search).get(name)
    return default if value is None else str(value)


def listen(target, event: str, handler) -> None:
    proxy = create_proxy(handler)
    _handlers.append(proxy)
    target.addEventListener(event, proxy)


async def load_task(task: str, variant: str | None = None):
    """Load a task's model with byte progress in the status line; variant (unless given) and
    backend from the URL."""
    def on_progress(progress: Progress) -> None:
        status(f"Loading model {progress.file}: {progress.loaded / 1e6:.1f} / {progress.total / 1e6:.1f} MB")

    status("Loading the model…")
    try:
        model = await load(task, variant=variant or url_param("variant"), backend=url_param("backend", "wasm"),
                           on_progress=on_progress)
    except Exception as error:
        show_error(f"The model could not be loaded: {error}")
        set_state("error")
        raise
    status(f"Ready: {task}, {model.variant} model on {model.session.backend}.")
    return model


async def run_guarded(action, *args) -> None:
    """Run one user action; on failure show why and keep everything already on screen."""
    async with _busy:
        set_state("busy")
        try:
            show_error("")
            await action(*args)
            set_state("ready")
        except InputError as error:  # not an image, empty text...: the message is for the user
            show_error(str(error))
            set_state("error")
        except Exception as error:  # keep the page alive, tell the user, keep the details in the console
            traceback.print_exc()
            show_error(f"Something went wrong: {error}")
            set_state("error")
        finally:
            document.body.dataset.runs = str(int(document.body.getAttribute("data-runs") or 0) + 1)


def debounced(action, delay: float = 0.25):
    """An event handler that runs `await action()` (guarded) once input has paused for `delay` s."""
    latest = [0]

    async def later(generation):
        await asyncio.sleep(delay)
        if generation == latest[0]:  # no newer input arrived while waiting
            await run_guarded(action)

    def handler(event=None):
        latest[0] += 1
        asyncio.ensure_future(later(latest[0]))

    return handler


async def yield_to_browser(*_) -> None:
    """Let the browser paint and handle input (await it between chunks of long work)."""
    await asyncio.sleep(0)


def on_image(handler) -> None:
    """Call `await handler(data: bytes, name: str, blob)` for every photo the user gives.

    Sources: the #file input, drag and drop on #dropzone, pasting anywhere, the sample buttons.
    """
    async def from_blob(blob, name):
        data = (await blob.arrayBuffer()).to_bytes()
        await run_guarded(handler, data, name, blob)

    def first_image(items):
        return items.item(0) if items is not None and items.length else None

    async def on_change(event):
        file = first_image(event.target.files)
        if file is not None:
            await from_blob(file, file.name)
        event.target.value = ""

    def on_dragover(event):
        event.preventDefault()
        element("dropzone").classList.add("dragging")

    def on_dragleave(event):
        element("dropzone").classList.remove("dragging")

    async def on_drop(event):
        event.preventDefault()
        element("dropzone").classList.remove("dragging")
        file = first_image(event.dataTransfer.files)
        if file is not None:
            await from_blob(file, file.name)

    async def on_paste(event):
        for item in event.clipboardData.items:
            if item.kind == "file":
                await from_blob(item.getAsFile(), "pasted image")
                return

    listen(element("file"), "change", on_change)
    listen(element("dropzone"), "dragover", on_dragover)
    listen(element("dropzone"), "dragleave", on_dragleave)
    listen(element("dropzone"), "drop", on_drop)
    listen(document, "paste", on_paste)
    for sample in glue.config.samples:
        button = document.createElement("button")
        button.type = "button"
        button.dataset.sample = sample.name
        button.title = f"Sample photo: {sample.name}"
        button.innerHTML = f'<img src="{sample.url}" alt="{sample.name}">'

        async def on_sample(event, sample=sample):
            response = await js.fetch(sample.url)
            await from_blob(await response.blob(), sample.name)

        listen(button, "click", on_sample)
        element("samples").append(button)
    element("file").disabled = False


def ready() -> None:
    glue.ready()
    set_state("ready")


def timing_text(model, name: str) -> str:
    """One line: the last call's total time split into Python pre-processing, model, post-processing."""
    stages = model.timings.as_dict()
    return (f"{name}: {sum(stages.values()):.0f} ms (Python pre-processing {stages['preprocess']:.0f}, "
            f"model {stages['run']:.0f}, post-processing {stages['postprocess']:.0f})")


def expose_bench(model, **options) -> None:
    """Benchmark hook (python build.py bench): `ondeviceBench(runs, url)` runs the model `runs` times
    on the photo at `url` (with `options`) and returns the per-stage timings of each call as JSON."""
    async def bench(runs: int, url: str) -> str:
        data = (await (await js.fetch(url)).arrayBuffer()).to_bytes()
        timings = []
        for _ in range(int(runs)):
            await model(data, **options)
            timings.append(model.timings.as_dict())
        return json.dumps(timings)

    js.globalThis.ondeviceBench = create_proxy(bench)


def show_photo(image_element, blob) -> None:
    """Show `blob` in an <img>, replacing (and freeing) its previous object URL."""
    old = image_element.src
    image_element.src = js.URL.createObjectURL(blob)
    image_element.hidden = False
    if old.startswith("blob:"):
        js.URL.revokeObjectURL(old)
