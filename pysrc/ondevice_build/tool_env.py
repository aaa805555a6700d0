"""Pinned tool environments beside .venv, for converters that must not share it (TensorFlow + tf2onnx).

A ToolEnv is a virtual environment under the checkout (e.g. `.venv-tf`) installed from a committed
lock of exact pins with `pip install --no-deps -r`, so it is reproducible; it is (re)created only
when the lock's sha256 differs from the stamp written after the last install, as build.py does for
.venv. Recipes run their conversion scripts in it as subprocesses (`run_script`), so nothing from
it is ever imported into the build's own interpreter.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

from .paths import ROOT


class ToolError(RuntimeError):
    """A tool environment could not be set up, or a script run in it failed (its output is in the message)."""


@dataclass(frozen=True)
class ToolEnv:
    """A virtual environment at ROOT/`folder` holding exactly the packages pinned in ROOT/`lock`."""

    folder: str
    lock: str

    @property
    def path(self) -> Path:
        return ROOT / self.folder

    @property
    def lock_path(self) -> Path:
        return ROOT / self.lock

    @property
    def python(self) -> Path:
        return self.path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

    def fingerprint(self) -> str:
        """sha256 of the lock file: part of the cache key of every model converted in this env."""
        return hashlib.sha256(self.lock_path.read_bytes()).hexdigest()


TENSORFLOW = ToolEnv(folder=".venv-tf", lock="tools-tf.lock")


def ensure(env: ToolEnv, log=print) -> Path:
    """Create or update `env` so it matches its lock; returns its Python interpreter."""
    stamp = env.path / ".lock.sha256"
    want = env.fingerprint()
    if stamp.exists() and stamp.read_text() == want and env.python.exists():
        return env.python
    if not env.python.exists():
        log(f"[setup] creating {env.folder} from {env.lock} (first run: about a minute)")
        venv.create(env.path, with_pip=True, clear=True)
    else:
        log(f"[setup] {env.lock} changed: updating {env.folder}")
    command = [str(env.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--no-deps", "-r", str(env.lock_path)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise ToolError(f"could not install {env.lock} into {env.folder}:\n{result.stderr.strip()[-3000:]}")
    stamp.write_text(want)
    return env.python


def run_script(env: ToolEnv, script: Path, *args: str, log=print) -> str:
    """Run `script` with `args` in `env` (set up first if needed); returns its stdout.

    Raises ToolError with the script's stderr when it exits non-zero.
    """
    python = ensure(env, log)
    quiet = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": ""}
    result = subprocess.run([str(python), str(script), *map(str, args)], capture_output=True, text=True, env=quiet)
    if result.returncode != 0:
        raise ToolError(f"{script.name} failed in {env.folder} (exit {result.returncode}):\n"
                        f"{result.stderr.strip()[-4000:]}")
    return result.stdout


if __name__ == "__main__":  # `python -m ondevice_build.tool_env`: set up every tool environment now
    sys.exit(0 if ensure(TENSORFLOW) else 1)
