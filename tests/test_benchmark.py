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
