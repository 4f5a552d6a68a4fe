"""Flowers-17, serialized to CSV as the classic tutorial does (introduced in
05_flowers17_csv_generator).

``prepare_flowers17()`` resizes every image to 64 x 64 RGB and writes one CSV row per
image (the class name, then 12,288 integers 0-255, height x width x channel order),
split 75/25 per class with a fixed seed: 1,020 training rows (60 per class, shuffled)
and 340 testing rows (20 per class, in dataset order). The images come from, for
``source="auto"``:

1. a local folder named by ``FLOWERS17_DIR`` (``image_0001.jpg`` ... ``image_1360.jpg``,
   as the archive's ``jpg/`` folder unpacks);
2. the real CSVs prepared earlier (from either source), when their manifest is complete
   and up to date and their checksums match: no variable or network needed again;
3. an earlier download of ``17flowers.tgz`` (checksum verified);
4. a download from the Oxford VGG page (checksum verified), unless ``COURSE_OFFLINE=1``;
5. offline, a GENERATED stand-in: 17 procedurally drawn flower classes with the same
   names, shapes and file format, deterministic, labelled as generated.

Prepared files go to ``data_home()/flowers17/<source>/`` with a ``manifest.json``
(source, where the images came from, row counts, checksums), written last: a build
without a complete manifest is never trusted, and is rebuilt.
"""

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .csv_images import write_image_csv
from .data import (
    DataUnavailableError,
    atomic_write_bytes,
    cached_download,
    data_home,
    fetch,
    is_offline,
    md5sum,
    safe_extract,
)

URL = "https://www.robots.ox.ac.uk/~vgg/data/flowers/17/17flowers.tgz"
ARCHIVE_NAME = "17flowers.tgz"
ARCHIVE_MD5 = "b59a65d8d1a99cd66944d474e1289eab"
ENV_VAR = "FLOWERS17_DIR"

# The dataset's order: images 1-80 are the first class, 81-160 the second, ...
FLOWERS17_CLASSES = [
    "daffodil", "snowdrop", "lily valley", "bluebell", "crocus", "iris", "tigerlily",
    "tulip", "fritillary", "sunflower", "daisy", "colts' foot", "dandelion", "cowslip",
    "buttercup", "windflower", "pansy",
]
PER_CLASS, TRAIN_PER_CLASS = 80, 60
N_IMAGES = PER_CLASS * len(FLOWERS17_CLASSES)  # 1,360
N_TRAIN = TRAIN_PER_CLASS * len(FLOWERS17_CLASSES)  # 1,020
SIZE = 64
SPLIT_SEED = 17
SYNTHETIC_SEED = 2006
FORMAT_VERSION = 1  # bump when the serialization or the generator changes


@dataclass(frozen=True)
class Flowers17:
    """A prepared Flowers-17: the training and testing CSVs, the 17 class names in
    the dataset's order, the source ("real" or "synthetic") and the row counts."""

    train_csv: Path
    test_csv: Path
    classes: list
    source: str
    n_train: int
    n_test: int


def image_name(index):
    """File name of the ``index``-th image (0-based) as the archive names it."""
    return f"image_{index + 1:04d}.jpg"


