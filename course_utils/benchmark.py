"""How fast can images be read from the course's CSV? A side-by-side benchmark
(introduced in 08_input_pipeline_performance).

    python -m course_utils.benchmark            # the whole Flowers-17 training CSV
    python -m course_utils.benchmark --quick    # a reduced run (256 images)

After the reading speeds it measures how long a training step waits for its batch with
each reader, and the peak memory of streaming vs loading a file whole as it grows tenfold.
(What prefetching and parallel reads change is shown in notebook 08 on a reader of known
delay, where it does not depend on the machine.)

Every measurement reads the same images of the same file in the same run, batch by
batch in turn (A, B, A, B, ...) so that a busy machine slows them alike; the median
batch time counts. The table gives images per second and the speed-up over the first
measurement (the tutorial's baseline). Under each table the command line prints what each
column means and the conclusion this machine's figures support (computed from them).
``MEASUREMENTS`` is a list of named measurements: a notebook can append its own (a
``tf.data`` text pipeline, a binary cache, ...).
"""

import argparse
import atexit
import itertools
import os
import platform
import shutil
import sys
import tempfile
import textwrap
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
    sensitive to other processes; ``batch_cpu_s`` is that median CPU time); ``speedup`` and
    ``cpu_speedup`` are relative to the first measurement (08_input_pipeline_performance)."""
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
                     "images_per_s": per_batch / _median(t), "batch_cpu_s": _median(c),
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


READING_KEY = (
    ("measurement", "the reader: how it turns CSV rows into image batches"),
    ("images", "how many images it read in the timed batches"),
    ("total s", "the wall-clock seconds those batches took"),
    ("images/s", "images per second from the median batch time (the speed to compare)"),
    ("speed-up", "images/s divided by the first reader's (the tutorial's baseline)"),
    ("CPU speed-up", "the same from this process's CPU time: less swayed by a busy machine"),
)
WAITS_KEY = (
    ("feed", "what fed the training steps"),
    ("step ms", "the median training step, fed by it (waiting for the batch + computing)"),
    ("compute ms", "the same step fed from memory: the computation alone"),
    ("wait ms", "step ms - compute ms: all the feed adds to a step"),
    ("waiting", "wait ms as a share of the step: near 0% the model never waits for data"),
)


def memory_key(result):
    """The columns of ``format_memory(result)``, explained (08_input_pipeline_performance)."""
    small, large = result["rows"]
    return (
        ("peak Python memory", "how the rows were read: streamed in batches, or loaded whole"),
        (f"{small} rows", f"the most memory Python held while reading the first {small} rows"),
        (f"{large} rows", f"the same on a file of {large} rows (those rows, repeated)"),
        ("growth", f"the {large}-row peak divided by the {small}-row one"),
    )


def format_key(key):
    """A table's columns explained, one line each (08_input_pipeline_performance)."""
    width = max(len(name) for name, _ in key)
    return "\n".join(f"  {name:<{width}}  {meaning}" for name, meaning in key)


def _short(name):
    return name.split(" (")[0]


def reading_conclusion(rows):
    """What ``measure()``'s rows say, from their figures (08_input_pipeline_performance)."""
    base, best = rows[0], max(rows, key=lambda r: r["images_per_s"])
    slowest = min(rows, key=lambda r: r["images_per_s"])
    text = (f"Conclusion: here the fastest reader is {_short(best['name'])}, "
            f"{best['speedup']:.1f} times the speed of {_short(base['name'])}; "
            f"the slowest is {_short(slowest['name'])}.")
    if best is base:
        text = (f"Conclusion: here no reader beat {_short(base['name'])}; "
                f"the slowest is {_short(slowest['name'])}.")
    # readers whose median batch took 10 ms of CPU or more (shorter ones are too close
    # to the clock's resolution to compare)
    timed = [r for r in rows if r.get("batch_cpu_s", 1.0) >= 0.01]
    spread = [r["speedup"] / r["cpu_speedup"] for r in timed if r["cpu_speedup"] > 0]
    if spread and (max(spread) > 1.5 or min(spread) < 1 / 1.5):
        text += (" The wall-clock and CPU speed-ups differ by more than 1.5 times: the "
                 "machine was busy, so trust the CPU column more, or run again.")
    return text


def _busy_note(waits):
    """A warning when the compute column, the same computation in every row, varies by
    more than twice: other work on the machine disturbed the measurement."""
    computes = [w.compute_ms for w in waits.values() if w.compute_ms > 0]
    if computes and max(computes) > 2 * min(computes):
        return (f" But the compute column, the same step in every row, ranges from "
                f"{min(computes):.1f} to {max(computes):.1f} ms: the machine was busy, so "
                "run again before trusting these figures.")
    return ""


def waits_conclusion(waits, bound=0.5, busy=0.1):
    """What a ``{name: StepWait}`` table says, from its figures: which feeds leave the
    step waiting for at least ``bound`` of its time (input-bound), which under ``busy``
    (08_input_pipeline_performance)."""
    waiting = [n for n, w in waits.items() if w.wait_fraction >= bound]
    fine = [n for n, w in waits.items() if w.wait_fraction < busy]
    parts = []
    if waiting:
        parts.append(f"fed by {', '.join(waiting)}, training is input-bound (a step waits "
                     f"{bound:.0%} of its time or more: a faster feed would speed it up)")
    if fine:
        parts.append(f"{', '.join(fine)} kept the model busy (waits under {busy:.0%})")
    if not parts:
        return (f"Conclusion: every feed made the step wait between {busy:.0%} and "
                f"{bound:.0%} of its time: input costs something, but is not the main "
                f"cost.{_busy_note(waits)}")
    return "Conclusion: " + "; ".join(parts) + "." + _busy_note(waits)


def memory_conclusion(result):
    """What ``measure_memory()``'s table says, from its figures
    (08_input_pipeline_performance)."""
    small, large = result["rows"]
    growth = {how: b / a for how, (a, b) in ((h, result[h]) for h in ("streaming",
                                                                       "whole file"))}
    if growth["streaming"] < 1.5 <= growth["whole file"]:
        return (f"Conclusion: streaming's peak stayed flat ({growth['streaming']:.1f}x) while "
                f"loading whole grew {growth['whole file']:.1f}x from {small} to {large} "
                "rows: stream a file that may outgrow the memory.")
    return (f"Conclusion: from {small} to {large} rows streaming's peak grew "
            f"{growth['streaming']:.1f}x and loading whole {growth['whole file']:.1f}x.")


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
    print(format_key(READING_KEY))
    print(textwrap.fill(reading_conclusion(rows), 100))
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
    waits = measure_step_waits(csv_path, classes, steps)
    print(format_waits(waits))
    print(format_key(WAITS_KEY))
    print(textwrap.fill(waits_conclusion(waits), 100))
    rows_in_memory_test = 128 if args.quick else _count_rows(csv_path)
    print()
    print(f"Streaming vs loading whole, on the first {rows_in_memory_test} rows and on a "
          "file ten times as long (tracemalloc)")
    memory = measure_memory(csv_path, classes, rows_in_memory_test)
    print(format_memory(memory))
    print(format_key(memory_key(memory)))
    print(textwrap.fill(memory_conclusion(memory), 100))
    return rows


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
