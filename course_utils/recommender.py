"""A rating recommender fed by a ``PyDataset`` (introduced in 04_pydataset_and_a_recommender).

``RatingsDataset`` lives in a module, not in a notebook, on purpose: a ``PyDataset`` used
with ``use_multiprocessing=True`` under the ``spawn``/``forkserver`` start methods is
pickled into fresh worker processes, which can import a module's class but not one
defined in a notebook's ``__main__``.
"""

import math

import keras
import numpy as np


def split_ratings(n, test_fraction=0.1, seed=0):
    """Indices ``(train, test)`` of a fixed-seed random split of ``n`` ratings
    (04_pydataset_and_a_recommender).

    Every index in ``range(n)`` lands in exactly one part; the test part holds
    ``round(n * test_fraction)`` of them. The same ``seed`` gives the same split."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    order = np.random.default_rng(seed).permutation(n)
    n_test = round(n * test_fraction)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


class RatingsDataset(keras.utils.PyDataset):
    """Batches ``({"user": ..., "item": ...}, ratings)`` of its own arrays
    (04_pydataset_and_a_recommender).

    ``len()`` is ``ceil(n / batch_size)``: the last, smaller batch is kept. With
    ``shuffle=True`` the rows are dealt into batches in a new order every epoch; the order
    is a pure function of ``(seed, epoch)``, so it is the same in a thread, a forked or a
    spawned worker. ``on_epoch_end()`` advances ``epoch``. ``workers``,
    ``use_multiprocessing`` and ``max_queue_size`` go to ``PyDataset.__init__``.
    """

    def __init__(self, users, items, ratings, batch_size=256, shuffle=True, seed=0,
                 **kwargs):
        super().__init__(**kwargs)
        if not len(users) == len(items) == len(ratings):
            raise ValueError(f"users, items and ratings differ in length: "
                             f"{len(users)}, {len(items)}, {len(ratings)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.users = np.asarray(users, dtype="int32")
        self.items = np.asarray(items, dtype="int32")
        self.ratings = np.asarray(ratings, dtype="float32")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.order = self._order()

    def _order(self):
        n = len(self.ratings)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng((self.seed, self.epoch)).permutation(n)

    def __len__(self):
        return math.ceil(len(self.ratings) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range for {len(self)} batches")
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return {"user": self.users[rows], "item": self.items[rows]}, self.ratings[rows]

    def on_epoch_end(self):
        self.epoch += 1
        self.order = self._order()


def build_recommender(n_users, n_items, dim=32, mean_rating=3.5, l2=1e-4):
    """A two-input (user, item) rating model: dot product of embeddings plus a user and an
    item bias, around ``mean_rating`` (04_pydataset_and_a_recommender).

    Inputs are named "user" and "item" (int32 indices, one per example); the output is
    one predicted rating per example, shape ``(batch,)``. Not compiled."""
    user = keras.Input(shape=(), dtype="int32", name="user")
    item = keras.Input(shape=(), dtype="int32", name="item")
    reg = keras.regularizers.l2(l2)
    user_vec = keras.layers.Embedding(n_users, dim, embeddings_regularizer=reg,
                                      name="user_vector")(user)
    item_vec = keras.layers.Embedding(n_items, dim, embeddings_regularizer=reg,
                                      name="item_vector")(item)
    user_bias = keras.layers.Embedding(n_users, 1, name="user_bias")(user)
    item_bias = keras.layers.Embedding(n_items, 1, name="item_bias")(item)
    taste = keras.layers.Dot(axes=1, name="taste_match")([user_vec, item_vec])
    score = keras.layers.Add(name="score")([taste, user_bias, item_bias])
    rating = keras.layers.Rescaling(1.0, offset=mean_rating, name="shift_to_mean")(score)
    rating = keras.layers.Reshape((), name="rating")(rating)
    return keras.Model({"user": user, "item": item}, rating, name="recommender")
