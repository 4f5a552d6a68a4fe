"""The image CSV parser's two paths agree (course_utils.csv_images): the vectorised
byte-level parser of plainly written rows (``_parse_plain``) either declines a block
or returns exactly what the careful row-by-row path (``_diagnose``, Python's int())
reads, and it accepts every row ``write_image_csv`` writes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.csv_images import _diagnose, _parse_plain, write_image_csv

ODD_TOKENS = ["", "256", "300", "999", "1000", "007", "0007", "00", "-1", "-0", "+3", " 12",
              "12 ", "1.5", "x", "\r", "1\r2", "\u0663", "1,2", "\t7", "\x00", "0x1"]
tokens = st.one_of(st.integers(0, 255).map(str), st.integers(0, 255).map(str),
                   st.sampled_from(ODD_TOKENS),
                   st.text(alphabet="0123456789,-+ .\rx", max_size=4))
labels = st.sampled_from(["a", "colts' foot", "7", " a", "a ", "", "\u00e9t\u00e9"])


@st.composite
def blocks(draw):
    n_values = draw(st.integers(1, 6))
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        plain = draw(st.booleans())
        count = n_values if plain else draw(st.integers(max(0, n_values - 2), n_values + 2))
        values = [str(draw(st.integers(0, 255))) if plain else draw(tokens)
                  for _ in range(count)]
        label = "a" if plain else draw(labels)
        end = draw(st.sampled_from(["\n", "\n", "\r\n", ""]))
        lines.append((label + "," + ",".join(values) + end).encode("utf-8"))
    return n_values, lines


def _careful(lines, n_values):
    """What the row-by-row path reads, or None where it raises."""
    pixels, names = [], []
    for number, line in enumerate(lines, start=1):
        label, _, rest = line.strip().partition(b",")
        try:
            pixels.append(_diagnose("x.csv", number, label, rest, n_values, False))
        except ValueError:
            return None
        names.append(label)
    return np.stack(pixels), names


@settings(max_examples=400, deadline=None)
@given(blocks())
def test_the_fast_path_declines_or_agrees_with_the_careful_path(block):
    n_values, lines = block
    fast = _parse_plain(lines, n_values)
    if fast is None:
        return
    careful = _careful(lines, n_values)
    assert careful is not None, "the fast path accepted a block the careful path rejects"
    np.testing.assert_array_equal(fast[0], careful[0])
    assert fast[1] == careful[1]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_fast_path_accepts_every_written_row(tmp_path_factory, data):
    shape = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)), 3)
    n, size = data.draw(st.integers(1, 9)), int(np.prod(shape))
    images = np.array(data.draw(st.lists(st.integers(0, 255), min_size=n * size,
                                         max_size=n * size)),
                      dtype=np.uint8).reshape(n, *shape)
    path = write_image_csv(tmp_path_factory.mktemp("w") / "w.csv", images, ["a"] * n)
    lines = path.read_bytes().splitlines(keepends=True)
    if data.draw(st.booleans()):  # CRLF line ends and no final newline are plain too
        lines = [line.replace(b"\n", b"\r\n") for line in lines]
        lines[-1] = lines[-1].rstrip(b"\r\n")
    fast = _parse_plain(lines, size)
    assert fast is not None
    np.testing.assert_array_equal(fast[0].reshape(images.shape), images)
    assert fast[1] == [b"a"] * n


def test_the_edges_of_plain():
    assert _parse_plain([b"a,0,255,9\n"], 3)[0].tolist() == [[0, 255, 9]]
    assert _parse_plain([b"a,007,10,99"], 3)[0].tolist() == [[7, 10, 99]]
    for bad in (b"a,0,256,9\n", b"a,0,0255,9\n", b"a,0,25,\n", b"a,,0,25,9\n", b"a,0,25\n",
                b"a,0,25,9,1\n", b"a,0, 25,9\n", b"a,0,25,9 \n", b" a,0,25,9\n", b",0,25,9\n",
                b"a,0,25;9\n", b"a\n", b"a,0,25,9\r\r\n", b"a,0,2\r5,9\n"):
        assert _parse_plain([b"a,1,2,3\n", bad], 3) is None, bad
    # rows of the right total length but miscounted: the line breaks are checked
    assert _parse_plain([b"a,1,2\n", b"a,1,2,3,4\n"], 3) is None
    # an empty first token with a stray separator that makes the count come right
    assert _parse_plain([b"a,,1,2x3\n"], 3) is None
