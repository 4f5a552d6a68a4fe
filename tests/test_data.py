"""The shared download and unpacking helpers (course_utils.data). Never touches the
network: downloads come from file:// origins of archives made in tmp_path."""

import io
import tarfile
import zipfile

import pytest

from course_utils import data


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "home"))
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)  # file:// is not the network
    return tmp_path / "home"


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return path


def _tar(path, members, link=None):
    with tarfile.open(path, "w:gz") as tf:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
        if link:
            info = tarfile.TarInfo(link[0])
            info.type = tarfile.SYMTYPE
            info.linkname = link[1]
            tf.addfile(info)
    return path


def test_fetch_downloads_and_verifies(home, tmp_path):
    archive = _zip(tmp_path / "small.zip", {"a/b.txt": "hello"})
    md5 = data.md5sum(archive)
    got = data.fetch(archive.as_uri(), "small.zip", md5)
    assert got == home / "downloads" / "small.zip"
    assert data.md5sum(got) == md5
    assert data.cached_download("small.zip", md5) == got
    archive.unlink()  # the cached copy is reused: the origin is not read again
    assert data.fetch(archive.as_uri(), "small.zip", md5) == got


def test_fetch_with_a_wrong_checksum_raises_and_leaves_no_file(home, tmp_path):
    archive = _zip(tmp_path / "small.zip", {"a.txt": "hello"})
    with pytest.raises(ValueError, match="expected 0{32}: the file was deleted"):
        data.fetch(archive.as_uri(), "small.zip", "0" * 32)
    assert not (home / "downloads" / "small.zip").exists()
    assert list((home / "downloads").iterdir()) == []


def test_a_cached_file_with_a_wrong_checksum_is_not_trusted(home, tmp_path):
    archive = _zip(tmp_path / "small.zip", {"a.txt": "hello"})
    (home / "downloads").mkdir(parents=True)
    (home / "downloads" / "small.zip").write_bytes(b"truncated")
    assert data.cached_download("small.zip", data.md5sum(archive)) is None
    got = data.fetch(archive.as_uri(), "small.zip", data.md5sum(archive))
    assert got.read_bytes() == archive.read_bytes()


def test_fetch_offline_refuses(monkeypatch, home, tmp_path):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    archive = _zip(tmp_path / "small.zip", {"a.txt": "hello"})
    with pytest.raises(data.DataUnavailableError, match="COURSE_OFFLINE"):
        data.fetch(archive.as_uri(), "small.zip", data.md5sum(archive))


def test_fetch_failure_is_data_unavailable(home, tmp_path):
    with pytest.raises(data.DataUnavailableError, match="could not download"):
        data.fetch((tmp_path / "missing.zip").as_uri(), "missing.zip", "0" * 32)
    assert not (home / "downloads" / "missing.zip").exists()


@pytest.mark.parametrize("maker", [_zip, _tar])
def test_safe_extract_unpacks(maker, tmp_path):
    archive = maker(tmp_path / ("x.zip" if maker is _zip else "x.tgz"),
                    {"jpg/a.txt": b"1" if maker is _tar else "1"})
    dest = data.safe_extract(archive, tmp_path / "out")
    assert (dest / "jpg" / "a.txt").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("name", ["../evil.txt", "jpg/../../evil.txt", "/tmp/evil.txt"])
@pytest.mark.parametrize("maker", [_zip, _tar])
def test_safe_extract_refuses_members_outside(maker, name, tmp_path):
    content = b"x" if maker is _tar else "x"
    archive = maker(tmp_path / "bad.arc", {"ok.txt": content, name: content})
    with pytest.raises(ValueError, match="refusing archive member"):
        data.safe_extract(archive, tmp_path / "out" / "inner")
    assert not (tmp_path / "out" / "inner").exists()
    assert not (tmp_path / "out" / "evil.txt").exists()
    assert not (tmp_path / "evil.txt").exists()
    assert list((tmp_path / "out").iterdir()) == []  # no partial folder left


