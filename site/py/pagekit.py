"""Shared plumbing for the app's views: one `Page` per view, with its elements, listeners,
status and errors, photo inputs, model loading and benchmark hook.

A view's DOM is made once per visit and kept while other views show (py/app.py), so a Page lives
for the whole visit: its element lookups are scoped to its own DOM (views reuse ids such as
"error" or "results"), and what it does while detached (an action that was still running when the
user left) lands in its own DOM, never in the view on screen. Photo views get photos the same way
(file picker, drag and drop, paste, one-click samples); errors are shown in the user's words
without losing what is on screen.
"""
import asyncio
import json
import traceback

import js
from pyodide.ffi import JsException, create_once_callable, create_proxy
from pyscript import document

from ondevice import InputError, Progress, load

glue = js.globalThis.ondevice


def url_param(name: str, default: str | None = None) -> str | None:
    value = js.URLSearchParams.new(js.location.search).get(name)
    return default if value is None else str(value)


class LoadError(Exception):
    """Something a view needs (its model, its packages) could not be loaded; the message is for
    the user."""


async def fetch_bytes(url: str) -> bytes:
    """A file of the site (a sample photo, a background picture) as bytes; LoadError, in the
    user's words, when it cannot be had."""
    try:
        response = await js.fetch(url)
    except JsException as error:
        raise LoadError(f"{url} could not be downloaded: {reason(error)}") from error
    if not response.ok:
        raise LoadError(f"{url} could not be downloaded (HTTP {response.status}).")
    return (await response.arrayBuffer()).to_bytes()


def reason(error: BaseException) -> str:
    """An exception's message for the user: a JavaScript error's own message (the glue words its
    download failures for users), else str(error)."""
    if isinstance(error, JsException):
        return str(getattr(error, "message", None) or error)
    return str(error)


async def yield_to_browser(*_) -> None:
    """Let the browser paint and handle input (await it between chunks of long work)."""
    await asyncio.sleep(0)


