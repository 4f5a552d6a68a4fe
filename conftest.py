"""Test settings shared by the unit tests and nbval (kept at the top of the repository so
that they apply to notebooks/ too), and a per-notebook report of time and peak memory
(the kernel and its worker processes, sampled; proportional set size on Linux)."""

import os
import threading
import time
from collections import defaultdict

# Fixed before any kernel starts: kernels inherit the environment of this process.
os.environ["COURSE_PROFILE"] = "quick"  # the checked outputs are the quick profile's
os.environ["COURSE_OFFLINE"] = "1"  # tests never download
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"  # no C++ log lines (absent under nbval anyway)
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

MEMORY_LIMIT_MB = 1500  # CONTRIBUTING.md: every notebook under 1.5 GB
_stats = defaultdict(lambda: {"seconds": 0.0, "peak_mb": 0.0})
_sampler = {"current": None, "stop": False}


def _sample_children():
    import psutil

    me = psutil.Process()
    while not _sampler["stop"]:
        nb = _sampler["current"]
        if nb:
            used = 0
            for child in me.children(recursive=True):
                used += _memory(child, psutil)
            _stats[nb]["peak_mb"] = max(_stats[nb]["peak_mb"], used / 2**20)
        time.sleep(0.2)


def _memory(process, psutil):
    """Proportional memory where the OS reports it (Linux), so that forked workers do not
    count the pages they share with the kernel again; resident memory elsewhere."""
    try:
        full = process.memory_full_info()
        return getattr(full, "pss", full.rss)
    except psutil.AccessDenied:
        try:
            return process.memory_info().rss
        except psutil.Error:
            return 0
    except psutil.Error:
        return 0


def pytest_sessionstart(session):
    threading.Thread(target=_sample_children, daemon=True).start()


def pytest_runtest_protocol(item, nextitem):
    _sampler["current"] = item.path.name if item.path.suffix == ".ipynb" else None


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _stats[os.path.basename(path)]["seconds"] += report.duration


def pytest_sessionfinish(session, exitstatus):
    _sampler["stop"] = True
    over = [nb for nb, s in _stats.items() if s["peak_mb"] > MEMORY_LIMIT_MB]
    if over and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if not _stats:
        return
    tr = terminalreporter
    tr.section("notebooks: time and peak kernel memory")
    for nb in sorted(_stats):
        s = _stats[nb]
        flag = "  OVER the 1.5 GB budget" if s["peak_mb"] > MEMORY_LIMIT_MB else ""
        tr.write_line(f"{nb:<45} {s['seconds']:6.1f} s {s['peak_mb']:7.0f} MB{flag}")
    total = sum(s["seconds"] for s in _stats.values())
    tr.write_line(f"{'all notebooks':<45} {total:6.1f} s")
