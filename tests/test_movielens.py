"""MovieLens 100K: the real data from MOVIELENS_DIR (skipped when absent), a download from
a file:// origin, and the generated stand-in. Never touches the network."""

import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from course_utils import data, movielens
from course_utils.movielens import prepare_movielens, read_u_data, synthetic_u_data

REAL = os.environ.get("MOVIELENS_DIR")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "home"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    return tmp_path / "home"


def test_offline_auto_gives_the_labelled_stand_in(home, capsys):
    ml = prepare_movielens()
    out = capsys.readouterr().out
    assert ml.source == "synthetic"
    assert "GENERATED stand-in" in out and "not real ratings" in out
    assert out.count("\n") == 1
    assert (ml.n_users, ml.n_items, len(ml)) == (943, 1682, 100_000)
    assert ml.path == home / "movielens" / "synthetic" / "u.data"


def test_stand_in_has_the_real_format_and_shape(home):
    ml = prepare_movielens("synthetic")
    assert ml.users.dtype == np.int32 and ml.items.dtype == np.int32
    assert ml.ratings.dtype == np.float32 and ml.timestamps.dtype == np.int64
    assert ml.users.min() == 0 and ml.users.max() == 942
    assert ml.items.min() == 0 and ml.items.max() == 1681
    assert set(np.unique(ml.ratings)) == {1, 2, 3, 4, 5}
    assert np.bincount(ml.users).min() >= 20  # like the real data
    assert np.bincount(ml.items, minlength=1682).min() >= 1
    pairs = ml.users.astype(np.int64) * 10_000 + ml.items
    assert np.unique(pairs).size == len(ml)  # no user rates an item twice
    first = ml.path.read_text().splitlines()[0].split("\t")
    assert len(first) == 4 and all(part.isdigit() for part in first)


def test_stand_in_is_deterministic_and_seeded():
    assert synthetic_u_data() == synthetic_u_data()
    assert synthetic_u_data(1) != synthetic_u_data(2)


def test_stand_in_has_learnable_structure_plus_noise(home):
    """Item means on a training split predict held-out ratings better than the global
    mean, and user+item tastes beyond biases exist, but nothing is perfect."""
    ml = prepare_movielens("synthetic")
    rng = np.random.default_rng(0)
    test = rng.random(len(ml)) < 0.2
    r = ml.ratings.astype(float)
    mean = r[~test].mean()
    item_sum = np.bincount(ml.items[~test], r[~test], minlength=ml.n_items)
    item_n = np.bincount(ml.items[~test], minlength=ml.n_items)
    item_mean = (item_sum + 5 * mean) / (item_n + 5)
    rmse_global = np.sqrt(((r[test] - mean) ** 2).mean())
    rmse_item = np.sqrt(((r[test] - item_mean[ml.items[test]]) ** 2).mean())
    assert rmse_item < 0.95 * rmse_global
    assert rmse_item > 0.5  # noise remains


def test_forced_stand_in_even_with_a_local_folder(home, monkeypatch, capsys):
    monkeypatch.setenv("MOVIELENS_DIR", "/nonexistent")
    assert prepare_movielens("synthetic").source == "synthetic"
    assert "source='synthetic'" in capsys.readouterr().out


def test_real_offline_fails_with_instructions(home):
    with pytest.raises(data.DataUnavailableError) as info:
        prepare_movielens("real")
    message = str(info.value)
    assert movielens.URL in message and "MOVIELENS_DIR" in message and movielens.ZIP_MD5 in message


def test_bad_source_name(home):
    with pytest.raises(ValueError, match="'auto', 'real' or 'synthetic'"):
        prepare_movielens("imaginary")


