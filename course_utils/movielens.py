"""MovieLens 100K ratings, real or a generated stand-in (introduced in
04_pydataset_and_a_recommender).

``prepare_movielens()`` returns the ratings of ``u.data`` (user, item, rating,
timestamp) from, in order of preference for ``source="auto"``:

1. a local folder named by ``MOVIELENS_DIR`` (``ml-100k.zip`` unpacked);
2. the real ``u.data`` prepared earlier (from either source) in
   ``data_home()/movielens/real``, when its ``manifest.json`` is complete and the
   checksums match: no variable or network needed again;
3. an earlier download in ``data_home()/downloads`` (checksum verified);
4. a download from GroupLens (checksum verified), unless ``COURSE_OFFLINE=1``;
5. offline, a generated stand-in in the same ``u.data`` format and size
   (943 users x 1,682 items, 100,000 ratings 1-5) with latent structure plus noise.

It prints a one-line banner saying where the ratings came from.
"""

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import (
    DataUnavailableError,
    atomic_write_bytes,
    cached_download,
    data_home,
    fetch,
    is_offline,
    md5sum,
    safe_extract,
)

URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
ARCHIVE_NAME = "ml-100k.zip"
ZIP_MD5 = "0e33842e24a9c977be4e0107933c0723"  # as GroupLens publishes in ml-100k.zip.md5
U_DATA_MD5 = "6e47046882bad158b0efbb84cd5cb987"
ENV_VAR = "MOVIELENS_DIR"
N_USERS, N_ITEMS, N_RATINGS = 943, 1682, 100_000
SYNTHETIC_SEED = 100
_TIME_RANGE = (874_724_710, 893_286_638)  # the real data's first and last timestamps
_RATING_SHARES = (0.061, 0.114, 0.271, 0.341, 0.213)  # the real data's share of 1..5 stars


@dataclass(frozen=True, eq=False)
class MovieLens:
    """Ratings as parallel arrays: ``users`` and ``items`` are 0-based int32 indices,
    ``ratings`` float32 in 1-5, ``timestamps`` int64 (seconds since 1970).
    ``n_users``/``n_items`` size embedding tables; ``source`` is "real" or "synthetic";
    ``path`` is the ``u.data`` file read."""

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray
    n_users: int
    n_items: int
    source: str
    path: Path

    def __len__(self):
        return len(self.ratings)

    def __repr__(self):
        return (f"MovieLens(source={self.source!r}, ratings={len(self)}, "
                f"n_users={self.n_users}, n_items={self.n_items}, path={str(self.path)!r})")


def read_u_data(path):
    """Parse a ``u.data`` file (tab-separated user, item, rating, timestamp; 1-based ids)
    into a ``MovieLens`` with source "real" (04_pydataset_and_a_recommender).

    Raises ``ValueError`` naming the file and 1-based line of a malformed row."""
    path = Path(path)
    text = path.read_bytes().decode("latin-1")
    lines = text.splitlines()
    fields = text.split()
    n_rows = sum(1 for line in lines if line.strip())
    try:
        table = np.array(fields, dtype=np.int64)
    except ValueError:
        table = None
    if table is None or table.size != 4 * n_rows:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise ValueError(f"{path}, line {number}: expected 4 tab-separated values "
                                 f"(user, item, rating, timestamp), found {len(parts)}")
            for part in parts:
                try:
                    int(part)
                except ValueError:
                    raise ValueError(f"{path}, line {number}: {part!r} is not an integer") \
                        from None
        raise ValueError(f"{path}: malformed u.data")  # pragma: no cover
    if n_rows == 0:
        raise ValueError(f"{path}: no ratings (empty file)")
    table = table.reshape(n_rows, 4)
    users, items, ratings, stamps = table.T
    for name, column, low, high in (("user id", users, 1, None), ("item id", items, 1, None),
                                    ("rating", ratings, 1, 5)):
        bad = np.flatnonzero((column < low) | ((column > high) if high else False))
        if bad.size:
            raise ValueError(f"{path}: row {bad[0] + 1} has {name} {column[bad[0]]}, "
                             f"outside {low}..{high or 'inf'}")
    return MovieLens(users=(users - 1).astype(np.int32), items=(items - 1).astype(np.int32),
                     ratings=ratings.astype(np.float32), timestamps=stamps.astype(np.int64),
                     n_users=int(users.max()), n_items=int(items.max()), source="real",
                     path=path)