class Page:
    """One view of the app, from its first mount to the end of the visit."""

    def __init__(self, name: str, root):
        self.name = name
        self.root = root
        self.state = "loading"
        self.failed = False  # the view could not start (show_failure)
        self.bench = None  # async (runs, url, ...) -> JSON string of per-run timings
        self._listeners = []  # (target, event, proxy)
        self._busy = asyncio.Lock()

    # ---- the DOM ----
    @property
    def on_screen(self) -> bool:
        return bool(self.root.isConnected)

    def element(self, element_id: str):
        return self.root.querySelector(f"#{element_id}")

    def set_state(self, state: str) -> None:
        """loading | ready | busy | error: shown as <body data-state> while this view is on screen
        (tests and CSS read it)."""
        self.state = state
        if self.on_screen:
            document.body.dataset.state = state

    def status(self, text: str) -> None:
        self.element("status").textContent = text

    def show_error(self, message: str) -> None:
        self.element("error").textContent = message

    def mark(self, name: str) -> None:
        """A start-up mark for the benchmark, only for the view on screen."""
        if self.on_screen:
            glue.mark(name)

    def listen(self, target, event: str, handler) -> None:
        """Call `handler(event)` for each `event` on `target`; a coroutine it returns is run.
        The handler's proxy lives until `forget(target)` (or of an element holding it): call that
        before removing the element."""
        def call(event):
            result = handler(event)
            if asyncio.iscoroutine(result):
                asyncio.ensure_future(result)

        proxy = create_proxy(call)
        self._listeners.append((target, event, proxy))
        target.addEventListener(event, proxy)
        self._count_listeners()

    def forget(self, element) -> None:
        """Remove and free the listeners on `element` and on everything inside it (an element about
        to be removed from the page), so no proxy outlives its element."""
        gone = [entry for entry in self._listeners
                if entry[0] == element or (hasattr(element, "contains") and element.contains(entry[0]))]
        for entry in gone:
            entry[0].removeEventListener(entry[1], entry[2])
            entry[2].destroy()
            self._listeners.remove(entry)
        self._count_listeners()

    def _count_listeners(self) -> None:
        """<view root data-listeners>: the live handler proxies of this view (tests read it)."""
        self.root.dataset.listeners = str(len(self._listeners))

    def close(self) -> None:
        """Remove and free every listener this view added (the view is being replaced)."""
        for target in {id(entry[0]): entry[0] for entry in self._listeners}.values():
            self.forget(target)

    # ---- lifecycle ----
    def show_failure(self, message: str, retry) -> None:
        """The view could not start: its loading panel says `message`, with a button that calls
        `retry()` ("Try again"), or reloads the page when the runtime itself failed (the glue
        knows which)."""
        self.failed = True
        self.set_state("error")
        glue.showFailure(self.root, message, create_once_callable(retry))

    def ready(self) -> None:
        if self.on_screen:
            glue.ready()
        self.set_state("ready")

    def model_choice(self, task: str) -> tuple[str | None, str]:
        """(variant, backend) for `task` in this view: what the glue chose (and prefetched) at the
        view's first show from the URL's ?variant= and ?backend=, else the URL's own words."""
        choice = glue.modelChoice(self.name, task)
        if choice is None:  # e.g. ?variant= names a variant the site does not ship: load() says so
            return url_param("variant"), url_param("backend", "wasm")
        return str(choice.variant), str(choice.backend)

    async def load_task(self, task: str, variant: str | None = None):
        """Load a task's model with byte progress in the status line; the variant (unless given)
        and the backend are the view's choice (model_choice). Where WebGPU cannot run it, load()
        runs it on WASM and the page says so (show_backend_note); the status line's data-variant
        and data-backend say what runs."""
        def on_progress(progress: Progress) -> None:
            self.status(f"Loading model {progress.file}: {progress.loaded / 1e6:.1f} / "
                        f"{progress.total / 1e6:.1f} MB")

        self.status("Loading the model…")
        try:
            chosen, backend = self.model_choice(task)
            model = await load(task, variant=variant or chosen, backend=backend, on_progress=on_progress)
        except Exception as error:
            raise LoadError(f"The model could not be loaded. {reason(error)}") from error
        self.status(f"Ready: {task}, {model.variant} model on {model.session.backend}.")
        status = self.element("status")
        status.dataset.task, status.dataset.variant, status.dataset.backend = task, model.variant, model.session.backend
        self.show_backend_note(model.fallback)
        return model

    def show_backend_note(self, fallback: str | None) -> None:
        """Say, where it stays visible, that the model runs on another backend than asked (and why);
        a later model that runs as asked leaves an earlier note in place."""
        note = self.element("backend-note")
        if note is not None and fallback:
            note.textContent = fallback
            note.hidden = False

    # ---- user actions ----
    async def run_guarded(self, action, *args) -> None:
        """Run one user action; on failure show why and keep everything already on screen."""
        async with self._busy:
            self.set_state("busy")
            try:
                self.show_error("")
                await action(*args)
                self.set_state("ready")
            except (InputError, LoadError) as error:  # not an image, empty text, a model that did not load: the message is for the user
                self.show_error(str(error))
                self.set_state("error")
            except Exception as error:  # keep the page alive, tell the user, keep the details in the console
                traceback.print_exc()
                self.show_error(f"Something went wrong: {error}")
                self.set_state("error")
            finally:
                document.body.dataset.runs = str(int(document.body.getAttribute("data-runs") or 0) + 1)

    def debounced(self, action, delay: float = 0.25):
        """An event handler that runs `await action()` (guarded) once input has paused for `delay` s."""
        latest = [0]

        async def later(generation):
            await asyncio.sleep(delay)
            if generation == latest[0]:  # no newer input arrived while waiting
                await self.run_guarded(action)

        def handler(event=None):
            latest[0] += 1
            asyncio.ensure_future(later(latest[0]))

        return handler

    def on_image(self, handler) -> None:
        """Call `await handler(data: bytes, name: str, blob)` for every photo the user gives.

        Sources: the #file input, drag and drop on #dropzone, pasting (while this view is on
        screen), the sample buttons.
        """
        async def from_blob(blob, name):
            data = (await blob.arrayBuffer()).to_bytes()
            await self.run_guarded(handler, data, name, blob)

        def first_image(items):
            return items.item(0) if items is not None and items.length else None

        async def on_change(event):
            file = first_image(event.target.files)
            if file is not None:
                await from_blob(file, file.name)
            event.target.value = ""

        def on_dragover(event):
            event.preventDefault()
            self.element("dropzone").classList.add("dragging")

        def on_dragleave(event):
            self.element("dropzone").classList.remove("dragging")

        async def on_drop(event):
            event.preventDefault()
            self.element("dropzone").classList.remove("dragging")
            file = first_image(event.dataTransfer.files)
            if file is not None:
                await from_blob(file, file.name)

        async def on_paste(event):
            if not self.on_screen:
                return
            for item in event.clipboardData.items:
                if item.kind == "file":
                    await from_blob(item.getAsFile(), "pasted image")
                    return

        self.listen(self.element("file"), "change", on_change)
        self.listen(self.element("dropzone"), "dragover", on_dragover)
        self.listen(self.element("dropzone"), "dragleave", on_dragleave)
        self.listen(self.element("dropzone"), "drop", on_drop)
        self.listen(document, "paste", on_paste)
        for sample in glue.config.samples:
            button = document.createElement("button")
            button.type = "button"
            button.dataset.sample = sample.name
            button.title = f"Sample photo: {sample.name}"
            button.innerHTML = f'<img src="{sample.url}" alt="{sample.name}">'

            async def on_sample(event, sample=sample):
                response = await js.fetch(sample.url)
                await from_blob(await response.blob(), sample.name)

            self.listen(button, "click", on_sample)
            self.element("samples").append(button)
        self.element("file").disabled = False

    # ---- the benchmark hook ----
    def expose_bench(self, model, **options) -> None:
        """Benchmark hook (python build.py bench): `ondeviceBench(runs, url)` runs the model `runs`
        times on the photo at `url` (with `options`) and returns the per-stage timings as JSON."""
        async def bench(runs: int, url: str) -> str:
            data = await fetch_bytes(url)
            timings = []
            for _ in range(int(runs)):
                await model(data, **options)
                timings.append(model.timings.as_dict())
            return json.dumps(timings)

        self.bench = bench


