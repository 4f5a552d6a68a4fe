"""Measuring and speeding up an input pipeline (introduced in 08_input_pipeline_performance).

- ``StepTimer``: a callback that times every training step of ``fit`` and the gap
  between steps; ``measure_step_wait`` turns it into "how long does a step wait for
  its batch?" by comparing with the same step fed from memory.
- ``csv_text_dataset``: the image CSV read by ``tf.data`` (``TextLineDataset`` + string ops).
- ``build_npy_cache`` / ``load_npy_cache`` / ``NpyBatches``: parse the CSV once into a
  binary ``.npy`` cache, then read batches from a memory map.
- ``peak_python_memory``, ``repeat_file``: the memory test's tools.
"""

import statistics
import time
import tracemalloc
from pathlib import Path
from typing import NamedTuple

import keras
import numpy as np

from .csv_images import IMAGE_SHAPE, csv_classes, csv_image_generator

# --------------------------------------------------------------------------------------
# How long does a training step wait for its batch?
# --------------------------------------------------------------------------------------


class StepTimer(keras.callbacks.Callback):
    """Time every training step of ``fit``, and the gap between steps
    (08_input_pipeline_performance).

    ``step_times``: seconds from ``on_train_batch_begin`` to ``on_train_batch_end``;
    ``gap_times``: seconds from one step's end to the next step's begin (same epoch).
    The first ``skip`` steps of each ``fit`` call are not timed (the first step also
    traces the train function). ``median_step_ms`` / ``median_gap_ms`` summarise.

    What it captures: on the TensorFlow backend, ``fit`` hands the compiled train
    function an *iterator*, and the function takes the next batch from it
    (``iterator.get_next()``) *inside* the step; the JAX backend's train function, too,
    calls ``next(iterator)`` between the two callbacks. So a step's time is the wait for
    its batch plus the computation, and the gap between steps holds only Keras's own
    bookkeeping, however slow the data is. (The PyTorch backend takes the batch before
    ``on_train_batch_begin``, in the gap.) To separate the wait from the computation,
    time the same model fed from memory: ``measure_step_wait`` does that.

    What it does not capture: data work done *ahead* of the step. Prefetching
    (``tf.data``'s ``prefetch``, the prefetch the TensorFlow backend adds after a generator
    or a ``PyDataset``, a ``PyDataset``'s workers) prepares batches while earlier steps
    compute; a step waits only for what is not ready yet. A small wait therefore means
    "the pipeline keeps up", not "the pipeline is cheap": it may still use a core.
    """

    def __init__(self, skip=1):
        super().__init__()
        self.skip = int(skip)
        self.step_times, self.gap_times = [], []
        self._begin = self._end = None
        self._seen = 0

    def on_train_begin(self, logs=None):
        self.step_times, self.gap_times = [], []
        self._seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._end = None  # no gap across the end of an epoch (validation, callbacks)

    def on_train_batch_begin(self, batch, logs=None):
        now = time.perf_counter()
        if self._end is not None:
            self.gap_times.append(now - self._end)
        self._begin = now

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        self._seen += 1
        if self._seen > self.skip:
            self.step_times.append(now - self._begin)
        self._end = now

    @property
    def median_step_ms(self):
        """Median recorded step time in milliseconds (NaN before any step)."""
        return 1000 * statistics.median(self.step_times) if self.step_times else float("nan")

    @property
    def median_gap_ms(self):
        """Median recorded gap between steps in milliseconds (NaN if none)."""
        return 1000 * statistics.median(self.gap_times) if self.gap_times else float("nan")


class StepWait(NamedTuple):
    """Median step time fed by a pipeline and fed from memory, and their difference."""

    step_ms: float  # a step fed by the pipeline: wait + compute
    compute_ms: float  # the same step fed from memory: compute only
    wait_ms: float  # step_ms - compute_ms, at least 0: all the pipeline adds to a step

    @property
    def wait_fraction(self):
        """Share of a step spent waiting for its batch (0 = never waits)."""
        return self.wait_ms / self.step_ms if self.step_ms > 0 else 0.0


