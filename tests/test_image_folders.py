"""write_image_folders (10_migrating_legacy_keras_code): a prepared image CSV written out
as a class-per-folder tree of lossless PNGs, reused when up to date, rebuilt when not."""

import json

import numpy as np
import pytest
from PIL import Image

from course_utils.csv_images import write_image_csv
from course_utils.flowers17 import write_image_folders

CLASSES = ["tulip", "lily valley", "colts' foot"]  # not sorted, names with ' ' and "'"


@pytest.fixture
def rows(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 64, 64, 3), dtype=np.uint8)
    labels = np.array(CLASSES)[[0, 1, 2, 0, 0, 2, 1]]
    return write_image_csv(tmp_path / "rows.csv", images, labels), images, labels


def test_each_row_becomes_a_png_in_its_class_folder(rows, tmp_path):
    csv, images, labels = rows
    counts = write_image_folders(csv, tmp_path / "tree", CLASSES)
    assert counts == {"tulip": 3, "lily valley": 2, "colts' foot": 2}
    assert sorted(p.name for p in (tmp_path / "tree").iterdir() if p.is_dir()) == sorted(CLASSES)
    for row, (image, label) in enumerate(zip(images, labels, strict=True)):
        written = np.asarray(Image.open(tmp_path / "tree" / label / f"{row:04d}.png"))
        np.testing.assert_array_equal(written, image)  # lossless


def test_an_up_to_date_tree_is_reused(rows, tmp_path):
    csv, _, _ = rows
    write_image_folders(csv, tmp_path / "tree", CLASSES)
    extra = tmp_path / "tree" / "tulip" / "mine.txt"
    extra.write_text("kept")
    assert write_image_folders(csv, tmp_path / "tree", CLASSES)["tulip"] == 3
    assert extra.exists()  # not rebuilt


def test_a_changed_csv_rebuilds_the_tree_from_scratch(rows, tmp_path):
    csv, images, labels = rows
    write_image_folders(csv, tmp_path / "tree", CLASSES)
    write_image_csv(csv, images[:2], labels[:2])
    assert write_image_folders(csv, tmp_path / "tree", CLASSES) == {
        "tulip": 1, "lily valley": 1, "colts' foot": 0}
    assert len(list((tmp_path / "tree").glob("*/*.png"))) == 2  # no stale files
    assert json.loads((tmp_path / "tree" / "done.json").read_text())["counts"]["tulip"] == 1


def test_an_interrupted_tree_is_rebuilt(rows, tmp_path):
    csv, _, _ = rows
    write_image_folders(csv, tmp_path / "tree", CLASSES)
    (tmp_path / "tree" / "done.json").unlink()
    (tmp_path / "tree" / "tulip" / "0000.png").unlink()
    write_image_folders(csv, tmp_path / "tree", CLASSES)
    assert (tmp_path / "tree" / "tulip" / "0000.png").exists()


def test_keras_reads_the_tree_back_with_the_same_pixels(rows, tmp_path):
    import keras

    csv, images, labels = rows
    write_image_folders(csv, tmp_path / "tree", CLASSES)
    ds = keras.utils.image_dataset_from_directory(
        tmp_path / "tree", class_names=CLASSES, image_size=(64, 64), shuffle=False,
        batch_size=None, verbose=False)
    got = sorted((int(y), x.numpy().astype(np.uint8).tobytes()) for x, y in ds)
    want = sorted((CLASSES.index(lab), img.tobytes()) for img, lab in zip(images, labels,
                                                                           strict=True))
    assert got == want