def render_scores(list_element, rows) -> None:
    """Show ranked (label, score, data) rows as a list with a bar each: <li data-label data-score
    ...data> (full-precision score: tests read it) holding .label, .score (a percentage) and .bar."""
    items = []
    for label, score, data in rows:
        item = document.createElement("li")
        item.dataset.label = label
        item.dataset.score = repr(score)
        for key, value in data.items():
            setattr(item.dataset, key, str(value))
        item.innerHTML = '<span class="label"></span><span class="score"></span><span class="bar"></span>'
        item.querySelector(".label").textContent = label
        item.querySelector(".score").textContent = f"{score:.1%}"
        item.querySelector(".bar").style.width = f"{max(score, 0.005):.1%}"
        items.append(item)
    list_element.replaceChildren(*items)


def timing_text(model, name: str) -> str:
    """One line: the last call's total time split into Python pre-processing, model, post-processing."""
    stages = model.timings.as_dict()
    return (f"{name}: {sum(stages.values()):.0f} ms (Python pre-processing {stages['preprocess']:.0f}, "
            f"model {stages['run']:.0f}, post-processing {stages['postprocess']:.0f})")


def download_text(text: str, filename: str, mime: str) -> None:
    """Offer `text` to the user as a downloaded file (nothing leaves the device)."""
    link = document.createElement("a")
    link.href = js.URL.createObjectURL(js.Blob.new([text], {"type": mime}))
    link.download = filename
    link.click()
    js.URL.revokeObjectURL(link.href)


def show_photo(image_element, blob) -> None:
    """Show `blob` in an <img>, replacing (and freeing) its previous object URL."""
    old = image_element.src
    image_element.src = js.URL.createObjectURL(blob)
    image_element.hidden = False
    if old.startswith("blob:"):
        js.URL.revokeObjectURL(old)
