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
