"""Check a data source before training on it (introduced in 03_debugging_generators).

``check_generator(source, model=None, ...)`` pulls a few batches (or, given ``epochs`` and
``steps_per_epoch``, as many as ``fit`` needs, up to ``MAX_PULL``) from a Python generator,
a ``keras.utils.PyDataset`` or a ``tf.data.Dataset`` and returns a report to read before
``fit``: shapes, dtypes and batch sizes across batches, non-finite values, labels against
the model's output, and whether the source can supply the requested epochs and steps.
"""

import types
from dataclasses import dataclass, field

import numpy as np

PEEKED_BY_KERAS = 2  # Keras keeps a generator's first two batches (the TensorFlow backend
# takes its tf.TensorSpec from them: dtypes from batch 0, shapes from batches 0 and 1)
MAX_PULL = 100  # at most this many batches are pulled to cover what fit needs


@dataclass
class GeneratorReport:
    """What ``check_generator`` found (03_debugging_generators).

    ``ok`` is True when no problem was found; ``problems`` and ``notes`` are sentences that
    name the batch; ``batches`` are the batches pulled; ``source`` is what to train on
    (for a Python generator: a new generator that replays the pulled batches first, so
    nothing is lost); ``text`` (also ``str(report)``) is the readable report.
    """

    kind: str
    batches: list
    source: object
    pulled: int
    finite: object  # True, False or None (unknown)
    available: object  # number of batches per pass when known, else None
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    lines: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    @property
    def text(self):
        out = list(self.lines)
        if self.problems:
            out.append(f"PROBLEMS ({len(self.problems)}):")
            out += [f"  - {p}" for p in self.problems]
        if self.notes:
            out.append("notes:")
            out += [f"  - {n}" for n in self.notes]
        out.append("OK: no problems found." if self.ok else
                   "NOT OK: fix the problems above before training.")
        return "\n".join(out)

    def __str__(self):
        return self.text

    def _repr_pretty_(self, printer, cycle):  # how IPython displays it
        printer.text(self.text)


def _replay(batches, rest):
    """A generator (Keras accepts generators, not other iterators) that yields the peeked
    batches, then continues with the original generator."""
    yield from batches
    yield from rest


def _pull(source, n_batches):
    """Return (kind, batches, source_to_use, finite, available, note, restarts): restarts is
    True when the number of batches per pass is known in advance, so Keras starts a new pass
    after it (a PyDataset, a tf.data.Dataset of known cardinality)."""
    import keras

    if isinstance(source, keras.utils.PyDataset):
        total = source.num_batches
        n = n_batches if total is None else min(n_batches, total)
        batches = [source[i] for i in range(n)]  # random access: nothing is consumed
        return ("PyDataset", batches, source, total is not None, total,
                f"read batches 0..{n - 1} by index (a PyDataset is not consumed)", True)
    if hasattr(source, "element_spec") and hasattr(source, "cardinality"):
        import tensorflow as tf

        card = int(source.cardinality())
        restarts = card >= 0
        batches = [b for b in source.take(n_batches).as_numpy_iterator()]  # a fresh iterator
        if card == tf.data.INFINITE_CARDINALITY:
            finite, available = False, None
        elif card == tf.data.UNKNOWN_CARDINALITY:
            exhausted = len(batches) < n_batches
            finite, available = (True, len(batches)) if exhausted else (None, None)
        else:
            finite, available = True, card
        return ("tf.data.Dataset", batches, source, finite, available,
                f"iterated {len(batches)} batches with a fresh iterator "
                "(a tf.data.Dataset is not consumed)", restarts)
    if isinstance(source, types.GeneratorType) or (
            hasattr(source, "__next__") and hasattr(source, "__iter__")):
        batches = []
        for _ in range(n_batches):
            try:
                batches.append(next(source))
            except StopIteration:
                break
        exhausted = len(batches) < n_batches
        note = (f"pulled {len(batches)} batch(es) from your generator with next(): "
                "they are in report.batches; train on report.source, which replays them "
                "and then continues your generator")
        return ("Python generator", batches, _replay(batches, source),
                True if exhausted else None, len(batches) if exhausted else None, note, False)
    return (type(source).__name__, [], source, None, None, None, False)


def _leaves(part, prefix):
    """Flatten x / y / sample weights into [(name, array)]."""
    if isinstance(part, dict):
        out = []
        for key in part:
            out += _leaves(part[key], f"{prefix}[{key!r}]")
        return out
    if isinstance(part, (list, tuple)):
        out = []
        for i, item in enumerate(part):
            out += _leaves(item, f"{prefix}[{i}]")
        return out
    return [(prefix, np.asarray(part))]


