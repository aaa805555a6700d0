// Run a Python script in Pyodide under node, at build time:
//   node pyodide_node.mjs PYODIDE_DIR FOLDER SCRIPT [ARGS...]
// PYODIDE_DIR holds pyodide.mjs and its files (node_modules/pyodide: no network needed). Only
// FOLDER is visible to Python, mounted as the current directory /build; SCRIPT and ARGS are
// paths relative to it. The script's output goes to stdout/stderr; a Python error exits with 1.
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pyodideDir, folder, script, ...args] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({
  indexURL: pyodideDir,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});
pyodide.FS.mkdirTree("/build");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(folder) }, "/build");
pyodide.globals.set("argv", pyodide.toPy([script, ...args]));
try {
  pyodide.runPython("import os, runpy, sys\nos.chdir('/build')\nsys.argv = list(argv)\n"
    + "runpy.run_path(sys.argv[0], run_name='__main__')");
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
