"""Where the course keeps its data, and where each dataset will come from
(introduced in 00_start_here).

Environment variables (all optional):

- ``COURSE_DATA_DIR``: where prepared and downloaded data go (default: the repository's
  ``datasets/`` folder, or ``~/.keras-data-course`` for a non-editable install);
- ``COURSE_OFFLINE=1``: never touch the network (the test command sets it);
- ``FLOWERS17_DIR`` / ``MOVIELENS_DIR``: a local copy of a real dataset.
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

_REPO_DATASETS = Path(__file__).resolve().parent.parent / "datasets"


def data_home():
    """The folder the course writes prepared and downloaded data to (00_start_here)."""
    env = os.environ.get("COURSE_DATA_DIR")
    if env:
        home = Path(env).expanduser()
    elif _REPO_DATASETS.is_dir():
        home = _REPO_DATASETS
    else:
        home = Path.home() / ".keras-data-course"
    home.mkdir(parents=True, exist_ok=True)
    return home


def is_offline():
    """True when ``COURSE_OFFLINE`` forbids downloads (00_start_here)."""
    return os.environ.get("COURSE_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


REACH_TIMEOUT = 2.0  # seconds doctor() waits for a dataset's host, at most


def reachability(urls, timeout=REACH_TIMEOUT):
    """Whether each URL's host answers, checked at once and in parallel, in at most about
    ``timeout`` seconds in all (00_start_here; used by ``doctor()``). Returns ``{url:
    (answer, detail)}``: ``answer`` is True (it answered), False (refused, not found, or
    an error status) or None (unknown: ``COURSE_OFFLINE`` is set, so nothing was tried).
    Sends one HEAD request per URL through the same proxy settings as a download."""
    if is_offline():
        return {url: (None, "COURSE_OFFLINE is set: not checked") for url in urls}
    results = {url: (False, f"no answer within {timeout:g} s") for url in urls}

    def probe(url):
        try:
            request = urllib.request.Request(url, method="HEAD")
            with urllib.request.urlopen(request, timeout=timeout) as response:
                results[url] = (True, f"HTTP {response.status}")
        except urllib.error.HTTPError as err:
            results[url] = (err.code < 400, f"HTTP {err.code}")
        except Exception as err:  # URLError, timeouts, DNS failures, refused connections
            reason = getattr(err, "reason", err)
            results[url] = (False, str(reason) or type(reason).__name__)

    threads = [threading.Thread(target=probe, args=(url,), daemon=True) for url in urls]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:  # a DNS lookup ignores urlopen's timeout: bound the wait here
        thread.join(max(0.0, deadline - time.monotonic()))
    return dict(results)


def dataset_status():
    """Where each dataset will come from, as ``(name, description, fix_or_None)`` rows
    (00_start_here; printed by ``doctor()``): a local folder, the real data prepared
    earlier, a cached download, a download (when its host answers a quick check), or the
    generated stand-in, saying why and how to get the real data."""
    from . import flowers17, movielens

    rows, pending = [], []
    for name, mod, needed, unpack in (
            ("Flowers-17", flowers17, "image_0001.jpg",
             "`tar xzf 17flowers.tgz`, set {} to its jpg/"),
            ("MovieLens 100K", movielens, "u.data", "`unzip ml-100k.zip`, set {} to its ml-100k/")):
        var = mod.ENV_VAR
        folder = os.environ.get(var)
        earlier = mod.prepared_real()
        how = (f"for the real data: download {mod.URL} where you can,\n"
               f"then {unpack.format(var)} (see datasets/README.md)")
        if folder and (Path(folder).expanduser() / needed).is_file():
            rows.append((name, f"real, local copy in {var}={folder}", None))
        elif folder and Path(folder).expanduser().is_dir():
            rows.append((name, f"{var}={folder} has no {needed}",
                         f"point {var} at the unpacked folder (the one holding {needed}), "
                         "or unset it"))
        elif folder:
            rows.append((name, f"{var}={folder} does not exist",
                         f"point {var} at the unpacked folder, or unset it"))
        elif earlier is not None:
            origin = f" from {earlier[1]}" if earlier[1] else ""
            rows.append((name, f"real, prepared earlier{origin}\n"
                               f"in {earlier[0]} (checksums verified)", None))
        elif (data_home() / DOWNLOADS / mod.ARCHIVE_NAME).is_file():
            rows.append((name, f"real, cached download in {data_home() / DOWNLOADS}", None))
        else:
            pending.append((len(rows), name, mod, how))
            rows.append(None)
    answers = reachability([mod.URL for _, _, mod, _ in pending])
    for index, name, mod, how in pending:
        host = urllib.parse.urlsplit(mod.URL).hostname
        answer, detail = answers[mod.URL]
        if answer is None:
            text = (f"generated stand-in: COURSE_OFFLINE is set, no download is tried "
                    f"({host} reachable: unknown);\n{how}")
        elif answer:
            text = (f"real, downloaded on first use from {mod.URL} ({host} answered: "
                    f"{detail}; a generated stand-in if the download fails)")
        else:
            text = (f"generated stand-in: the download would fail, {host} cannot be reached "
                    f"({detail});\n{how}")
        rows[index] = (name, text, None)
    return rows


def prepare_datasets():
    """Prepare every dataset the course uses, from the best source available (00_start_here)."""
    from .flowers17 import prepare_flowers17
    from .movielens import prepare_movielens

    return prepare_flowers17(), prepare_movielens()


# --------------------------------------------------------------------------------------
# Downloading and unpacking, shared by the dataset modules (00_start_here)
# --------------------------------------------------------------------------------------

DOWNLOADS = "downloads"  # sub-folder of data_home() for downloaded archives


class DataUnavailableError(RuntimeError):
    """The real dataset cannot be had here (offline, no local copy, download failed)."""


def md5sum(path, chunk_size=1 << 20):
    """The md5 hex digest of a file, read in chunks (00_start_here)."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_download(fname, md5, subdir=DOWNLOADS):
    """The path of an earlier download of ``fname`` if it exists and its md5 matches,
    else ``None`` (00_start_here). A file that does not match is never trusted."""
    path = data_home() / subdir / fname
    if path.is_file() and md5sum(path) == md5:
        return path
    return None


