"""The static site (`python3 course.py site`, course_utils/site.py): it builds offline and
warning-free from the committed notebooks, every notebook has its page with its figures,
every internal link resolves, no page loads anything from the internet, and a real browser
(headless Chromium) shows the home page and notebook 05 with their figures."""

import base64
import functools
import http.server
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from course_utils.site import stage_notebook
from notebook_rules import NOTEBOOKS, ROOT, read, tags

# tags and attributes whose URL the browser fetches to render a page
FETCHED = {("img", "src"), ("script", "src"), ("link", "href"), ("iframe", "src"),
           ("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src"),
           ("object", "data"), ("image", "href")}


class Page(HTMLParser):
    """The links, fetched resources, ids, images and collapsed blocks of one HTML page."""

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path, self.links, self.fetched, self.ids, self.images = path, [], [], set(), []
        self.details, self.code, self._pre = [], [], 0
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for t, attr in FETCHED:
            if tag == t and attrs.get(attr):
                if tag != "link" or attrs.get("rel", "") not in ("canonical",):
                    self.fetched.append(attrs[attr])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "details":
            self.details.append(attrs)
        if tag == "pre":
            self._pre += 1
            self.code.append("")

    def handle_endtag(self, tag):
        if tag == "pre":
            self._pre -= 1

    def handle_data(self, data):
        if self._pre:
            self.code[-1] += data


def is_external(url):
    return bool(re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.I))


def local_target(page, url):
    """The file a relative URL of ``page`` points to, and its fragment."""
    parts = urlsplit(url)
    target = page.parent / unquote(parts.path) if parts.path else page
    if target.is_dir():
        target = target / "index.html"
    return target.resolve(), unquote(parts.fragment)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """Build the site once, exactly as `python3 course.py site` does, into a temporary
    folder (the learner's build/ is left alone)."""
    out = tmp_path_factory.mktemp("site") / "site"
    run = subprocess.run([sys.executable, "-m", "course_utils.site", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert (out / "index.html").exists(), run.stdout + run.stderr
    return out, run


@pytest.fixture(scope="session")
def pages(site):
    out, _ = site
    return {p.relative_to(out).as_posix(): Page(p) for p in out.rglob("*.html")
            if "_static" not in p.parts}


def test_the_build_prints_no_warning(site):
    _, run = site
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stderr and "ERROR" not in run.stderr, run.stderr


def test_the_build_never_executes_a_notebook():
    conf = (ROOT / "course_utils" / "site.py").read_text(encoding="utf-8")
    assert 'nb_execution_mode = "off"' in conf


def test_every_notebook_has_its_page_and_the_home_page_is_the_course_map(pages):
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}.html" in pages, nb.name
    for doc in ("index.html", "notebooks/INSTRUCTORS.html", "datasets/README.html",
                "CONTRIBUTING.html", "search.html"):
        assert doc in pages, doc
    home = pages["index.html"]
    for nb in NOTEBOOKS:  # the course map links every notebook's page
        assert f"notebooks/{nb.stem}.html" in home.links, nb.name


def test_every_internal_link_resolves(pages, site):
    out, _ = site
    broken = []
    for name, page in pages.items():
        for url in page.links + page.fetched:
            if is_external(url) or url.startswith(("mailto:", "data:", "javascript:")):
                continue
            target, fragment = local_target(page.path, url)
            if not target.exists():
                broken.append(f"{name}: {url}")
            elif fragment and target.suffix == ".html":
                ids = Page(target).ids if target != page.path else page.ids
                if fragment not in ids:
                    broken.append(f"{name}: {url} (no #{fragment})")
    assert not broken, "\n".join(broken)


def test_every_figure_is_on_its_page(pages, site):
    from PIL import Image

    out, _ = site
    for nb_path in NOTEBOOKS:
        nb = read(nb_path)
        figures = sum("image/png" in o.get("data", {}) for c in nb.cells
                      if c.cell_type == "code" for o in c.get("outputs", []))
        page = pages[f"notebooks/{nb_path.stem}.html"]
        images = [src for src in page.images if "_images/" in src]
        assert len(images) == figures, f"{nb_path.name}: {len(images)} images, {figures} figures"
        for src in images:
            target, _ = local_target(page.path, src)
            with Image.open(target) as im:
                assert im.width > 100 and im.height > 100, src


def test_no_page_needs_a_file_from_the_internet(pages, site):
    out, _ = site
    external = [f"{name}: {url}" for name, page in pages.items()
                for url in page.fetched if is_external(url)]
    assert not external, "\n".join(external)
    for css in out.rglob("*.css"):  # stylesheets may import fonts or images
        text = css.read_text(encoding="utf-8", errors="replace")
        found = re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")\s]+)", text)
        assert not found, f"{css.relative_to(out)}: {found[:3]}"


