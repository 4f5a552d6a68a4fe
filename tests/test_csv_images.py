"""The image CSV format, its fast streaming generator, the naive baseline and the
writer (course_utils.csv_images). Small image shapes keep the property tests quick."""

import gc
import os
import tracemalloc
from itertools import islice

import numpy as np
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils import csv_images
from course_utils.csv_images import (
    csv_classes,
    csv_image_generator,
    naive_csv_generator,
    read_image_csv,
    write_image_csv,
)

SMALL = (2, 3, 3)  # 18 values a row
FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # each example overwrites its own file
N_SMALL = 18


def _rows(n, shape=SMALL, seed=0, classes=("b", "a", "colts' foot")):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
    labels = [classes[i % len(classes)] for i in range(n)]
    return images, labels


def _write(tmp_path, n, name="x.csv", **kw):
    images, labels = _rows(n, **kw)
    return write_image_csv(tmp_path / name, images, labels), images, labels


def _line(label, values):
    return label + "," + ",".join(str(v) for v in values)


# ---------------------------------------------------------------- round trip and format


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE_OK)
@given(images=st.integers(1, 12).flatmap(
           lambda n: st.lists(st.lists(st.integers(0, 255), min_size=N_SMALL, max_size=N_SMALL),
                              min_size=n, max_size=n)),
       data=st.data())
