"""course_utils.check_generator: each failure of 03_debugging_generators is reported,
and a correct source (generator, PyDataset, tf.data) passes."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from course_utils.checks import MAX_PULL, check_generator  # noqa: E402

N_FEATURES, N_CLASSES, BS = 8, 3, 16
RNG = np.random.default_rng(0)
X = RNG.normal(size=(10 * BS, N_FEATURES)).astype("float32")
Y = RNG.integers(0, N_CLASSES, size=10 * BS)


@pytest.fixture(scope="module")
def model():
    m = keras.Sequential([keras.Input((N_FEATURES,), name="features"),
                          keras.layers.Dense(N_CLASSES, activation="softmax", name="probs")],
                         name="tiny_classifier")
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return m


def batches(n=10, change=None):
    """A finite generator of n batches; change(i, x, y) -> (x, y) breaks batch i."""
    for i in range(n):
        x, y = X[i * BS:(i + 1) * BS].copy(), Y[i * BS:(i + 1) * BS].copy()
        if change is not None:
            x, y = change(i, x, y)
        yield x, y


def problems(report):
    return "\n".join(report.problems)


def test_a_correct_generator_passes_and_nothing_is_lost(model):
    gen = batches()
    report = check_generator(gen, model, epochs=2, steps_per_epoch=4)
    assert report.ok, report.text
    assert report.pulled == 8 and len(report.batches) == 8  # all that fit needs
    assert "pulled 8 batch(es)" in report.text
    replayed = list(report.source)
    assert len(replayed) == 10  # the 8 peeked batches come back first, then the rest
    for got, (x, y) in zip(replayed, batches(), strict=True):
        np.testing.assert_array_equal(got[0], x)
        np.testing.assert_array_equal(got[1], y)


@pytest.mark.filterwarnings("ignore:Your input ran out of data")
def test_keras_trains_on_the_replaying_source(model):
    report = check_generator(batches(), model)
    history = model.fit(report.source, epochs=1, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 1


def test_a_correct_pydataset_passes_without_being_consumed(model):
    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.calls = []

        def __len__(self):
            return 10

        def __getitem__(self, i):
            self.calls.append(i)
            return X[i * BS:(i + 1) * BS], Y[i * BS:(i + 1) * BS]

    ds = Batches()
    report = check_generator(ds, model, epochs=3)
    assert report.ok, report.text
    assert report.source is ds and report.finite is True and report.available == 10
    assert ds.calls == [0, 1, 2, 3, 4]


def test_a_correct_tf_dataset_passes_and_infinite_needs_steps(model):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(BS)
    report = check_generator(ds, model, epochs=3)
    assert report.ok, report.text
    assert report.available == 10 and report.source is ds
    endless = check_generator(ds.repeat(), model, epochs=3)
    assert not endless.ok and "infinite" in problems(endless)
    assert check_generator(ds.repeat(), model, epochs=3, steps_per_epoch=10).ok


def test_changing_batch_sizes_are_a_note_not_an_error(model):
    report = check_generator(batches(change=lambda i, x, y: (x[:-1], y[:-1]) if i % 3 == 0
                                     else (x, y)), model)
    assert report.ok, report.text
    assert any("batch sizes vary" in n for n in report.notes)


def test_a_smaller_last_batch_of_a_finite_generator_is_normal(model):
    report = check_generator(batches(3, change=lambda i, x, y: (x[:5], y[:5]) if i == 2
                                     else (x, y)), model)
    assert report.ok and not any("vary" in n for n in report.notes), report.text


def test_a_dtype_change_mid_stream_is_reported(model):
    report = check_generator(batches(change=lambda i, x, y: (x, y.astype("float64"))
                                     if i == 3 else (x, y)), model)
    assert not report.ok
    assert "batch 3: y is float64 but batch 0's is int64" in problems(report)


def test_a_shape_change_after_the_first_two_batches_is_reported(model):
    widen = lambda i, x, y: (np.concatenate([x, x[:, :1]], axis=1), y) if i >= 2 else (x, y)  # noqa: E731
    report = check_generator(batches(change=widen), model)
    assert not report.ok
    assert problems(report).startswith("batch 2: x has shape (16, 9) but batches 0-1")


def test_a_shape_that_varies_from_the_start_is_a_note(model):
    seqs = ((np.zeros((4, 5 + i), "float32"), np.zeros(4, "int64")) for i in range(4))
    report = check_generator(seqs)
    assert report.ok and any("non-batch dimension" in n for n in report.notes)


def test_labels_misaligned_with_inputs_are_reported(model):
    report = check_generator(batches(change=lambda i, x, y: (x, y[1:])), model)
    assert "batch 0: inputs and labels are misaligned: x has 16, y has 15" in problems(report)


def test_an_exhausted_generator_is_reported(model):
    gen = batches()
    for _ in gen:
        pass
    report = check_generator(gen, model)
    assert not report.ok and "no batch at all" in problems(report)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_reported(model, bad):
    def poison(i, x, y):
        if i == 4:
            x[2, 3] = bad
        return x, y

    report = check_generator(batches(change=poison), model)
    assert not report.ok and problems(report).startswith("batch 4: x holds 1 ")


@pytest.mark.parametrize("label, words", [(N_CLASSES, "labels go up to 3 but the model has 3"),
                                          (-1, "labels go down to -1")])
def test_labels_outside_the_output_range_are_reported(model, label, words):
    def relabel(i, x, y):
        if i == 1:
            y[0] = label
        return x, y

    report = check_generator(batches(change=relabel), model)
    assert not report.ok and f"batch 1: {words}" in problems(report)


def test_one_hot_labels_of_the_wrong_width_are_reported():
    m = keras.Sequential([keras.Input((N_FEATURES,)), keras.layers.Dense(N_CLASSES)])
    m.compile(optimizer="adam", loss="categorical_crossentropy")
    gen = ((X[:BS], np.eye(5)[Y[:BS]]) for _ in range(3))
    report = check_generator(gen, m)
    assert "y has width 5 but the model's output has width 3" in problems(report)


def test_inputs_that_do_not_fit_the_model_are_reported(model):
    report = check_generator(((X[:BS, :5], Y[:BS]) for _ in range(3)), model)
    assert "expects (None, 8)" in problems(report)


def test_dict_inputs_are_matched_by_name():
    a, b = keras.Input((3,), name="user"), keras.Input((2,), name="item")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    m = keras.Model({"user": a, "item": b}, out)
    m.compile(optimizer="sgd", loss="mse")

    def gen(keys):
        for _ in range(3):
            yield {keys[0]: np.ones((4, 3), "float32"),
                   keys[1]: np.ones((4, 2), "float32")}, np.zeros((4, 1), "float32")

    assert check_generator(gen(("user", "item")), m).ok
    report = check_generator(gen(("user", "itme")), m)
    assert "without the model's input(s) ['item']" in problems(report)


def test_a_finite_generator_too_short_for_the_training_is_reported(model):
    short = check_generator(batches(4), model, epochs=3, steps_per_epoch=2)
    assert short.finite is True and short.available == 4
    assert "the source ran dry after 4 batches; fit needs 6 (3 epochs x 2 steps)" in \
        problems(short)
    replay = check_generator(batches(4), model, epochs=3)
    assert "every later epoch silently replays the 2 batches" in problems(replay)
    assert check_generator(batches(4), model, epochs=2, steps_per_epoch=2).ok


def test_a_generator_one_batch_short_of_what_fit_needs_is_reported(model):
    report = check_generator(batches(8), model, epochs=3, steps_per_epoch=3)
    assert not report.ok and report.pulled == 8  # it asked for 9, got 8
    assert problems(report).startswith(
        "the source ran dry after 8 batches; fit needs 9 (3 epochs x 3 steps)")
    assert len(list(report.source)) == 8  # nothing lost


def test_a_generator_with_exactly_enough_batches_passes(model):
    report = check_generator(batches(9), model, epochs=3, steps_per_epoch=3)
    assert report.ok, report.text
    assert report.pulled == 9 and report.finite is None
    assert "all that fit needs" in report.text
    assert len(list(report.source)) == 9
    one_epoch = check_generator(batches(9), model, steps_per_epoch=9)  # epochs=1, as in fit
    assert one_epoch.ok and one_epoch.pulled == 9


def endless_counted(pulls):
    """An endless generator that records each batch pulled, and fails instead of hanging."""
    i = 0
    while True:
        pulls.append(i)
        if i > 10 * MAX_PULL:
            raise RuntimeError("check_generator kept pulling from an endless generator")
        yield X[(i % 10) * BS:(i % 10 + 1) * BS], Y[(i % 10) * BS:(i % 10 + 1) * BS]
        i += 1


def test_an_endless_generator_is_pulled_up_to_the_need_or_the_cap(model):
    pulls = []
    report = check_generator(endless_counted(pulls), model, epochs=3, steps_per_epoch=4)
    assert report.ok, report.text
    assert report.pulled == 12 and len(pulls) == 12  # exactly what fit needs, no more
    pulls = []
    big = check_generator(endless_counted(pulls), model, epochs=50, steps_per_epoch=10)
    assert big.ok, big.text  # not known to be short: a note, not a problem
    assert big.pulled == MAX_PULL and len(pulls) == MAX_PULL
    assert f"pulls at most {MAX_PULL}" in big.text and "stopped at 100" in big.text
    assert "where check_generator stopped" in big.text


def test_a_tf_dataset_of_unknown_length_that_runs_dry_is_reported(model):
    import tensorflow as tf

    sig = (tf.TensorSpec((None, N_FEATURES), tf.float32), tf.TensorSpec((None,), tf.int64))
    unknown = tf.data.Dataset.from_generator(lambda: batches(6), output_signature=sig)
    report = check_generator(unknown, model, epochs=3, steps_per_epoch=3)
    assert "the source ran dry after 6 batches; fit needs 9" in problems(report)
    known = unknown.apply(tf.data.experimental.assert_cardinality(6))  # Keras restarts it
    assert check_generator(known, model, epochs=3, steps_per_epoch=3).ok


def test_the_wrong_kind_of_source_is_reported(model):
    assert "call it (pass batches(...), not batches)" in problems(check_generator(batches))
    lists = ([x, y] for x, y in batches(3))
    assert "yield a tuple" in problems(check_generator(lists, model))
    assert not check_generator(42).ok


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 12), peek=st.integers(1, 8), bs=st.integers(1, 9),
       width=st.integers(1, 6))
def test_a_well_formed_generator_passes_and_replays_everything(n, peek, bs, width):
    data = np.arange(n * bs * width, dtype="float32").reshape(n, bs, width)

    def gen():
        for i in range(n):
            yield data[i], np.full(bs, i % 2)

    report = check_generator(gen(), n_batches=peek)
    assert report.ok, report.text
    assert report.pulled == min(n, peek)
    assert report.finite is (True if n < peek else None)
    replayed = [x for x, _ in report.source]
    assert len(replayed) == n
    assert all(np.array_equal(a, b) for a, b in zip(replayed, data, strict=True))