def synthetic_u_data(seed=SYNTHETIC_SEED):
    """Generate the stand-in's ``u.data`` text: 943 users x 1,682 items, 100,000 ratings
    (04_pydataset_and_a_recommender).

    Every user rates at least 20 items (as in the real data) and every item is rated.
    Ratings come from user and item biases plus a dot product of 6-dimensional latent
    tastes plus noise, cut into 1-5 stars in the real data's proportions, so a
    recommender can learn them but not perfectly. Deterministic by ``seed``."""
    rng = np.random.default_rng(seed)
    # who rates how much: at least 20 each, heavy-tailed like the real data
    activity = rng.lognormal(0.0, 1.0, N_USERS)
    counts = 20 + rng.multinomial(N_RATINGS - 20 * N_USERS, activity / activity.sum())
    counts = np.minimum(counts, N_ITEMS // 2)
    while counts.sum() < N_RATINGS:  # give back what the cap removed
        room = np.flatnonzero(counts < N_ITEMS // 2)
        counts[rng.choice(room, N_RATINGS - counts.sum())] += 1
    # which items: popularity-weighted sampling without replacement (Gumbel top-k)
    popularity = rng.zipf(1.6, N_ITEMS).clip(max=500).astype(float)
    keys = np.log(popularity)[None, :] + rng.gumbel(size=(N_USERS, N_ITEMS))
    order = np.argsort(-keys, axis=1)
    chosen = np.zeros((N_USERS, N_ITEMS), dtype=bool)
    for user in range(N_USERS):
        chosen[user, order[user, : counts[user]]] = True
    # every item rated at least once: swap it in for a heavy user's most popular item
    for item in np.flatnonzero(~chosen.any(axis=0)):
        user = rng.choice(np.flatnonzero(counts > 40))
        rated = np.flatnonzero(chosen[user])
        donor = rated[np.argmax(popularity[rated] * (chosen[:, rated].sum(axis=0) > 1))]
        chosen[user, donor], chosen[user, item] = False, True
    users, items = np.nonzero(chosen)
    # how much: biases + latent tastes + noise, cut at the real data's star proportions
    dim = 6
    taste = rng.normal(0, 1, (N_USERS, dim))
    traits = rng.normal(0, 1, (N_ITEMS, dim))
    score = (rng.normal(0, 0.6, N_USERS)[users] + rng.normal(0, 0.8, N_ITEMS)[items]
             + (taste[users] * traits[items]).sum(axis=1) / np.sqrt(dim)
             + rng.normal(0, 0.7, users.size))
    cuts = np.quantile(score, np.cumsum(_RATING_SHARES)[:-1])
    ratings = 1 + np.searchsorted(cuts, score)
    stamps = rng.integers(*_TIME_RANGE, size=users.size, endpoint=True)
    shuffle = rng.permutation(users.size)
    table = np.column_stack([users + 1, items + 1, ratings, stamps])[shuffle]
    buffer = io.StringIO()
    np.savetxt(buffer, table, fmt="%d", delimiter="\t")
    return buffer.getvalue()


def _banner(source, where):
    if source == "synthetic":
        print(f"MovieLens 100K: GENERATED stand-in ({where}) — not real ratings")
    else:
        print(f"MovieLens 100K: real ratings from {where}")


def _local_u_data():
    folder = os.environ.get(ENV_VAR)
    if not folder:
        return None
    u_data = Path(folder).expanduser() / "u.data"
    if not u_data.is_file():
        raise FileNotFoundError(
            f"{ENV_VAR}={folder} has no u.data: point {ENV_VAR} at the folder ml-100k.zip "
            "unpacks to (it holds u.data, u.item, ...), or unset it.")
    return u_data


FORMAT_VERSION = 1  # of the prepared folder's manifest.json


def _prepared_folder():
    return data_home() / "movielens" / "real"


def prepared_real():
    """The real ``u.data`` prepared earlier, as ``(path, origin)``, if its manifest is
    complete and the file matches both the manifest's checksum and GroupLens's; else None
    (04_pydataset_and_a_recommender; ``doctor()`` reports it)."""
    folder = _prepared_folder()
    try:
        info = json.loads((folder / "manifest.json").read_text())
        u_data = folder / info["u_data"]
        ok = (info["format_version"] == FORMAT_VERSION and info["source"] == "real"
              and info["u_data_md5"] == U_DATA_MD5 and md5sum(u_data) == U_DATA_MD5)
        return (u_data, info.get("origin") or "the real ratings") if ok else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_manifest(u_data, origin):
    """Record the prepared ``u.data`` (written last: without it nothing is trusted)."""
    folder = _prepared_folder()
    info = {"source": "real", "origin": origin, "format_version": FORMAT_VERSION,
            "u_data": u_data.relative_to(folder).as_posix(), "u_data_md5": md5sum(u_data)}
    atomic_write_bytes(folder / "manifest.json", json.dumps(info, indent=1).encode())


def _keep_copy(local_u_data, origin):
    """Copy a checked local ``u.data`` into the prepared folder, so that later runs
    without ``MOVIELENS_DIR`` still find the real ratings."""
    if prepared_real() is not None:
        return
    folder = _prepared_folder()
    (folder / "manifest.json").unlink(missing_ok=True)
    target = folder / "ml-100k" / "u.data"
    atomic_write_bytes(target, Path(local_u_data).read_bytes())
    _write_manifest(target, origin)


def _from_archive(zip_path, origin):
    folder = _prepared_folder()
    u_data = folder / "ml-100k" / "u.data"
    if not (u_data.is_file() and md5sum(u_data) == U_DATA_MD5):
        (folder / "manifest.json").unlink(missing_ok=True)
        safe_extract(zip_path, folder)
    if prepared_real() is None and u_data.is_file() and md5sum(u_data) == U_DATA_MD5:
        _write_manifest(u_data, origin)
    return u_data


def _check_real(u_data):
    actual = md5sum(u_data)
    if actual != U_DATA_MD5:
        raise ValueError(f"{u_data} has md5 {actual}, expected {U_DATA_MD5}: it is not "
                         "MovieLens 100K's u.data as GroupLens distributes it.")
    return read_u_data(u_data)


def _synthetic():
    path = data_home() / "movielens" / "synthetic" / "u.data"
    text = synthetic_u_data().encode("ascii")
    if not (path.is_file() and path.read_bytes() == text):
        atomic_write_bytes(path, text)
    data = read_u_data(path)
    return MovieLens(**{**data.__dict__, "source": "synthetic"})


def _manual_help():
    return (f"Download {URL} by hand (md5 {ZIP_MD5}), unzip it, and set "
            f"{ENV_VAR} to the ml-100k folder it creates (the one holding u.data).")


def prepare_movielens(source="auto"):
    """The MovieLens 100K ratings as a ``MovieLens`` (04_pydataset_and_a_recommender).

    ``source``: "auto" (local folder in ``MOVIELENS_DIR``, else the real ratings prepared
    earlier, else a cached download, else a download, else offline the generated
    stand-in), "real" (raise ``DataUnavailableError`` with instructions if the real data
    cannot be had) or "synthetic" (force the stand-in). Prints a one-line banner naming
    where the ratings came from."""
    if source not in ("auto", "real", "synthetic"):
        raise ValueError(f"source must be 'auto', 'real' or 'synthetic', not {source!r}")
    if source != "synthetic":
        local = _local_u_data()
        if local is not None:
            data = _check_real(local)
            _keep_copy(local, f"{ENV_VAR} ({local.parent})")
            _banner("real", f"{ENV_VAR} ({local.parent})")
            return data
        earlier = prepared_real()
        if earlier is not None:
            path, origin = earlier
            data = read_u_data(path)
            _banner("real", f"{origin}, prepared earlier in {path.parent} "
                            "(manifest and checksum verified)")
            return data
        zip_path = cached_download(ARCHIVE_NAME, ZIP_MD5)
        try:
            if zip_path is None:
                zip_path = fetch(URL, ARCHIVE_NAME, ZIP_MD5)
                how = f"GroupLens, downloaded to {zip_path}"
            else:
                how = f"a cached download ({zip_path})"
            data = _check_real(_from_archive(zip_path, how))
            _banner("real", how)
            return data
        except DataUnavailableError as err:
            if source == "real":
                raise DataUnavailableError(
                    f"MovieLens 100K is not available: {err}. {_manual_help()}") from None
    data = _synthetic()
    why = "source='synthetic'" if source == "synthetic" else (
        "offline: COURSE_OFFLINE is set" if is_offline() else "the download failed")
    _banner("synthetic", why)
    return data
