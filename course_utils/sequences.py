"""Variable-length sequences: a learnable generated task, padding waste and bucketing
(introduced in 07_variable_length_sequences)."""

import numpy as np


def majority_sequences(n, min_len=5, max_len=80, vocab_size=20, seed=0):
    """A generated sequence-classification task whose answer depends on the whole
    sequence (07_variable_length_sequences).

    Returns ``(sequences, labels)``: ``n`` int32 arrays of token ids in
    ``1..vocab_size`` (0 stays free for padding) and an int32 array of 0/1 labels.
    Lengths are log-uniform in ``[min_len, max_len]`` (many short sequences, a few long
    ones, as in real text). The label is 1 when the sequence holds more "high" tokens
    (ids above ``vocab_size // 2``) than "low" ones, else 0 (a tie counts as 0).
    The same ``seed`` gives the same task.
    """
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got {min_len} and {max_len}")
    if vocab_size < 2:
        raise ValueError(f"vocab_size must be at least 2, got {vocab_size}")
    rng = np.random.default_rng(seed)
    lengths = np.exp(rng.uniform(np.log(min_len), np.log(max_len + 1), size=n))
    lengths = np.clip(lengths.astype(int), min_len, max_len)
    sequences = [rng.integers(1, vocab_size + 1, size=length).astype("int32")
                 for length in lengths]
    half = vocab_size // 2
    labels = np.array([int((s > half).sum() > (s <= half).sum()) for s in sequences],
                      dtype="int32")
    return sequences, labels


def padding_waste(lengths, batches, maxlen=None):
    """Fraction of the padded batches' cells that are padding (07_variable_length_sequences).

    ``lengths`` are the sequences' lengths; ``batches`` is either a batch size (the
    sequences are batched in the order given, the last batch may be smaller) or a list of
    index arrays, one per batch (as returned by ``bucket_batches``). Each batch is padded
    to its own longest sequence, or, with ``maxlen``, to ``maxlen`` (longer sequences are
    truncated to ``maxlen``).
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if isinstance(batches, (int, np.integer)):
        if batches < 1:
            raise ValueError(f"batch size must be at least 1, got {batches}")
        batches = [np.arange(i, min(i + batches, lengths.size))
                   for i in range(0, lengths.size, batches)]
    if maxlen is not None:
        lengths = np.minimum(lengths, maxlen)
    cells = used = 0
    for index in batches:
        batch = lengths[np.asarray(index, dtype=np.int64)]
        if batch.size == 0:
            continue
        cells += (batch.max() if maxlen is None else maxlen) * batch.size
        used += batch.sum()
    return 0.0 if cells == 0 else float(1 - used / cells)


def bucket_batches(lengths, batch_size, seed=None):
    """Batches of indices that group sequences of similar length, in random order
    (07_variable_length_sequences).

    Sorts the indices by length (equal lengths in random order), cuts them into
    consecutive batches of ``batch_size`` (the last may be smaller) and shuffles the
    order of the batches. Every index appears exactly once. Call it again with another
    ``seed`` each epoch to reshuffle.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    rng = np.random.default_rng(seed)
    lengths = np.asarray(lengths)
    tie_break = rng.permutation(lengths.size)
    order = tie_break[np.argsort(lengths[tie_break], kind="stable")]
    batches = [order[i:i + batch_size] for i in range(0, order.size, batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]
