"""Images serialized as CSV text, one row per image, and the generator that streams them
(introduced in 05_flowers17_csv_generator).

The format is the classic tutorial's: each line holds a label, then the image's
64 x 64 x 3 = 12,288 pixel values as integers 0-255 in row-major
height x width x channel order, separated by commas. There is no header row.

- ``csv_image_generator``: the tutorial's generator, with its contract kept and its
  flaws fixed (exact evaluation, streaming, fast vectorised parsing, precise errors).
- ``naive_csv_generator``: the tutorial's algorithm as it was, the baseline the course
  measures against (08_input_pipeline_performance).
- ``read_image_csv`` / ``write_image_csv``: whole-file reading and atomic writing.
"""

import os
import tempfile
from itertools import islice
from pathlib import Path

import numpy as np

from .data import _file_mode

IMAGE_SHAPE = (64, 64, 3)
_BOM = b"\xef\xbb\xbf"
_BLOCK_ROWS = 8  # rows read and parsed together: enough to amortise, few enough to stream
_READ_BUFFER = 1 << 20  # bytes read at once: a row of 64 x 64 x 3 values is ~45 kB


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------


def _diagnose(path, number, label, values, n_values, first):
    """Parse one row slowly, with Python's int(); raise ValueError saying exactly what
    is wrong with it. Used for rows the fast path rejects, so messages are precise."""
    where = f"{path}, line {number}"
    if not label.strip():
        raise ValueError(f"{where}: empty label (a row is: label, then {n_values} values)")
    fields = values.split(b",") if values else []
    if first and fields and any(chr(c).isalpha() for c in fields[0]):
        raise ValueError(f"{where}: looks like a header row ({_show(label + b',' + values)}); "
                         "the file must hold data rows only, with no header")
    if len(fields) != n_values:
        raise ValueError(f"{where}: expected {n_values} values after the label, "
                         f"found {len(fields)}")
    pixels = np.empty(n_values, dtype=np.uint8)
    for i, field in enumerate(fields):
        text = field.strip()
        digits = text[1:] if text[:1] in (b"-", b"+") else text
        if not (digits.isdigit() and digits.isascii()):
            raise ValueError(f"{where}: value {i + 1} ({_show(field)}) is not an integer")
        value = int(text)
        if not 0 <= value <= 255:
            raise ValueError(f"{where}: value {i + 1} ({value}) is outside 0-255")
        pixels[i] = value
    return pixels


