"""course_utils.pipeline: the step timer, the tf.data text pipeline, the .npy cache and
the measuring tools. Nothing here asserts a measured speed: where time matters, the bound
is a sleep of known length, which holds however busy the machine is."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import time  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from course_utils.csv_images import (  # noqa: E402
    csv_image_generator,
    read_image_csv,
    write_image_csv,
)
from course_utils.pipeline import (  # noqa: E402
    NpyBatches,
    StepTimer,
    build_npy_cache,
    csv_text_dataset,
    load_npy_cache,
    measure_step_wait,
    peak_python_memory,
    repeat_file,
)

CLASSES = ["daisy", "lily valley", "tulip"]


def _csv(path, n, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 64, 64, 3), dtype=np.uint8)
    labels = [CLASSES[i % len(CLASSES)] for i in range(n)]
    write_image_csv(path, images, labels)
    return images, np.array([i % len(CLASSES) for i in range(n)], dtype=np.int32)


class _Batches(keras.utils.PyDataset):
    def __init__(self, delay, n=12, **kwargs):
        super().__init__(**kwargs)
        self.delay, self.n = delay, n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        if self.delay:
            time.sleep(self.delay)
        return np.full((4, 3), index, np.float32), np.zeros((4, 1), np.float32)


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)], name="tiny")
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_step_timer_bookkeeping():
    timer = StepTimer(skip=1)
    _model().fit(_Batches(0), epochs=2, verbose=0, shuffle=False, callbacks=[timer])
    assert len(timer.step_times) == 2 * 12 - 1  # the first step of the fit is skipped
    assert len(timer.gap_times) == 2 * (12 - 1)  # no gap across an epoch boundary
    assert all(t >= 0 for t in timer.step_times + timer.gap_times)
    timer.on_train_begin()  # a new fit starts afresh
    assert timer.step_times == [] and np.isnan(timer.median_step_ms)


def _slow_reader(delay, n=12):
    """A tf.data pipeline that sleeps ``delay`` s per batch, made only when asked for."""
    import tensorflow as tf

    def read(i):
        time.sleep(delay)
        return np.full((4, 3), i, np.float32), np.zeros((4, 1), np.float32)

    ds = tf.data.Dataset.range(n).map(
        lambda i: tf.numpy_function(read, [i], (tf.float32, tf.float32)))
    ds = ds.map(lambda x, y: (tf.ensure_shape(x, (4, 3)), tf.ensure_shape(y, (4, 1))))
    options = tf.data.Options()
    options.autotune.enabled = False
    options.experimental_optimization.inject_prefetch = False
    return ds.with_options(options)


def test_a_slow_batch_shows_inside_the_step_not_between_steps():
    # TensorFlow backend: the train function takes the next batch inside the step. The
    # bound is the reader's sleep itself, so it holds however busy the machine is.
    slow = StepTimer()
    _model().fit(_slow_reader(0.05), epochs=1, verbose=0, shuffle=False, callbacks=[slow])
    assert len(slow.step_times) == 11 and min(slow.step_times) >= 0.05
    assert slow.median_gap_ms < 25  # bookkeeping only: the wait is not between steps


def test_measure_step_wait_separates_waiting_from_computing():
    batch = (np.zeros((4, 3), np.float32), np.zeros((4, 1), np.float32))
    slow = measure_step_wait(_model(), _slow_reader(0.05).repeat(), 8, batch)
    fast = measure_step_wait(_model(), _Batches(0, n=10), 8, batch)
    assert slow.step_ms >= 50  # every step fed by the reader sleeps 50 ms
    assert slow.wait_ms == pytest.approx(max(0.0, slow.step_ms - slow.compute_ms))
    assert fast.wait_ms == pytest.approx(max(0.0, fast.step_ms - fast.compute_ms))
    assert 0 <= slow.wait_fraction <= 1 and fast.wait_ms >= 0


def test_csv_text_dataset_yields_what_the_generator_yields(tmp_path):
    path = tmp_path / "images.csv"
    _csv(path, 10)
    batches = list(csv_text_dataset(path, 4, CLASSES, parallel=True))
    expected = list(csv_image_generator(path, 4, mode="eval", classes=CLASSES))
    assert [len(y) for _, y in batches] == [4, 4, 2]
    for (x, y), (ex, ey) in zip(batches, expected, strict=True):
        assert x.dtype == "float32" and y.dtype == "int32"
        np.testing.assert_allclose(x.numpy(), ex, atol=1e-7)
        np.testing.assert_array_equal(y.numpy(), ey)
    sequential = list(csv_text_dataset(path, 4, CLASSES, parallel=False, prefetch=False))
    np.testing.assert_array_equal(sequential[0][0].numpy(), batches[0][0].numpy())
    repeated = csv_text_dataset(path, 4, CLASSES, repeat=True)
    assert len(list(repeated.take(7))) == 7  # loops past the end of the file


def test_csv_text_dataset_rejects_an_unknown_label(tmp_path):
    import tensorflow as tf

    path = tmp_path / "images.csv"
    _csv(path, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not one of the classes"):
        list(csv_text_dataset(path, 2, ["daisy", "tulip"]))


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 40), batch_size=st.integers(1, 16))
def test_npy_cache_round_trips_the_csv(tmp_path, n, batch_size):
    path = tmp_path / f"images{n}.csv"
    images, labels = _csv(path, n, seed=n)
    build_npy_cache(path, tmp_path / "cache" / f"c{n}", CLASSES, batch_size=batch_size)
    cached_images, cached_labels = load_npy_cache(tmp_path / "cache" / f"c{n}")
    assert isinstance(cached_images, np.memmap) and cached_images.dtype == np.uint8
    np.testing.assert_array_equal(cached_images, images)
    np.testing.assert_array_equal(cached_labels, labels)
    batches = NpyBatches(cached_images, cached_labels, batch_size)
    assert len(batches) == -(-n // batch_size)
    x, y = batches[len(batches) - 1]
    assert x.dtype == np.float32 and y.dtype == np.int32
    assert len(y) == n - (len(batches) - 1) * batch_size
    np.testing.assert_allclose(x * 255, images[-len(y):], atol=1e-3)
    with pytest.raises(IndexError):
        batches[len(batches)]


def test_npy_cache_matches_read_image_csv(tmp_path):
    path = tmp_path / "images.csv"
    _csv(path, 7)
    build_npy_cache(path, tmp_path / "c")
    cached = load_npy_cache(tmp_path / "c")
    whole = read_image_csv(path)
    np.testing.assert_array_equal(cached[0], whole[0])
    np.testing.assert_array_equal(cached[1], whole[1])


def test_streaming_memory_stays_flat_while_reading_whole_grows(tmp_path):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _csv(small, 64)  # two blocks of the 32 rows the generator parses at once
    repeat_file(small, large, 10)

    def stream(path):
        for _ in csv_image_generator(path, 32, mode="eval", classes=CLASSES):
            pass

    _, stream_small = peak_python_memory(stream, small)
    _, stream_large = peak_python_memory(stream, large)
    _, whole_small = peak_python_memory(read_image_csv, small, CLASSES)
    _, whole_large = peak_python_memory(read_image_csv, large, CLASSES)
    assert whole_large > 640 * 64 * 64 * 3  # it holds every image at once
    assert whole_large > 1.5 * whole_small
    assert stream_large < 1.05 * stream_small  # a batch at a time, whatever the file's length


def test_peak_python_memory_sees_a_numpy_array():
    result, peak = peak_python_memory(lambda: np.ones(2_000_000, np.uint8).sum())
    assert result == 2_000_000 and peak >= 2_000_000


def test_repeat_file_repeats_rows(tmp_path):
    src, dst = tmp_path / "a.csv", tmp_path / "b.csv"
    src.write_bytes(b"x,1\ny,2")  # no final newline: rows must not merge
    repeat_file(src, dst, 3)
    assert dst.read_bytes().splitlines() == [b"x,1", b"y,2"] * 3


def test_probe_model_and_format_waits():
    from course_utils.pipeline import StepWait, format_waits, probe_model

    model = probe_model(n_classes=5, width=4)
    assert model.name == "probe" and model.output_shape == (None, 5)
    assert [layer.filters for layer in model.layers[:2]] == [4, 8]
    table = format_waits({"fast": StepWait(10.0, 9.0, 1.0), "slow": StepWait(100.0, 10.0, 90.0)})
    lines = table.splitlines()
    assert lines[0].split() == ["feed", "step", "ms", "compute", "ms", "wait", "ms", "waiting"]
    assert lines[1].split() == ["fast", "10.0", "9.0", "1.0", "10%"]
    assert lines[2].split() == ["slow", "100.0", "10.0", "90.0", "90%"]


def test_csv_text_dataset_without_prefetch_does_not_work_ahead(tmp_path):
    path = tmp_path / "images.csv"
    _csv(path, 4)
    lazy = csv_text_dataset(path, 2, CLASSES, parallel=False, prefetch=False).options()
    assert lazy.experimental_optimization.map_and_batch_fusion is False
    assert lazy.experimental_optimization.inject_prefetch is False
    eager = csv_text_dataset(path, 2, CLASSES).options()
    assert eager.experimental_optimization.map_and_batch_fusion is not False
