"""How fast can images be read from the course's CSV? A side-by-side benchmark
(introduced in 08_input_pipeline_performance).

    python -m course_utils.benchmark            # the whole Flowers-17 training CSV
    python -m course_utils.benchmark --quick    # a reduced run (256 images)

Every measurement reads the same images of the same file in the same run, batch by
batch in turn (A, B, A, B, ...) so that a busy machine slows them alike; the median
batch time counts. The table gives images per second and the speed-up over the first
measurement (the tutorial's baseline). ``MEASUREMENTS`` is a list of named measurements:
a notebook can append its own (a ``tf.data`` text pipeline, a binary cache, ...).
"""

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """A named way to read batches from an image CSV: ``make(csv_path, batch_size,
    classes)`` returns an endless iterator of ``(images, labels)`` batches."""

    name: str
    make: object


def _naive(csv_path, batch_size, classes):
    from .csv_images import naive_csv_generator

    return naive_csv_generator(csv_path, batch_size, "train", classes)


def _vectorised(csv_path, batch_size, classes):
    from .csv_images import csv_image_generator

    return csv_image_generator(csv_path, batch_size, "train", classes)


MEASUREMENTS = [
    Measurement("naive_csv_generator (the tutorial: int() per value)", _naive),
    Measurement("csv_image_generator (one C parse per block, checked)", _vectorised),
]


def machine_info():
    """The machine's details, as ``(label, value)`` pairs (08_input_pipeline_performance)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        import psutil

        cores = f"{psutil.cpu_count(logical=False)} physical, {psutil.cpu_count()} logical"
    except ImportError:  # pragma: no cover
        cores = f"{os.cpu_count()} logical"
    if hasattr(os, "sched_getaffinity"):
        cores += f", {len(os.sched_getaffinity(0))} usable"

    def version(*names):
        for name in names:
            try:
                return metadata.version(name)
            except metadata.PackageNotFoundError:
                continue
        return "not installed"

    return [("CPU", cpu), ("cores", cores),
            ("system", f"{platform.system()} {platform.release()}"),
            ("Python", platform.python_version()), ("NumPy", version("numpy")),
            ("TensorFlow", version("tensorflow-cpu", "tensorflow")),
            ("Keras", version("keras"))]


def measure(csv_path, measurements=None, n_images=1020, batch_size=32, classes=None):
    """Read ``n_images`` images (in batches) with every measurement, batch by batch in
    turn (A, B, A, B, ...) after one warm-up batch each, timing every batch. Returns
    rows ``{"name", "images", "seconds", "images_per_s", "speedup"}``: ``seconds`` is
    the total, ``images_per_s`` uses the median wall-clock batch time (robust on a
    shared machine), ``images_per_cpu_s`` the median CPU time of this process (less
    sensitive to other processes); ``speedup`` and ``cpu_speedup`` are relative to the
    first measurement (08_input_pipeline_performance)."""
    from .csv_images import csv_classes

    measurements = MEASUREMENTS if measurements is None else measurements
    classes = csv_classes(csv_path) if classes is None else classes
    iterators = [m.make(csv_path, batch_size, classes) for m in measurements]
    times = [[] for _ in measurements]
    cpu_times = [[] for _ in measurements]
    seen = [0 for _ in measurements]
    try:
        for it in iterators:
            next(it)  # warm-up: opening files, building pipelines
        for _ in range(max(1, n_images // batch_size)):
            for i, it in enumerate(iterators):
                start, cpu = time.perf_counter(), time.process_time()
                batch = next(it)
                times[i].append(time.perf_counter() - start)
                cpu_times[i].append(time.process_time() - cpu)
                seen[i] += len(batch[1])
    finally:
        for it in iterators:
            getattr(it, "close", lambda: None)()
    rows = []
    for m, t, c, n in zip(measurements, times, cpu_times, seen, strict=True):
        per_batch = n / len(t)
        rows.append({"name": m.name, "images": n, "seconds": sum(t),
                     "images_per_s": per_batch / _median(t),
                     "images_per_cpu_s": per_batch / max(_median(c), 1e-9)})
    for row in rows:
        row["speedup"] = row["images_per_s"] / rows[0]["images_per_s"]
        row["cpu_speedup"] = row["images_per_cpu_s"] / rows[0]["images_per_cpu_s"]
    return rows


def _median(values):
    values = sorted(values)
    return values[len(values) // 2]


def format_table(rows):
    """The rows of ``measure()`` as a text table (08_input_pipeline_performance)."""
    width = max(len(r["name"]) for r in rows)
    lines = [f"{'measurement':<{width}}  {'images':>6}  {'total s':>7}  {'images/s':>9}  "
             f"{'speed-up':>8}  {'CPU speed-up':>12}"]
    for r in rows:
        lines.append(f"{r['name']:<{width}}  {r['images']:>6}  {r['seconds']:>7.2f}  "
                     f"{r['images_per_s']:>9.0f}  {r['speedup']:>7.1f}x  "
                     f"{r['cpu_speedup']:>11.1f}x")
    return "\n".join(lines)


def main(argv=None):
    """Command line: ``python -m course_utils.benchmark [--quick] [--csv PATH]``."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.benchmark",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run (256 images)")
    parser.add_argument("--csv", type=Path, help="an image CSV (default: Flowers-17's "
                        "training CSV, prepared if needed)")
    args = parser.parse_args(argv)
    if args.csv is None:
        from .flowers17 import prepare_flowers17

        dataset = prepare_flowers17()
        csv_path, classes, source = dataset.train_csv, dataset.classes, dataset.source
    else:
        csv_path, classes, source = args.csv, None, "given"
    n_images = 256 if args.quick else 1020
    print("Reading images from an image CSV, side by side, in one run")
    for label, value in machine_info():
        print(f"  {label:<10} {value}")
    print(f"  {'file':<10} {csv_path} ({source}, {os.path.getsize(csv_path) / 2**20:.1f} MiB)")
    print(f"  {'run':<10} {n_images} images in batches of 32, interleaved; "
          "images/s from the median batch time")
    print()
    rows = measure(csv_path, n_images=n_images, classes=classes)
    print(format_table(rows))
    return rows


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
