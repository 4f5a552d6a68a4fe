"""Flowers-17: the generated stand-in, the real photos from FLOWERS17_DIR (skipped when
absent), a download from a file:// origin, and the manifest that avoids rebuilding.
Never touches the network."""

import io
import json
import os
import tarfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from course_utils import data, flowers17
from course_utils.csv_images import csv_image_generator, read_image_csv
from course_utils.flowers17 import (
    FLOWERS17_CLASSES,
    prepare_flowers17,
    split_indices,
    synthetic_flower,
)

REAL = os.environ.get("FLOWERS17_DIR")
HAVE_REAL = bool(REAL) and Path(REAL, "image_1360.jpg").is_file()


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory):
    """One data folder for the module: the stand-in is built once (a few seconds)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture
def home(shared_home, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(shared_home))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv("FLOWERS17_DIR", raising=False)
    return shared_home


def _check_counts(ds):
    assert (ds.n_train, ds.n_test) == (1020, 340)
    assert ds.classes == FLOWERS17_CLASSES and len(ds.classes) == 17
    train_x, train_y = read_image_csv(ds.train_csv, ds.classes)
    test_x, test_y = read_image_csv(ds.test_csv, ds.classes)
    assert train_x.shape == (1020, 64, 64, 3) and test_x.shape == (340, 64, 64, 3)
    assert Counter(train_y.tolist()) == {c: 60 for c in range(17)}
    assert Counter(test_y.tolist()) == {c: 20 for c in range(17)}
    assert np.all(np.diff(test_y) >= 0)  # testing rows in dataset order
    assert len(set(train_y[:60].tolist())) > 5  # training rows shuffled
    return train_x, train_y, test_x, test_y


def test_offline_auto_builds_the_labelled_stand_in(home, capsys):
    ds = prepare_flowers17()
    banner = [line for line in capsys.readouterr().out.splitlines() if "Flowers-17" in line]
    assert banner == ["Flowers-17: GENERATED stand-in (offline: COURSE_OFFLINE is set) "
                      "— not real photos"]
    assert ds.source == "synthetic"
    assert ds.train_csv == home / "flowers17" / "synthetic" / "flowers17_training.csv"
    assert ds.test_csv.name == "flowers17_testing.csv"
    _check_counts(ds)
    info = json.loads((ds.train_csv.parent / "manifest.json").read_text())
    assert info["source"] == "synthetic" and (info["n_train"], info["n_test"]) == (1020, 340)
    assert info["train_md5"] == data.md5sum(ds.train_csv)


def test_an_up_to_date_dataset_is_not_rebuilt(home, monkeypatch):
    prepare_flowers17("synthetic")

    def no_build(*args):
        raise AssertionError("rebuilt an up-to-date dataset")

    monkeypatch.setattr(flowers17, "_build", no_build)
    assert prepare_flowers17("synthetic").n_train == 1020


def test_a_damaged_or_incomplete_build_is_rebuilt(home, monkeypatch):
    ds = prepare_flowers17("synthetic")
    good = ds.test_csv.read_bytes()
    ds.test_csv.write_bytes(good[: len(good) // 2])  # as if interrupted
    built = []
    real_build = flowers17._build
    monkeypatch.setattr(flowers17, "_build", lambda *a: built.append(1) or real_build(*a))
    prepare_flowers17("synthetic")
    assert built and ds.test_csv.read_bytes() == good
    (ds.train_csv.parent / "manifest.json").unlink()
    prepare_flowers17("synthetic")
    assert len(built) == 2


def test_the_stand_in_is_deterministic_by_seed():
    np.testing.assert_array_equal(synthetic_flower(5), synthetic_flower(5))
    assert not np.array_equal(synthetic_flower(5), synthetic_flower(5, seed=1))
    assert synthetic_flower(0).dtype == np.uint8 and synthetic_flower(0).shape == (64, 64, 3)


def test_the_stand_in_is_learnable_but_not_trivial(home):
    """Nearest class mean of colour histograms: well above chance (1/17), far below 100%.
    (A small CNN reaches about a third to a half in the quick profile.)"""
    ds = prepare_flowers17("synthetic")
    train_x, train_y, test_x, test_y = _check_counts(ds)

    def features(x):
        bins = (x // 64).reshape(len(x), -1, 3).astype(int)
        codes = bins[..., 0] * 16 + bins[..., 1] * 4 + bins[..., 2]
        hist = np.stack([np.bincount(c, minlength=64) for c in codes]).astype(float)
        return hist / hist.sum(axis=1, keepdims=True)

    means = np.stack([features(train_x[train_y == c]).mean(axis=0) for c in range(17)])
    dist = ((features(test_x)[:, None, :] - means[None]) ** 2).sum(axis=2)
    accuracy = (dist.argmin(axis=1) == test_y).mean()
    assert 2 / 17 < accuracy < 0.8


def test_split_is_75_25_per_class_and_fixed():
    train, test = split_indices()
    assert len(train) == 1020 and len(test) == 340
    assert not set(train) & set(test) and set(train) | set(test) == set(range(1360))
    assert np.array_equal(split_indices()[0], train)


def test_real_offline_fails_with_instructions(home):
    with pytest.raises(data.DataUnavailableError) as info:
        prepare_flowers17("real")
    message = str(info.value)
    for needed in (flowers17.URL, flowers17.ARCHIVE_MD5, "FLOWERS17_DIR", "tar xzf"):
        assert needed in message


def test_an_incomplete_local_folder_is_named(home, monkeypatch, tmp_path):
    (tmp_path / "image_0001.jpg").write_bytes(b"")
    monkeypatch.setenv("FLOWERS17_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="lacks 1359 of the 1360 images"):
        prepare_flowers17()


def test_bad_source_name(home):
    with pytest.raises(ValueError, match="'auto', 'real' or 'synthetic'"):
        prepare_flowers17("photos")


def _tiny_archive(path):
    """A 17flowers.tgz look-alike: jpg/image_0001.jpg ... 1360, 8x8 one-colour JPEGs
    whose colour encodes the class."""
    from PIL import Image

    with tarfile.open(path, "w:gz") as tf:
        for i in range(1360):
            buffer = io.BytesIO()
            Image.new("RGB", (8, 8), (i // 80 * 15, 100, 200)).save(buffer, "JPEG", quality=95)
            info = tarfile.TarInfo(f"jpg/{flowers17.image_name(i)}")
            info.size = buffer.tell()
            buffer.seek(0)
            tf.addfile(info, buffer)
    return path


def test_download_path_end_to_end(tmp_path, monkeypatch, capsys):
    """file:// origin standing in for the Oxford page; checksums patched to the fake's."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "home"))
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.delenv("FLOWERS17_DIR", raising=False)
    archive = _tiny_archive(tmp_path / "17flowers.tgz")
    monkeypatch.setattr(flowers17, "URL", archive.as_uri())
    monkeypatch.setattr(flowers17, "ARCHIVE_MD5", data.md5sum(archive))
    ds = prepare_flowers17("real")
    assert ds.source == "real" and "downloaded from Oxford VGG" in capsys.readouterr().out
    train_x, train_y, _, _ = _check_counts(ds)
    # each image's colour encodes its class: the labels went with the right images
    np.testing.assert_allclose(train_x[:, 0, 0, 0], train_y * 15, atol=3)
    archive.unlink()
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert prepare_flowers17().source == "real"  # the build made from it, not the stand-in
    assert "prepared earlier" in capsys.readouterr().out
    (ds.train_csv.parent / "manifest.json").unlink()  # as if that build was interrupted
    assert prepare_flowers17().source == "real"  # rebuilt from the cached download
    assert "cached download" in capsys.readouterr().out


