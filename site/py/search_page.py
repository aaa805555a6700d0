"""The semantic-search page: a corpus the user pastes (or the sample), ranked by meaning per query.

Corpus embeddings are cached by the embedder, so after the first search a new query costs one
embedding; embedding a large corpus shows progress and yields to the browser between batches.
"""
import json

import js
from pyodide.ffi import create_proxy
from pyscript import document

import pagekit
from ondevice import InputError

pagekit.glue.mark("python-ready")
embedder = await pagekit.load_task("sentence-embeddings")  # noqa: F704 (PyScript top-level await)


def corpus_lines() -> list[str]:
    return [line.strip() for line in document.getElementById("corpus").value.splitlines() if line.strip()]


async def show_progress(done: int, total: int) -> None:
    if done < total:
        document.getElementById("corpus-status").textContent = f"Embedding {done:,} / {total:,} sentences…"
    await pagekit.yield_to_browser()


def render(hits) -> None:
    items = []
    for hit in hits:
        item = document.createElement("li")
        item.dataset.index = str(hit.index)
        item.dataset.score = repr(hit.score)
        item.innerHTML = '<span class="text"></span><span class="score"></span>'
        item.querySelector(".text").textContent = hit.text
        item.querySelector(".score").textContent = f"{hit.score:.3f}"
        items.append(item)
    document.getElementById("results").replaceChildren(*items)


async def search() -> None:
    query = document.getElementById("query").value
    corpus = corpus_lines()
    if not query.strip():
        return  # nothing typed yet: keep the previous results
    if not corpus:
        raise InputError("Paste some sentences to search (one per line), or use the sample sentences.")
    hits = await embedder.search(query, corpus, top_k=10, on_progress=show_progress)
    long_ones = sum(embedder.is_truncated(text) for text in corpus + [query])
    note = (f" {long_ones} text(s) are longer than the model reads ({embedder.spec.text.max_tokens} tokens):"
            " only their beginning counts.") if long_ones else ""
    document.getElementById("corpus-status").textContent = f"{len(corpus):,} sentences embedded.{note}"
    render(hits)
    stages = embedder.timings.as_dict()
    document.getElementById("timing").textContent = (
        f"Query embedded in {sum(stages.values()):.0f} ms (tokeniser {stages.get('preprocess', 0):.1f} ms, "
        f"model {stages.get('run', 0):.0f} ms); corpus embeddings come from the cache.")
    pagekit.glue.mark("first-result")


async def use_sample(event=None) -> None:
    text = await (await js.fetch("samples/sentences.txt")).text()
    document.getElementById("corpus").value = text
    if not document.getElementById("query").value.strip():
        document.getElementById("query").value = "How do I fix my internet connection?"
    await pagekit.run_guarded(search)


async def bench(runs: int, url: str, batch: int = 1) -> str:
    """Benchmark hook (python build.py bench): embed `batch` lines of the text file at `url`,
    `runs` times (each run's texts are new, so the cache never answers), per-stage timings as JSON."""
    lines = [line for line in (await (await js.fetch(url)).text()).splitlines() if line.strip()]
    timings = []
    for run in range(int(runs)):
        await embedder.embed([f"{lines[i % len(lines)]} ({run})" for i in range(int(batch))], batch_size=int(batch))
        timings.append(embedder.timings.as_dict())
    return json.dumps(timings)


js.globalThis.ondeviceBench = create_proxy(bench)
on_input = pagekit.debounced(search)
pagekit.listen(document.getElementById("query"), "input", on_input)
pagekit.listen(document.getElementById("corpus"), "input", pagekit.debounced(search, 0.6))
pagekit.listen(document.getElementById("sample-corpus"), "click", use_sample)
document.getElementById("query").disabled = False
document.getElementById("sample-corpus").disabled = False
pagekit.ready()
