"""The HTTP headers the site needs and the security headers it can stand, in one place: `serve`
sends them, and the bundler writes them as a `_headers` file (the format of Netlify and Cloudflare
Pages) for static hosts.

- COOP/COEP make the pages cross-origin isolated (SharedArrayBuffer: onnxruntime-web threads); CORP
  lets those pages load the site's own files.
- The Content-Security-Policy is as strict as the pages allow: everything from the site's own
  origin, nothing sent anywhere else (`connect-src 'self'`), no inline script and no string
  evaluation (no 'unsafe-inline', no 'unsafe-eval'). WebAssembly compilation needs
  'wasm-unsafe-eval'. Images and the photo previews are blob: URLs made in the page (and the empty
  data: favicon). Why each source is there, and what was removed to get here: docs/RELIABILITY.md.
"""
from __future__ import annotations

from pathlib import Path

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])

SITE_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}

IMMUTABLE = "public, max-age=31536000, immutable"  # versioned or content-hashed names
REVALIDATE = "no-cache"  # unhashed names: pages, code, manifest


def cache_control(path: str) -> str:
    """Cache-Control for a URL path ("/runtime/...", "/models/x.onnx"): a year for the versioned
    runtime and the content-hashed models, revalidated for everything else."""
    path = path.split("?")[0]
    if path.startswith("/runtime/") or (path.startswith("/models/") and path.endswith(".onnx")):
        return IMMUTABLE
    return REVALIDATE


HEADERS_FILE = "_headers"


def write_headers_file(dist: Path) -> Path:
    """dist/_headers: the same headers for a static host (Netlify, Cloudflare Pages): every path
    gets the site headers; the runtime folder and each model file are cached for a year. (Those
    hosts join a header named by two matching rules, so the no-cache default is left to them.)"""
    lines = ["/*"] + [f"  {name}: {value}" for name, value in SITE_HEADERS.items()]
    lines += ["/runtime/*", f"  Cache-Control: {IMMUTABLE}"]
    for model in sorted((dist / "models").glob("*.onnx")):
        lines += [f"/models/{model.name}", f"  Cache-Control: {IMMUTABLE}"]
    target = dist / HEADERS_FILE
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