def _tiny_folder(folder):
    """A FLOWERS17_DIR look-alike: image_0001.jpg ... 1360, 8x8 one-colour JPEGs."""
    from PIL import Image

    folder.mkdir(parents=True)
    for i in range(1360):
        Image.new("RGB", (8, 8), (i // 80 * 15, 100, 200)).save(
            folder / flowers17.image_name(i), "JPEG", quality=95)
    return folder


def test_real_data_prepared_once_stays_real_without_the_variable(tmp_path, monkeypatch,
                                                                  capsys):
    """Prepared from FLOWERS17_DIR, then in a new shell without it and offline: the real
    CSVs are reused (manifest and checksums verified), never the stand-in; a build whose
    manifest or CSV is incomplete is not trusted."""
    home = tmp_path / "home"
    monkeypatch.setenv("COURSE_DATA_DIR", str(home))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("FLOWERS17_DIR", str(_tiny_folder(tmp_path / "jpg")))
    first = prepare_flowers17()
    assert first.source == "real"
    capsys.readouterr()
    monkeypatch.delenv("FLOWERS17_DIR")

    def no_build(*args):
        raise AssertionError("rebuilt an up-to-date dataset")

    with monkeypatch.context() as m:
        m.setattr(flowers17, "_build", no_build)
        again = prepare_flowers17()
    assert again == first
    out = capsys.readouterr().out
    assert out.startswith("Flowers-17: real photos from FLOWERS17_DIR")
    assert "prepared earlier" in out and "checksums verified" in out
    status = {name: text for name, text, _ in data.dataset_status()}
    assert status["Flowers-17"].startswith("real, prepared earlier from FLOWERS17_DIR")

    manifest = first.train_csv.parent / "manifest.json"
    text = manifest.read_text()
    manifest.write_text(text[: len(text) // 2])  # half-written: never trusted
    assert flowers17.prepared_real() is None
    assert prepare_flowers17().source == "synthetic"
    assert "GENERATED" in capsys.readouterr().out
    manifest.write_text(text)
    assert prepare_flowers17().source == "real"
    first.test_csv.write_bytes(first.test_csv.read_bytes()[:1000])  # a damaged CSV
    assert flowers17.prepared_real() is None
    assert prepare_flowers17().source == "synthetic"


def test_a_download_with_the_wrong_checksum_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "home"))
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.delenv("FLOWERS17_DIR", raising=False)
    fake = tmp_path / "17flowers.tgz"
    fake.write_bytes(b"not the archive")
    monkeypatch.setattr(flowers17, "URL", fake.as_uri())
    with pytest.raises(ValueError, match="the file was deleted"):
        prepare_flowers17()
    assert not (tmp_path / "home" / "downloads" / "17flowers.tgz").exists()


@pytest.mark.skipif(not HAVE_REAL, reason="FLOWERS17_DIR (the real Flowers-17) is not available")
def test_real_flowers17_from_the_local_folder(home, monkeypatch, capsys):
    monkeypatch.setenv("FLOWERS17_DIR", REAL)
    ds = prepare_flowers17("real")
    assert ds.source == "real"
    assert "Flowers-17: real photos from FLOWERS17_DIR" in capsys.readouterr().out
    _check_counts(ds)
    x, y = next(csv_image_generator(ds.test_csv, 32, "eval", ds.classes))
    assert x.shape == (32, 64, 64, 3) and x.dtype == np.float32 and y[0] == 0