def _show(raw, limit=40):
    text = raw.decode("utf-8", errors="replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _parse_plain(lines, n_values):
    """Parse rows written plainly (``label,v1,...,vn`` with every value 1-3 ASCII digits
    and nothing else, the way ``write_image_csv`` writes them) with vectorised NumPy
    byte arithmetic. Returns (uint8 ``(rows, n_values)`` pixels, byte labels), or None
    if any row is not plain; the caller then takes the general path, which parses and
    diagnoses anything else. Never returns wrong values: every check below is exact.

    How: the rows after their labels are joined, one per line, into one buffer, viewed
    as bytes. Bytes that are not ASCII digits are the separators; their positions
    (``np.flatnonzero``), the count of commas and the line breaks found after every
    ``n_values``-th token prove that every row holds exactly ``n_values`` tokens and
    nothing but digits, commas and line breaks. At each token's end the four bytes
    before its separator are gathered (``take``): ones, tens, hundreds and the byte
    before them. The ones must be a digit (no empty token), a digit before three
    digits means a token too long, and the value is
    ``ones + 10 * tens + 100 * hundreds``, the tens and hundreds counting only if
    they are digits too. Values above 255 are rejected.
    """
    rows = len(lines)
    labels, parts = [], [b"\n\n"]  # buffer starts with three separators, so every
    for line in lines:                # token has three bytes before it
        if line[:1].isspace():
            return None
        comma = line.find(b",")
        if comma <= 0:
            return None
        end = len(line)
        if line.endswith(b"\n"):
            end -= 2 if line.endswith(b"\r\n") else 1
        labels.append(line[:comma])
        parts.append(memoryview(line)[comma + 1:end])
    parts.append(b"")  # and ends with one after the last token
    data = np.frombuffer(b"\n".join(parts), dtype=np.uint8)
    total = rows * n_values
    digits = data - np.uint8(48)  # 0-9 for ASCII digits, 10-255 for anything else
    if digits[3] >= 10 or np.count_nonzero(data == 44) != total - rows:
        return None
    ends = np.flatnonzero(digits[4:] >= 10)  # a separator at i + 4 ends a token at i + 3
    # All separators after byte 3 are listed. There are rows line breaks among them
    # (one after each row) and total - rows commas: so if there are total separators
    # and a line break after every n_values-th token, the rest are exactly the commas.
    if ends.size != total or not np.all(data[ends[n_values - 1::n_values] + 4] == 10):
        return None
    ones = digits[3:].take(ends)
    tens = digits[2:].take(ends)
    hundreds = digits[1:].take(ends)
    has_tens = tens < 10
    has_hundreds = hundreds < 10
    has_hundreds &= has_tens
    if ones.max() >= 10 or np.any(has_hundreds & (digits.take(ends) < 10)):
        return None  # an empty token, or one of more than three digits
    tens *= has_tens
    tens *= np.uint8(10)
    tens += ones  # 0-99
    hundreds *= has_hundreds
    pixels = hundreds.astype(np.uint16)
    pixels *= np.uint16(100)
    pixels += tens
    if pixels.max() > 255:
        return None
    return pixels.astype(np.uint8).reshape(rows, n_values), labels


def _parse_values(rests, n_values):
    """Parse rows of comma-separated integers (the part after each label) with one call
    to NumPy's C text parser, then prove the result exact with cheap array checks.
    Returns a (rows, n_values) uint8 array, or None if anything is off; the caller then
    diagnoses row by row, so the error names the line and the value. Used for blocks
    ``_parse_plain`` does not accept (e.g. spaces or leading zeros in values).

    The proof: a value v of 0-255 written plainly takes 1 + (v >= 10) + (v >= 100)
    characters, and no text of a value takes fewer characters than the plain form of
    what the parser returns for it (leading zeros, spaces, signs and out-of-range
    numbers that wrap around all take more). So if every row's length equals the plain
    length of its n_values parsed values plus its commas, every row holds exactly
    n_values plain values 0-255 and the parse is exact; otherwise (including a
    trailing comma, which the parser tolerates) the row goes to the careful path.
    """
    try:
        values = np.fromstring(b",".join(rests), dtype=np.uint16, sep=",")
    except ValueError:  # "could not be read to its end": something that is not a number
        return None
    if values.size != len(rests) * n_values or values.max() > 255:
        return None
    values = values.reshape(len(rests), n_values)
    plain = (np.count_nonzero(values >= 10, axis=1) + np.count_nonzero(values >= 100, axis=1)
             + (2 * n_values - 1))
    if not np.array_equal(plain, [len(rest) for rest in rests]):
        return None
    return values.astype(np.uint8)


class _Reader:
    """Reads an image CSV in blocks of rows, tracking 1-based line numbers."""

    def __init__(self, path, image_shape, classes):
        self.path = Path(path)
        self.shape = tuple(image_shape)
        self.n_values = int(np.prod(self.shape))
        self.index = None if classes is None else {name: i for i, name in enumerate(classes)}
        self.file = None
        self.number = 0  # last line read
        self.first_row_seen = False

    def open(self):
        self.file = open(self.path, "rb", buffering=_READ_BUFFER)  # noqa: SIM115 (closed by close())
        self.number = 0
        self.first_row_seen = False

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None

    def rewind(self):
        self.file.seek(0)
        self.number = 0
        self.first_row_seen = False

    def block(self, n_rows):
        """Up to ``n_rows`` rows as (uint8 images, int32 label indices or label strings);
        fewer (possibly none) at the end of the file. Blank lines are skipped."""
        kept, numbers = [], []
        while len(kept) < n_rows:
            lines = list(islice(self.file, n_rows - len(kept)))
            if not lines:
                break
            for line in lines:
                self.number += 1
                if self.number == 1 and line.startswith(_BOM):
                    line = line[len(_BOM):]
                if (not line or line[:1].isspace()) and not line.strip():
                    continue
                kept.append(line)
                numbers.append(self.number)
        if not kept:
            return None
        first = not self.first_row_seen
        self.first_row_seen = True
        plain = _parse_plain(kept, self.n_values)
        if plain is not None:
            pixels, labels = plain
        else:
            pixels, labels = self._parse_general(kept, numbers, first)
        return pixels.reshape((len(kept), *self.shape)), self._labels(labels, numbers)

    def _parse_general(self, lines, numbers, first):
        """Rows ``_parse_plain`` does not accept: NumPy's text parser, proved exact, and
        if that fails, row by row with precise errors."""
        labels, rests = [], []
        for line in lines:
            label, _, rest = line.strip().partition(b",")
            labels.append(label)
            rests.append(rest)
        pixels = None
        if not first or rests[0][:1].isdigit():
            pixels = _parse_values(rests, self.n_values)
        if pixels is None or not all(label.strip() for label in labels):
            rows = enumerate(zip(numbers, labels, rests, strict=True))
            pixels = np.stack([
                _diagnose(self.path, number, label, rest, self.n_values, first and i == 0)
                for i, (number, label, rest) in rows])
        return pixels, labels

    def _labels(self, raw, numbers):
        names = []
        for label, number in zip(raw, numbers, strict=True):
            try:
                names.append(label.decode("utf-8"))
            except UnicodeDecodeError:
                raise ValueError(f"{self.path}, line {number}: the label is not UTF-8 text") \
                    from None
        if self.index is None:
            return names
        try:
            return np.array([self.index[name] for name in names], dtype=np.int32)
        except KeyError:
            for name, number in zip(names, numbers, strict=True):
                if name not in self.index:
                    raise ValueError(
                        f"{self.path}, line {number}: label {name!r} is not one of the "
                        f"{len(self.index)} classes ({', '.join(list(self.index)[:5])}, ...)"
                    ) from None
            raise


def csv_classes(csv_path):
    """The sorted distinct labels of an image CSV: the default ``classes`` of a training
    file (05_flowers17_csv_generator). Reads only the labels, streaming."""
    path, labels, rows = Path(csv_path), set(), 0
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM):]
            line = line.strip()
            if not line:
                continue
            label = line.partition(b",")[0].strip()
            if not label:
                raise ValueError(f"{path}, line {number}: empty label")
            labels.add(label.decode("utf-8", errors="replace"))
            rows += 1
    if rows == 0:
        raise ValueError(f"{path}: the file is empty (no data rows)")
    return sorted(labels)


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


