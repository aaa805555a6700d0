// ondevice page glue: the few things Python cannot do well from inside Pyodide.
// - route between the app's views (links, back/forward) without reloading, so Python starts once
//   per visit; show a view's DOM at once, before Python is even running;
// - prefetch every file the view needs, in parallel with Python's start, showing bytes loaded;
// - fetch model files verified by sha256, with byte progress;
// - load onnxruntime-web and create sessions / tensors (WebGPU where asked and usable; Python falls
//   back to WASM when not, see ondevice.loader); start the view's first session while
//   Python starts (onnxruntime-web works in its own worker, so the two use both cores);
// - register the service worker (sw.js), which keeps what a visit used for the next, offline too;
// - read pixels from <img>/<video>/<canvas>, draw pixels onto a <canvas>;
// - open and close a webcam into a <video>, wait for its next frame;
// - record start-up marks for the benchmark.
// Everything else (pre/post-processing, page logic) is Python: see py/*.py and pysrc/ondevice.

const config = JSON.parse(document.getElementById("ondevice-config").textContent);
const marks = {};
const inflight = new Map();
const ortModules = {};

function mark(name) {
  if (name in marks) return;
  marks[name] = performance.now();
  if (name === "first-result") useServiceWorker(); // the page has answered: now the worker may work
}
mark("shell-start");

function absolute(url) {
  return new URL(url, document.baseURI).href;
}