def probe_model(n_classes=17, width=16, name="probe"):
    """A small compiled convolutional classifier of 64 x 64 x 3 images, to measure input
    pipelines with (08_input_pipeline_performance). ``width`` scales its computation:
    the filters of its two convolutions are ``width`` and ``2 * width``."""
    model = keras.Sequential([
        keras.Input((*IMAGE_SHAPE,)),
        keras.layers.Conv2D(width, 3, strides=2, activation="relu", name="conv1"),
        keras.layers.Conv2D(2 * width, 3, strides=2, activation="relu", name="conv2"),
        keras.layers.GlobalAveragePooling2D(name="pool"),
        keras.layers.Dense(n_classes, name="logits"),
    ], name=name)
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def format_waits(waits):
    """A ``{name: StepWait}`` dict as a text table (08_input_pipeline_performance)."""
    width = max([len("feed")] + [len(name) for name in waits])
    lines = [f"{'feed':<{width}}  {'step ms':>8}  {'compute ms':>10}  {'wait ms':>8}  "
             f"{'waiting':>7}"]
    for name, w in waits.items():
        lines.append(f"{name:<{width}}  {w.step_ms:>8.1f}  {w.compute_ms:>10.1f}  "
                     f"{w.wait_ms:>8.1f}  {w.wait_fraction:>7.0%}")
    return "\n".join(lines)


def measure_step_wait(model, data, steps, memory_batch, **fit_kwargs):
    """How long each training step of ``model`` waits for its batch from ``data``
    (08_input_pipeline_performance).

    Trains ``model`` (compiled) for ``steps`` steps on ``memory_batch`` (an ``(x, y)``
    batch held in memory, repeated: no input cost), then ``steps`` steps on ``data``
    (anything ``fit`` takes that can give ``steps`` batches: an infinite generator, a
    repeated ``tf.data.Dataset``, a ``PyDataset``), timing both with ``StepTimer``.
    Returns ``StepWait(step_ms, compute_ms, wait_ms)`` (medians). ``wait_ms`` is all
    the pipeline adds to a step: the wait for the batch, and any slowdown of the
    computation while the pipeline's threads or processes compete for the same cores.
    It trains the model: use a model made for measuring. ``fit_kwargs`` go to both
    ``fit`` calls. On a busy machine, measure again: the two fits run one after the other.
    """
    import tensorflow as tf

    fit_kwargs = {"verbose": 0, "shuffle": False, **fit_kwargs}
    x, y = memory_batch
    # batched from slices, so its spec (batch size None) matches what fit makes of a
    # generator or a PyDataset: the train function traced here is reused, and the
    # pipeline gets no head start while the first step of `data` traces it again
    memory = tf.data.Dataset.from_tensor_slices((x, y)).batch(len(x)).repeat()
    reference, timer = StepTimer(), StepTimer()
    model.fit(memory, steps_per_epoch=steps + 1, callbacks=[reference], **fit_kwargs)
    model.fit(data, steps_per_epoch=steps + 1, callbacks=[timer], **fit_kwargs)
    step, compute = timer.median_step_ms, reference.median_step_ms
    return StepWait(step, compute, max(0.0, step - compute))


# --------------------------------------------------------------------------------------
# The CSV read by tf.data
# --------------------------------------------------------------------------------------


def csv_text_dataset(csv_path, batch_size, classes=None, *, parallel=True, prefetch=True,
                     repeat=False, image_shape=IMAGE_SHAPE):
    """A ``tf.data`` pipeline over an image CSV (08_input_pipeline_performance):
    ``TextLineDataset`` -> parse each line with string ops -> batch (-> prefetch).

    Yields what ``csv_image_generator`` yields: float32 images scaled to [0, 1] and
    int32 indices into ``classes`` (default: the file's sorted labels). A label not in
    ``classes`` stops the pipeline with an ``InvalidArgumentError``.
    ``parallel=True`` parses lines on several threads (``num_parallel_calls=AUTOTUNE``,
    order kept); ``prefetch=True`` prepares batches while the model trains.
    ``prefetch=False`` also turns off the optimisations by which ``tf.data`` works ahead
    unasked (map-and-batch fusion, an injected prefetch): with ``parallel=False`` too,
    a batch is parsed only when it is asked for. ``repeat=True`` loops forever (pass
    ``steps_per_epoch`` to ``fit``).
    """
    import tensorflow as tf

    classes = csv_classes(csv_path) if classes is None else list(classes)
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(classes),
                                            tf.range(len(classes), dtype=tf.int32)),
        default_value=-1)
    shape = tuple(image_shape)

    def parse(line):
        label, values = tf.unstack(tf.strings.split(line, ",", maxsplit=1), num=2)
        pixels = tf.strings.to_number(tf.strings.split(values, ","), out_type=tf.int32)
        index = table.lookup(label)
        tf.debugging.assert_non_negative(index, message="a label is not one of the classes")
        image = tf.cast(tf.reshape(pixels, shape), tf.float32) / 255.0
        return image, index

    lines = tf.data.TextLineDataset(str(csv_path))
    lines = lines.filter(lambda line: tf.strings.length(tf.strings.strip(line)) > 0)
    if repeat:
        lines = lines.repeat()
    ds = lines.map(parse, num_parallel_calls=tf.data.AUTOTUNE if parallel else None)
    ds = ds.batch(batch_size)
    if prefetch:
        return ds.prefetch(tf.data.AUTOTUNE)
    # tf.data works ahead on its own too: it fuses map + batch into one asynchronous
    # step and may add a prefetch at the end. Turn both off, so that without prefetch
    # a batch is made only when it is asked for.
    options = tf.data.Options()
    options.experimental_optimization.map_and_batch_fusion = False
    options.experimental_optimization.inject_prefetch = False
    return ds.with_options(options)


