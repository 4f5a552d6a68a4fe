import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.recommender import RatingsDataset, build_recommender, split_ratings


@given(n=st.integers(2, 5000), fraction=st.floats(0.01, 0.99), seed=st.integers(0, 10))
def test_split_ratings_is_a_partition_of_the_requested_size(n, fraction, seed):
    train, test = split_ratings(n, fraction, seed)
    assert len(test) == round(n * fraction) and len(train) + len(test) == n
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(n))


def test_split_ratings_is_reproducible_and_validates():
    a, b = split_ratings(1000, 0.1, seed=3), split_ratings(1000, 0.1, seed=3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[1], split_ratings(1000, 0.1, seed=4)[1])
    with pytest.raises(ValueError, match="test_fraction"):
        split_ratings(10, 1.0)


def _dataset(n, batch_size, shuffle=True, seed=0):
    users = np.arange(n) % 7
    items = np.arange(n) % 11
    ratings = np.arange(n, dtype="float32")  # a rating is its row number: easy to trace
    return RatingsDataset(users, items, ratings, batch_size=batch_size, shuffle=shuffle,
                          seed=seed)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), batch_size=st.integers(1, 64), shuffle=st.booleans(),
       epochs=st.integers(1, 3))
def test_every_row_once_per_epoch_and_the_last_batch_is_kept(n, batch_size, shuffle, epochs):
    ds = _dataset(n, batch_size, shuffle)
    assert len(ds) == -(-n // batch_size)
    for _ in range(epochs):
        batches = [ds[i] for i in range(len(ds))]
        sizes = [len(y) for _, y in batches]
        assert all(s == batch_size for s in sizes[:-1]) and 1 <= sizes[-1] <= batch_size
        seen = np.concatenate([y for _, y in batches]).astype(int)
        assert np.array_equal(np.sort(seen), np.arange(n))
        ds.on_epoch_end()


def test_batches_carry_matching_users_items_and_dtypes():
    ds = _dataset(50, 8)
    x, y = ds[3]
    rows = y.astype(int)
    assert np.array_equal(x["user"], rows % 7) and np.array_equal(x["item"], rows % 11)
    assert x["user"].dtype == x["item"].dtype == np.int32 and y.dtype == np.float32


def test_shuffle_depends_only_on_seed_and_epoch():
    a, b = _dataset(200, 16, seed=5), _dataset(200, 16, seed=5)
    first = a[0][1].copy()
    a.on_epoch_end()
    assert not np.array_equal(first, a[0][1])  # new batch membership each epoch
    b.epoch = 1
    b.order = b._order()
    assert np.array_equal(a[0][1], b[0][1])  # same (seed, epoch), same batch
    assert np.array_equal(_dataset(200, 16, shuffle=False)[0][1], np.arange(16))


def test_random_access_out_of_range_and_mismatched_lengths():
    ds = _dataset(10, 4)
    assert len(ds[2][1]) == 2
    with pytest.raises(IndexError):
        ds[3]
    with pytest.raises(ValueError, match="differ in length"):
        RatingsDataset([0, 1], [0], [3.0, 4.0])


def test_the_dataset_pickles_as_process_workers_need():
    ds = _dataset(30, 4, seed=2)
    ds.on_epoch_end()
    clone = pickle.loads(pickle.dumps(ds))
    assert type(clone).__module__ == "course_utils.recommender"
    assert np.array_equal(clone[1][1], ds[1][1])


def test_recommender_takes_two_inputs_and_returns_one_rating_each():
    model = build_recommender(7, 11, dim=4, mean_rating=3.0)
    x, _ = _dataset(20, 8)[0]
    out = model.predict(x, verbose=0)
    assert out.shape == (8,)
    assert np.allclose(out, 3.0, atol=0.1)  # small random init around the mean
    assert sorted(t.name for t in model.inputs) == ["item", "user"]