def _describe(arr):
    return f"{tuple(arr.shape)} {arr.dtype}"


def _split(batch):
    """(x, y, sample_weight) of a batch, or a problem string."""
    if isinstance(batch, dict):
        return batch, None, None, None
    if isinstance(batch, np.ndarray) or not isinstance(batch, (tuple, list)):
        return batch, None, None, None
    if not 1 <= len(batch) <= 3:
        return None, None, None, f"has {len(batch)} parts; expected (x,), (x, y) or (x, y, w)"
    parts = list(batch) + [None] * (3 - len(batch))
    return parts[0], parts[1], parts[2], None


def _loss_name(model):
    loss = getattr(model, "loss", None)
    if loss is None:
        return ""
    if isinstance(loss, str):
        return loss.lower()
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", None)
               or type(loss).__name__).lower()


def _check_model(model, parsed, problems, notes):
    """Compare the first batch's x with the model's inputs, every batch's y with its output."""
    first = parsed[0]
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    if not inputs or not outputs:
        notes.append("the model is not built (no model.inputs): model checks skipped; "
                     "give it a keras.Input(...)")
        return
    x, y = first["x"], first["y"]
    names = [t.name for t in inputs]
    if isinstance(x, dict):
        missing = [n for n in names if n not in x]
        extra = [k for k in x if k not in names]
        if missing:
            problems.append(f"batch 0: x is a dict without the model's input(s) {missing}; "
                            f"its keys are {list(x)}")
        if extra:
            notes.append(f"batch 0: x has keys the model does not use: {extra}")
        pairs = [(f"x[{n!r}]", np.asarray(x[n]), t) for n, t in zip(names, inputs, strict=False)
                 if n in x]
    else:
        arrays = _leaves(x, "x")
        if len(arrays) != len(inputs):
            problems.append(f"batch 0: x holds {len(arrays)} array(s) but the model has "
                            f"{len(inputs)} input(s) {names}")
            pairs = []
        else:
            pairs = [(name, arr, t) for (name, arr), t in zip(arrays, inputs, strict=True)]
    for name, arr, t in pairs:
        want = tuple(t.shape)
        if arr.ndim != len(want) or any(w is not None and w != a
                                        for w, a in zip(want[1:], arr.shape[1:], strict=True)):
            problems.append(f"batch 0: {name} has shape {tuple(arr.shape)} but the model's "
                            f"input {t.name!r} expects {want}")
    if len(outputs) != 1 or y is None or isinstance(y, (dict, list, tuple)):
        if y is not None:
            notes.append("several outputs or structured y: label checks skipped")
        return
    for i, p in enumerate(parsed):
        _check_labels(f"batch {i}: ", np.asarray(p["y"]), outputs[0], _loss_name(model),
                      problems)


def _check_labels(at, y, output, loss, problems):
    width = output.shape[-1]
    if y.ndim == 0 or width is None:
        return
    indices = "sparse" in loss or y.ndim == len(output.shape) - 1 or (
        width > 1 and y.shape[-1] == 1)
    if indices and width > 1:
        if np.issubdtype(y.dtype, np.floating) and np.any(y != np.round(y)):
            problems.append(f"{at}y holds non-integer class indices (e.g. "
                            f"{y[y != np.round(y)].flat[0]:g})")
        low, high = y.min(), y.max()
        if low < 0:
            problems.append(f"{at}labels go down to {low:g}: class indices must be >= 0")
        if high >= width:
            problems.append(f"{at}labels go up to {high:g} but the model has {width} outputs: "
                            f"class indices must be 0..{width - 1}")
        return
    if y.shape[-1] != width and not (width == 1 and y.ndim == 1):
        problems.append(f"{at}y has width {y.shape[-1]} but the model's output has width {width}"
                        + (" (one-hot labels of another number of classes?)"
                           if "categorical" in loss else ""))
        return
    if "binary" in loss or ("categorical" in loss and width > 1):
        if y.min() < 0 or y.max() > 1:
            problems.append(f"{at}y ranges over [{y.min():g}, {y.max():g}] but the loss {loss!r} "
                            "expects targets in [0, 1]")


