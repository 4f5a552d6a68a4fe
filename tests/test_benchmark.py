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


# --- the key under each table and the conclusion drawn from its figures ----------------


def _row(name, per_s, cpu_per_s):
    return {"name": name, "images": 64, "seconds": 64 / per_s, "images_per_s": per_s,
            "images_per_cpu_s": cpu_per_s}


def _rows(*figures):
    rows = [_row(name, a, b) for name, (a, b) in zip(("naive (x)", "fast (y)", "cache (z)"),
                                                       figures, strict=True)]
    for row in rows:
        row["speedup"] = row["images_per_s"] / rows[0]["images_per_s"]
        row["cpu_speedup"] = row["images_per_cpu_s"] / rows[0]["images_per_cpu_s"]
    return rows


def test_every_column_of_every_table_has_a_line_of_key(tmp_path):
    rows = _rows((100, 100), (1000, 1000), (5000, 5000))
    header = benchmark.format_table(rows).splitlines()[0]
    for name, meaning in benchmark.READING_KEY:
        assert name in header and meaning
    memory = {"rows": (64, 640), "streaming": (1e6, 1e6), "whole file": (2e6, 2e7)}
    header = benchmark.format_memory(memory).splitlines()[0]
    assert [n for n, _ in benchmark.memory_key(memory)] == ["peak Python memory", "64 rows",
                                                            "640 rows", "growth"]
    assert all(name in header for name, _ in benchmark.memory_key(memory))
    from course_utils.pipeline import StepWait, format_waits

    header = format_waits({"a": StepWait(10.0, 5.0, 5.0)}).splitlines()[0]
    assert all(name in header for name, _ in benchmark.WAITS_KEY)
    key = benchmark.format_key(benchmark.WAITS_KEY).splitlines()
    assert len(key) == len(benchmark.WAITS_KEY)


def test_the_reading_conclusion_follows_the_figures():
    text = benchmark.reading_conclusion(_rows((100, 100), (1000, 1000), (5000, 5000)))
    assert "fastest reader is cache, 50.0 times the speed of naive" in text
    assert "slowest is naive" in text and "busy" not in text
    rows = _rows((100, 100), (1000, 1000), (5000, 500))
    assert "busy" in benchmark.reading_conclusion(rows)
    rows[2]["batch_cpu_s"] = 0.001  # too short a CPU time to compare
    assert "busy" not in benchmark.reading_conclusion(rows)
    text = benchmark.reading_conclusion(_rows((100, 100), (3000, 1000), (200, 200)))
    assert "fastest reader is fast, 30.0 times" in text and "busy" in text
    text = benchmark.reading_conclusion(_rows((100, 100), (90, 90), (80, 80)))
    assert "no reader beat naive" in text and "slowest is cache" in text


def test_the_wait_conclusions_follow_the_figures():
    from course_utils.pipeline import StepWait

    waits = {"slow": StepWait(100.0, 20.0, 80.0), "quick": StepWait(21.0, 20.0, 1.0)}
    text = benchmark.waits_conclusion(waits)
    assert "fed by slow, training is input-bound" in text and "quick kept the model busy" in text
    assert "between" in benchmark.waits_conclusion({"some": StepWait(30.0, 20.0, 10.0)})
    assert "machine was busy" not in text
    waits["quick"] = StepWait(81.0, 80.0, 1.0)  # the same computation, 4 times as long
    assert "ranges from 20.0 to 80.0 ms: the machine was busy" in benchmark.waits_conclusion(
        waits)


def test_the_memory_conclusion_follows_the_figures():
    flat = {"rows": (64, 640), "streaming": (1e6, 1.05e6), "whole file": (2e6, 2e7)}
    assert "streaming's peak stayed flat (1.1x)" in benchmark.memory_conclusion(flat)
    assert "grew 10.0x from 64 to 640 rows" in benchmark.memory_conclusion(flat)
    both = {"rows": (64, 640), "streaming": (1e6, 3e6), "whole file": (2e6, 2e7)}
    assert "streaming's peak grew 3.0x" in benchmark.memory_conclusion(both)