def fetch(origin, fname, md5, subdir=DOWNLOADS):
    """Download ``origin`` to ``data_home()/subdir/fname`` with ``keras.utils.get_file``
    and return its path; verify its md5 after download (00_start_here).

    - A cached copy whose md5 matches is reused without touching the network
      (``get_file`` re-downloads a cached copy that does not match).
    - A download whose md5 does not match raises ``ValueError`` and is deleted, so
      that no later run finds a file it could trust. (``get_file`` raises but leaves
      the bad file on disk.)
    - With ``COURSE_OFFLINE=1``, or when the download fails, raises
      ``DataUnavailableError`` (nothing is left behind).
    """
    target = data_home() / subdir / fname
    if cached_download(fname, md5, subdir) is not None:
        return target
    if is_offline():
        raise DataUnavailableError(f"COURSE_OFFLINE is set: not downloading {origin}")
    target.parent.mkdir(parents=True, exist_ok=True)
    from keras.utils import get_file

    try:
        got = get_file(fname=fname, origin=origin, file_hash=md5, hash_algorithm="md5",
                       cache_dir=str(data_home()), cache_subdir=subdir)
    except ValueError:  # get_file's hash check failed after the download
        actual = md5sum(target) if target.is_file() else "unknown"
        target.unlink(missing_ok=True)
        raise ValueError(
            f"{fname} downloaded from {origin} has md5 {actual}, expected {md5}: "
            "the file was deleted. Try again later, or download it by hand and check it."
        ) from None
    except Exception as err:  # get_file raises a bare Exception on URL failures
        target.unlink(missing_ok=True)
        raise DataUnavailableError(f"could not download {origin}: {err}") from err
    got = Path(got)
    # Belt and braces: check the hash ourselves too (get_file skips the check when it
    # falls back to another cache folder, and its behaviour may change).
    actual = md5sum(got)
    if actual != md5:
        got.unlink(missing_ok=True)
        raise ValueError(f"{fname} from {origin} has md5 {actual}, expected {md5}: "
                         "the file was deleted.")
    if got.resolve() != target.resolve():
        os.replace(got, target)
    return target


def _check_member(name, dest, link=None):
    """Raise ValueError unless ``name`` (and a link target) stays inside ``dest``."""
    root = dest.resolve()
    where = (root / name).resolve()
    if os.path.isabs(name) or not where.is_relative_to(root):
        raise ValueError(f"refusing archive member {name!r}: it would land outside {dest}")
    if link is not None:
        target = (where.parent / link).resolve()
        if os.path.isabs(link) or not target.is_relative_to(root):
            raise ValueError(f"refusing archive member {name!r}: it links outside {dest}")


def safe_extract(archive, dest):
    """Unpack a .zip or .tar(.gz) ``archive`` into the folder ``dest`` and return it
    (00_start_here).

    Every member is checked first: a member whose path (or link target) would land
    outside ``dest``, or a device file, makes it raise ``ValueError`` before anything is
    written. Unpacks into a temporary sibling folder, then renames it, so an interrupted
    extraction never leaves a folder that looks complete.
    """
    archive, dest = Path(archive), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    _check_member(info.filename, tmp)
                zf.extractall(tmp)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                members = tf.getmembers()
                for m in members:
                    if not (m.isfile() or m.isdir() or m.issym() or m.islnk()):
                        raise ValueError(f"refusing archive member {m.name!r}: not a plain file")
                    link = m.linkname if (m.issym() or m.islnk()) else None
                    if m.islnk():
                        _check_member(m.linkname, tmp)
                        link = None
                    _check_member(m.name, tmp, link)
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tf.extractall(tmp, members=members, **kwargs)
        else:
            raise ValueError(f"{archive} is neither a zip nor a tar archive")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _file_mode():
    """The permissions a new file gets from open() (mkstemp's are owner-only)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` through a temporary file and ``os.replace`` (00_start_here)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