def _to_outputs(images, labels, n_classes, one_hot):
    x = np.multiply(images, np.float32(1 / 255), dtype=np.float32)
    if one_hot:
        y = np.zeros((labels.size, n_classes), dtype=np.float32)
        y[np.arange(labels.size), labels] = 1.0
        return x, y
    return x, labels


def csv_image_generator(csv_path, batch_size, mode="train", classes=None, *, one_hot=False,
                        shuffle_buffer=0, seed=None, image_shape=IMAGE_SHAPE):
    """Stream (images, labels) batches from an image CSV (05_flowers17_csv_generator).

    The classic tutorial's generator, same name and contract, flaws fixed:

    - yields ``images``: float32 ``(batch, 64, 64, 3)``, pixel values scaled to [0, 1]
      (value / 255); ``labels``: int32 indices into ``classes``, or float32 one-hot
      rows with ``one_hot=True``;
    - ``classes`` defaults to the sorted labels of the file (right for a training file);
      pass the training file's classes for a test file (required with ``mode="eval"``).
      A label not in ``classes`` raises ``ValueError`` naming the file and line;
    - streams: memory depends on ``batch_size`` and ``shuffle_buffer``, not the file;
    - ``mode="train"`` loops forever, rewinding at the end of the file (a batch may span
      the end and the start); ``shuffle_buffer=n`` draws rows at random from a buffer of
      ``n`` rows (like ``tf.data``'s ``shuffle``), seeded by ``seed``;
    - ``mode="eval"`` yields every row exactly once, in file order, the last batch
      short, then stops: pass it to ``predict`` without ``steps``;
    - malformed input raises ``ValueError`` naming the file, the 1-based line and what
      is wrong; CRLF line ends, a UTF-8 BOM and a missing final newline are fine;
      blank lines are skipped;
    - the file is closed when the generator finishes, is closed, or is collected.
    """
    if mode not in ("train", "eval"):
        raise ValueError(f"mode must be 'train' or 'eval', not {mode!r}")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
    if mode == "eval" and shuffle_buffer:
        raise ValueError("mode='eval' keeps the file's order: do not pass shuffle_buffer")
    if mode == "eval" and classes is None:
        raise ValueError("mode='eval' needs classes=: pass the training file's classes so "
                         "that label indices mean the same thing in both files")
    classes = csv_classes(csv_path) if classes is None else list(classes)
    return _generate(csv_path, int(batch_size), mode, classes, one_hot, int(shuffle_buffer),
                     seed, image_shape)


