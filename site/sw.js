// ondevice service worker: keeps the files a visit used in the Cache Storage, so the next visit
// starts without the network and works offline. Its scope is the whole site (it sits at the root).
//
// - Stamped by the bundler (bundle.stamp_service_worker): BUILD holds the build's id and the sha256
//   of every other file of the site. A new build therefore changes this script, and the browser
//   installs the new worker. Each build has its own cache, "ondevice-<build id>", so within a build
//   every file is served cache-first, the unhashed names (pages, py/*.py, js/ondevice.mjs,
//   models/manifest.json) included.
// - Runtime caching: files are stored as a visit uses them, never the whole site (with every model
//   variant it is 418 MB). A first visit starts as without a worker: the page registers this one
//   only once it has given its first result (or 10 s after it is ready), and is not taken over (no
//   clients.claim()); it then reports the files it fetched (js/ondevice.mjs), which are fetched
//   again here, normally from the HTTP cache.
// - Verified: a response is stored only if its bytes have the build's sha256 for its path, and a
//   cached copy is checked again the first time this worker reads it (a bad copy is deleted and
//   the file fetched again: cached()), or by the page where it says it checks it (intact()).
//   What is stored is the decoded body with the server's headers (COOP/COEP/CORP and the CSP
//   included, so pages served from the cache stay cross-origin isolated and as restricted) minus
//   those that describe the transfer (a .br/.gz response arrives here already decoded).
// - Compiled code first: the runtime's scripts and wasm (under runtime/, versioned names) are
//   answered from the browser's HTTP cache when it still holds this build's bytes, since Chromium
//   keeps the code it compiled from a download with that HTTP cache entry, while a Cache Storage
//   copy gets compiled code only after a visit has compiled from it. A returning visitor's second
//   visit so skips compiling onnxruntime-web's 14 MB module again (first result B/A 0.84 there,
//   docs/STARTUP.md). Only the cache is asked ("only-if-cached"), never the network, and its copy is
//   checked as a Cache Storage copy is (once per worker, again if another download replaced it);
//   without one, the Cache Storage answers as before.
// - Same bytes, same answer: a request may be answered with the cached copy of any file of this
//   build whose sha256 is the same. Every page name served the same shell document therefore opens
//   offline once any of them was visited, while pages with different bytes are never swapped.
// - Update: the new worker copies from the old caches every entry whose sha256 this build still has
//   (big runtime and model files are not downloaded again), takes over the old worker's pages at
//   once (skipWaiting: a waiting worker would never reach a tab that is only ever reloaded) and
//   deletes every other ondevice-* cache, the pages' old "ondevice-models-v1" included. A page
//   still starting when that happens reloads itself (js/ondevice.mjs), so no page runs two builds'
//   code; a page already running keeps its code and fetches anything further from the new build,
//   as it would from the server after a deploy without a worker.

const BUILD = /*ondevice:build*/null;
const FILES = BUILD?.files ?? {}; // path relative to the root -> sha256
const PREFIX = "ondevice-";
const CACHE = PREFIX + BUILD?.id;
const ROOT = new URL("./", self.location.href);
const SHA256_HEADER = "x-ondevice-sha256"; // kept with each stored response: what carry-over compares
const TRANSFER_HEADERS = ["content-encoding", "content-length", "vary"];
const PAGE_CHECKS_HEADER = "x-ondevice-page-checks"; // on a request whose bytes the page checks itself
const storing = new Map(); // path -> Promise<boolean>: a store in progress
const COMPILED = /^runtime\/.*\.(wasm|m?js)$/; // files whose HTTP cache entry keeps compiled code

// The path (relative to the root) of a file of this build that `url` names, else null.
function pathOf(url) {
  const { origin, pathname } = new URL(url);
  if (origin !== ROOT.origin || !pathname.startsWith(ROOT.pathname)) return null;
  let path = pathname.slice(ROOT.pathname.length);
  if (path === "" || path.endsWith("/")) path += "index.html";
  return Object.hasOwn(FILES, path) ? path : null;
}

function keyOf(path) {
  return new URL(path, ROOT).href;
}

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A cached copy of `path` whose bytes still have the build's sha256, else undefined. A copy that
// does not (a disk fault, a truncated or tampered entry) is deleted, so the caller fetches the file
// again. Each entry is checked the first time this worker reads it (a worker lives for a visit or
// less), unless the page checks the bytes itself (`pageChecks`: js/ondevice.mjs checks every
// runtime, snapshot and model file it downloads, and on a mismatch asks again with cache mode
// "reload"): those are answered at once, streamed from the cache, not read whole and hashed first,
// so no file is hashed twice. The answer is always the Cache Storage's own response, never a copy
// of its bytes: Chromium keeps compiled WebAssembly and JavaScript with a cache entry. (Measured
// against the previous worker, which checked every file first and answered with a copy: the same
// first result, cold, repeat and with a stopped worker: docs/RELIABILITY.md.)
const verified = new Set(); // cache keys read and checked by this worker
async function intact(cache, key, path, pageChecks = false) {
  const copy = await cache.match(key);
  if (!copy || pageChecks || verified.has(key)) return copy;
  if ((await sha256Hex(await copy.arrayBuffer())) !== FILES[path]) {
    await cache.delete(key);
    return undefined;
  }
  verified.add(key);
  return cache.match(key);
}

// The cached response for `path`, or for another file of this build with the same bytes.
async function cached(path, pageChecks = false) {
  const cache = await caches.open(CACHE);
  const exact = await intact(cache, keyOf(path), path, pageChecks);
  if (exact) return exact;
  for (const twin of Object.keys(FILES).filter((p) => p !== path && FILES[p] === FILES[path])) {
    const copy = await intact(cache, keyOf(twin), twin);
    if (copy) return new Response(copy.body, copy); // a fresh Response: without the twin's URL
  }
  return undefined;
}