def check_generator(source, model=None, *, n_batches=5, epochs=None, steps_per_epoch=None):
    """Pull up to ``n_batches`` batches from a Python generator, a ``PyDataset`` or a
    ``tf.data.Dataset`` and report what would go wrong in ``fit`` (03_debugging_generators).

    With ``model=``, x is checked against ``model.inputs`` and the labels against the
    output's width. With ``steps_per_epoch=`` (and ``epochs=``, 1 if not given, as in
    ``fit``), it pulls as many batches as ``fit`` needs (epochs x steps_per_epoch, or
    ``n_batches`` if that is more) but at most ``MAX_PULL`` (100), and reports a source that
    runs dry before that; when the cap applies, the report says where it stopped. A Python
    generator is advanced by the batches pulled: train on ``report.source``, which replays
    them first. Returns a ``GeneratorReport``.
    """
    need = (epochs or 1) * steps_per_epoch if steps_per_epoch else None
    target = n_batches if need is None else max(n_batches, min(need, MAX_PULL))
    kind, batches, usable, finite, available, how, restarts = _pull(source, target)
    report = GeneratorReport(kind, batches, usable, len(batches), finite, available)
    problems, notes, lines = report.problems, report.notes, report.lines
    lines.append(f"check_generator: {kind}")
    if how is None:
        if callable(source):
            name = getattr(source, "__name__", kind)
            problems.append(f"{name} is a function, not a generator: call it "
                            f"(pass {name}(...), not {name})")
        else:
            problems.append(f"Keras cannot train on a {kind}: pass a generator, a "
                            "PyDataset or a tf.data.Dataset")
        return report
    lines.append(f"  {how}")
    if not batches:
        problems.append("the source yielded no batch at all (an exhausted generator? "
                        "a generator can be iterated only once)")
        return report

    parsed = []
    for i, batch in enumerate(batches):
        if kind == "Python generator" and isinstance(batch, list):
            problems.append(f"batch {i}: a list; Keras needs a generator to yield a tuple "
                            "(x, y) - write `yield x, y`")
        x, y, w, bad = _split(batch)
        if bad:
            problems.append(f"batch {i}: {bad}")
            return report
        leaves = _leaves(x, "x") + ([] if y is None else _leaves(y, "y")) + (
            [] if w is None else _leaves(w, "sample_weight"))
        parsed.append({"x": x, "y": y, "leaves": dict(leaves)})
        lines.append(f"  batch {i}: " + " · ".join(f"{n} {_describe(a)}" for n, a in leaves))

    # each batch on its own: aligned sample counts, finite values, non-empty
    sizes = []
    for i, p in enumerate(parsed):
        counts = {n: (a.shape[0] if a.ndim else None) for n, a in p["leaves"].items()}
        distinct = set(counts.values())
        if None in distinct:
            problems.append(f"batch {i}: a scalar where an array of samples was expected "
                            f"({[n for n, c in counts.items() if c is None]})")
            continue
        if len(distinct) > 1:
            problems.append(f"batch {i}: inputs and labels are misaligned: "
                            + ", ".join(f"{n} has {c}" for n, c in counts.items())
                            + " samples")
        size = max(distinct)
        sizes.append(size)
        if size == 0:
            problems.append(f"batch {i}: empty (0 samples)")
        for name, arr in p["leaves"].items():
            if arr.dtype.kind in "fc":
                nan, inf = int(np.isnan(arr).sum()), int(np.isinf(arr).sum())
                if nan or inf:
                    what = " and ".join(s for s in (f"{nan} NaN" if nan else "",
                                                    f"{inf} inf" if inf else "") if s)
                    problems.append(f"batch {i}: {name} holds {what} value(s): the loss "
                                    "becomes NaN and training silently stops learning")
            elif arr.dtype.kind in "OSU":
                problems.append(f"batch {i}: {name} has dtype {arr.dtype}, not numbers")

    # across batches: the same names, dtypes and shapes as batch 0
    first = parsed[0]["leaves"]
    for i, p in enumerate(parsed[1:], start=1):
        if list(p["leaves"]) != list(first):
            problems.append(f"batch {i}: its structure {list(p['leaves'])} differs from "
                            f"batch 0's {list(first)}")
            continue
        for name, arr in p["leaves"].items():
            ref = first[name]
            if arr.dtype != ref.dtype:
                problems.append(
                    f"batch {i}: {name} is {arr.dtype} but batch 0's is {ref.dtype}; on the "
                    "TensorFlow backend, Keras silently casts every batch to batch 0's dtype")
            if arr.shape[1:] != ref.shape[1:]:
                if arr.ndim != ref.ndim:
                    problems.append(f"batch {i}: {name} has rank {arr.ndim}, batch 0's "
                                    f"has rank {ref.ndim}")
                elif i >= PEEKED_BY_KERAS and parsed[1]["leaves"][name].shape[1:] == \
                        ref.shape[1:]:
                    problems.append(
                        f"batch {i}: {name} has shape {tuple(arr.shape)} but batches 0-1 "
                        f"had {tuple(ref.shape[1:])} after the batch axis: on the TensorFlow "
                        "backend, Keras fixes the shape from the first two batches and "
                        "raises on this one")
                else:
                    notes.append(f"{name} varies in a non-batch dimension "
                                 f"({tuple(ref.shape)} vs {tuple(arr.shape)}): fine only if "
                                 "batches 0 and 1 differ there (the TensorFlow backend fixes "
                                 "shapes from them) and the model accepts None")
    if len(set(sizes)) > 1:
        shape = ", ".join(map(str, sizes))
        body = sizes[:-1]
        last_is_remainder = finite is True and len(set(body)) == 1 and sizes[-1] < body[0]
        if not last_is_remainder:
            notes.append(f"batch sizes vary ({shape}): Keras 3 accepts this (the batch axis "
                         "is None), but it usually means a slicing bug; per-batch statistics "
                         "(BatchNormalization) and batch-weighted metrics shift")
    lines.append("  batch sizes: " + ", ".join(map(str, sizes)))

    if model is not None:
        _check_model(model, parsed, problems, notes)

    # is there enough data for the requested epochs and steps?
    if finite is True:
        lines.append(f"  finite: yes, {available} batch(es) "
                     + ("per pass" if restarts else "in all"))
    elif finite is False:
        lines.append("  finite: no (infinite)")
    elif need is not None and len(batches) >= need:
        lines.append(f"  finite: unknown (still yielding after {len(batches)} batches, "
                     "all that fit needs)")
    else:
        lines.append(f"  finite: unknown (still yielding after {len(batches)} batches"
                     + (", where check_generator stopped)" if need is not None else ")"))
    _check_supply(kind, restarts, finite, available, len(batches), epochs, steps_per_epoch,
                  problems, notes)
    problems.sort(key=_batch_number)  # stable: in batch order, general problems last
    return report