def _generate(csv_path, batch_size, mode, classes, one_hot, shuffle_buffer, seed, image_shape):
    reader = _Reader(csv_path, image_shape, classes)
    n_classes = len(classes)
    rows = _rows_forever(reader) if mode == "train" else _rows_once(reader)
    if shuffle_buffer > 1:
        rows = _shuffled(rows, shuffle_buffer, np.random.default_rng(seed))
    try:
        pending, have = [], 0
        for images, labels in rows:
            pending.append((images, labels))
            have += len(labels)
            while have >= batch_size:
                batch, pending, have = _take(pending, batch_size)
                yield _to_outputs(*batch, n_classes, one_hot)
        if have:  # eval: the short last batch
            batch, pending, have = _take(pending, have)
            yield _to_outputs(*batch, n_classes, one_hot)
    finally:
        rows.close()
        reader.close()


def _take(pending, n):
    """Split ``n`` rows off the front of a list of (images, labels) blocks."""
    images, labels, rest, got = [], [], [], 0
    for i, (x, y) in enumerate(pending):
        need = n - got
        if need == 0:
            rest = pending[i:]
            break
        images.append(x[:need])
        labels.append(y[:need])
        got += min(need, len(y))
        if need < len(y):
            rest = [(x[need:], y[need:])] + pending[i + 1:]
            break
    left = sum(len(y) for _, y in rest)
    if len(images) == 1:
        return (images[0], labels[0]), rest, left
    return (np.concatenate(images), np.concatenate(labels)), rest, left


def _rows_once(reader):
    reader.open()
    try:
        any_rows = False
        while (block := reader.block(_BLOCK_ROWS)) is not None:
            any_rows = True
            yield block
        if not any_rows:
            raise ValueError(f"{reader.path}: the file is empty (no data rows)")
    finally:
        reader.close()


def _rows_forever(reader):
    reader.open()
    try:
        while True:
            block = reader.block(_BLOCK_ROWS)
            if block is None:
                if reader.number == 0 or not reader.first_row_seen:
                    raise ValueError(f"{reader.path}: the file is empty (no data rows)")
                reader.rewind()
                continue
            yield block
    finally:
        reader.close()


def _shuffled(rows, size, rng):
    """A shuffle buffer over a stream of row blocks (memory: ``size`` rows)."""
    images = labels = None
    filled = 0
    try:
        for block_images, block_labels in rows:
            if images is None:
                images = np.empty((size, *block_images.shape[1:]), dtype=np.uint8)
                labels = np.empty(size, dtype=np.int32)
            out = []
            for x, y in zip(block_images, block_labels, strict=True):
                if filled < size:
                    images[filled], labels[filled] = x, y
                    filled += 1
                    continue
                j = rng.integers(size)
                out.append((images[j].copy(), labels[j]))
                images[j], labels[j] = x, y
            if out:
                yield np.stack([x for x, _ in out]), np.array([y for _, y in out], np.int32)
        if filled:  # a finite stream ends: drain the buffer at random
            order = rng.permutation(filled)
            yield images[order], labels[order]
    finally:
        rows.close()


