import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.sequences import bucket_batches, majority_sequences, padding_waste

lengths_st = st.lists(st.integers(1, 200), min_size=1, max_size=300)


def test_majority_sequences_shapes_range_and_labels():
    seqs, labels = majority_sequences(500, min_len=3, max_len=40, vocab_size=10, seed=1)
    assert len(seqs) == labels.shape[0] == 500
    assert labels.dtype == np.int32 and set(np.unique(labels)) == {0, 1}
    for s, y in zip(seqs, labels, strict=True):
        assert s.dtype == np.int32 and 3 <= len(s) <= 40
        assert s.min() >= 1 and s.max() <= 10  # 0 stays free for padding
        assert y == int((s > 5).sum() > (s <= 5).sum())


def test_majority_sequences_are_reproducible_and_seeded():
    a, ya = majority_sequences(50, seed=3)
    b, yb = majority_sequences(50, seed=3)
    c, _ = majority_sequences(50, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)) and np.array_equal(ya, yb)
    assert not all(len(x) == len(y) and np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_majority_sequences_lengths_are_skewed_towards_short():
    seqs, labels = majority_sequences(4000, min_len=5, max_len=80, seed=0)
    lengths = np.array([len(s) for s in seqs])
    assert lengths.min() == 5 and lengths.max() == 80
    assert np.median(lengths) < (5 + 80) / 2  # log-uniform: more short than long
    assert 0.3 < labels.mean() < 0.6  # neither class is rare


def test_majority_sequences_rejects_bad_arguments():
    with pytest.raises(ValueError, match="min_len"):
        majority_sequences(5, min_len=10, max_len=5)
    with pytest.raises(ValueError, match="vocab_size"):
        majority_sequences(5, vocab_size=1)


def test_padding_waste_small_examples():
    assert padding_waste([2, 4], 2) == pytest.approx(0.25)  # 8 cells, 2 pads
    assert padding_waste([2, 4], 1) == 0.0
    assert padding_waste([2, 4], 2, maxlen=5) == pytest.approx(0.4)
    assert padding_waste([2, 8], 2, maxlen=4) == pytest.approx(0.25)  # 8 truncated to 4
    assert padding_waste([3, 1, 3], [[0, 2], [1]]) == 0.0
    assert padding_waste([], 4) == 0.0
    with pytest.raises(ValueError):
        padding_waste([1, 2], 0)


@given(lengths_st, st.integers(1, 64))
def test_padding_waste_is_a_fraction_and_global_padding_wastes_more(lengths, batch_size):
    per_batch = padding_waste(lengths, batch_size)
    global_max = padding_waste(lengths, batch_size, maxlen=max(lengths))
    assert 0.0 <= per_batch <= global_max < 1.0


@given(lengths_st, st.integers(1, 64), st.integers(0, 2**32 - 1))
def test_bucket_batches_cover_every_index_once(lengths, batch_size, seed):
    batches = bucket_batches(lengths, batch_size, seed=seed)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(lengths)))
    assert all(1 <= len(b) <= batch_size for b in batches)
    assert sum(len(b) < batch_size for b in batches) <= 1


@settings(max_examples=50)
@given(lengths_st, st.integers(1, 64), st.integers(0, 2**32 - 1))
def test_bucketing_never_wastes_more_than_batching_in_order(lengths, batch_size, seed):
    bucketed = padding_waste(lengths, bucket_batches(lengths, batch_size, seed=seed))
    assert bucketed <= padding_waste(lengths, batch_size) + 1e-12


def test_bucket_batches_are_reproducible_and_reshuffle_with_the_seed():
    lengths = np.arange(100) % 17 + 1
    a = bucket_batches(lengths, 8, seed=1)
    b = bucket_batches(lengths, 8, seed=1)
    c = bucket_batches(lengths, 8, seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))
    with pytest.raises(ValueError):
        bucket_batches(lengths, 0)
