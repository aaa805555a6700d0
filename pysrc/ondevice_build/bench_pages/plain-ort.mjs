// onnxruntime-web as site/js/ondevice.mjs sets it up, without Python: the bench's plain-JS pages.
// The same files (runtime/ort-<version>/ort.wasm.min.mjs), the WASM backend in a worker (?proxy=0
// turns that off), numThreads as the glue's threads(), graphOptimizationLevel "all", int8 weights
// folded into float weights at load. Start-up marks (ms since navigation) as in the glue, and
// `ondevice.timings`: ms of the page's first session creation ("session") and first run ("first-run").
import * as ort from "../@ORT_DIR@/ort.wasm.min.mjs";

export const query = new URLSearchParams(location.search);
const marks = {};
const timings = {};
export function mark(name) {
  if (!(name in marks)) marks[name] = performance.now();
}
globalThis.ondevice = { marks, mark, timings };

function threads() {
  const asked = Number(query.get("threads"));
  if (!globalThis.crossOriginIsolated) return 1;
  return asked > 0 ? asked : Math.min(4, navigator.hardwareConcurrency || 1);
}
ort.env.wasm.wasmPaths = new URL("../@ORT_DIR@/", location.href).href;
ort.env.wasm.numThreads = threads();
ort.env.wasm.proxy = query.get("proxy") !== "0";

export async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not download ${url} (HTTP ${response.status}).`);
  return response;
}

export async function createSession(bytes, variant) {
  const started = performance.now();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
    ...(variant === "int8-weights" ? { extra: { session: { disable_quant_qdq: "1" } } } : {}),
  });
  timings.session ??= performance.now() - started;
  mark("session-created");
  return session;
}

export async function manifestEntry(task) {
  return (await (await fetchOk("../models/manifest.json")).json()).models[task];
}

// A session on the default WASM variant of a models-manifest entry (marks "model-downloaded" once
// the file is here).
export async function loadModel(entry) {
  const variant = entry.default_variant.wasm;
  const model = await (await fetchOk(`../models/${entry.variants[variant].file}`)).arrayBuffer();
  mark("model-downloaded");
  return createSession(new Uint8Array(model), variant);
}

// session.run(inputs); the page's first run is timed.
export async function run(session, inputs) {
  const started = performance.now();
  const outputs = await session.run(inputs);
  timings["first-run"] ??= performance.now() - started;
  return outputs;
}

const arrays = { uint8: Uint8Array, int64: BigInt64Array, float32: Float32Array };
// Model inputs as bench.py encodes them, {name: [base64 bytes, dtype, dims]} -> a function that
// makes fresh tensors of them (in the worker, a run takes its inputs' buffers away).
export function decodeFeeds(feeds) {
  const decoded = Object.entries(feeds).map(([name, [b64, dtype, dims]]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return [name, dtype, new arrays[dtype](bytes.buffer), dims];
  });
  const tensor = ([name, dtype, data, dims]) => [name, new ort.Tensor(dtype, data.slice(), dims)];
  return () => Object.fromEntries(decoded.map(tensor));
}

export function ready() {
  mark("ready");
  document.body.dataset.state = "ready";
}

export function failed(error) {
  document.body.dataset.state = "error";
  document.body.textContent = error;
}

export { ort };
