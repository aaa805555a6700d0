// onnxruntime-web as site/js/ondevice.mjs sets it up, without Python: the bench's plain-JS pages.
// The same files (runtime/ort-<version>/ort.wasm.min.mjs), the WASM backend in a worker (?proxy=0
// turns that off), numThreads as the glue's threads(), graphOptimizationLevel "all", int8 weights
// folded into float weights at load. Start-up marks (ms since navigation) as in the glue.
import * as ort from "../@ORT_DIR@/ort.wasm.min.mjs";

export const query = new URLSearchParams(location.search);
const marks = {};
export function mark(name) {
  if (!(name in marks)) marks[name] = performance.now();
}
globalThis.ondevice = { marks, mark };

function threads() {
  const asked = Number(query.get("threads"));
  if (!globalThis.crossOriginIsolated) return 1;
  return asked > 0 ? asked : Math.min(4, navigator.hardwareConcurrency || 1);
}
ort.env.wasm.wasmPaths = new URL("../@ORT_DIR@/", location.href).href;
ort.env.wasm.numThreads = threads();
ort.env.wasm.proxy = query.get("proxy") !== "0";

export async function createSession(bytes, variant) {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
    ...(variant === "int8-weights" ? { extra: { session: { disable_quant_qdq: "1" } } } : {}),
  });
  mark("session-created");
  return session;
}

export function ready() {
  mark("ready");
  document.body.dataset.state = "ready";
}

export { ort };
