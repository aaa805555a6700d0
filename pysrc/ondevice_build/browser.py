"""Headless Chromium for the tests and the benchmark: which binary, which flags."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

# No background traffic, and every host but the local server unresolvable: nothing leaves 127.0.0.1.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def chromium_executable() -> str | None:
    """$CHROMIUM, else Debian's /usr/bin/chromium, else None (Playwright's own browser)."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def fake_camera_args(video: Path) -> list[str]:
    """Flags that make Chromium grant camera access without asking and play `video` (.y4m) as the
    camera."""
    return ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]


def launch(playwright, extra_args: list[str] = ()):
    return playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS + list(extra_args))


def launch_profile(browser_type, profile: Path, **context_options):
    """A browser context on a profile folder, as a visitor's browser has: unlike a `launch()`ed
    browser's contexts (kept in memory, like incognito windows), it keeps compiled code between
    visits (Chromium's code cache: onnxruntime-web's compiled wasm, among others)."""
    return browser_type.launch_persistent_context(profile, executable_path=chromium_executable(), args=CHROMIUM_ARGS,
                                                  **context_options)


def write_y4m(path: Path, frames: list, fps: int = 30) -> Path:
    """Write RGB frames (PIL images or (H, W, 3) uint8 arrays, all one size, even width and height)
    as an uncompressed 4:2:0 YUV4MPEG2 video, the format Chromium's fake camera plays."""
    import numpy as np
    from PIL import Image

    first = Image.fromarray(np.asarray(frames[0]))
    width, height = first.size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            y, u, v = Image.fromarray(np.asarray(frame)).convert("YCbCr").split()
            half = (width // 2, height // 2)
            out.write(b"FRAME\n" + y.tobytes() + u.resize(half, Image.Resampling.BOX).tobytes()
                      + v.resize(half, Image.Resampling.BOX).tobytes())
    return path


def cpu_seconds_by_process(profile: Path) -> dict[int, float] | None:
    """CPU time (user + system, s) so far of each process of the browser running on `profile`: the
    browser process (the one started with --user-data-dir=`profile`) and all its descendants (its
    renderers, GPU process, network service...), by pid. None without Linux's /proc."""
    if not Path("/proc/self/stat").exists():
        return None
    flag = f"--user-data-dir={profile}".encode()
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    parents, times, roots = {}, {}, []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process ended meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, ...; utime, stime at 11, 12
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / ticks_per_second
        if flag in arguments and not any(a.startswith(b"--type=") for a in arguments):
            roots.append(pid)
    tree = set(roots)
    while grown := {pid for pid, parent in parents.items() if parent in tree} - tree:
        tree |= grown
    return {pid: times[pid] for pid in tree}


def cpu_seconds_between(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
    """The CPU the browser's processes used between two cpu_seconds_by_process readings (a process
    that ended in between is left out; one that started is counted whole)."""
    if before is None or after is None:
        return None
    return round(sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items()), 3)
