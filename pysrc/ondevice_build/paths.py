"""Where things live: the checkout, the content-addressed cache, the site output."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
DOWNLOADS = CACHE / "downloads"
WHEELS = CACHE / "wheels"
NPM_PACKS = CACHE / "npm-packs"
CONVERTED = CACHE / "models"
DIST = ROOT / "dist"
SITE = ROOT / "site"
PYSRC = ROOT / "pysrc"
NODE_MODULES = ROOT / "node_modules"
MODELS = ROOT / "models"
