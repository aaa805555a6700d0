"""The app shell's Python: started once per visit, it mounts each view the first time it is shown
and suspends it as the visitor moves between pages (links, back and forward).

Python starts from its memory snapshot with numpy and Pillow imported; when it boots without one
(js/python.mjs) it has numpy only, and a view that needs more (Pillow, for the image views) has it
loaded by Pyodide before it mounts (the glue has already prefetched the wheel when the view showed).
A view module (classify_page, ...) has `async def mount(page)`, run once per visit, and may have
`suspend()` (stop what must not run off screen: the webcam). The glue shows a
view's DOM at once and fires "ondevice:view"; a view shown before Python was running is mounted
now. `ondevice.pythonStarts` counts the starts of this document (the tests check it stays 1).
"""
import asyncio
import importlib
import traceback

import js
import pyodide_js
from pyodide.ffi import create_proxy, to_js

import pagekit

glue = pagekit.glue
glue.pythonStarts += 1
glue.mark("python-ready")
VIEWS = glue.config.views.to_py()  # view name -> {"title", "tasks", "module", "packages"}
pages = {}  # view name -> pagekit.Page (mounted this visit)
modules = {}  # view name -> its module, imported once its packages are installed
on_screen = None  # the name of the view on screen
loaded_packages = set(glue.pythonStart.packages)  # what Python started with (js/python.mjs)


async def load_packages(names: list[str]) -> None:
    """Install the packages a view needs that Python did not start with (from the site's lock)."""
    missing = [name for name in names if name not in loaded_packages]
    if missing:
        await pyodide_js.loadPackage(to_js(missing))
        loaded_packages.update(missing)


async def mount(name: str, page) -> None:
    """A view's first show: its packages, then its module (which may import them), then mount."""
    page.status("Loading…")
    try:
        await load_packages(VIEWS[name]["packages"])
        modules[name] = importlib.import_module(VIEWS[name]["module"])
        await modules[name].mount(page)
    except Exception as error:  # say what failed, offer to try again; the details go to the console
        traceback.print_exc()
        message = str(error) if isinstance(error, pagekit.LoadError) else f"This page could not start: {pagekit.reason(error)}"
        page.show_failure(message, lambda: reopen(name))


def reopen(name: str) -> None:
    """Try again a view that could not start: forget its Page (and its listeners) and have the
    glue show it anew from its template, which mounts a fresh one (show). Python, its imports and
    the other views stay."""
    pages.pop(name).close()
    glue.reopenView(name)


def show(name: str, root) -> None:
    """The glue put view `name` (its DOM: `root`) on screen: suspend the one it replaced, then
    mount this one on its first show."""
    global on_screen
    if on_screen != name and hasattr(modules.get(on_screen), "suspend"):
        modules[on_screen].suspend()
    on_screen = name
    page = pages.get(name)
    if page is None:
        page = pages[name] = pagekit.Page(name, root)
        if VIEWS[name]["module"] is None:  # the gallery: nothing to run
            page.ready()
        else:
            asyncio.ensure_future(mount(name, page))
        return
    page.set_state(page.state)
    if page.state != "loading" and not page.failed:
        glue.ready()


async def bench(*args) -> str:
    """Benchmark hook (python build.py bench): the hook of the view on screen."""
    page = pages.get(on_screen)
    if page is None or page.bench is None:
        raise RuntimeError(f"the view {on_screen} has no benchmark hook (yet)")
    return await page.bench(*args)


def on_view(event) -> None:
    show(str(event.detail.name), event.detail.root)


def python_memory() -> int:
    """Bytes of Python's wasm memory (Pyodide's heap: it only grows, so it is a high-water mark)."""
    return int(pyodide_js._module.HEAP8.length)


js.globalThis.ondeviceBench = create_proxy(bench)
js.globalThis.ondevicePythonMemory = create_proxy(python_memory)
js.addEventListener("ondevice:view", create_proxy(on_view))
show(str(glue.currentView), js.document.getElementById("view").firstElementChild)