// Store `response` as this build's copy of `path` if its bytes are this build's; true if stored.
// When the storage quota is full, put() fails and nothing is stored: the page works on, from the
// network, as without a worker.
async function store(path, response) {
  checkedDownloads.delete(response.url); // this download may be the HTTP cache's entry now
  if (response.status !== 200 || response.redirected) return false;
  const bytes = await response.arrayBuffer();
  if ((await sha256Hex(bytes)) !== FILES[path]) return false; // corrupt, or another build's file
  rememberChecked(response.url, response); // (runtime code: if the HTTP cache kept this download, it is its entry)
  const headers = new Headers(response.headers);
  for (const name of TRANSFER_HEADERS) headers.delete(name);
  headers.set(SHA256_HEADER, FILES[path]);
  const cache = await caches.open(CACHE);
  await cache.put(keyOf(path), new Response(bytes, { status: 200, statusText: response.statusText, headers }));
  verified.add(keyOf(path));
  return true;
}

// One store per path at a time; `response` may be a promise (a rejected fetch stores nothing).
function storeOnce(path, response) {
  if (!storing.has(path)) {
    const done = Promise.resolve(response).then((r) => store(path, r)).catch(() => false);
    storing.set(path, done.finally(() => storing.delete(path)));
  }
  return storing.get(path);
}

// HTTP cache entries of runtime code whose bytes this worker has checked: URL -> the entry's
// identity, its headers (a Cache Storage copy is checked once per worker, and so is this). An entry
// that another download replaced is checked again when its headers differ: its Date does (to the
// second), and its ETag, Last-Modified and length where the file changed. Without a Date or an
// ETag, an entry is checked every time.
const checkedDownloads = new Map();
function downloadIdentity(response) {
  const [date, etag, ...more] = ["date", "etag", "last-modified", "content-length"]
    .map((name) => response.headers.get(name) ?? "");
  return date || etag ? [date, etag, ...more].join("|") : null;
}
function rememberChecked(url, response) {
  const identity = downloadIdentity(response);
  if (identity && COMPILED.test(pathOf(url) ?? "")) checkedDownloads.set(url, identity);
}

// The HTTP cache's copy of `path`, if `path` is runtime code (COMPILED) and the cache holds this
// build's bytes for it (checked here unless the page checks them or this worker checked the same
// entry before), else undefined. Never the network.
async function compiledCopy(request, path, pageChecks) {
  if (!COMPILED.test(path)) return undefined;
  const copy = await fetch(new Request(request.url, { cache: "only-if-cached", mode: "same-origin" }))
    .catch(() => undefined);
  if (!copy?.ok) return undefined;
  if (pageChecks || checkedDownloads.get(request.url) === downloadIdentity(copy)) return copy;
  if ((await sha256Hex(await copy.clone().arrayBuffer())) !== FILES[path]) return undefined;
  rememberChecked(request.url, copy);
  return copy;
}

// Runtime code from the HTTP cache (compiledCopy), else cache first; else the network, keeping a
// verified copy. Offline and not cached: a network error, as without a worker. A request with
// cache mode "reload" (the page asks again for a file whose bytes were wrong: js/ondevice.mjs)
// goes to the network first, and its verified answer replaces the cached copy.
async function respond(event, path) {
  await storing.get(path);
  const fresh = event.request.cache === "reload" && event.request.mode !== "navigate";
  const pageChecks = event.request.headers.get(PAGE_CHECKS_HEADER) === "sha256";
  if (!fresh) {
    const hit = (await compiledCopy(event.request, path, pageChecks).catch(() => undefined))
      ?? (await cached(path, pageChecks).catch(() => undefined)); // a broken cache must not break the page
    if (hit) return hit;
  }
  const response = await fetch(event.request).catch((error) => {
    if (fresh) return cached(path).then((copy) => copy ?? Promise.reject(error)); // offline: the checked copy
    throw error;
  });
  event.waitUntil(storeOnce(path, response.clone()));
  return response;
}

self.addEventListener("fetch", (event) => {
  const { method, headers, url } = event.request;
  const path = method === "GET" && !headers.has("range") ? pathOf(url) : null;
  if (path) event.respondWith(respond(event, path));
});

// The page reports the files it fetched without this worker: {cache: [url, ...]}.
async function cacheReported(urls) {
  for (const path of urls.map(pathOf).filter(Boolean)) {
    if (!storing.has(path) && !(await cached(path))) await storeOnce(path, fetch(keyOf(path)));
  }
}

self.addEventListener("message", (event) => {
  if (Array.isArray(event.data?.cache)) event.waitUntil(cacheReported(event.data.cache));
});

// Install: carry over from the old caches every entry whose bytes this build still has.
async function carryOver() {
  const cache = await caches.open(CACHE);
  for (const name of await caches.keys()) {
    if (name === CACHE || !name.startsWith(PREFIX)) continue;
    const old = await caches.open(name);
    for (const request of await old.keys()) {
      const path = pathOf(request.url);
      const response = path && (await old.match(request));
      if (response && response.headers.get(SHA256_HEADER) === FILES[path]) await cache.put(request, response);
    }
  }
}

self.addEventListener("install", (event) => event.waitUntil(carryOver().then(() => self.skipWaiting())));

// Activate: delete every other ondevice cache.
async function deleteOldCaches() {
  for (const name of await caches.keys()) {
    if (name !== CACHE && name.startsWith(PREFIX)) await caches.delete(name);
  }
}

self.addEventListener("activate", (event) => event.waitUntil(deleteOldCaches()));
