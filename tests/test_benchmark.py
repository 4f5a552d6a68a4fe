"""The benchmark's structure (never its timings: benchmarks measure, tests assert)."""

import numpy as np

from course_utils import benchmark
from course_utils.csv_images import write_image_csv


def test_measure_reads_the_same_images_with_every_measurement(tmp_path):
    rng = np.random.default_rng(0)
    path = write_image_csv(tmp_path / "b.csv", rng.integers(0, 256, (40, 64, 64, 3)),
                           ["a", "b"] * 20)
    rows = benchmark.measure(path, n_images=64, batch_size=16)
    assert [r["name"] for r in rows] == [m.name for m in benchmark.MEASUREMENTS]
    assert all(r["images"] == 64 and r["images_per_s"] > 0 for r in rows)
    assert rows[0]["speedup"] == 1.0
    table = benchmark.format_table(rows)
    assert "speed-up" in table and rows[1]["name"] in table


def test_measurements_can_be_added(tmp_path):
    rng = np.random.default_rng(0)
    path = write_image_csv(tmp_path / "b.csv", rng.integers(0, 256, (8, 64, 64, 3)), ["a"] * 8)

    def in_memory(csv_path, batch_size, classes):
        x = np.zeros((batch_size, 64, 64, 3), np.float32)
        while True:
            yield x, np.zeros(batch_size, np.int32)

    extra = benchmark.Measurement("in memory", in_memory)
    rows = benchmark.measure(path, [*benchmark.MEASUREMENTS, extra], n_images=8, batch_size=4)
    assert rows[-1]["name"] == "in memory" and rows[-1]["images"] == 8


def test_machine_info_names_what_matters():
    labels = [label for label, _ in benchmark.machine_info()]
    assert {"CPU", "cores", "Python", "TensorFlow", "Keras"} <= set(labels)


# --- the training and memory measurements (08_input_pipeline_performance) -------------


def test_step_waits_cover_every_reader(tmp_path):
    from course_utils.pipeline import StepWait

    rng = np.random.default_rng(0)
    path = write_image_csv(tmp_path / "b.csv", rng.integers(0, 256, (48, 64, 64, 3)),
                           ["a", "b", "c"] * 16)
    waits = benchmark.measure_step_waits(path, ["a", "b", "c"], steps=5, batch_size=16)
    assert list(waits) == ["naive_csv_generator", "csv_image_generator", "csv_text_dataset",
                           "NpyBatches (.npy memory map)"]
    assert all(isinstance(w, StepWait) and w.step_ms > 0 and w.wait_ms >= 0
               for w in waits.values())
    assert benchmark.cache_seconds(path, ["a", "b", "c"]) > 0


def test_memory_streaming_is_flat_and_whole_file_grows(tmp_path):
    rng = np.random.default_rng(0)
    path = write_image_csv(tmp_path / "b.csv", rng.integers(0, 256, (70, 64, 64, 3)),
                           ["a", "b"] * 35)
    result = benchmark.measure_memory(path, ["a", "b"], rows=64, times=10)
    assert result["rows"] == (64, 640)
    (stream_small, stream_large), (whole_small, whole_large) = (result["streaming"],
                                                                result["whole file"])
    assert stream_large < 1.1 * stream_small
    assert whole_large - whole_small >= 9 * 64 * 64 * 64 * 3
    table = benchmark.format_memory(result).splitlines()
    assert table[0].split()[:5] == ["peak", "Python", "memory", "64", "rows"]
    assert [line.split()[0] for line in table[1:]] == ["streaming", "whole"]
