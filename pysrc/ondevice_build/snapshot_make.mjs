// Make Pyodide's memory snapshot at build time, under node (see snapshot.py and site/js/python.mjs):
//   node snapshot_make.mjs RUNTIME_DIR WHEELS_JSON CODE_ZIP CODE_PATH IMPORTS_FILE OUT_DIR
// RUNTIME_DIR: the site's Pyodide folder (pyodide.mjs, the compiled stdlib and wheels). The wheels
// named in WHEELS_JSON are unpacked into site-packages by Python's zipfile (no JavaScript object
// may be held by Python at snapshot time, so not loadPackage), the page's code (CODE_ZIP) is put at
// CODE_PATH on sys.path, as js/python.mjs puts it, the Python in IMPORTS_FILE runs (its imports
// dlopen the libraries they need), and OUT_DIR gets memory.bin (the snapshot) and
// link.json: where each library was placed (its dlopen handle, memory range) and the digest of the
// dynamic linker's state that js/python.mjs checks after putting the libraries back, and the files of
// the modules the imports ran (the page need not write them: snapshot.py).
import { pathToFileURL } from "node:url";
import path from "node:path";
import fs from "node:fs";

const [runtime, wheelsJson, codeZip, codePath, importsFile, out] = process.argv.slice(2);
const here = path.dirname(new URL(import.meta.url).pathname);
const { linkDigest } = await import(pathToFileURL(path.join(here, "..", "..", "site", "js", "python.mjs")).href);
const { loadPyodide } = await import(pathToFileURL(path.join(runtime, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: `${path.resolve(runtime)}/`, _makeSnapshot: true });
const Module = pyodide._module;

const wheels = JSON.parse(wheelsJson);
for (const wheel of wheels) pyodide.FS.writeFile(`/tmp/${wheel}`, fs.readFileSync(path.join(runtime, wheel)));
pyodide.runPython(`import zipfile
for wheel in ${JSON.stringify(wheels)}:
    with zipfile.ZipFile('/tmp/' + wheel) as archive:
        archive.extractall('${Module.API.sitePackages}')`);
for (const wheel of wheels) pyodide.FS.unlink(`/tmp/${wheel}`);
pyodide.FS.writeFile(codePath, fs.readFileSync(codeZip));
pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(codePath)})`);

const tableBefore = Module.wasmTable.length;
pyodide.runPython(fs.readFileSync(importsFile, "utf8"));
// The site-packages files of the modules those imports ran: Python never reads them again
const imported = JSON.parse(pyodide.runPython(`import json, sys
json.dumps(sorted({file for module in list(sys.modules.values())
                   if (file := getattr(module, "__file__", None) or "").startswith("${Module.API.sitePackages}/")}))`));

const byPath = new Map();
for (const [handle, dso] of Object.entries(Module.LDSO.loadedLibsByHandle)) {
  if (dso.name === "__main__") continue;
  const word = (offset) => Module.HEAPU32[(Number(handle) + offset) >>> 2];
  const placed = Module.HEAPU8[Number(handle) + 8] === 1; // the handle it was first loaded with
  const lib = byPath.get(dso.name) ?? { path: dso.name, handle: null, otherHandles: [] };
  if (placed && lib.handle === null) Object.assign(lib, { handle: Number(handle), memoryBase: word(12), memorySize: word(16) });
  else lib.otherHandles.push(Number(handle));
  byPath.set(dso.name, lib);
}
const loadOrder = [...new Set(Object.values(Module.LDSO.loadedLibsByName).map((dso) => dso.name))];
const libs = loadOrder.filter((name) => byPath.has(name)).map((name) => byPath.get(name));
if (libs.some((lib) => lib.handle === null)) throw new Error("a library was loaded without a dlopen handle");
const link = { tableBefore, linkDigest: linkDigest(Module), libs, imported };
const memory = pyodide.makeMemorySnapshot();
fs.writeFileSync(path.join(out, "memory.bin"), memory);
fs.writeFileSync(path.join(out, "link.json"), JSON.stringify(link, null, 1));
console.log(`snapshot: ${memory.length} bytes, ${libs.length} libraries, linker ${link.linkDigest}`);
