"""The commands behind build.py, run inside .venv: build, serve, test, bench, quantise-search."""
from __future__ import annotations

import json
import subprocess
import sys
import time

from .paths import DIST, ROOT


def build(force: bool = False) -> None:
    sys.path.insert(0, str(ROOT))  # the recipes in models/
    from .bundle import bundle
    from .models import build_model, load_recipes

    started = time.perf_counter()
    built = [build_model(recipe, force=force) for recipe in load_recipes()]
    for model in built:
        for variant, info in model.report["variants"].items():
            if not info["passed"]:
                print(f"[gate] {model.recipe.spec.task} {variant} NOT shipped: {json.dumps(info)}")
    bundle(built)
    manifest = json.loads((DIST / "site-manifest.json").read_text())
    total = sum(entry["bytes"] for entry in manifest["files"].values())
    print(f"[build] dist/ written: {len(manifest['files'])} files, {total / 1e6:.1f} MB "
          f"in {time.perf_counter() - started:.1f} s")


def quantise_search(tasks: list[str]) -> None:
    """Search and pin the int8-weights mix of each task's recipe (see models.search_weight_mix)."""
    sys.path.insert(0, str(ROOT))  # the recipes in models/
    from .models import load_recipes, search_weight_mix

    recipes = {recipe.spec.task: recipe for recipe in load_recipes()}
    unknown = [task for task in tasks if task not in recipes or "int8-weights" not in recipes[task].quantisations]
    if unknown:
        raise SystemExit(f"no int8-weights variant to search for: {', '.join(unknown)} "
                         f"(tasks with one: {', '.join(t for t, r in recipes.items() if 'int8-weights' in r.quantisations)})")
    for task in tasks:
        pinned = search_weight_mix(recipes[task])
        print(f"[search] {task}: commit {pinned.relative_to(ROOT)}; the next build quantises with it and gates it once")


def run(args) -> int:
    if args.command == "build":
        build(force=args.force)
        return 0
    if args.command == "quantise-search":
        quantise_search(args.tasks)
        return 0
    if args.command == "serve":
        if not args.no_build:
            build()
        from .serve import make_server

        server = make_server(DIST, args.host, args.port)
        host, port = server.server_address[:2]
        print(f"Serving dist/ at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0
    if args.command == "test":
        build()
        return subprocess.call([sys.executable, "-m", "pytest", *args.pytest_args], cwd=ROOT)
    if args.command == "bench":
        build()
        from .bench import run_bench

        return run_bench(args)
    raise SystemExit(f"unknown command {args.command}")