def _batch_number(sentence):
    if sentence.startswith("batch "):
        return int(sentence.split()[1].rstrip(":"))
    return 1 << 30


def _check_supply(kind, restarts, finite, available, pulled, epochs, steps, problems, notes):
    if finite is False and steps is None:
        problems.append("the source is infinite and steps_per_epoch is not set: "
                        "the first epoch would never end")
        return
    epochs = epochs or 1
    need = None if steps is None else epochs * steps
    how = f"({epochs} epoch{'s' if epochs != 1 else ''} x {steps} steps)"
    if finite is None:
        if steps is None:
            notes.append("cannot tell whether the source ends; if it loops forever "
                         "(while True), pass steps_per_epoch or epoch 1 never ends")
        elif pulled < need:
            notes.append(f"fit needs {need} batches {how}; check_generator pulls at most "
                         f"{MAX_PULL} (or n_batches if more) and stopped at {pulled}: "
                         "whether the source lasts is not checked")
        return
    if finite is not True:
        return
    generator = kind == "Python generator"
    if need is not None and need > available and not restarts:
        # a generator, or a tf.data.Dataset of unknown length: Keras starts no new pass
        what = ("Keras does not restart a generator, so the epochs from there run short, "
                "empty or on the batches it cached, with only a warning; make it endless "
                "(while True)") if generator else (
                "Keras cannot know its length and restarts it only after an epoch ran short "
                "or empty, with only a warning; add .repeat()")
        problems.append(f"the source ran dry after {available} batches; fit needs {need} {how}: "
                        + what)
    elif generator and steps is None and epochs > 1:
        problems.append(
            f"a finite generator of {available} batches and {epochs} epochs without "
            "steps_per_epoch: epoch 1 uses all of them, and every later epoch silently "
            f"replays the {min(available, PEEKED_BY_KERAS)} batches Keras cached")
    elif restarts and steps is not None and steps > available:
        problems.append(f"steps_per_epoch={steps} but one pass has only {available} "
                        "batches: every epoch runs out of data")
    elif restarts and need is not None and need > available and available % steps:
        notes.append(f"{available} batches per pass is not a multiple of "
                     f"steps_per_epoch={steps}: some epochs will be short")
