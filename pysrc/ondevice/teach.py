"""Teach an image classifier your own classes from the command line (CPython + onnxruntime).

    python -m ondevice.teach train PHOTOS_DIR -o model.json      # one sub-folder per class
    python -m ondevice.teach predict model.json PHOTO... [--json]
    python -m ondevice.teach export model.json -o model.onnx     # backbone + head, for any ONNX runtime

`train` holds out a fifth of each class's photos, reports the accuracy on them, then trains the
model it writes on every photo. The JSON is the format teach.html downloads and loads, both ways.
`export` writes one ONNX file: uint8 RGB image (N, 224, 224, 3) in (resized and centre-cropped as
the classifier expects), `probabilities` (N, classes) out, the class names in its metadata.
Models come from the build's dist/models, or the folder named by --models / ONDEVICE_MODELS.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from .errors import InputError
from .loader import LocalStore, load, read_manifest
from .tasks.teachable import TeachableImageClassifier

TASK = "image-classification"
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"}
HOLD_OUT = 5  # every 5th photo of a class (from the 2nd) is held out to measure accuracy


def photos_by_class(folder: Path) -> dict[str, list[Path]]:
    """{class name: its photos}, from one sub-folder per class, sorted by name for determinism."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder.")
    classes = {sub.name: sorted(p for p in sub.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
               for sub in sorted(folder.iterdir()) if sub.is_dir() and not sub.name.startswith(".")}
    classes = {name: photos for name, photos in classes.items() if photos}
    if len(classes) < 2:
        raise InputError(f"{folder} needs at least two sub-folders of photos, one per class.")
    return classes


def split(photos: list[Path]) -> tuple[list[Path], list[Path]]:
    """(training photos, held-out photos): every HOLD_OUT-th photo from the second on is held out."""
    held = set(photos[1::HOLD_OUT])
    return [p for p in photos if p not in held], [p for p in photos if p in held]


async def teach(backbone, classes: dict[str, list[Path]]) -> TeachableImageClassifier:
    teacher = TeachableImageClassifier(backbone)
    for label, photos in classes.items():
        for path in photos:
            await named(path, teacher.add_example(label, path))
    await teacher.train(list(classes))
    return teacher


async def named(path: Path, step):
    """Await `step`; an InputError (say, not an image) names the photo it is about."""
    try:
        return await step
    except InputError as error:
        raise InputError(f"{path}: {error}") from None


async def train(args) -> None:
    backbone = await load(TASK, variant=args.variant, store=LocalStore(args.models))
    classes = photos_by_class(args.photos)
    splits = {label: split(photos) for label, photos in classes.items()}
    held_out = [(path, label) for label, (_, held) in splits.items() for path in held]
    if held_out:
        trial = await teach(backbone, {label: kept for label, (kept, _) in splits.items()})
        right = [(await trial.predict(path)).label == label for path, label in held_out]
        print(f"held-out accuracy: {sum(right)}/{len(right)} = {sum(right) / len(right):.1%} "
              f"(every {HOLD_OUT}th photo of each class, not used to train that trial)")
    else:
        print("held-out accuracy: not measured (give a class two or more photos)")
    final = await teach(backbone, classes)
    args.output.write_text(final.to_json(), encoding="utf-8")
    counts = ", ".join(f"{label} {n}" for label, n in final.counts.items())
    print(f"wrote {args.output}: {len(classes)} classes ({counts} photos) on {backbone.spec.model_name} "
          f"{backbone.variant}")


async def open_classifier(path: Path, models) -> TeachableImageClassifier:
    text = path.read_text(encoding="utf-8")
    store = LocalStore(models)
    variants = (await read_manifest(store))["models"][TASK]["variants"]
    saved = json.loads(text).get("backbone", {}).get("variant")
    backbone = await load(TASK, variant=saved if saved in variants else None, store=store)
    return TeachableImageClassifier.from_json(backbone, text)


async def predict(args) -> None:
    classifier = await open_classifier(args.model, args.models)
    results = []
    for path in args.photos:
        prediction = await named(path, classifier.predict(path))
        results.append({"file": str(path), "label": prediction.label, "probabilities": prediction.probabilities})
    if args.json:
        print(json.dumps(results, indent=2))
    for result in results if not args.json else ():
        print(f"{result['file']}: {result['label']} ({result['probabilities'][result['label']]:.3f})")


async def export(args) -> None:
    from .export import teachable_onnx

    classifier = await open_classifier(args.model, args.models)
    store = LocalStore(args.models)
    entry = (await read_manifest(store))["models"][TASK]["variants"][classifier.backbone.variant]
    teachable_onnx(store.folder / entry["file"], classifier, args.output)
    print(f"wrote {args.output}: {TASK} backbone ({classifier.backbone.variant}) + {len(classifier.labels)} classes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ondevice.teach", description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--models", type=Path, default=None, help="folder with manifest.json and the model files")
    sub = parser.add_subparsers(dest="command", required=True)
    do_train = sub.add_parser("train", parents=[common],
                              help="teach classes from PHOTOS_DIR/<class>/*.jpg; print held-out accuracy")
    do_train.add_argument("photos", type=Path, metavar="PHOTOS_DIR")
    do_train.add_argument("-o", "--output", type=Path, required=True, help="where to write the model (.json)")
    do_train.add_argument("--variant", default=None, help="backbone variant (default: the build's default)")
    do_predict = sub.add_parser("predict", parents=[common], help="label photos with a trained model")
    do_predict.add_argument("model", type=Path)
    do_predict.add_argument("photos", type=Path, nargs="+", metavar="PHOTO")
    do_predict.add_argument("--json", action="store_true", help='print [{"file", "label", "probabilities"}]')
    do_export = sub.add_parser("export", parents=[common], help="write backbone + head as one ONNX file")
    do_export.add_argument("model", type=Path)
    do_export.add_argument("-o", "--output", type=Path, required=True, help="where to write the .onnx file")
    args = parser.parse_args(argv)
    try:
        asyncio.run({"train": train, "predict": predict, "export": export}[args.command](args))
    except (InputError, FileNotFoundError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