# --------------------------------------------------------------------------------------
# A binary cache: parse once, then read from a memory map
# --------------------------------------------------------------------------------------


def build_npy_cache(csv_path, cache_prefix, classes=None, *, batch_size=256):
    """Parse an image CSV once into two ``.npy`` files, ``<prefix>.images.npy`` (uint8
    ``(N, 64, 64, 3)``) and ``<prefix>.labels.npy`` (int32 indices into ``classes``)
    (08_input_pipeline_performance).

    Streams: rows go straight into a memory-mapped file, so memory stays a batch, not
    the file. Returns the two paths. Rebuild it whenever the CSV changes.
    """
    csv_path, prefix = Path(csv_path), Path(cache_prefix)
    classes = csv_classes(csv_path) if classes is None else list(classes)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    n = _count_rows(csv_path)
    images_path = prefix.with_name(prefix.name + ".images.npy")
    labels_path = prefix.with_name(prefix.name + ".labels.npy")
    images = np.lib.format.open_memmap(images_path, mode="w+", dtype=np.uint8,
                                       shape=(n, *IMAGE_SHAPE))
    labels = np.empty(n, dtype=np.int32)
    done = 0
    for x, y in csv_image_generator(csv_path, batch_size, mode="eval", classes=classes):
        # the generator yields value / 255 in float32; rint(x * 255) restores it exactly
        images[done:done + len(y)] = np.rint(x * np.float32(255))
        labels[done:done + len(y)] = y
        done += len(y)
    if done != n:
        raise ValueError(f"{csv_path}: counted {n} rows but parsed {done}")
    images.flush()
    del images
    np.save(labels_path, labels)
    return images_path, labels_path


def _count_rows(csv_path):
    with open(csv_path, "rb") as f:
        return sum(1 for line in f if line.strip())


def load_npy_cache(cache_prefix):
    """The cache ``build_npy_cache`` wrote, as ``(images, labels)``: images as a
    read-only memory map (nothing is read until used), labels in memory
    (08_input_pipeline_performance)."""
    prefix = Path(cache_prefix)
    images = np.load(prefix.with_name(prefix.name + ".images.npy"), mmap_mode="r")
    labels = np.load(prefix.with_name(prefix.name + ".labels.npy"))
    return images, labels


class NpyBatches(keras.utils.PyDataset):
    """Batches from the memory-mapped cache: float32 images in [0, 1] and int32 labels,
    like ``csv_image_generator`` (08_input_pipeline_performance).

    Random access (``fit`` may shuffle the order of batches); the last batch may be
    short. ``workers``, ``use_multiprocessing`` and ``max_queue_size`` go to
    ``PyDataset``.
    """

    def __init__(self, images, labels, batch_size, **kwargs):
        super().__init__(**kwargs)
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images, self.labels, self.batch_size = images, labels, int(batch_size)

    def __len__(self):
        return -(-len(self.labels) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of a PyDataset of {len(self)} batches")
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        x = np.multiply(self.images[rows], np.float32(1 / 255), dtype=np.float32)
        return x, np.asarray(self.labels[rows], dtype=np.int32)


# --------------------------------------------------------------------------------------
# Measuring tools
# --------------------------------------------------------------------------------------


def peak_python_memory(function, *args, **kwargs):
    """Run ``function`` and return ``(result, peak bytes)``: the most memory that Python
    objects and NumPy arrays held at once while it ran, from ``tracemalloc``
    (08_input_pipeline_performance). TensorFlow's own allocations are not counted."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        result = function(*args, **kwargs)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return result, peak


def repeat_file(source, target, times):
    """Write ``source``'s bytes ``times`` times into ``target`` (a file ``times`` times
    as long, e.g. a CSV with every row repeated), chunk by chunk; return ``target``
    (08_input_pipeline_performance)."""
    source, target = Path(source), Path(target)
    with open(source, "rb") as src:
        src.seek(max(0, source.stat().st_size - 1))
        needs_newline = src.read(1) not in (b"", b"\n")
    with open(target, "wb") as out:
        for _ in range(int(times)):
            with open(source, "rb") as src:
                while chunk := src.read(1 << 22):
                    out.write(chunk)
            if needs_newline:
                out.write(b"\n")
    return target