def test_write_then_read_is_lossless(tmp_path, images, data):
    images = np.array(images, dtype=np.uint8).reshape(-1, *SMALL)
    names = st.text(st.characters(blacklist_characters=",\r\n\ufeff",
                                  blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")),
                    min_size=1, max_size=6)
    labels = data.draw(st.lists(names, min_size=len(images), max_size=len(images)))
    path = write_image_csv(tmp_path / "rt.csv", images, labels)
    classes = sorted(set(labels))
    assert csv_classes(path) == classes
    got, idx = read_image_csv(path, image_shape=SMALL)
    assert got.dtype == np.uint8 and idx.dtype == np.int32
    np.testing.assert_array_equal(got, images)
    assert [classes[i] for i in idx] == labels


def test_the_format_is_the_tutorials(tmp_path):
    images = np.arange(64 * 64 * 3, dtype=np.int64).reshape(1, 64, 64, 3) % 256
    path = write_image_csv(tmp_path / "one.csv", images, ["colts' foot"])
    text = path.read_text()
    assert text.endswith("\n") and text.count("\n") == 1
    fields = text.strip().split(",")
    assert fields[0] == "colts' foot" and len(fields) == 1 + 12_288
    # row-major height x width x channel: pixel (0, 1) channel 2 is the 6th value
    assert fields[1:7] == ["0", "1", "2", "3", "4", "5"]


def test_write_rejects_bad_input(tmp_path):
    images, labels = _rows(2)
    for bad in (["a,b", "c"], ["", "c"], ["a\n", "c"], [" a", "c"]):
        with pytest.raises(ValueError, match="label of row"):
            write_image_csv(tmp_path / "x.csv", images, bad)
    with pytest.raises(ValueError, match="0-255"):
        write_image_csv(tmp_path / "x.csv", images.astype(int) + 200, labels)
    with pytest.raises(ValueError, match="2 images but 1 labels"):
        write_image_csv(tmp_path / "x.csv", images, labels[:1])
    with pytest.raises(ValueError, match="shape"):
        write_image_csv(tmp_path / "x.csv", images[0], labels)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_the_old_file_and_no_partial(tmp_path, monkeypatch):
    path, _, _ = _write(tmp_path, 4)
    before = path.read_bytes()

    class Boom:
        calls = 0

        def __getitem__(self, index):
            Boom.calls += 1
            if Boom.calls > 2:
                raise KeyboardInterrupt
            return csv_images._TEXT[index]

    monkeypatch.setattr(csv_images, "_TEXT", Boom())
    images, labels = _rows(5, seed=1)
    with pytest.raises(KeyboardInterrupt):
        write_image_csv(path, images, labels)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


# ---------------------------------------------------------------- the generator


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_OK)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 45))
def test_eval_yields_every_row_exactly_once_in_order(tmp_path, n, batch_size):
    path, images, labels = _write(tmp_path, n)
    classes = csv_classes(path)
    batches = list(csv_image_generator(path, batch_size, "eval", classes, image_shape=SMALL))
    sizes = [len(y) for _, y in batches]
    assert len(batches) == -(-n // batch_size)  # ceil: no extra batch, even if n % bs == 0
    assert all(s == batch_size for s in sizes[:-1]) and 1 <= sizes[-1] <= batch_size
    x = np.concatenate([x for x, _ in batches])
    y = np.concatenate([y for _, y in batches])
    np.testing.assert_array_equal(np.rint(x * 255).astype(np.uint8), images)
    assert [classes[i] for i in y] == labels


def test_the_tutorials_steps_overshoot_and_eval_does_not(tmp_path):
    """64 rows, batch 32: predict(steps=64 // 32 + 1) asks the naive generator for a
    third batch: it hits the end of the file at once and yields an empty batch (and
    the first row, read after rewinding, is lost for the next pass)."""
    path, images, _ = _write(tmp_path, 64, shape=(64, 64, 3))
    naive = naive_csv_generator(path, 32, "eval")
    got = [next(naive)[0] for _ in range(64 // 32 + 1)]
    assert [len(x) for x in got] == [32, 32, 0]
    np.testing.assert_array_equal(next(naive)[0][0], images[1])  # row 0 was swallowed
    naive.close()
    exact = list(csv_image_generator(path, 32, "eval", csv_classes(path)))
    assert [len(y) for _, y in exact] == [32, 32]
    path, _, _ = _write(tmp_path, 70, name="y.csv", shape=(64, 64, 3))
    naive = naive_csv_generator(path, 32, "eval")
    assert [len(next(naive)[0]) for _ in range(70 // 32 + 1)] == [32, 32, 6]
    naive.close()


def test_outputs_dtype_scaling_and_one_hot(tmp_path):
    path, images, labels = _write(tmp_path, 10)
    gen = csv_image_generator(path, 4, one_hot=True, image_shape=SMALL)
    x, y = next(gen)
    assert x.dtype == np.float32 and x.shape == (4, *SMALL)
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_allclose(x, images[:4] / 255, rtol=1e-6)
    assert y.dtype == np.float32 and y.shape == (4, 3)
    classes = sorted(set(labels))
    assert [classes[i] for i in y.argmax(axis=1)] == labels[:4]
    x, y = next(csv_image_generator(path, 4, image_shape=SMALL))
    assert y.dtype == np.int32 and y.shape == (4,)


def test_train_loops_forever_with_full_batches(tmp_path):
    path, images, _ = _write(tmp_path, 5)
    gen = csv_image_generator(path, 3, image_shape=SMALL)
    xs = [next(gen)[0] for _ in range(5)]  # 15 rows = 3 passes
    assert all(len(x) == 3 for x in xs)
    seen = np.rint(np.concatenate(xs) * 255).astype(np.uint8)
    np.testing.assert_array_equal(seen, np.concatenate([images] * 3))


def test_train_shuffle_is_seeded_and_draws_file_rows(tmp_path):
    path, images, _ = _write(tmp_path, 30)

    def first(seed, buffer=16):
        gen = csv_image_generator(path, 10, shuffle_buffer=buffer, seed=seed, image_shape=SMALL)
        out = np.concatenate([next(gen)[0] for _ in range(6)])
        gen.close()
        return np.rint(out * 255).astype(np.uint8)

    a, b, c = first(1), first(1), first(2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a[:30], images)  # shuffled
    rows = {r.tobytes() for r in images}
    assert all(r.tobytes() in rows for r in a)
    # over two passes, each row appears twice when the buffer is drained evenly
    counts = {}
    for r in a:
        counts[r.tobytes()] = counts.get(r.tobytes(), 0) + 1
    assert len(counts) == 30


def test_classes_default_to_the_sorted_labels_and_are_required_for_eval(tmp_path):
    path, _, _ = _write(tmp_path, 6)
    assert csv_classes(path) == ["a", "b", "colts' foot"]
    with pytest.raises(ValueError, match="needs classes="):
        csv_image_generator(path, 2, "eval")
    with pytest.raises(ValueError, match="shuffle_buffer"):
        csv_image_generator(path, 2, "eval", ["a"], shuffle_buffer=4)
    with pytest.raises(ValueError, match="mode must be"):
        csv_image_generator(path, 2, "test")


def test_a_label_not_in_classes_names_file_and_line(tmp_path):
    path, _, _ = _write(tmp_path, 6)
    gen = csv_image_generator(path, 6, "eval", ["a", "b"], image_shape=SMALL)
    with pytest.raises(ValueError, match=r"x\.csv, line 3: label \"colts' foot\" is not one"):
        next(gen)


def test_memory_does_not_grow_with_the_file(tmp_path):
    def peak(n):
        path, _, _ = _write(tmp_path, n, name=f"m{n}.csv", shape=(64, 64, 3))
        classes = csv_classes(path)
        tracemalloc.start()
        for _ in csv_image_generator(path, 8, "eval", classes):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(64), peak(512)  # files of 2.8 MB and 22 MB
    assert large < 1.3 * small + 2**20
    assert large < 8 * 2**20


def _open_paths():
    return {f.path for f in psutil.Process().open_files()}


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_no_file_handle_is_left_open(tmp_path, mode):
    path, _, _ = _write(tmp_path, 10)
    classes = csv_classes(path)
    gen = csv_image_generator(path, 3, mode, classes, image_shape=SMALL, shuffle_buffer=0)
    next(gen)
    assert str(path) in _open_paths()
    gen.close()
    assert str(path) not in _open_paths()
    gen = csv_image_generator(path, 3, mode, classes, image_shape=SMALL)
    next(gen)
    del gen
    gc.collect()
    assert str(path) not in _open_paths()
    if mode == "eval":
        list(csv_image_generator(path, 3, mode, classes, image_shape=SMALL))
        assert str(path) not in _open_paths()


# ---------------------------------------------------------------- what is read correctly


def test_crlf_bom_blank_lines_and_no_final_newline(tmp_path):
    images, labels = _rows(4)
    lines = [_line(lab, img.ravel()) for lab, img in zip(labels, images, strict=True)]
    text = "\ufeff" + lines[0] + "\r\n\r\n" + lines[1] + "\r\n   \n" + lines[2] + "\n\n" + lines[3]
    path = tmp_path / "odd.csv"
    path.write_bytes(text.encode("utf-8"))
    assert csv_classes(path) == sorted(set(labels))
    got, idx = read_image_csv(path, image_shape=SMALL)
    np.testing.assert_array_equal(got, images)
    classes = sorted(set(labels))
    assert [classes[i] for i in idx] == labels
    batches = list(csv_image_generator(path, 3, "eval", classes, image_shape=SMALL))
    assert [len(y) for _, y in batches] == [3, 1]


def test_leading_zeros_and_spaces_are_integers_too(tmp_path):
    values = list(range(N_SMALL))
    text = "a," + ",".join(["007", " 12", "+3"] + [str(v) for v in values[3:]]) + "\n"
    path = tmp_path / "z.csv"
    path.write_text(text)
    got, _ = read_image_csv(path, image_shape=SMALL)
    assert got.ravel()[:3].tolist() == [7, 12, 3]


# ---------------------------------------------------------------- malformed files

GOOD = [str(v) for v in range(N_SMALL)]
MALFORMED = {
    "too_few_values": (["a," + ",".join(GOOD), "a," + ",".join(GOOD[:-1])], 2,
                       "expected 18 values after the label, found 17"),
    "too_many_values": (["a," + ",".join(GOOD + ["1"])], 1, "found 19"),
    "trailing_comma": (["a," + ",".join(GOOD) + ","], 1, "found 19"),
    "not_an_integer": (["a," + ",".join(GOOD), "", "a," + ",".join(GOOD[:5] + ["1.5"] + GOOD[6:])],
                       3, r"value 6 \('1.5'\) is not an integer"),
    "a_word": (["a," + ",".join(GOOD[:-1] + ["x"])], 1, r"value 18 \('x'\) is not an integer"),
    "empty_value": (["a," + ",".join(GOOD[:2] + [""] + GOOD[3:])], 1,
                    r"value 3 \(''\) is not an integer"),
    "above_255": (["a," + ",".join(GOOD), "a," + ",".join(GOOD[:-1] + ["256"])], 2,
                  r"value 18 \(256\) is outside 0-255"),
    "negative": (["a," + ",".join(["-1"] + GOOD[1:])], 1, r"value 1 \(-1\) is outside 0-255"),
    "empty_label": (["a," + ",".join(GOOD), "," + ",".join(GOOD)], 2, "empty label"),
    "blank_label": (["   ," + ",".join(GOOD)], 1, "empty label"),
    "header_row": (["label," + ",".join(f"pixel{i}" for i in range(N_SMALL)),
                    "a," + ",".join(GOOD)], 1, "looks like a header row"),
    "label_only": (["a"], 1, "found 0"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("how", ["generator_eval", "generator_train", "read"])
def test_malformed_files_name_the_file_line_and_problem(tmp_path, case, how):
    lines, number, problem = MALFORMED[case]
    path = tmp_path / f"{case}.csv"
    path.write_text("\n".join(lines) + "\n")
    pattern = rf"{case}\.csv, line {number}: .*{problem}"
    with pytest.raises(ValueError, match=pattern):
        if how == "read":
            read_image_csv(path, ["a"], image_shape=SMALL)
        else:
            mode = how.split("_")[1]
            for _ in islice(csv_image_generator(path, 1, mode, ["a"], image_shape=SMALL), 5):
                pass


@pytest.mark.parametrize("text", ["", "\n\n", "\r\n  \r\n", "\ufeff"])
def test_an_empty_file_is_an_error(tmp_path, text):
    path = tmp_path / "empty.csv"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(ValueError, match=r"empty\.csv: the file is empty"):
        csv_classes(path)
    with pytest.raises(ValueError, match=r"empty\.csv: the file is empty"):
        next(csv_image_generator(path, 2, "eval", ["a"], image_shape=SMALL))
    with pytest.raises(ValueError, match=r"empty\.csv: the file is empty"):
        next(csv_image_generator(path, 2, "train", ["a"], image_shape=SMALL))


def test_a_non_utf8_label_is_named(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"caf\xe9," + ",".join(GOOD).encode() + b"\n")
    with pytest.raises(ValueError, match=r"latin\.csv, line 1: the label is not UTF-8"):
        read_image_csv(path, ["a"], image_shape=SMALL)


def test_fast_and_slow_paths_agree_on_valid_rows(tmp_path):
    """Rows the fast parser rejects for speed's sake (leading zeros) go through the
    slow, per-value path: both give the same pixels."""
    images, labels = _rows(40)
    lines = [_line(lab, img.ravel()) for lab, img in zip(labels, images, strict=True)]
    lines[17] = lines[17].replace(",", ",00", 1)
    path = tmp_path / "mix.csv"
    path.write_text("\n".join(lines) + "\n")
    got, _ = read_image_csv(path, image_shape=SMALL)
    np.testing.assert_array_equal(got, images)


def test_naive_generator_matches_on_a_clean_file(tmp_path):
    path, images, labels = _write(tmp_path, 7, shape=(64, 64, 3))
    classes = csv_classes(path)
    x, y = next(naive_csv_generator(path, 7, "train", classes))
    np.testing.assert_array_equal(x, images)
    assert [classes[i] for i in y] == labels
    x, y = next(naive_csv_generator(path, 3))
    assert x.dtype == np.uint8 and list(y) == labels[:3]


def test_path_types(tmp_path):
    path, _, _ = _write(tmp_path, 3)
    for p in (path, str(path), os.fspath(path)):
        assert len(read_image_csv(p, image_shape=SMALL)[0]) == 3


def test_written_files_get_the_usual_permissions(tmp_path):
    path, _, _ = _write(tmp_path, 2)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