def test_safe_extract_refuses_a_symlink_outside(tmp_path):
    archive = _tar(tmp_path / "bad.tgz", {"ok.txt": b"x"}, link=("jpg/link", "../../etc"))
    with pytest.raises(ValueError, match="links outside"):
        data.safe_extract(archive, tmp_path / "out")


def test_atomic_write_bytes(tmp_path):
    path = data.atomic_write_bytes(tmp_path / "f" / "x.bin", b"abc")
    assert path.read_bytes() == b"abc"
    assert [p.name for p in path.parent.iterdir()] == ["x.bin"]


def test_dataset_status_offline_says_generated(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))  # nothing prepared earlier
    monkeypatch.delenv("FLOWERS17_DIR", raising=False)
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    rows = {name: (text, fix) for name, text, fix in data.dataset_status()}
    assert set(rows) == {"Flowers-17", "MovieLens 100K"}
    for text, fix in rows.values():
        assert fix is None and "generated" in text


def test_dataset_status_names_a_missing_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("MOVIELENS_DIR", str(tmp_path / "nowhere"))
    rows = {name: (text, fix) for name, text, fix in data.dataset_status()}
    assert "point MOVIELENS_DIR at the unpacked folder" in rows["MovieLens 100K"][1]


# --- what doctor() says about the datasets: a quick, bounded reachability check --------


def test_dataset_status_offline_says_unknown_and_how_to_get_the_real_data(monkeypatch,
                                                                          tmp_path):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FLOWERS17_DIR", raising=False)
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    rows = {name: text for name, text, _ in data.dataset_status()}
    assert "reachable: unknown" in rows["Flowers-17"] and "FLOWERS17_DIR" in rows["Flowers-17"]
    assert "reachable: unknown" in rows["MovieLens 100K"]
    assert "MOVIELENS_DIR" in rows["MovieLens 100K"]
    assert "downloaded on first use" not in " ".join(rows.values())


@pytest.mark.parametrize("answer, expected", [
    ((True, "HTTP 200"), "real, downloaded on first use from"),
    ((False, "Name or service not known"), "generated stand-in: the download would fail"),
])
def test_dataset_status_says_what_the_check_found(monkeypatch, tmp_path, answer, expected):
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FLOWERS17_DIR", raising=False)
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    monkeypatch.setattr(data, "reachability", lambda urls: {url: answer for url in urls})
    for name, text, fix in data.dataset_status():
        assert text.startswith(expected) and answer[1] in text and fix is None, name
        assert ("_DIR" in text) is (answer[0] is False), name  # how to get the real data


def _server(handler_body):
    """A local HTTP server on a free port, in a thread; returns (url, shutdown)."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):  # noqa: N802 (the name http.server calls)
            handler_body(self)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/file.zip", server.shutdown


def test_reachability_of_a_host_that_answers_and_one_that_refuses(monkeypatch):
    import socket

    monkeypatch.delenv("COURSE_OFFLINE", raising=False)

    def ok(handler):
        handler.send_response(200)
        handler.end_headers()

    url, stop = _server(ok)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/file.zip"
    try:
        answers = data.reachability([url, closed], timeout=5)
    finally:
        stop()
    assert answers[url] == (True, "HTTP 200")
    assert answers[closed][0] is False


def test_reachability_is_bounded_by_its_timeout(monkeypatch):
    import time

    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    url, stop = _server(lambda handler: time.sleep(3))  # answers far too late
    try:
        start = time.monotonic()
        answers = data.reachability([url], timeout=0.5)
        took = time.monotonic() - start
    finally:
        stop()
    assert answers[url] == (False, "no answer within 0.5 s") or "timed out" in answers[url][1]
    assert took < 2.5


def test_reachability_offline_tries_nothing(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert data.reachability(["http://192.0.2.1/x"]) == {
        "http://192.0.2.1/x": (None, "COURSE_OFFLINE is set: not checked")}
