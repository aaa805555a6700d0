// ondevice page glue: the few things Python cannot do well from inside Pyodide.
// - prefetch every file the page needs, in parallel with Python's start, showing bytes loaded;
// - fetch model files verified by sha256, with byte progress;
// - register the service worker (sw.js), which keeps what a visit used for the next, offline too;
// - load onnxruntime-web and create sessions / tensors;
// - read pixels from <img>/<video>/<canvas>, draw pixels onto a <canvas>;
// - open and close a webcam into a <video>, wait for its next frame;
// - record start-up marks for the benchmark.
// Everything else (pre/post-processing, page logic) is Python: see py/*.py and pysrc/ondevice.

const config = JSON.parse(document.getElementById("ondevice-config").textContent);
const MODEL_CACHE = "ondevice-models-v1";
const marks = {};
const inflight = new Map();
const ortModules = {};

function mark(name) {
  if (!(name in marks)) marks[name] = performance.now();
}
mark("shell-start");

function absolute(url) {
  return new URL(url, document.baseURI).href;
}

// ---- byte progress -------------------------------------------------------------------
const progress = new Map(); // kind -> {loaded, total}
function report(kind, file, loaded, total) {
  const entry = progress.get(kind) ?? { files: new Map() };
  entry.files.set(file, [loaded, total]);
  progress.set(kind, entry);
  renderProgress();
}
function formatBytes(loaded, total) {
  return total < 1e6
    ? `${Math.round(loaded / 1e3)} / ${Math.round(total / 1e3)} kB`
    : `${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
}
function renderProgress() {
  const panel = document.getElementById("loading");
  if (!panel) return;
  for (const [kind, { files }] of progress) {
    let loaded = 0, total = 0;
    for (const [l, t] of files.values()) { loaded += l; total += t; }
    let row = panel.querySelector(`[data-kind="${kind}"]`);
    if (!row) {
      row = document.createElement("div");
      row.className = "progress-row";
      row.dataset.kind = kind;
      row.innerHTML = `<span class="progress-name"></span><progress max="1" value="0"></progress><span class="progress-bytes"></span>`;
      row.querySelector(".progress-name").textContent = config.kinds[kind] ?? kind;
      panel.querySelector(".progress-rows").append(row);
    }
    row.querySelector("progress").value = total ? loaded / total : 0;
    row.querySelector(".progress-bytes").textContent = formatBytes(loaded, total);
    row.dataset.loaded = loaded;
    row.dataset.total = total;
  }
}

async function readWithProgress(response, total, onChunk) {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onChunk(loaded, Math.max(total, loaded));
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.byteLength; }
  return bytes;
}

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Where a service worker can run, it keeps the models (one copy, per build, old builds deleted);
// elsewhere the page keeps them in its own cache.
async function ownModelCache() {
  if (navigator.serviceWorker || !globalThis.caches) return null;
  return caches.open(MODEL_CACHE).catch(() => null);
}

async function download(url, entry, { sha256, useCache }) {
  const cache = useCache ? await ownModelCache() : null;
  let response = cache ? await cache.match(url) : undefined;
  const fromCache = Boolean(response);
  if (!response) {
    response = await fetch(url);
    if (!response.ok) throw new Error(`Could not download ${url} (HTTP ${response.status}).`);
  }
  const bytes = await readWithProgress(response, entry.total, (loaded, total) => {
    entry.loaded = loaded;
    entry.total = total;
    for (const listener of entry.listeners) listener(loaded, total);
  });
  if (sha256 && (await sha256Hex(bytes)) !== sha256) {
    if (fromCache) await cache.delete(url); // the next try downloads it again
    throw new Error(`${url} is corrupt (sha256 mismatch); reload the page to download it again.`);
  }
  if (cache && !fromCache) await cache.put(url, new Response(bytes)).catch(() => {});
  return bytes;
}

// Fetch a file once per page (later callers share the first download) and return its bytes.
function fetchBytes(url, options = {}) {
  const { sha256 = "", onProgress = null, size = 0, kind = "model" } = options;
  const key = absolute(url);
  let entry = inflight.get(key);
  if (!entry) {
    entry = { loaded: 0, total: size, listeners: new Set() };
    entry.listeners.add((loaded, total) => report(kind, key, loaded, total));
    entry.promise = download(key, entry, { sha256, useCache: kind === "model" });
    inflight.set(key, entry);
    entry.promise.catch(() => inflight.delete(key));
  }
  if (options.prefetch) {
    // Keep model bytes for the caller who will use them; let runtime files go once cached.
    if (kind !== "model") entry.promise.then(() => inflight.delete(key), () => {});
    return entry.promise;
  }
  if (onProgress) {
    entry.listeners.add(onProgress);
    onProgress(entry.loaded, entry.total);
  }
  return entry.promise.finally(() => {
    entry.listeners.delete(onProgress);
    inflight.delete(key); // the caller owns the bytes now; a later call reads the cache
  });
}

async function fetchText(url) {
  const response = await fetch(absolute(url));
  if (!response.ok) throw new Error(`Could not download ${url} (HTTP ${response.status}).`);
  return response.text();
}

// ---- onnxruntime-web -------------------------------------------------------------------
function threads() {
  const asked = Number(new URLSearchParams(location.search).get("threads"));
  if (!globalThis.crossOriginIsolated) return 1;
  return asked > 0 ? asked : Math.min(4, navigator.hardwareConcurrency || 1);
}

async function ortFor(backend) {
  if (!ortModules[backend]) {
    ortModules[backend] = import(absolute(config.ort[backend])).then((ort) => {
      ort.env.wasm.wasmPaths = absolute(config.ort.wasmPaths);
      ort.env.wasm.numThreads = threads();
      // The WASM backend runs in a worker (?proxy=0 turns that off), so inference never blocks the
      // page: on the webcam the main thread's longest pause fell from 1.7 s to 0.17 s.
      ort.env.wasm.proxy = backend === "wasm" && new URLSearchParams(location.search).get("proxy") !== "0";
      return ort;
    });
  }
  return ortModules[backend];
}

async function createSession(bytes, backend, foldWeights = false) {
  if (backend === "webgpu" && !navigator.gpu) {
    throw new Error("WebGPU is not available in this browser; use the WASM backend.");
  }
  const ort = await ortFor(backend);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [backend],
    graphOptimizationLevel: "all",
    ...(foldWeights ? { extra: { session: { disable_quant_qdq: "1" } } } : {}),
  });
  session.ondeviceBackend = backend;
  mark("session-created");
  return session;
}

async function tensor(backend, type, data, dims) {
  const ort = await ortFor(backend);
  return new ort.Tensor(type, data, dims);
}

// ---- pixels ----------------------------------------------------------------------------
let scratch = null;
function readPixels(source) {
  if (source instanceof ImageData) return source;
  const width = source.videoWidth || source.naturalWidth || source.width;
  const height = source.videoHeight || source.naturalHeight || source.height;
  if (!width || !height) throw new Error("The image or video has no pixels yet.");
  if (!scratch || scratch.canvas.width !== width || scratch.canvas.height !== height) {
    scratch = new OffscreenCanvas(width, height).getContext("2d", { willReadFrequently: true });
  }
  scratch.drawImage(source, 0, 0, width, height);
  return scratch.getImageData(0, 0, width, height);
}

// Draw RGBA pixels (a Uint8Array or Uint8ClampedArray of width*height*4) onto a <canvas>.
function drawPixels(canvas, data, width, height) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const pixels = new ImageData(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height);
  canvas.getContext("2d").putImageData(pixels, 0, 0);
}

// ---- camera ----------------------------------------------------------------------------
// Play the user's camera in `video`. Rejects with the browser's DOMException (its `name` says
// why: NotAllowedError, NotFoundError, NotReadableError, ...), or a TypeError without camera API.
async function openCamera(video, width = 640, height = 480) {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new TypeError("This browser gives pages no access to a camera.");
  }
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: width }, height: { ideal: height }, facingMode: "user" }, audio: false,
  });
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  return video;
}

function closeCamera(video) {
  for (const track of video.srcObject?.getTracks() ?? []) track.stop();
  video.srcObject = null;
}

// Resolve when the video has a new frame (or on the next paint; at the latest after 250 ms,
// since a video that is not on screen may never call back).
function nextFrame(video) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 250);
    const done = () => { clearTimeout(timer); resolve(); };
    if (video?.requestVideoFrameCallback) video.requestVideoFrameCallback(done);
    else requestAnimationFrame(done);
  });
}

// ---- service worker --------------------------------------------------------------------
// sw.js keeps what a visit used for the next one. A first visit starts as without it: the page
// registers it only once ready (registered earlier, it already served onnxruntime's own workers
// while the page started, which on 2 cores delayed the first result by up to a second), then
// hands it the same-origin files fetched without a worker (resource timing entries with no
// workerStart), which the worker fetches again and stores.
const unseenByWorker = []; // URLs not handed to the worker yet
let registration = null;

function watchForServiceWorker() {
  const workers = navigator.serviceWorker;
  if (!workers) return; // none here (or not a secure context): the HTTP cache and MODEL_CACHE serve
  // A new build's worker took over while this page was still starting: start again on the new
  // build rather than run a mix of two builds' files.
  workers.addEventListener("controllerchange", () => {
    if (!("ready" in marks)) location.reload();
  });
  const collect = (list) => {
    for (const entry of list.getEntries()) {
      if (entry.workerStart === 0 && new URL(entry.name).origin === location.origin) unseenByWorker.push(entry.name);
    }
    if ("ready" in marks) useServiceWorker();
  };
  for (const type of ["navigation", "resource"]) new PerformanceObserver(collect).observe({ type, buffered: true });
}
watchForServiceWorker();

// From ready() on: register the worker (once) and hand it the files it has not seen.
function useServiceWorker() {
  const workers = navigator.serviceWorker;
  if (!workers) return;
  registration ??= workers.register(new URL("../sw.js", import.meta.url))
    .catch((error) => console.warn("no service worker", error));
  const urls = unseenByWorker.splice(0);
  if (urls.length) workers.ready.then((current) => current.active?.postMessage({ cache: urls }));
}

// ---- start-up --------------------------------------------------------------------------
function ready() {
  mark("ready");
  useServiceWorker();
  document.getElementById("loading")?.setAttribute("hidden", "");
}

for (const asset of config.prefetch) {
  fetchBytes(asset.url, { size: asset.bytes, sha256: asset.sha256, kind: asset.kind, prefetch: true })
    .then(() => mark(`${asset.kind}-downloaded`))
    .catch((error) => console.warn("prefetch failed", asset.url, error));
}
addEventListener("py:ready", () => mark("python-started"));

globalThis.ondevice = {
  config, marks, mark, ready, fetchBytes, fetchText, createSession, tensor, readPixels, threads,
  drawPixels, openCamera, closeCamera, nextFrame,
};
