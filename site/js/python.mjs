// PyScript's interpreter module (py/app.json "interpreter"): starts Pyodide from the build's memory
// snapshot, taken after numpy, Pillow and the ondevice library were imported, and from a normal boot
// when that cannot be.
//
// Pyodide 0.27 restores a snapshot of a bare interpreter only: the shared libraries that numpy and
// Pillow load (wasm side modules: their code and function-table entries live outside the linear
// memory a snapshot holds) are not in it. The build (ondevice_build/snapshot.py) records where each
// library was placed (its dlopen handle holds its memory and table base) and a digest of the
// dynamic linker's symbol table; here, right after Pyodide has copied the memory back and before
// any Python runs, each library is instantiated again at exactly that place from a module compiled
// while the snapshot downloaded, and its data (which instantiating re-initialised) is copied back
// from the snapshot. If the linker's table does not come out as recorded, the restore is refused
// and Python boots the normal way (loadPackage), as it also does when the snapshot cannot be had.
// See docs/STARTUP.md.
const glue = globalThis.ondevice;
export const version = glue?.config.python.version;

function absolute(url) {
  return new URL(url, document.baseURI).href;
}

// A digest of the dynamic linker's state that the restored memory relies on: the function table's
// length and every GOT entry's value (function-table slots and data addresses of symbols).
export function linkDigest(Module) {
  let hash = 0x811c9dc5;
  const text = Object.keys(Module.GOT).sort().map((name) => `${name}=${Module.GOT[name].value}`).join(";");
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${Module.wasmTable.length}:${Object.keys(Module.GOT).length}:${hash.toString(16)}`;
}

// The snapshot's memory file holds Pyodide's header (its length in its second word), then the
// memory's runs of pages that are not all zeros (ondevice_build/snapshot.py); the layout file says
// where each run goes. Pyodide is handed the header alone (so it copies nothing into the memory);
// each run is then written back in place, and the pages between them zeroed.
function snapshotHeader(memory) {
  return memory.subarray(0, new DataView(memory.buffer, memory.byteOffset, 8).getUint32(4, true));
}
function writeRuns(Module, { meta, memory }) {
  let at = snapshotHeader(memory).byteLength;
  let end = 0; // where the run before ends in the memory
  for (const [offset, length] of meta.memory.runs) {
    Module.HEAPU8.fill(0, end, offset);
    Module.HEAPU8.set(memory.subarray(at, at + length), offset);
    at += length;
    end = offset + length;
  }
  Module.HEAPU8.fill(0, end, meta.memory.bytes);
  if (at !== memory.byteLength) throw new Error(`its memory file does not match its layout (${memory.byteLength} bytes, not ${at})`);
}

// Write the snapshot's files into Pyodide's file system (site-packages: modules imported later, data
// files and the libraries a later import loads; the bytecode of PyScript's package), then put every
// library the snapshot had loaded back in place.
function relink(Module, { meta, files, modules }) {
  const { FS, LDSO } = Module;
  for (const [path, offset, size] of meta.files) {
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    FS.writeFile(path, files.subarray(offset, offset + size));
  }
  if (Module.wasmTable.length < meta.tableBefore) Module.wasmTable.grow(meta.tableBefore - Module.wasmTable.length);
  for (const lib of meta.libs) {
    const { memoryBase, memorySize } = lib;
    const data = Module.HEAP8.slice(memoryBase, memoryBase + memorySize);
    const dso = Module.newDSO(lib.path, lib.handle, "loading");
    dso.global = false;
    const flags = { loadAsync: false, nodelete: true, allowUndefined: true, global: false };
    dso.exports = Module.loadWebAssemblyModule(modules.get(lib.path), flags, lib.path, {}, lib.handle);
    LDSO.loadedLibsByName[lib.path.slice(lib.path.lastIndexOf("/") + 1)] = dso;
    Module.HEAP8.set(data, memoryBase);
    for (const other of lib.otherHandles) LDSO.loadedLibsByHandle[other] = dso;
  }
  const digest = linkDigest(Module);
  if (digest !== meta.linkDigest) throw new Error(`the libraries did not link as recorded (${digest}, not ${meta.linkDigest})`);
}

// Pyodide's module factory (set by pyodide.asm.js, which pyodide.mjs loads), wrapped as it is set:
// the module is instantiated from the wasm the glue compiled and, when restoring, made while the
// snapshot still downloads (Pyodide would wait for it first); the memory is then copied in and
// `relink` puts the libraries back, inside Pyodide's restore step.
let restoring = false;
let snapshot = null;
let createModule;
if (glue) Object.defineProperty(globalThis, "_createPyodideModule", { // (not when the build imports linkDigest)
  configurable: true,
  get: () => createModule,
  set: (create) => {
    createModule = async (settings) => {
      settings.instantiateWasm = (imports, receive) => {
        glue.pyodideWasm.then(async (module) => receive(await WebAssembly.instantiate(module, imports), module))
          .catch((error) => console.warn("Pyodide's wasm could not be instantiated", error));
        return {}; // instantiated asynchronously
      };
      if (restoring) settings.INITIAL_MEMORY = glue.config.python.snapshot.memoryBytes;
      const Module = await withoutStackSwitching(() => create(settings));
      if (!restoring) return Module;
      snapshot = await glue.pythonSnapshot;
      if (!snapshot) throw new Error(glue.bootReason);
      // it holds the page's code imported from the zip that installCode writes: the same bytes
      if (snapshot.meta.code !== glue.config.python.code.sha256) {
        throw new Error("it was made with other code than this page's");
      }
      const restoreMemory = Module.API.restoreSnapshot;
      Module.API.restoreSnapshot = () => {
        const config = restoreMemory(snapshotHeader(snapshot.memory)); // Pyodide's part: its header
        writeRuns(Module, snapshot);
        relink(Module, snapshot);
        return config;
      };
      return Module;
    };
  },
});

// Pyodide runs Python on WebAssembly stack switching (JSPI) where the browser has it: it looks for
// WebAssembly.Suspending as its module is created. The pages never need it (Python awaits the
// browser's promises through asyncio, and nothing calls run_sync), and Chromium's heap profiler,
// which samples allocations in a tenth of the tabs of some browser sessions, crashes the tab when
// it walks such a stack (base::debug::TraceStackFramePointers reads past the stack's end; the
// "Aw, Snap" of crbug.com/402542102, seen twice in one CI run on Chromium 150). So Pyodide's module
// is created without it, as in Node, where the build made the snapshot. docs/RELIABILITY.md.
function withoutStackSwitching(create) {
  const suspending = Object.getOwnPropertyDescriptor(WebAssembly, "Suspending");
  if (!suspending?.configurable) return create(); // none to hide (or it cannot be: then Pyodide uses it)
  delete WebAssembly.Suspending;
  try {
    return create();
  } finally {
    Object.defineProperty(WebAssembly, "Suspending", suspending);
  }
}

// Python from the snapshot (its memory is handed over in the restore step: a stand-in here).
async function restore(pyodide, options) {
  restoring = true;
  try {
    const python = await pyodide.loadPyodide({ ...options, packages: [], _loadSnapshot: new Uint8Array(0) });
    python.runPython("import random; random.seed()"); // the snapshot's seed would repeat on every visit
    for (const name of snapshot.meta.packages) python.loadedPackages[name] = "snapshot";
    Object.assign(snapshot, { memory: null, files: null, modules: null }); // 45 MB the page no longer needs
    return python;
  } finally {
    restoring = false;
  }
}

// Python's start, begun by the glue as soon as it runs (PyScript asks for the interpreter about a
// second later, once it has loaded and read its config): its output goes to PyScript once it asks.
let started = null;
export function start() {
  started ??= startPython().then(installCode).finally(() => glue.pythonFiles.clear()); // Python has its copies now
  return started;
}

// The page's Python code (ondevice and the views' modules, as bytecode: ondevice.zip), from the
// glue's checked download, written where Python imports it from (a zip on sys.path: nothing to
// unpack). Python restored from the snapshot has it on sys.path already, and `ondevice` imported.
async function installCode(python) {
  const { url, path } = glue.config.python.code;
  python.FS.writeFile(path, await glue.pythonFiles.get(absolute(url)));
  const where = JSON.stringify(path);
  python.runPython(`import sys\nif ${where} not in sys.path: sys.path.insert(0, ${where})`);
  return python;
}

// loadPyodide downloads its stdlib and lock file itself, and starts a download of its wasm that is
// never read (the module is instantiated from the glue's compiled one, above): while `load` runs,
// the first two are answered from the bytes the glue has already downloaded and checked, the
// third with nothing. Every other request goes to the network as usual, and so do the glue's own
// (it keeps the original fetch: a file it downloads again must not be answered from here).
async function withGlueFiles(load) {
  const answers = new Map([...glue.pythonFiles].map(([url, bytes]) => [url, () => bytes.then((b) => new Response(b))]));
  answers.set(absolute(glue.config.python.wasm.url), async () => new Response(null));
  const networkFetch = globalThis.fetch;
  globalThis.fetch = (resource, init) => {
    const answer = typeof resource === "string" || resource instanceof URL ? answers.get(absolute(resource)) : undefined;
    return answer ? answer() : networkFetch(resource, init);
  };
  try {
    return await load();
  } finally {
    globalThis.fetch = networkFetch;
  }
}

async function startPython() {
  const runtime = glue.config.python;
  const indexURL = absolute(runtime.module.slice(0, runtime.module.lastIndexOf("/") + 1));
  // Pyodide's script, imported beside its module rather than after it (the shell preloads both)
  const [pyodide] = await Promise.all([import(absolute(runtime.module)), import(`${indexURL}pyodide.asm.js`)]);
  const options = { indexURL, packages: runtime.packages };
  if (runtime.snapshot && glue.bootReason === null) {
    try {
      const python = await withGlueFiles(() => restore(pyodide, options));
      glue.pythonStart = { from: "snapshot", packages: snapshot.meta.packages };
      return python;
    } catch (error) {
      if (snapshot) console.warn(`Python's snapshot could not be restored (${error.message}): starting it the normal way.`);
      glue.pythonBoots(`the snapshot could not be restored: ${error.message}`);
      snapshot = null;
    }
  }
  glue.pythonStart = { from: "boot", packages: options.packages, reason: glue.bootReason };
  return withGlueFiles(() => pyodide.loadPyodide(options));
}

// PyScript's entry point (its config's "packages" are the glue's config.python.packages).
export async function loadPyodide({ stdout, stderr }) {
  const python = await start();
  python.setStdout({ batched: stdout });
  python.setStderr({ batched: stderr });
  return python;
}
