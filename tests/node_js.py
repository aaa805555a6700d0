"""Run a script under Node.js (the tests' reference WebAssembly engine: V8, as in Chromium)."""
import json
import shutil
import subprocess


def run_node(script, *args):
    """The script's standard output, run with `args` as its process.argv[1:]."""
    node = shutil.which("node")
    assert node, "Node.js 20+ is needed"
    return subprocess.run([node, "-e", script, *map(str, args)], capture_output=True, text=True, check=True).stdout


def run_node_json(script, *args):
    """What the script printed, as JSON."""
    return json.loads(run_node(script, *args))