def test_solutions_stay_collapsed_and_harness_markers_do_not_show(pages):
    for nb_path in NOTEBOOKS:
        nb = read(nb_path)
        page = pages[f"notebooks/{nb_path.stem}.html"]
        solutions = sum("solution" in tags(c) for c in nb.cells)
        collapsed = [d for d in page.details if "open" not in d]
        assert len(collapsed) >= solutions, nb_path.name
        assert page.path.read_text(encoding="utf-8").count("Show the solution") == solutions
        shown = [code for code in page.code if re.search(r"NBVAL_|PYTEST_VALIDATE_", code)]
        assert not shown, f"{nb_path.name}: {shown[0][:200]}"


def test_staging_removes_only_harness_lines_and_keeps_the_committed_notebooks():
    before = (ROOT / "notebooks" / NOTEBOOKS[0].name).read_bytes()
    nb = {"cells": [
        {"cell_type": "code", "metadata": {"tags": ["solution"],
                                           "jupyter": {"source_hidden": True}},
         "source": ["# NBVAL_IGNORE_OUTPUT\n", "x = 1  # NBVAL_ in a comment stays\n"],
         "outputs": [], "execution_count": 1},
        {"cell_type": "markdown", "metadata": {}, "source": "`# NBVAL_IGNORE_OUTPUT` stays"},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    staged = stage_notebook(nb)
    code, md = staged["cells"]
    assert code["source"] == "x = 1  # NBVAL_ in a comment stays\n"
    assert "hide-cell" in code["metadata"]["tags"]
    assert md["source"] == "`# NBVAL_IGNORE_OUTPUT` stays"
    assert nb["cells"][0]["source"][0] == "# NBVAL_IGNORE_OUTPUT\n"  # the input is untouched
    assert (ROOT / "notebooks" / NOTEBOOKS[0].name).read_bytes() == before


# --- a real browser ------------------------------------------------------------------

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--mute-audio", "--window-size=1280,2000", "--remote-debugging-pipe"]


def chromium_or_skip():
    if not hasattr(os, "posix_spawn"):
        pytest.skip("the browser checks drive Chromium through a pipe: Linux and macOS only")
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    message = ("headless Chromium is not installed (Debian: apt-get install chromium); "
               "the browser checks need it")
    if os.environ.get("CI") == "true":
        pytest.fail(message + " and under CI .ci/run installs it")
    pytest.skip(message)


class Chromium:
    """Headless Chromium driven through the DevTools protocol on a pipe (no extra package):
    Chromium reads JSON commands on fd 3 and writes replies and events on fd 4."""

    def __init__(self, exe, profile):
        import fcntl  # POSIX only, like the pipe protocol

        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # above fd 4, so that wiring one end to fd 3 or 4 cannot overwrite the other
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_chrome_r, from_chrome_w)]
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)
        args = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"]
        # posix_spawn: no Python code runs in the child (safe with the test run's threads)
        self.pid = os.posix_spawn(exe, args, dict(os.environ), file_actions=[
            (os.POSIX_SPAWN_DUP2, high[0], 3), (os.POSIX_SPAWN_DUP2, high[1], 4),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
        for fd in high:
            os.close(fd)
        self._next, self._replies, self.events = 0, {}, queue.Queue()
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buffer = b""
        with os.fdopen(self._from_chrome, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        with self._cond:
                            self._replies[message["id"]] = message
                            self._cond.notify_all()
                    else:
                        self.events.put(message)

    def send(self, method, params=None, session=None, timeout=60):
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        with self._cond:
            if not self._cond.wait_for(lambda: self._next in self._replies, timeout):
                raise TimeoutError(method)
            reply = self._replies.pop(self._next)
        assert "error" not in reply, f"{method}: {reply['error']}"
        return reply["result"]

    def wait_for(self, method, timeout=60):
        """Return the events up to and including the first ``method`` event."""
        seen = []
        while True:
            event = self.events.get(timeout=timeout)
            seen.append(event)
            if event.get("method") == method:
                return seen

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except (TimeoutError, OSError, AssertionError):
            pass
        for _ in range(100):  # up to 10 s for Chromium to exit by itself
            if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self._to_chrome)


# Scroll every image into view, wait until each has loaded or failed, and report.
REPORT_JS = """(async () => {
  const imgs = [...document.images];
  for (const img of imgs) { img.loading = 'eager'; img.scrollIntoView(); }
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  window.scrollTo(0, 0);
  const main = document.querySelector('main') || document.body;
  return JSON.stringify({
    title: document.title,
    h1: (document.querySelector('main h1') || {}).textContent || '',
    text: main.innerText.length,
    images: imgs.map(i => ({src: i.currentSrc || i.src, complete: i.complete,
                           width: i.naturalWidth, height: i.naturalHeight})),
  });
})()"""


@pytest.fixture(scope="module")
def browser(site):
    exe = chromium_or_skip()
    out, _ = site

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with tempfile.TemporaryDirectory() as profile:
        chrome = Chromium(exe, profile)
        try:
            yield chrome, base, out.parent / "screenshots"
        finally:
            chrome.close()
            server.shutdown()
            server.server_close()


def render(browser, path):
    """Open a page of the site; return what it showed, the URLs it requested, the
    requests that failed, and the path of its screenshot."""
    chrome, base, shots = browser
    target = chrome.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = chrome.send("Target.attachToTarget",
                          {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Network", "Runtime"):
        chrome.send(f"{domain}.enable", session=session)
    chrome.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 2000,
                "deviceScaleFactor": 1, "mobile": False}, session=session)
    chrome.send("Page.navigate", {"url": base + path}, session=session)
    events = chrome.wait_for("Page.loadEventFired")
    result = chrome.send("Runtime.evaluate", {"expression": REPORT_JS, "awaitPromise": True,
                                              "returnByValue": True}, session=session)
    report = json.loads(result["result"]["value"])
    png = base64.b64decode(chrome.send("Page.captureScreenshot", {"format": "png"},
                                       session=session)["data"])
    shots.mkdir(exist_ok=True)
    shot = shots / (Path(path).stem + ".png")
    shot.write_bytes(png)
    while not chrome.events.empty():
        events.append(chrome.events.get())
    chrome.send("Target.closeTarget", {"targetId": target})
    requested = [e["params"]["request"]["url"] for e in events
                 if e.get("method") == "Network.requestWillBeSent"]
    failed = [e["params"] for e in events if e.get("method") == "Network.loadingFailed"]
    return report, requested, failed, shot


def assert_rendered(report, requested, failed, shot, base, figures):
    from PIL import Image

    assert report["text"] > 500, f"a blank page? {report} (screenshot: {shot})"
    assert report["h1"].strip(), f"no title on the page (screenshot: {shot})"
    outside = [u for u in requested if not u.startswith((base, "data:", "about:"))]
    assert not outside, f"the page asked the internet for {outside}"
    assert not failed, f"requests failed: {failed}"
    images = [i for i in report["images"] if "/_images/" in i["src"]]
    assert len(images) == figures, report["images"]
    for image in report["images"]:
        assert image["complete"] and image["width"] > 0, f"a figure did not load: {image}"
    with Image.open(shot) as im:  # the screenshot is not a blank page
        assert im.size == (1280, 2000), im.size
        colours = im.convert("RGB").resize((160, 250)).getcolors(maxcolors=100_000)
        assert colours and len(colours) > 20, f"the screenshot looks blank: {shot}"


def test_a_browser_shows_the_home_page(browser):
    report, requested, failed, shot = render(browser, "index.html")
    assert_rendered(report, requested, failed, shot, browser[1], figures=0)
    assert report["h1"].strip().rstrip("#").strip() == "How Keras takes its training data"


def test_a_browser_shows_notebook_05_with_its_figures(browser):
    nb = next(p for p in NOTEBOOKS if p.name.startswith("05_"))
    figures = sum("image/png" in o.get("data", {}) for c in read(nb).cells
                  if c.cell_type == "code" for o in c.get("outputs", []))
    assert figures >= 1
    report, requested, failed, shot = render(browser, f"notebooks/{nb.stem}.html")
    assert_rendered(report, requested, failed, shot, browser[1], figures=figures)
    assert "Flowers-17" in report["h1"] or "Flowers-17" in report["title"]



def test_setup_notebook_keeps_image_figures_light():
    import matplotlib

    from course_utils.environment import _light_figures

    before = matplotlib.rcParams["image.interpolation"]
    try:
        _light_figures()
        assert matplotlib.rcParams["image.interpolation"] == "nearest"
    finally:
        matplotlib.rcParams["image.interpolation"] = before