# --------------------------------------------------------------------------------------
# Whole files
# --------------------------------------------------------------------------------------


def read_image_csv(csv_path, classes=None, *, image_shape=IMAGE_SHAPE):
    """Read a whole image CSV: ``(images, labels)`` as uint8 ``(N, 64, 64, 3)`` and int32
    indices into ``classes`` (default: the file's sorted labels)
    (05_flowers17_csv_generator). Same validation as ``csv_image_generator``."""
    classes = csv_classes(csv_path) if classes is None else list(classes)
    reader = _Reader(csv_path, image_shape, classes)
    blocks = list(_rows_once(reader))
    return (np.concatenate([x for x, _ in blocks]),
            np.concatenate([y for _, y in blocks]).astype(np.int32))


_TEXT = np.array([str(i).encode() for i in range(256)], dtype=object)


def _check_label(label, i):
    if not label or label != label.strip() or any(c in label for c in ",\r\n\ufeff"):
        raise ValueError(f"label of row {i} ({label!r}) must be non-empty text without "
                         "commas, line breaks or surrounding spaces")


def write_image_csv(path, images, labels, *, progress=False):
    """Write images (uint8, or integers 0-255, shape ``(N, H, W, C)``) and their text
    labels as an image CSV, one row per image (05_flowers17_csv_generator).

    Atomic: rows go to a temporary file in the same folder, renamed into place at the
    end, so an interrupted write never leaves a file that looks complete.
    ``progress=True`` shows a Keras progress bar. Returns the path."""
    path = Path(path)
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, height, width, channels), got {images.shape}")
    if images.dtype != np.uint8:
        if not np.issubdtype(images.dtype, np.integer):
            raise ValueError(f"images must hold integers 0-255, got dtype {images.dtype}")
        if images.size and (images.min() < 0 or images.max() > 255):
            raise ValueError("images must hold integers 0-255")
        images = images.astype(np.uint8)
    labels = [str(label) for label in labels]
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    for i, label in enumerate(labels):
        _check_label(label, i)
    bar = None
    if progress:
        from keras.utils import Progbar

        bar = Progbar(len(images), unit_name="image")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            for i, (image, label) in enumerate(zip(images, labels, strict=True)):
                values = b",".join(_TEXT[image.ravel()].tolist())
                f.write(label.encode("utf-8") + b"," + values + b"\n")
                if bar is not None and (i + 1) % 50 == 0:
                    bar.update(i + 1)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if bar is not None:
        bar.update(len(images), finalize=True)
    return path


# --------------------------------------------------------------------------------------
# The baseline
# --------------------------------------------------------------------------------------


def naive_csv_generator(csv_path, batch_size, mode="train", classes=None):
    """The classic tutorial's CSV generator, algorithm unchanged, as the baseline the
    course measures against (05_flowers17_csv_generator, 08_input_pipeline_performance).

    Re-written here in the course's own words: read one line at a time, split it on
    commas, convert the pixel values one by one with ``int()``, rewind at the end of the
    file; in ``"eval"`` mode stop filling the batch at the end of the file (the line read
    after rewinding is lost). Kept with its flaws on purpose: it never stops, so a
    caller must know how many batches to ask for; it yields uint8 images (not scaled);
    labels are the text labels, or indices when ``classes`` is given. Use
    ``csv_image_generator`` for real work.
    """
    index = None if classes is None else {name: i for i, name in enumerate(classes)}
    with open(csv_path) as f:
        while True:
            images, labels = [], []
            while len(images) < batch_size:
                line = f.readline()
                if line == "":  # end of file: start again from the top
                    f.seek(0)
                    line = f.readline()
                    if mode == "eval":
                        break
                fields = line.strip().split(",")
                pixels = np.array([int(value) for value in fields[1:]], dtype="uint8")
                images.append(pixels.reshape(IMAGE_SHAPE))
                labels.append(fields[0])
            if index is not None:
                labels = np.array([index[label] for label in labels], dtype=np.int32)
            else:
                labels = np.array(labels)
            yield np.array(images), labels