def test_a_local_folder_without_u_data_is_named(home, monkeypatch, tmp_path):
    monkeypatch.setenv("MOVIELENS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="has no u.data"):
        prepare_movielens()


def test_a_local_u_data_that_is_not_the_real_one_is_refused(home, monkeypatch, tmp_path):
    (tmp_path / "u.data").write_text("1\t1\t5\t881250949\n")
    monkeypatch.setenv("MOVIELENS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="has md5 .* expected 6e47"):
        prepare_movielens()


def _fake_zip(path, text):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ml-100k/u.data", text)
        zf.writestr("ml-100k/u.item", "1|Café (1995)|01-Jan-1995||\n".encode("latin-1"))
    return path


def test_download_path_end_to_end(home, monkeypatch, tmp_path, capsys):
    """A file:// stand-in for GroupLens (checksums patched to the fake archive's)."""
    text = "1\t2\t5\t881250949\n2\t1\t3\t881250950\n"
    archive = _fake_zip(tmp_path / "ml-100k.zip", text)
    monkeypatch.delenv("COURSE_OFFLINE")
    monkeypatch.setattr(movielens, "URL", archive.as_uri())
    monkeypatch.setattr(movielens, "ZIP_MD5", data.md5sum(archive))
    import hashlib

    monkeypatch.setattr(movielens, "U_DATA_MD5", hashlib.md5(text.encode()).hexdigest())
    ml = prepare_movielens("real")
    assert ml.source == "real" and len(ml) == 2
    assert ml.path == home / "movielens" / "real" / "ml-100k" / "u.data"
    assert "downloaded" in capsys.readouterr().out
    archive.unlink()
    monkeypatch.setenv("COURSE_OFFLINE", "1")  # now the prepared copy is used
    assert prepare_movielens().source == "real"
    assert "prepared earlier" in capsys.readouterr().out
    (home / "movielens" / "real" / "manifest.json").unlink()  # an incomplete build
    assert prepare_movielens().source == "real"  # the cached download, checked again
    assert "cached download" in capsys.readouterr().out
    assert movielens.prepared_real() is not None  # and its manifest written again


def test_real_ratings_from_a_folder_stay_real_without_the_variable(home, monkeypatch,
                                                                   tmp_path, capsys):
    """Read once from MOVIELENS_DIR, then in a new shell without it and offline: the
    copy kept in the data folder is used (manifest and checksum verified), never the
    stand-in; without a complete manifest, or with a changed file, it is not trusted."""
    import hashlib

    text = "1\t2\t5\t881250949\n2\t1\t3\t881250950\n"
    (tmp_path / "ml-100k").mkdir()
    (tmp_path / "ml-100k" / "u.data").write_text(text)
    monkeypatch.setattr(movielens, "U_DATA_MD5", hashlib.md5(text.encode()).hexdigest())
    monkeypatch.setenv("MOVIELENS_DIR", str(tmp_path / "ml-100k"))
    assert prepare_movielens().source == "real"
    capsys.readouterr()
    monkeypatch.delenv("MOVIELENS_DIR")
    ml = prepare_movielens()
    assert ml.source == "real" and len(ml) == 2
    out = capsys.readouterr().out
    assert out.startswith("MovieLens 100K: real ratings from MOVIELENS_DIR")
    assert "prepared earlier" in out
    status = {name: text for name, text, _ in data.dataset_status()}
    assert status["MovieLens 100K"].startswith("real, prepared earlier from MOVIELENS_DIR")

    manifest = home / "movielens" / "real" / "manifest.json"
    saved = manifest.read_text()
    manifest.write_text(saved[:20])  # half-written: never trusted
    assert prepare_movielens().source == "synthetic"
    manifest.write_text(saved)
    assert prepare_movielens().source == "real"
    ml.path.write_text(text + "3\t3\t1\t881250951\n")  # changed: checksum differs
    assert prepare_movielens().source == "synthetic"


def test_read_u_data_names_the_bad_line(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("1\t1\t5\t881250949\n1\t2\tfive\t881250949\n")
    with pytest.raises(ValueError, match=r"u.data, line 2: 'five' is not an integer"):
        read_u_data(path)
    path.write_text("1\t1\t5\t881250949\n\n1\t2\t5\n")
    with pytest.raises(ValueError, match="line 3: expected 4 tab-separated values"):
        read_u_data(path)
    path.write_text("1\t1\t6\t881250949\n")
    with pytest.raises(ValueError, match="rating 6, outside 1..5"):
        read_u_data(path)
    path.write_text("")
    with pytest.raises(ValueError, match="empty"):
        read_u_data(path)


@pytest.mark.skipif(not (REAL and Path(REAL, "u.data").is_file()),
                    reason="MOVIELENS_DIR (the real MovieLens 100K) is not available")
def test_real_movielens_from_the_local_folder(home, monkeypatch, capsys):
    monkeypatch.setenv("MOVIELENS_DIR", REAL)
    ml = prepare_movielens("real")
    assert ml.source == "real" and "real ratings from MOVIELENS_DIR" in capsys.readouterr().out
    assert (ml.n_users, ml.n_items, len(ml)) == (943, 1682, 100_000)
    assert ml.ratings.min() == 1 and ml.ratings.max() == 5
    assert round(float(ml.ratings.mean()), 3) == 3.530