// ---- byte progress -------------------------------------------------------------------
const progress = new Map(); // kind -> {files: Map(url -> [loaded, total])}
let progressFrame = 0; // a render asked for the next frame: one per frame however many chunks arrive
function report(kind, file, loaded, total) {
  const entry = progress.get(kind) ?? { files: new Map() };
  entry.files.set(file, [loaded, total]);
  progress.set(kind, entry);
  if (loaded >= total) renderProgress(); // a file done is shown at once
  else if (!progressFrame) progressFrame = requestAnimationFrame(renderProgress);
}
function formatBytes(loaded, total) {
  return total < 1e6
    ? `${Math.round(loaded / 1e3)} / ${Math.round(total / 1e3)} kB`
    : `${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
}
function renderProgress() {
  cancelAnimationFrame(progressFrame);
  progressFrame = 0;
  const panel = document.getElementById("loading");
  if (!panel) return;
  const shown = new Set(viewModels(currentView).map((model) => absolute((settled.get(model) ?? model).url)));
  for (const [kind, { files }] of progress) {
    let loaded = 0, total = 0;
    for (const [file, [l, t]] of files) {
      if (kind === "model" && !shown.has(file)) continue; // other views' models
      loaded += l; total += t;
    }
    if (!total && kind === "model") continue;
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

// The body's bytes, read into one buffer of the expected size as they arrive. A byte stream (a
// fetch body in Chromium) fills that buffer itself (a "BYOB" reader): no chunk is allocated or
// copied in JS, which took Python's start 0.3 s sooner on this 2-core machine (docs/STARTUP.md);
// other streams hand over chunks that are copied in. A copy the service worker answers from its
// cache (sw.js stores each with its sha256 header) is on this device: it is read whole, at a
// fraction of a stream's cost to the main thread, and its bytes are counted at once.
const CACHED_COPY_HEADER = "x-ondevice-sha256";
async function readWithProgress(response, total, onChunk) {
  if (!response.body || response.headers.has(CACHED_COPY_HEADER)) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onChunk(bytes.byteLength, Math.max(total, bytes.byteLength));
    return bytes;
  }
  let bytes = new Uint8Array(total || 1 << 20);
  let loaded = 0;
  const grow = (needed) => {
    const larger = new Uint8Array(Math.max(2 * bytes.byteLength, needed));
    larger.set(bytes.subarray(0, loaded));
    bytes = larger;
  };
  let inPlace = null;
  try {
    inPlace = response.body.getReader({ mode: "byob" });
  } catch { // not a byte stream
  }
  const reader = inPlace ?? response.body.getReader();
  for (;;) {
    // Once the buffer is full, the next read goes to a spare one: it finds the body's end (nothing
    // copied) or bytes beyond the expected size, which are then copied in.
    const spare = inPlace && loaded === bytes.byteLength ? new Uint8Array(1 << 16) : null;
    const { done, value } = await (inPlace ? reader.read(spare ?? bytes.subarray(loaded)) : reader.read());
    // (A read in place moves the buffer: it comes back in `value`.)
    if (inPlace && !spare && value) bytes = new Uint8Array(value.buffer);
    if (done) break;
    if (!inPlace || spare) {
      if (loaded + value.byteLength > bytes.byteLength) grow(loaded + value.byteLength);
      bytes.set(value, loaded);
    }
    loaded += value.byteLength;
    onChunk(loaded, Math.max(total, loaded));
  }
  return loaded === bytes.byteLength ? bytes : bytes.slice(0, loaded);
}

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Why a download failed, in the user's words (the page shows `message` as it is).
class DownloadError extends Error {}
const SUBJECTS = { python: "the Python runtime", packages: "a Python package", onnxruntime: "ONNX Runtime",
  model: "the model", code: "the page's Python code", text: "a model description file" };
// The size of every model and runtime file the config names (absolute URL -> bytes): a download
// that ends short is told apart from one that is damaged.
const SIZES = new Map([
  ...config.prefetch, config.python.wasm, ...config.python.files, config.python.code,
  ...Object.values(config.packages).flat(),
  ...(config.python.snapshot ? [config.python.snapshot.memory, config.python.snapshot.meta, config.python.snapshot.site,
    ...Object.values(config.python.snapshot.libs)] : []),
  ...Object.values(config.models).flatMap((entry) => Object.values(entry.variants)),
].map((file) => [absolute(file.url), file.bytes]));
const suspects = new Set(); // URLs whose last download was wrong: fetched again past the HTTP cache
function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

// The response for `url`, checked: it arrived, with a success status, and is not a web page
// standing in for the file (an error or sign-in page sent with status 200). A URL that came back
// wrong before is fetched past the HTTP cache (and the service worker's, see sw.js), so a bad copy
// kept there cannot come back. `pageChecks`: the caller checks the bytes' sha256 itself, which the
// request tells the service worker (it then answers from its cache without checking them first).
// (The page's own fetch, kept here: js/python.mjs answers some of Pyodide's requests itself while
// Pyodide loads, and a file the page downloads again must come from the network.)
const networkFetch = globalThis.fetch;
async function checkedFetch(url, subject, pageChecks = false) {
  let response;
  try {
    response = await networkFetch(url, { ...(suspects.has(url) ? { cache: "reload" } : {}),
      ...(pageChecks ? { headers: { "x-ondevice-page-checks": "sha256" } } : {}) });
  } catch {
    throw new DownloadError(`Could not download ${subject}: there is no connection to the site.`);
  }
  if (!response.ok) {
    const why = response.status === 404 ? "it is not on the site" : "the site answered with an error";
    throw new DownloadError(`Could not download ${subject}: ${why} (HTTP ${response.status}).`);
  }
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/html") && !new URL(url).pathname.endsWith(".html")) {
    suspects.add(url);
    throw new DownloadError(`Could not download ${subject}: the site sent a web page instead (an error or sign-in page?).`);
  }
  return response;
}

// Download a file with byte progress and check its size and sha256. Caching is the service
// worker's (sw.js: one verified copy per build) and, where none runs, the HTTP cache's (hashed
// names, cached for a year). Every failure is a DownloadError saying what went wrong.
class DamagedDownload extends DownloadError {}
async function download(url, entry, { sha256, size, kind, onResponse }) {
  const subject = `${SUBJECTS[kind] ?? "a file"} (${url.split("/").pop()})`;
  const response = await checkedFetch(url, subject, Boolean(sha256));
  onResponse?.(response);
  let bytes;
  try {
    bytes = await readWithProgress(response, entry.total, (loaded, total) => {
      entry.loaded = loaded;
      entry.total = total;
      for (const listener of entry.listeners) listener(loaded, total);
    });
  } catch {
    throw new DownloadError(`The download of ${subject} was cut off: the connection was lost after ${megabytes(entry.loaded)}.`);
  }
  if (size && bytes.byteLength !== size) {
    suspects.add(url);
    throw new DamagedDownload(`The download of ${subject} is incomplete or wrong: ${megabytes(bytes.byteLength)} arrived, ${megabytes(size)} expected.`);
  }
  if (sha256 && (await sha256Hex(bytes)) !== sha256) {
    suspects.add(url);
    throw new DamagedDownload(`${subject[0].toUpperCase()}${subject.slice(1)} arrived damaged: its bytes are not the ones this site published (sha256 mismatch).`);
  }
  suspects.delete(url);
  return bytes;
}

// `download`, asked once more past every cache when the bytes were wrong (a damaged cached copy is
// replaced without the visitor noticing); a second wrong answer is reported.
function downloadChecked(url, entry, options) {
  return download(url, entry, options).catch((error) => {
    if (!(error instanceof DamagedDownload)) throw error;
    console.warn(`${error.message} Downloading it again.`);
    return download(url, entry, options);
  });
}

// Fetch a file once per page (later callers share the first download) and return its bytes. Its
// size, where the config has it, sizes the buffer it is read into and is checked.
function fetchBytes(url, options = {}) {
  const { sha256 = "", onProgress = null, kind = "model", onResponse } = options;
  const key = absolute(url);
  const size = SIZES.get(key) ?? 0;
  let entry = inflight.get(key);
  if (!entry) {
    entry = { loaded: 0, total: size, listeners: new Set() };
    entry.listeners.add((loaded, total) => report(kind, key, loaded, total));
    entry.promise = downloadChecked(key, entry, { sha256, size, kind, onResponse });
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
    inflight.delete(key); // the caller owns the bytes now; a later call downloads (from a cache)
  });
}

// A small text file of the site (the models' manifest, label lists), checked as a download is and
// against the build's sha256 where the config has it.
async function fetchText(url) {
  const key = absolute(url);
  const subject = `${SUBJECTS.text} (${key.split("/").pop()})`;
  const response = await checkedFetch(key, subject);
  let bytes;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch {
    throw new DownloadError(`The download of ${subject} was cut off: the connection was lost.`);
  }
  const sha256 = config.texts?.[new URL(key).pathname.slice(new URL(".", document.baseURI).pathname.length)];
  if (sha256 && (await sha256Hex(bytes)) !== sha256) {
    suspects.add(key);
    throw new DownloadError(`${subject[0].toUpperCase()}${subject.slice(1)} arrived damaged: its bytes are not the ones this site published (sha256 mismatch).`);
  }
  suspects.delete(key);
  return new TextDecoder().decode(bytes);
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

// What this browser's WebGPU offers, asked once: {problem: why it cannot be used (in the user's
// words) or null, float16: whether its shaders compute in 16-bit floats (fp16 models need it)}.
let webgpuAnswer = null;
function webgpuSupport() {
  webgpuAnswer ??= (async () => {
    if (!navigator.gpu) return { problem: "this browser has no WebGPU", float16: false };
    try {
      const adapter = await navigator.gpu.requestAdapter();
      if (adapter) return { problem: null, float16: adapter.features.has("shader-f16") };
    } catch (error) {
      console.warn("WebGPU adapter request failed", error);
    }
    return { problem: "WebGPU found no usable graphics adapter", float16: false };
  })();
  return webgpuAnswer;
}

// An error Python recognises (bridge.py): this backend cannot run this model here.
function backendUnavailable(message) {
  return Object.assign(new Error(message), { name: "BackendUnavailable" });
}

// One run on zeros (symbolic dimensions 1). It serves twice. On WebGPU it must succeed: the backend
// builds some shaders only when it first runs them, and that is where a model can fail on a GPU
// (the fp16 sentence encoder did on one without 16-bit floats), better found at load while WASM
// can still take over. On a view's early session it only saves time (warmUp): onnxruntime's first
// run of a session pays one-time costs (1.5-3x a later run here), paid while Python starts.
async function runOnZeros(ort, session) {
  const arrays = { float32: Float32Array, float16: Uint16Array, uint8: Uint8Array, int32: Int32Array, int64: BigInt64Array };
  const feeds = {};
  for (const input of session.inputMetadata) {
    const dims = input.shape.map((d) => (typeof d === "number" && d > 0 ? d : 1));
    feeds[input.name] = new ort.Tensor(input.type, new arrays[input.type](dims.reduce((a, b) => a * b, 1)), dims);
  }
  const outputs = await session.run(feeds);
  for (const output of Object.values(outputs)) output.dispose?.();
}

async function createSession(bytes, backend, foldWeights = false) {
  if (backend === "webgpu") {
    const { problem } = await webgpuSupport();
    if (problem) throw backendUnavailable(problem);
  }
  let session;
  try {
    const ort = await ortFor(backend);
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [backend],
      graphOptimizationLevel: "all",
      ...(foldWeights ? { extra: { session: { disable_quant_qdq: "1" } } } : {}),
    });
    if (backend === "webgpu") await runOnZeros(ort, session);
  } catch (error) {
    if (backend === "webgpu") {
      session?.release?.();
      throw backendUnavailable(`WebGPU could not run this model: ${error.message}`);
    }
    await checkRuntimeFiles("onnxruntime"); // one the browser could not get is reported in the user's words
    throw error;
  }
  session.ondeviceBackend = backend;
  mark("session-created");
  runtimeStarted("onnxruntime");
  return session;
}

// A session for the model file at `url`: download (shared with the prefetch, verified), then
// create. A session started early for the view (startSession) is handed over, once.
const earlySessions = new Map(); // key -> Promise of the session
const openedSessions = new Set(); // keys whose session Python has had: never started early again
function sessionKey(url, backend, foldWeights) {
  return `${absolute(url)} ${backend} ${foldWeights}`;
}
function downloadSession(url, { sha256 = "", backend = "wasm", foldWeights = false, onProgress = null }) {
  return fetchBytes(url, { sha256, onProgress })
    .then((bytes) => createSession(bytes, backend, foldWeights));
}
function openSession(url, options = {}) {
  const { backend = "wasm", foldWeights = false, onProgress = null } = options;
  const key = sessionKey(url, backend, foldWeights);
  openedSessions.add(key);
  const early = earlySessions.get(key);
  if (!early) return downloadSession(url, options);
  earlySessions.delete(key);
  const download = inflight.get(absolute(url));
  if (!download || !onProgress) return early;
  download.listeners.add(onProgress); // the early download may still be under way
  onProgress(download.loaded, download.total);
  return early.finally(() => download.listeners.delete(onProgress));
}
// The early session's warm-up run, started as soon as the session exists and not waited for: the
// view can be ready before it ends, and a real run asked meanwhile queues behind it in ORT's worker.
async function warmUp(session) {
  try {
    await runOnZeros(await ortFor(session.ondeviceBackend), session);
    mark("warmed-up");
  } catch (error) {
    console.warn("[ondevice] warm-up run failed (the first real run pays its costs):", error);
  }
}
// On a later visit (the service worker holds this build's files) onnxruntime-web's runtime is started
// with the view's downloads: a session on a one-node model (config.ort.starter, made by the build)
// has its worker fetch, compile and instantiate the wasm and start its threads while Python starts,
// instead of once the view's model has arrived (docs/STARTUP.md). Not on a first visit: there its
// download and compiling would compete with Python's.
let onnxruntimeStarting = null;
function startOnnxruntime() {
  if (!navigator.serviceWorker?.controller || onnxruntimeStarting) return;
  const starter = Uint8Array.from(atob(config.ort.starter), (c) => c.charCodeAt(0));
  onnxruntimeStarting = ortFor("wasm")
    .then((ort) => ort.InferenceSession.create(starter, { executionProviders: ["wasm"] }))
    .then((session) => {
      mark("onnxruntime-started");
      return session.release();
    })
    .catch((error) => console.warn("[ondevice] onnxruntime-web did not start early (the view's session says why):", error));
}
function startSession(model) {
  const key = sessionKey(model.url, model.backend, model.foldWeights);
  if (earlySessions.has(key) || openedSessions.has(key) || model.backend !== "wasm") return;
  const session = downloadSession(model.url, model);
  session.then(warmUp, () => earlySessions.delete(key)); // Python's own attempt will report the error
  earlySessions.set(key, session);
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

// ---- views -----------------------------------------------------------------------------
// Every page name serves the same shell; the view comes from the URL's file name. A view's DOM
// is made from its <template> on its first visit and kept (detached) while another view shows,
// so coming back finds it as it was left. Python mounts and suspends views on the "ondevice:view"
// event (py/app.py).
const views = new Map(); // name -> its DOM
let currentView = null;

// The view a URL of this site names (its file name, in the shell's folder), else null.
function viewOf(url) {
  const target = new URL(url, location.href);
  if (new URL(".", target).href !== new URL(".", document.baseURI).href) return null;
  const name = target.pathname.split("/").pop() || "index.html";
  return Object.hasOwn(config.views, name) ? name : null;
}

// The model file a view's task will load: the URL's ?variant= and ?backend=, else the defaults.
function chosenModel(task) {
  const params = new URLSearchParams(location.search);
  return modelFile(task, params.get("variant"), params.get("backend") || "wasm");
}
function modelFile(task, variant, backend) {
  const entry = config.models[task];
  variant ||= entry?.default[backend];
  const file = entry?.variants[variant];
  return file && { ...file, task, variant, backend, foldWeights: variant === "int8-weights" };
}
// The file a WebGPU choice really loads once the browser's WebGPU is known. This mirrors
// ondevice.loader.choose_variant (Python decides; this only steers the prefetch and the progress
// panel, so a mismatch would cost a download, never a wrong result).
function settledModel(model, { problem, float16 }) {
  if (model.backend !== "webgpu") return model;
  if (problem) return modelFile(model.task, null, "wasm");
  if (model.variant === "fp16" && !float16) return modelFile(model.task, "fp32", "webgpu") ?? modelFile(model.task, null, "wasm");
  return model;
}
// A view's models as chosen at its first show (the URL's options then), for the prefetch, the
// progress panel and Python's load (modelChoice), so all three name the same file.
const viewChoices = new Map();
const settled = new Map(); // a WebGPU choice -> the file it loads on this browser
function viewModels(name) {
  if (!name) return [];
  if (!viewChoices.has(name)) viewChoices.set(name, config.views[name].tasks.map(chosenModel).filter(Boolean));
  return viewChoices.get(name);
}
function modelChoice(view, task) {
  return viewModels(view).find((model) => model.task === task) ?? null;
}

// ---- Python's start ---------------------------------------------------------------------
// A wasm file of the runtime (Pyodide's, the snapshot's libraries), compiled as it downloads (a
// streamed compile, whose machine code Chromium keeps for the next visit) and handed out only once
// its bytes check out.
function compiledWasm(asset) {
  let module;
  const compile = (response) => {
    module = WebAssembly.compileStreaming(response.clone());
    module.catch(() => {}); // a download that failed is reported by fetchBytes
  };
  return fetchBytes(asset.url, { ...asset, prefetch: true, onResponse: compile }).then(() => module);
}
const pyodideWasm = compiledWasm(config.python.wasm); // for js/python.mjs
pyodideWasm.catch((error) => startFailed(`${error.message} The page cannot start without it.`));
// Files Pyodide would download itself (its stdlib, its lock file) and the page's Python code
// (ondevice.zip): downloaded and checked here, and handed to Python by js/python.mjs (absolute URL
// -> Promise of the bytes).
const pythonFiles = new Map([...config.python.files, config.python.code]
  .map((asset) => [absolute(asset.url), prefetch(asset)]));

// Python starts from the build's memory snapshot, numpy and Pillow already imported (js/python.mjs
// restores it): here its files are downloaded, verified and the libraries in it compiled while
// Pyodide itself loads. Without a snapshot (none built, ?python=boot, a download that failed, a
// restore refused) Python boots the normal way and Pyodide installs the packages from their wheels,
// which pythonBoots() then downloads with byte progress.
let bootReason = null;
async function loadSnapshot() {
  const files = config.python.snapshot;
  if (!files) return pythonBoots("this build has no snapshot");
  if (new URLSearchParams(location.search).get("python") === "boot") return pythonBoots("?python=boot");
  try {
    const libs = Promise.all(Object.entries(files.libs).map(async ([path, asset]) => [path, await compiledWasm(asset)]));
    libs.catch(() => {}); // (awaited below)
    const [meta, memory, site] = await Promise.all([files.meta, files.memory, files.site]
      .map((asset) => fetchBytes(asset.url, asset)));
    const modules = new Map(await libs);
    mark("snapshot-ready");
    return { meta: JSON.parse(new TextDecoder().decode(meta)), memory, files: site, modules };
  } catch (error) {
    return pythonBoots(`the snapshot could not be loaded: ${error.message}`);
  }
}
const pythonSnapshot = loadSnapshot();

// Python boots without the snapshot: say why (js/python.mjs reports it as ondevice.pythonStart) and
// download the packages Pyodide will install, for the start and for the view on screen.
function pythonBoots(reason) {
  if (bootReason !== null) return null;
  bootReason = reason;
  const wanted = [...config.python.packages, ...(currentView ? config.views[currentView].packages : [])];
  for (const pkg of new Set(wanted)) for (const asset of config.packages[pkg]) prefetch(asset);
  return null;
}

// What a view needs before it can answer: its Python packages, its models, its first session.
function prefetchView(name) {
  pythonSnapshot.then((snapshot) => {
    for (const pkg of config.views[name].packages) {
      if (snapshot?.meta.packages.includes(pkg) && bootReason === null) continue;
      for (const asset of config.packages[pkg]) prefetch(asset);
    }
  });
  const models = viewModels(name);
  const fetchModels = (files) => {
    // (A view tried again while its early session still waits for Python has its file already:
    // prefetched again, it would be downloaded and kept a second time.)
    const waiting = (model) => earlySessions.has(sessionKey(model.url, model.backend, model.foldWeights));
    for (const model of files) if (!waiting(model)) prefetch({ ...model, kind: "model" });
    if (files.some((model) => model.backend === "wasm")) startOnnxruntime();
    if (files.length) startSession(files[0]);
    renderProgress();
  };
  if (!models.some((model) => model.backend === "webgpu")) return fetchModels(models);
  webgpuSupport().then((support) => {
    for (const model of models) settled.set(model, settledModel(model, support));
    const files = models.map((model) => settled.get(model));
    if (files.some((model) => model.backend === "webgpu")) {
      for (const asset of config.ort.webgpuFiles) prefetch(asset); // onnxruntime-web's WebGPU build (27 MB)
    }
    fetchModels(files);
  });
}

function showView(name) {
  let root = views.get(name);
  const first = !root;
  if (first) {
    root = document.getElementById(`view:${name}`).content.firstElementChild.cloneNode(true);
    views.set(name, root);
  }
  currentView = name;
  document.getElementById("view").replaceChildren(root);
  if (startFailure !== null) showFailure(root, startFailure);
  document.title = config.views[name].title;
  document.body.dataset.view = name;
  scrollTo(0, 0);
  if (first) {
    document.body.dataset.state = startFailure === null ? "loading" : "error";
    prefetchView(name);
  }
  renderProgress();
  dispatchEvent(new CustomEvent("ondevice:view", { detail: { name, root } }));
}

// Follow links to the app's own pages without reloading: only the view changes.
function navigate(url) {
  const target = new URL(url, location.href);
  if (target.href !== location.href) history.pushState(null, "", target.href);
  showView(viewOf(target.href));
}
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[href]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
      || event.shiftKey || event.altKey || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin || !viewOf(url.href)) return;
  event.preventDefault();
  navigate(url.href);
});
addEventListener("popstate", () => showView(viewOf(location.href) ?? "index.html"));

// ---- failures -------------------------------------------------------------------------
// When something a view needs did not load, its loading panel says what, in the user's words,
// with a button (pressed for the visitor when the browser comes back online). "Try again" opens
// the view anew (reopenView: Python, its imports and the other views stay). If a file of the runtime itself failed (Pyodide, its packages, onnxruntime-web, the
// page's Python code), Python or onnxruntime cannot start in this document any more, so the panel
// names that file and the button reloads the page; nothing was running yet, so nothing is lost.
// Faults tried, and what is guaranteed: docs/RELIABILITY.md.
let startFailure = null; // why the runtime could not start, once that happened

function showFailure(root, message, retry = null) {
  const panel = root.querySelector("#loading");
  if (!panel) return;
  const reload = startFailure !== null || !retry;
  panel.hidden = false;
  const text = panel.querySelector("#load-error");
  text.textContent = startFailure ?? message;
  text.hidden = false;
  const button = panel.querySelector("#retry");
  button.textContent = reload ? "Reload the page" : "Try again";
  button.hidden = false;
  button.disabled = false;
  const again = () => {
    if (button.disabled) return;
    button.disabled = true;
    removeEventListener("online", againOnline);
    if (reload) location.reload();
    else retry();
  };
  // The network is back (the browser was offline): try again for the visitor, once, if the view
  // is on screen.
  const againOnline = () => { if (root.isConnected) again(); };
  button.onclick = again;
  addEventListener("online", againOnline, { once: true });
  if (root.isConnected) document.body.dataset.state = "error";
}

function startFailed(message) {
  if (startFailure !== null) return;
  startFailure = message;
  console.error(message);
  const root = views.get(currentView);
  if (root) showFailure(root, message);
}

// Before Python runs, failures show up as a failed prefetch (prefetch()), a file of the site
// answered with an HTTP error (resource timing: PyScript fetches the page's Python files itself),
// a script that did not load, an error nobody caught (PyScript's start rejects when Pyodide cannot
// load), or PyScript's error banner (an exception in py/app.py, say a SyntaxError).
function starting() {
  return !("python-ready" in marks);
}
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const url = new URL(entry.name);
    if (starting() && entry.responseStatus >= 400 && url.origin === location.origin && !url.pathname.includes("/models/")) {
      startFailed(`Could not download ${url.pathname.split("/").pop()}: the site answered HTTP ${entry.responseStatus}. The page cannot start without it.`);
    }
  }
}).observe({ type: "resource", buffered: true });
addEventListener("error", (event) => {
  if (event.target instanceof HTMLScriptElement && event.target.src) {
    startFailed(`Could not load ${event.target.src.split("/").pop()}: the page cannot start without it.`);
  } else if (event.target === window && starting()) {
    const last = String(event.message).trim().split("\n").pop();
    startFailed(`Python could not start (${last}).`);
  }
}, true);
addEventListener("unhandledrejection", (event) => {
  if (starting()) startFailed(`Python could not start (${event.reason?.message ?? event.reason}).`);
});
// PyScript shows an error in the script it runs (py/app.py) as a banner: <div class="py-error">.
new MutationObserver((changes, observer) => {
  if (!starting()) return observer.disconnect();
  for (const node of changes.flatMap((change) => [...change.addedNodes])) {
    if (node.classList?.contains("py-error")) {
      startFailed(`Python could not start (${node.textContent.trim().split("\n").pop()}).`);
    }
  }
}).observe(document.body, { childList: true });

// Open view `name` anew, as on its first show (its DOM from the template, its downloads started
// again); Python mounts it again (py/app.py). Used by "Try again".
function reopenView(name) {
  views.delete(name);
  if (currentView === name) showView(name);
}

// ---- service worker --------------------------------------------------------------------
// sw.js keeps what a visit used for the next one. A first visit starts as without it: the page
// registers it only once it has given its first result, or 10 s after it is ready (registered
// earlier, it served onnxruntime's own workers while the page started, and storing what the page
// had used competed with the first result: on 2 cores each delayed it by about 0.5-1 s), then
// hands it the same-origin files fetched without a worker (resource timing entries with no
// workerStart), which the worker fetches again and stores.
const SERVICE_WORKER_DELAY_MS = 10_000;
const unseenByWorker = []; // URLs not handed to the worker yet
let registration = null;

function watchForServiceWorker() {
  const workers = navigator.serviceWorker;
  if (!workers) return; // none here (or not a secure context): the HTTP cache serves
  // A new build's worker took over while this page was still starting: start again on the new
  // build rather than run a mix of two builds' files.
  workers.addEventListener("controllerchange", () => {
    if (!("ready" in marks)) location.reload();
  });
  const collect = (list) => {
    for (const entry of list.getEntries()) {
      if (entry.workerStart === 0 && new URL(entry.name).origin === location.origin) unseenByWorker.push(entry.name);
    }
    if (registration) useServiceWorker();
  };
  for (const type of ["navigation", "resource"]) new PerformanceObserver(collect).observe({ type, buffered: true });
}
watchForServiceWorker();

// After the first result: register the worker (once) and hand it the files it has not seen.
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
  setTimeout(useServiceWorker, SERVICE_WORKER_DELAY_MS);
  document.getElementById("loading")?.setAttribute("hidden", "");
}

// Start downloading a file the page will need; returns the promise of its bytes. A runtime file
// that fails stops the start (the same file would fail for Pyodide or onnxruntime-web): say so. A
// model that fails is reported by Python's load(), which fetches it again first.
function prefetch(asset) {
  const bytes = fetchBytes(asset.url, { sha256: asset.sha256, kind: asset.kind, prefetch: true });
  bytes.then(() => mark(`${asset.kind}-downloaded`), (error) => {
    if (asset.kind === "model") console.warn(`prefetch failed: ${error.message}`);
    else startFailed(`${error.message} The page cannot start without it.`);
  });
  return bytes;
}
// The runtime's files that the browser loads itself (Pyodide's script, onnxruntime-web's scripts and
// the wasm its worker fetches): on a first visit the page downloads them at once, checked and
// counted, so that they are in the HTTP cache when asked for. On a later visit whose service worker
// holds them, they are on this device and the worker checks each as it answers (sw.js): read and
// hashed here as well, they cost the return visit's first result about 10% (docs/STARTUP.md). Their
// bytes are then counted once their runtime has started (runtimeStarted); the files the page
// downloads itself count their own bytes as they come.
async function prefetchRuntimeFile(asset) {
  const kept = navigator.serviceWorker?.controller && (await caches.match(absolute(asset.url)).catch(() => undefined));
  if (kept) report(asset.kind, absolute(asset.url), 0, asset.bytes);
  else prefetch(asset);
  return Boolean(kept);
}
const runtimeFiles = config.prefetch.map((asset) => [asset, prefetchRuntimeFile(asset)]); // [asset, Promise of "kept"]
// The runtime files of `kind` that the page left to the browser on this visit.
async function leftToBrowser(kind) {
  const left = await Promise.all(runtimeFiles.map(async ([asset, kept]) => (asset.kind === kind && (await kept) ? asset : null)));
  return left.filter(Boolean);
}
// A runtime that would not start on a visit where the page had left its files to the browser: the
// page downloads them itself, so that one the browser could not get (offline, its copy in the
// worker's cache damaged) is reported in the user's words, with a reload, as on a first visit.
async function checkRuntimeFiles(kind) {
  await Promise.allSettled((await leftToBrowser(kind)).map(prefetch));
}
async function runtimeStarted(kind) {
  for (const asset of await leftToBrowser(kind)) report(kind, absolute(asset.url), asset.bytes, asset.bytes);
  mark(`${kind}-downloaded`);
}
addEventListener("py:ready", () => mark("python-started"));
// PyScript 0.6 turns its worker hooks into code with Function() once Pyodide is loaded (polyscript's
// Hook reads every hook for Python's XWorker), which a Content-Security-Policy without
// 'unsafe-eval' forbids: the page would never start. This site starts no PyScript worker, so the
// worker hooks (one by default) go before that happens (docs/RELIABILITY.md, "CSP").
import(absolute(config.pyscript)).then(({ hooks }) => {
  for (const name of ["onReady", "onBeforeRun", "onBeforeRunAsync", "onAfterRun", "onAfterRunAsync"]) {
    hooks.worker[name]?.clear();
  }
}, () => {}); // PyScript did not load: the start-up failure is reported where it happens

globalThis.ondevice = {
  config, marks, mark, ready, fetchText, openSession, tensor, readPixels, threads,
  drawPixels, openCamera, closeCamera, nextFrame, navigate, modelChoice, webgpuSupport, showFailure, reopenView,
  pythonStarts: 0,
  pyodideWasm, pythonFiles, pythonSnapshot, pythonBoots, // for js/python.mjs
  pythonStart: null, // how Python started, set by js/python.mjs: {from: "snapshot" | "boot", packages, reason}
  get currentView() { return currentView; },
  get bootReason() { return bootReason; }, // why Python boots without the snapshot (null: it does not)
  get serviceWorker() { return registration; }, // a Promise of the registration, once registered
};
showView(viewOf(location.href) ?? "index.html");
import(new URL("python.mjs", import.meta.url)).then((python) => python.start()) // PyScript's interpreter module
  .then(() => runtimeStarted("python"));
