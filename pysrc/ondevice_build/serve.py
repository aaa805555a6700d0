"""A static server for dist/ with the headers the pages need (headers.py: cross-origin isolation,
the Content-Security-Policy, caching; dist/_headers carries the same for static hosts).

Precompressed .br/.gz files are served when the browser accepts them; hashed and versioned files
are cached for a year. The service worker (sw.js) sits at the root, so its scope is the whole site
without a Service-Worker-Allowed header.
"""
from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .headers import SITE_HEADERS, cache_control

MIME = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
        ".onnx": "application/octet-stream", ".whl": "application/zip", ".zip": "application/zip",
        ".json": "application/json", ".py": "text/x-python", ".css": "text/css", ".html": "text/html"}


class Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MIME}

    def log_message(self, format, *args):  # quiet: the tests and benchmark run many requests
        pass

    def end_headers(self):
        for name, value in SITE_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", cache_control(self.path))
        super().end_headers()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        accepted = self.headers.get("Accept-Encoding", "")
        for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
            packed = path.with_name(path.name + suffix)
            if encoding in accepted and path.is_file() and packed.is_file():
                handle = open(packed, "rb")
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(str(path)))
                self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(packed.stat().st_size))
                self.send_header("Vary", "Accept-Encoding")
                self.end_headers()
                return handle
        return super().send_head()


def make_server(root: Path, host: str = "127.0.0.1", port: int = 0, handler: type = Handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(root)))
    server.daemon_threads = True
    return server


def serve_in_background(root: Path, handler: type = Handler) -> tuple[ThreadingHTTPServer, str]:
    """Start a server on a free port in a daemon thread; returns it and its base URL."""
    server = make_server(root, handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"
