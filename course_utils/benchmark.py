"""How fast can images be read from the course's CSV? A side-by-side benchmark
(introduced in 08_input_pipeline_performance).

    python -m course_utils.benchmark            # the whole Flowers-17 training CSV
    python -m course_utils.benchmark --quick    # a reduced run (256 images)

After the reading speeds it measures how long a training step waits for its batch with
each reader, what prefetching, ``tf.data`` parallel calls and ``PyDataset`` workers
change, and the peak memory of streaming vs loading a file whole as it grows tenfold.

Every measurement reads the same images of the same file in the same run, batch by
batch in turn (A, B, A, B, ...) so that a busy machine slows them alike; the median
batch time counts. The table gives images per second and the speed-up over the first
measurement (the tutorial's baseline). ``MEASUREMENTS`` is a list of named measurements:
a notebook can append its own (a ``tf.data`` text pipeline, a binary cache, ...).
"""

import argparse
import atexit
import itertools
import os
import platform
import shutil
import sys
import tempfile
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


def _text_dataset(csv_path, batch_size, classes):
    from .pipeline import csv_text_dataset

    # sequential and without prefetch: batches are made when asked for, like the others
    # (a prefetching pipeline would work ahead while the other measurements run)
    ds = csv_text_dataset(csv_path, batch_size, classes, parallel=False, prefetch=False,
                          repeat=True)
    return ((x.numpy(), y.numpy()) for x, y in ds)


def _npy_cache(csv_path, batch_size, classes):
    import numpy as np

    images, labels = _cached(csv_path, classes)

    def batches():  # full batches, wrapping around at the end like the others
        for start in itertools.count(0, batch_size):
            first, last = start % len(labels), (start + batch_size - 1) % len(labels)
            rows = (slice(first, last + 1) if first <= last
                    else np.arange(start, start + batch_size) % len(labels))
            yield (np.multiply(images[rows], np.float32(1 / 255), dtype=np.float32),
                   np.asarray(labels[rows], dtype=np.int32))

    return batches()


_CACHES = {}  # (csv file, classes) -> ((images, labels), seconds it took to build)


