"""The semantic-search view: a corpus the user pastes (or the sample), ranked by meaning per query.

Corpus embeddings are cached by the embedder, so after the first search a new query costs one
embedding; embedding a large corpus shows progress and yields to the browser between batches.
"""
import json

import js
from pyscript import document

import pagekit
from ondevice import InputError

page = embedder = None  # set by mount()


def corpus_lines() -> list[str]:
    return [line.strip() for line in page.element("corpus").value.splitlines() if line.strip()]


async def show_progress(done: int, total: int) -> None:
    if done < total:
        page.element("corpus-status").textContent = f"Embedding {done:,} / {total:,} sentences…"
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
    page.element("results").replaceChildren(*items)


async def search() -> None:
    query = page.element("query").value
    corpus = corpus_lines()
    if not query.strip():
        return  # nothing typed yet: keep the previous results
    if not corpus:
        raise InputError("Paste some sentences to search (one per line), or use the sample sentences.")
    hits = await embedder.search(query, corpus, top_k=10, on_progress=show_progress)
    long_ones = sum(embedder.is_truncated(text) for text in corpus + [query])
    note = (f" {long_ones} text(s) are longer than the model reads ({embedder.spec.text.max_tokens} tokens):"
            " only their beginning counts.") if long_ones else ""
    page.element("corpus-status").textContent = f"{len(corpus):,} sentences embedded.{note}"
    render(hits)
    stages = embedder.timings.as_dict()
    page.element("timing").textContent = (
        f"Query embedded in {sum(stages.values()):.0f} ms (tokeniser {stages.get('preprocess', 0):.1f} ms, "
        f"model {stages.get('run', 0):.0f} ms); corpus embeddings come from the cache.")
    page.mark("first-result")


async def use_sample(event=None) -> None:
    text = await (await js.fetch("samples/sentences.txt")).text()
    page.element("corpus").value = text
    if not page.element("query").value.strip():
        page.element("query").value = "How do I fix my internet connection?"
    await page.run_guarded(search)


async def bench(runs: int, url: str, batch: int = 1) -> str:
    """Benchmark hook (python build.py bench): embed `batch` lines of the text file at `url`,
    `runs` times (the cache is emptied before each run, so the model always runs), per-stage
    timings as JSON."""
    lines = [line for line in (await (await js.fetch(url)).text()).splitlines() if line.strip()]
    timings = []
    for run in range(int(runs)):
        embedder.clear_cache()
        await embedder.embed([f"{lines[i % len(lines)]} ({run})" for i in range(int(batch))], batch_size=int(batch))
        timings.append(embedder.timings.as_dict())
    return json.dumps(timings)


async def mount(view: pagekit.Page) -> None:
    global page, embedder
    page = view
    embedder = await page.load_task("sentence-embeddings")
    page.bench = bench
    page.listen(page.element("query"), "input", page.debounced(search))
    page.listen(page.element("corpus"), "input", page.debounced(search, 0.6))
    page.listen(page.element("sample-corpus"), "click", use_sample)
    page.element("query").disabled = False
    page.element("sample-corpus").disabled = False
    page.ready()