def split_indices(seed=SPLIT_SEED):
    """The 75/25 split per class: (training indices, shuffled; testing indices, in
    dataset order), 0-based image numbers (05_flowers17_csv_generator)."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in range(len(FLOWERS17_CLASSES)):
        order = c * PER_CLASS + rng.permutation(PER_CLASS)
        train.extend(order[:TRAIN_PER_CLASS])
        test.extend(order[TRAIN_PER_CLASS:])
    return rng.permutation(np.array(train)), np.sort(np.array(test))


# --------------------------------------------------------------------------------------
# Real photos
# --------------------------------------------------------------------------------------


def load_jpeg(path, size=SIZE):
    """One photo as uint8 ``(size, size, 3)``: decoded at a reduced scale (JPEG draft
    mode) and resized straight to ``size`` x ``size``, ignoring the aspect ratio, as
    the tutorial does."""
    from PIL import Image

    with Image.open(path) as img:
        img.draft("RGB", (size * 2, size * 2))  # decode at 1/2..1/8 scale: much faster
        return np.asarray(img.convert("RGB").resize((size, size), Image.BILINEAR))


def _jpg_folder_problem(folder):
    missing = [image_name(i) for i in range(N_IMAGES) if not (folder / image_name(i)).is_file()]
    if missing:
        return (f"{folder} lacks {len(missing)} of the {N_IMAGES} images "
                f"(first missing: {missing[0]})")
    return None


def _fingerprint(folder):
    digest = hashlib.md5()
    for i in range(N_IMAGES):
        digest.update(f"{image_name(i)}:{(folder / image_name(i)).stat().st_size}\n".encode())
    return digest.hexdigest()


def _local_folder():
    folder = os.environ.get(ENV_VAR)
    if not folder:
        return None
    folder = Path(folder).expanduser()
    problem = _jpg_folder_problem(folder)
    if problem:
        raise FileNotFoundError(
            f"{ENV_VAR}: {problem}. Point {ENV_VAR} at the jpg/ folder that 17flowers.tgz "
            "unpacks to, or unset it.")
    return folder


def _folder_from_archive(archive):
    target = data_home() / "flowers17" / "download"
    folder = target / "jpg"
    if _jpg_folder_problem(folder):
        safe_extract(archive, target)
        problem = _jpg_folder_problem(folder)
        if problem:
            raise ValueError(f"{archive} did not unpack as expected: {problem}")
    return folder


def _manual_help():
    return (f"Download {URL} by hand (md5 {ARCHIVE_MD5}), unpack it "
            f"(tar xzf {ARCHIVE_NAME}), and set {ENV_VAR} to the jpg/ folder it creates "
            "(the one holding image_0001.jpg ... image_1360.jpg).")


# --------------------------------------------------------------------------------------
# The generated stand-in
# --------------------------------------------------------------------------------------

# name: petals, petal sharpness, petal base (0..1), hue (deg), saturation, value,
#       centre hue, centre saturation, centre value, centre size, flowers (min, max),
#       size (min, max, as a fraction of the image), pattern
_STYLES = {
    "daffodil": (6, 1.0, 0.45, 50, 0.85, 0.95, 35, 0.9, 0.95, 0.38, (1, 2), (0.28, 0.42), ""),
    "snowdrop": (3, 2.0, 0.10, 90, 0.06, 0.95, 100, 0.6, 0.7, 0.14, (1, 3), (0.18, 0.30), ""),
    "lily valley": (6, 0.6, 0.70, 60, 0.05, 0.97, 80, 0.3, 0.9, 0.10, (3, 6), (0.07, 0.12), ""),
    "bluebell": (6, 0.8, 0.55, 235, 0.65, 0.80, 240, 0.7, 0.5, 0.12, (2, 5), (0.09, 0.15), ""),
    "crocus": (6, 1.6, 0.25, 275, 0.55, 0.80, 30, 0.9, 0.95, 0.16, (1, 3), (0.20, 0.32), ""),
    "iris": (3, 1.2, 0.20, 262, 0.70, 0.70, 50, 0.9, 0.95, 0.22, (1, 2), (0.28, 0.42),
             "stripes"),
    "tigerlily": (6, 2.2, 0.15, 22, 0.90, 0.95, 25, 0.9, 0.6, 0.12, (1, 2), (0.28, 0.42),
                  "spots"),
    "tulip": (4, 0.5, 0.75, 355, 0.80, 0.85, 60, 0.5, 0.3, 0.10, (1, 2), (0.22, 0.34), ""),
    "fritillary": (6, 0.7, 0.65, 320, 0.60, 0.55, 320, 0.5, 0.4, 0.10, (1, 2), (0.20, 0.32),
                   "checker"),
    "sunflower": (20, 1.5, 0.55, 48, 0.95, 0.95, 25, 0.8, 0.30, 0.50, (1, 1), (0.35, 0.48), ""),
    "daisy": (16, 1.5, 0.35, 60, 0.04, 0.97, 50, 0.9, 0.95, 0.28, (1, 3), (0.18, 0.34), ""),
    "colts' foot": (30, 2.5, 0.45, 52, 0.90, 0.95, 42, 0.9, 0.90, 0.32, (1, 3), (0.16, 0.30), ""),
    "dandelion": (40, 1.0, 0.75, 55, 0.90, 0.97, 52, 0.9, 0.85, 0.12, (1, 2), (0.22, 0.38), ""),
    "cowslip": (5, 0.7, 0.50, 54, 0.75, 0.95, 35, 0.9, 0.8, 0.18, (3, 6), (0.08, 0.13), ""),
    "buttercup": (5, 0.5, 0.55, 56, 0.90, 0.98, 70, 0.8, 0.7, 0.22, (1, 3), (0.14, 0.26), ""),
    "windflower": (6, 0.8, 0.45, 330, 0.15, 0.95, 240, 0.5, 0.25, 0.24, (1, 3), (0.18, 0.32), ""),
    "pansy": (5, 0.4, 0.60, 272, 0.70, 0.65, 55, 0.9, 0.95, 0.12, (1, 2), (0.26, 0.40),
              "blotch"),
}
_YX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5


def _hue_rgb(h, s):
    """RGB in [0, 1] of hue ``h`` (degrees) and saturation ``s`` at full value; since
    HSV to RGB is linear in the value, any value ``v`` gives ``v * _hue_rgb(h, s)``."""
    h = (h % 360) / 60
    x = 1 - abs(h % 2 - 1)
    r, g, b = [(1, x, 0), (x, 1, 0), (0, 1, x), (0, x, 1), (x, 0, 1), (1, 0, x)][int(h) % 6]
    return np.array([1 - s + s * r, 1 - s + s * g, 1 - s + s * b], dtype=np.float32)


def _paint(image, mask, h, s, v):
    """Paint the pixels of ``mask`` with hue ``h``, saturation ``s`` and value ``v``
    (a number or an image-sized array)."""
    rgb = _hue_rgb(h, float(np.clip(s, 0, 1)))
    if np.ndim(v):
        image[mask] = np.clip(v[mask], 0, 1)[:, None] * rgb
    else:
        image[mask] = float(np.clip(v, 0, 1)) * rgb


def _background(rng):
    y, x = _YX
    image = np.empty((SIZE, SIZE, 3), dtype=np.float32)
    hue = rng.uniform(70, 140)
    value = rng.uniform(0.15, 0.6) + 0.2 * (y / SIZE - 0.5) * rng.choice([-1, 1])
    _paint(image, np.ones((SIZE, SIZE), bool), hue, rng.uniform(0.3, 0.8), value)
    for _ in range(rng.integers(4, 12)):  # leaves and stems
        cy, cx = rng.uniform(0, SIZE, 2)
        angle = rng.uniform(0, np.pi)
        u = (x - cx) * np.cos(angle) + (y - cy) * np.sin(angle)
        w = -(x - cx) * np.sin(angle) + (y - cy) * np.cos(angle)
        length, width = rng.uniform(6, 26), rng.uniform(1, 6)
        _paint(image, (u / length) ** 2 + (w / width) ** 2 < 1, hue + rng.uniform(-25, 25),
               rng.uniform(0.4, 0.9), rng.uniform(0.2, 0.7))
    for _ in range(rng.integers(0, 4)):  # clutter: blobs of any colour (soil, sky, others)
        cy, cx = rng.uniform(0, SIZE, 2)
        radius = rng.uniform(2, 7)
        _paint(image, (x - cx) ** 2 + (y - cy) ** 2 < radius**2, rng.uniform(0, 360),
               rng.uniform(0, 0.7), rng.uniform(0.2, 0.9))
    return image


def _flower(image, rng, style, cy, cx, radius):
    (petals, sharp, base, hue, sat, val, c_hue, c_sat, c_val, c_size, _, _, pattern) = style
    y, x = _YX
    r = np.hypot(y - cy, x - cx)
    theta = np.arctan2(y - cy, x - cx) - rng.uniform(0, 2 * np.pi)
    petals = max(3, petals + rng.integers(-2, 3) * (petals > 6))
    sharp *= rng.uniform(0.7, 1.4)
    base = np.clip(base + rng.normal(0, 0.08), 0.05, 0.9)
    squash = rng.uniform(0.7, 1.0)  # seen at an angle
    edge = radius * (base + (1 - base) * np.abs(np.cos(petals * theta / 2)) ** sharp)
    edge = edge * (squash + (1 - squash) * np.abs(np.cos(theta)))
    inside = r < edge
    ratio = r / np.maximum(edge, 1e-3)
    hue = hue + rng.normal(0, 14)
    sat = sat + rng.normal(0, 0.12)
    val = val + rng.normal(0, 0.12)
    shade = val * (0.75 + 0.25 * np.cos(ratio * 1.4))
    if pattern == "spots":
        shade = np.where(np.sin(r * 1.7) * np.sin(theta * 11) > 0.75, 0.15, shade)
    elif pattern == "checker":
        shade = np.where((np.sin(r * 1.3) > 0) ^ (np.sin(theta * 12) > 0), shade * 0.45, shade)
    elif pattern == "stripes":
        shade = np.where((np.sin(theta * 28) > 0.5) & (ratio < 0.6), shade * 0.35, shade)
    elif pattern == "blotch":
        shade = np.where(ratio < 0.55, 0.12, shade)
    _paint(image, inside, hue, sat, shade)
    centre = r < radius * c_size * rng.uniform(0.7, 1.3)
    texture = c_val * (0.8 + 0.2 * rng.random((SIZE, SIZE), dtype=np.float32))
    _paint(image, centre, c_hue + rng.normal(0, 8), c_sat, texture)


def synthetic_flower(index, seed=SYNTHETIC_SEED):
    """The ``index``-th generated stand-in image (class ``index // 80``) as uint8
    ``(64, 64, 3)``; deterministic by ``(seed, index)`` (05_flowers17_csv_generator).

    Each class has its own petal count, petal shape, colours, centre, pattern and
    number of flowers, but every feature is drawn from overlapping distributions, at a
    random position, size and rotation, over a cluttered background, sometimes with
    a smaller flower of another class, then exposure and sensor noise are applied:
    learnable, not trivial."""
    rng = np.random.default_rng([seed, index])
    label = index // PER_CLASS
    style = _STYLES[FLOWERS17_CLASSES[label]]
    image = _background(rng)
    if rng.random() < 0.35:  # a distractor: a smaller flower of another class
        other = _STYLES[FLOWERS17_CLASSES[(label + rng.integers(1, 17)) % 17]]
        _flower(image, rng, other, *(SIZE * rng.uniform(0.1, 0.9, 2)),
                SIZE * rng.uniform(*other[11]) * 0.6)
    (low, high), (small, large) = style[10], style[11]
    count = rng.integers(low, high + 1)
    scale = rng.uniform(0.7, 1.3)
    for _ in range(count):
        radius = SIZE * rng.uniform(small, large) * scale
        spread = 0.3 if count > 1 else 0.18
        cy, cx = SIZE * (0.5 + rng.uniform(-spread, spread, 2))
        _flower(image, rng, style, cy, cx, radius)
    image *= rng.uniform(0.6, 1.2)  # exposure
    image += rng.normal(0, 0.08, image.shape).astype(np.float32)  # sensor noise
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


# --------------------------------------------------------------------------------------
# Building the CSVs
# --------------------------------------------------------------------------------------


def _complete_manifest(folder):
    """The manifest of the build in ``folder`` if it is complete, of this format version,
    with the expected row counts, and both CSVs match their checksums; else None."""
    try:
        info = json.loads((folder / "manifest.json").read_text())
        ok = (info["format_version"] == FORMAT_VERSION and info["source"] == folder.name
              and (info["n_train"], info["n_test"]) == (N_TRAIN, N_IMAGES - N_TRAIN)
              and bool(info["inputs"])
              and all(md5sum(folder / info[f"{part}_csv"]) == info[f"{part}_md5"]
                      for part in ("train", "test")))
        return info if ok else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _manifest_ok(folder, inputs):
    info = _complete_manifest(folder)
    return info is not None and info["inputs"] == inputs


def prepared_real():
    """Where the real Flowers-17 CSVs were prepared earlier, as ``(folder, origin)``
    (``origin``: where the photos came from, None if the manifest predates it), if
    that build is complete and up to date (manifest and checksums verified); else None
    (05_flowers17_csv_generator; ``doctor()`` reports it)."""
    folder = data_home() / "flowers17" / "real"
    info = _complete_manifest(folder)
    if info is None:
        return None
    return folder, info.get("origin")


def _build(folder, source, inputs, load, origin=None):
    """Load all 1,360 images with ``load(index)``, split them, write the CSVs and the
    manifest (last, so that an interrupted build never looks complete)."""
    from keras.utils import Progbar

    (folder / "manifest.json").unlink(missing_ok=True)
    start = time.perf_counter()
    images = np.empty((N_IMAGES, SIZE, SIZE, 3), dtype=np.uint8)
    bar = Progbar(N_IMAGES, unit_name="image")
    for i in range(N_IMAGES):
        images[i] = load(i)
        if (i + 1) % 40 == 0:
            bar.update(i + 1)
    labels = np.array(FLOWERS17_CLASSES)[np.arange(N_IMAGES) // PER_CLASS]
    train, test = split_indices()
    info = {"source": source, "origin": origin, "format_version": FORMAT_VERSION,
            "inputs": inputs,
            "image_size": [SIZE, SIZE, 3], "split_seed": SPLIT_SEED,
            "classes": FLOWERS17_CLASSES}
    for part, rows in (("train", train), ("test", test)):
        name = f"flowers17_{'training' if part == 'train' else 'testing'}.csv"
        write_image_csv(folder / name, images[rows], labels[rows])
        info.update({f"{part}_csv": name, f"n_{part}": len(rows),
                     f"{part}_md5": md5sum(folder / name)})
    info["build_seconds"] = round(time.perf_counter() - start, 1)
    atomic_write_bytes(folder / "manifest.json", json.dumps(info, indent=1).encode())
    return info


def _prepare(source, inputs, load, origin=None):
    folder = data_home() / "flowers17" / source
    if not _manifest_ok(folder, inputs):
        _build(folder, source, inputs, load, origin)
    return _dataset(folder)


def _dataset(folder):
    info = json.loads((folder / "manifest.json").read_text())
    source = folder.name
    return Flowers17(train_csv=folder / info["train_csv"], test_csv=folder / info["test_csv"],
                     classes=list(FLOWERS17_CLASSES), source=source,
                     n_train=info["n_train"], n_test=info["n_test"])


def prepare_flowers17(source="auto"):
    """Prepare Flowers-17 as the tutorial's two CSVs and return a ``Flowers17``
    (05_flowers17_csv_generator).

    ``source``: "auto" (``FLOWERS17_DIR``, else the real CSVs prepared earlier, else a
    cached download, else a download, else offline the generated stand-in), "real"
    (raise ``DataUnavailableError`` saying how to get the data when it cannot be had) or
    "synthetic" (force the stand-in). Prints a one-line banner naming where the data
    came from; builds (with a progress bar) only when the prepared files are missing, out
    of date or incomplete.
    """
    if source not in ("auto", "real", "synthetic"):
        raise ValueError(f"source must be 'auto', 'real' or 'synthetic', not {source!r}")
    if source != "synthetic":
        folder = _local_folder()
        where = f"{ENV_VAR} ({folder})"
        earlier = prepared_real() if folder is None else None
        if earlier is not None:
            prepared, origin = earlier
            print(f"Flowers-17: real photos{f' from {origin}' if origin else ''}, prepared "
                  f"earlier in {prepared} (manifest and checksums verified)")
            return _dataset(prepared)
        try:
            if folder is None:
                archive = cached_download(ARCHIVE_NAME, ARCHIVE_MD5)
                where = f"a cached download of {ARCHIVE_NAME}"
                if archive is None:
                    archive = fetch(URL, ARCHIVE_NAME, ARCHIVE_MD5)
                    where = f"{ARCHIVE_NAME}, downloaded from Oxford VGG"
                folder = _folder_from_archive(archive)
        except DataUnavailableError as err:
            if source == "real":
                raise DataUnavailableError(
                    f"Flowers-17 photos are not available: {err}. {_manual_help()}") from None
        else:
            print(f"Flowers-17: real photos from {where}")
            return _prepare("real", _fingerprint(folder),
                            lambda i: load_jpeg(folder / image_name(i)), where)
    why = "source='synthetic'" if source == "synthetic" else (
        "offline: COURSE_OFFLINE is set" if is_offline() else "the download failed")
    print(f"Flowers-17: GENERATED stand-in ({why}) — not real photos")
    return _prepare("synthetic", f"generator v{FORMAT_VERSION} seed {SYNTHETIC_SEED}",
                    synthetic_flower)


def write_image_folders(csv_path, folder, classes=FLOWERS17_CLASSES):
    """Write the rows of a prepared image CSV as a class-per-folder tree of PNG files,
    ``folder/<class>/<row>.png`` (lossless: the pixels are the CSV's), the layout that
    ``flow_from_directory`` and ``image_dataset_from_directory`` read; return the number
    of images per class, in ``classes`` order (10_migrating_legacy_keras_code).

    The tree is this function's own: it is rebuilt (``folder`` emptied first) unless a
    ``done.json`` written last says it was made from this very CSV.
    """
    import shutil

    from PIL import Image

    from .csv_images import read_image_csv

    folder = Path(folder)
    stamp = {"csv": str(Path(csv_path).resolve()), "md5": md5sum(csv_path),
             "classes": list(classes)}
    try:
        done = json.loads((folder / "done.json").read_text())
        if {k: done.get(k) for k in stamp} == stamp:
            return done["counts"]
    except (OSError, ValueError):
        pass
    if folder.exists():
        shutil.rmtree(folder)
    images, labels = read_image_csv(csv_path, list(classes))
    for name in classes:
        (folder / name).mkdir(parents=True)
    for row, (image, label) in enumerate(zip(images, labels, strict=True)):
        Image.fromarray(image).save(folder / classes[label] / f"{row:04d}.png")
    counts = {name: int(n) for name, n in zip(classes, np.bincount(labels, minlength=len(classes)),
                                              strict=True)}
    atomic_write_bytes(folder / "done.json", json.dumps({**stamp, "counts": counts}).encode())
    return counts