def _cached(csv_path, classes):
    """The .npy cache of ``csv_path``, built on first use in a temporary folder that is
    deleted when the process ends; how long building it took is in ``cache_seconds``."""
    stat = os.stat(csv_path)
    key = (str(Path(csv_path).resolve()), stat.st_size, stat.st_mtime_ns, tuple(classes))
    if key not in _CACHES:
        from .pipeline import build_npy_cache, load_npy_cache

        folder = Path(tempfile.mkdtemp(prefix="course-benchmark-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        start = time.perf_counter()
        build_npy_cache(csv_path, folder / "cache", classes)
        _CACHES[key] = (load_npy_cache(folder / "cache"), time.perf_counter() - start)
    return _CACHES[key][0]


def cache_seconds(csv_path, classes):
    """Seconds it took to build the .npy cache of ``csv_path`` in this run (parsing the
    whole CSV once), or None if it was not built (08_input_pipeline_performance)."""
    stat = os.stat(csv_path)
    key = (str(Path(csv_path).resolve()), stat.st_size, stat.st_mtime_ns, tuple(classes))
    return _CACHES[key][1] if key in _CACHES else None


MEASUREMENTS = [
    Measurement("naive_csv_generator (the tutorial: int() per value)", _naive),
    Measurement("csv_image_generator (vectorised byte parse, checked)", _vectorised),
    Measurement("csv_text_dataset (tf.data string ops, sequential)", _text_dataset),
    Measurement("binary .npy cache (memory map, parsed once before)", _npy_cache),
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


def _memory_batch(csv_path, classes, batch_size):
    from .pipeline import NpyBatches

    images, labels = _cached(csv_path, classes)
    return NpyBatches(images, labels, batch_size)[0]


def measure_step_waits(csv_path, classes, steps, batch_size=32):
    """How long each training step of ``pipeline.probe_model`` waits for its batch when
    each reader feeds it: ``{name: StepWait}`` (08_input_pipeline_performance)."""
    import numpy as np

    from .csv_images import csv_image_generator, naive_csv_generator
    from .pipeline import NpyBatches, csv_text_dataset, measure_step_wait, probe_model

    def naive():
        for x, y in naive_csv_generator(csv_path, batch_size, classes=classes):
            yield x / np.float32(255), y

    images, labels = _cached(csv_path, classes)
    feeds = {
        "naive_csv_generator": naive,
        "csv_image_generator": lambda: csv_image_generator(csv_path, batch_size,
                                                           classes=classes),
        "csv_text_dataset": lambda: csv_text_dataset(csv_path, batch_size, classes,
                                                     repeat=True),
        "NpyBatches (.npy memory map)": lambda: NpyBatches(images, labels, batch_size),
    }
    steps = _fitting_steps(labels, steps, batch_size)
    memory, model = _memory_batch(csv_path, classes, batch_size), probe_model(len(classes))
    return {name: measure_step_wait(model, feed(), steps, memory)
            for name, feed in feeds.items()}


def _fitting_steps(labels, steps, batch_size):
    """At most one step less than the file has batches: a PyDataset must not run dry."""
    return max(1, min(steps, -(-len(labels) // batch_size) - 1))


def measure_knobs(csv_path, classes, steps, batch_size=32, workers=2):
    """The step wait of ``pipeline.probe_model`` with and without prefetching, ``tf.data``
    parallel calls and ``PyDataset`` workers: ``{name: StepWait}``
    (08_input_pipeline_performance)."""
    from .pipeline import CsvBatches, csv_text_dataset, measure_step_wait, probe_model

    def text(parallel, prefetch):
        return lambda: csv_text_dataset(csv_path, batch_size, classes, parallel=parallel,
                                        prefetch=prefetch, repeat=True)

    def rows(**kwargs):
        # a short queue, so that a short measurement sees the steady state rather than
        # batches the workers queued up before the first step
        return lambda: CsvBatches(csv_path, batch_size, classes, max_queue_size=2, **kwargs)

    knobs = {
        "tf.data: no prefetch, sequential": text(False, False),
        "tf.data: prefetch, sequential": text(False, True),
        "tf.data: prefetch, parallel map": text(True, True),
        "PyDataset: 1 worker": rows(),
        f"PyDataset: {workers} worker threads": rows(workers=workers),
        f"PyDataset: {workers} worker processes": rows(workers=workers,
                                                       use_multiprocessing=True),
    }
    steps = _fitting_steps(_cached(csv_path, classes)[1], steps, batch_size)
    memory, model = _memory_batch(csv_path, classes, batch_size), probe_model(len(classes))
    return {name: measure_step_wait(model, feed(), steps, memory)
            for name, feed in knobs.items()}


def measure_memory(csv_path, classes, rows, times=10, batch_size=32):
    """Peak Python memory (bytes, ``tracemalloc``) of streaming the first ``rows`` rows of
    ``csv_path`` with ``csv_image_generator`` and of ``read_image_csv`` of them, and of
    the same on a file ``times`` times as long: ``{"streaming": (small, large),
    "whole file": (small, large), "rows": (rows, times * rows)}`` (temporary files are
    deleted) (08_input_pipeline_performance)."""
    from .csv_images import csv_image_generator, read_image_csv
    from .pipeline import peak_python_memory, repeat_file

    def stream(path):
        for _ in csv_image_generator(path, batch_size, mode="eval", classes=classes):
            pass

    with tempfile.TemporaryDirectory(prefix="course-benchmark-") as folder:
        small, large = Path(folder) / "x1.csv", Path(folder) / f"x{times}.csv"
        with open(csv_path, "rb") as src, open(small, "wb") as dst:
            dst.writelines(itertools.islice(src, rows))
        repeat_file(small, large, times)
        result = {"rows": (rows, times * rows)}
        for how, function in (("streaming", stream),
                              ("whole file", lambda p: read_image_csv(p, classes))):
            result[how] = tuple(peak_python_memory(function, path)[1] for path in (small, large))
    return result


def format_memory(result):
    """``measure_memory``'s result as a text table (08_input_pipeline_performance)."""
    small, large = result["rows"]
    lines = [f"{'peak Python memory':<20}  {f'{small} rows':>11}  {f'{large} rows':>11}  "
             f"{'growth':>7}"]
    for how in ("streaming", "whole file"):
        a, b = result[how]
        lines.append(f"{how:<20}  {a / 1e6:>8.1f} MB  {b / 1e6:>8.1f} MB  {b / a:>6.1f}x")
    return "\n".join(lines)


def main(argv=None):
    """Command line: ``python -m course_utils.benchmark [--quick] [--csv PATH]``."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.benchmark",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run (256 images)")
    parser.add_argument("--csv", type=Path, help="an image CSV (default: Flowers-17's "
                        "training CSV, prepared if needed)")
    parser.add_argument("--reading-only", action="store_true",
                        help="only the table of reading speeds (no training, no memory test)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads: no C++ logs
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # as in the notebooks (and no banner)
    from .environment import reuse_memory

    reuse_memory()  # as in the notebooks
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
    if args.reading_only:
        return rows
    from .csv_images import csv_classes
    from .pipeline import _count_rows, format_waits

    classes = csv_classes(csv_path) if classes is None else classes
    built = cache_seconds(csv_path, classes)
    if built is not None:
        print(f"(building the .npy cache, a one-off parse of the whole file: {built:.1f} s)")
    steps = 6 if args.quick else 30
    print()
    print(f"How long a training step waits for its batch (pipeline.probe_model, batches of "
          f"32, median of {steps} steps; compute = the same step fed from memory)")
    print(format_waits(measure_step_waits(csv_path, classes, steps)))
    print()
    print("What prefetching, tf.data parallel calls and PyDataset workers change")
    print(format_waits(measure_knobs(csv_path, classes, steps)))
    rows_in_memory_test = 128 if args.quick else _count_rows(csv_path)
    print()
    print(f"Streaming vs loading whole, on the first {rows_in_memory_test} rows and on a "
          "file ten times as long (tracemalloc)")
    print(format_memory(measure_memory(csv_path, classes, rows_in_memory_test)))
    return rows


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
