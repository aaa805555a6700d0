#!/usr/bin/env python3
"""ondevice's one entry point: build (default) | serve | test | bench | quantise-search.

Runs with any Python 3.11+. On first use it creates `.venv` from `requirements.lock` and runs
`npm ci`, then re-runs itself inside that environment, where the pipeline lives in
`pysrc/ondevice_build`. Everything downloaded or converted is cached under `.cache/` by content
hash, so a second run only redoes what changed; the site is written to `dist/`.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
NPM_LOCK = ROOT / "package-lock.json"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python build.py",
        description="Build, serve, test and benchmark the ondevice static site.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = sub.add_parser("build", help="fetch, convert, quantise and gate the models; write dist/ (default)")
    build.add_argument("--force", action="store_true", help="ignore the conversion cache and redo every model")

    serve = sub.add_parser("serve", help="build if needed, then serve dist/ with COOP/COEP headers")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    serve.add_argument("--no-build", action="store_true", help="serve dist/ as it is")

    search = sub.add_parser("quantise-search", help="find the smallest int8/fp16 weight mix that passes a model's "
                            "int8-weights gate and pin it in models/ (the build uses the pinned mix; slow)")
    search.add_argument("tasks", nargs="+", metavar="TASK", help="task names, e.g. image-classification object-detection")

    sub.add_parser("test", help="build if needed, then run the test suite (CPython + headless Chromium); "
                   "further arguments go to pytest, e.g. `python build.py test -k classify -x`")

    bench = sub.add_parser("bench", help="build if needed, then measure start-up, inference and bytes in Chromium")
    bench.add_argument("--tasks", nargs="+", default=None, help="task names to measure, or \"teaching\" (default: all pages and teaching)")
    bench.add_argument("--runs", type=int, default=5, help="runs per cold/warm measurement (default 5)")
    bench.add_argument("--out", type=Path, default=ROOT / "bench", help="where results.json and the chart go")
    bench.add_argument("--no-docs", action="store_true", help="do not rewrite docs/BENCHMARKS.md")
    bench.add_argument("--soak", type=int, default=1000, metavar="N",
                       help="inferences per task page in the long-session memory soak (default 1000; 0: none)")
    bench.add_argument("--soak-only", action="store_true",
                       help="run only the soak; write bench/soak.json (docs untouched)")

    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    return args


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_python_env() -> None:
    """Create .venv with exactly the pinned packages, unless it already matches the lock."""
    stamp = VENV / ".requirements.lock.sha256"
    want = file_sha256(LOCK)
    if stamp.exists() and stamp.read_text() == want and venv_python().exists():
        return
    if not venv_python().exists():
        print(f"[setup] creating {VENV.name} (first run: a few minutes)", flush=True)
        venv.create(VENV, with_pip=True)
    print(f"[setup] installing the pinned packages of {LOCK.name} into {VENV.name}", flush=True)
    py = str(venv_python())
    subprocess.run([py, "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(LOCK)], check=True)
    stamp.write_text(want)


def ensure_node_modules() -> None:
    """Run `npm ci` when node_modules does not match package-lock.json."""
    stamp = ROOT / "node_modules" / ".package-lock.sha256"
    want = file_sha256(NPM_LOCK)
    if stamp.exists() and stamp.read_text() == want:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("build.py: npm not found. Install Node.js 20+ (it brings npm) and re-run.")
    print("[setup] npm ci (pinned browser packages)", flush=True)
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
    stamp.write_text(want)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if Path(sys.prefix).resolve() != VENV.resolve():
        if sys.version_info < (3, 11):
            sys.exit("build.py needs Python 3.11 or newer.")
        ensure_python_env()
        ensure_node_modules()
        return subprocess.call([str(venv_python()), str(Path(__file__).resolve()), *argv])
    sys.path.insert(0, str(ROOT / "pysrc"))
    from ondevice_build import cli

    return cli.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
