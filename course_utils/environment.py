"""Diagnose a learner's machine, and prepare a notebook's kernel (introduced in 00_start_here)."""

import os
import platform
import sys
import warnings
from importlib import metadata

# What the course is tested with (tests/test_environment.py checks these against
# environment.yml, the one place where versions are pinned).
EXPECTED = {
    "tensorflow": "2.21.0",
    "keras": "3.15.1",
    "numpy": "2.4.6",
    "nbval": "0.11.0",
    "jupyterlab": "4.6.6",
}
PYTHON_RANGE = ((3, 10), (3, 13))
MIN_RAM_GB = 2.0
FIX_ENV = "run `python3 course.py lab` (or `conda env create -f environment.yml`)"


def _version(dist):
    for name in (dist, f"{dist}-cpu") if dist == "tensorflow" else (dist,):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _checks():
    """Yield (label, value, fix_or_None) rows for doctor()."""
    lo, hi = PYTHON_RANGE
    py = sys.version_info[:2]
    ok_py = lo <= py <= hi
    yield ("Python", f"{platform.python_version()} (course: {lo[0]}.{lo[1]}–{hi[0]}.{hi[1]})",
           None if ok_py else "install Python 3.11 (3.10–3.13 work), then " + FIX_ENV)
    for dist, want in EXPECTED.items():
        have = _version(dist)
        if have is None:
            yield (dist, f"missing (course: {want})", FIX_ENV)
        elif have != want:
            note = (" — Python 3.10 gets older pins (Keras 3.12 is its newest)"
                    if py == (3, 10) else "")
            yield (dist, f"{have} (course: {want}){note}",
                   None if (dist in ("keras", "numpy") and py == (3, 10)) else
                   f"outputs may differ from the course's; {FIX_ENV}")
        else:
            yield (dist, f"{have} (course: {want})", None)

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    yield ("Keras backend", backend,
           None if backend == "tensorflow" else "unset KERAS_BACKEND (the course uses tensorflow)")
    from .backends import backend_available  # 11_inputs_across_backends runs the others

    found = [name for name in ("tensorflow", "jax", "torch") if backend_available(name)]
    yield ("Keras backends", ", ".join(found) + ("" if "torch" in found else
                                                     " (torch: optional, see the README)"),
           None if {"tensorflow", "jax"} <= set(found) else FIX_ENV)

    yield ("platform", f"{platform.system()} {platform.release()} ({platform.machine()})", None)
    yield ("CPU cores", str(os.cpu_count()), None)
    gpus = _gpus()
    yield ("GPU", gpus or "none — fine, the course is sized for a CPU", None)

    try:
        import psutil

        vm = psutil.virtual_memory()
        total, avail = vm.total / 1e9, vm.available / 1e9
        yield ("RAM", f"{total:.1f} GB total, {avail:.1f} GB available",
               None if avail >= MIN_RAM_GB else
               f"close other programs: a notebook needs up to 1.5 GB "
               f"({MIN_RAM_GB} GB free advised)")
    except ImportError:
        yield ("RAM", "unknown (psutil missing)", FIX_ENV)

    try:
        from .profiles import ENV_VAR, active_profile

        name = active_profile()
        yield ("profile", f"{name} ({ENV_VAR}={os.environ.get(ENV_VAR, '') or 'unset'})", None)
    except ValueError as err:
        yield ("profile", "invalid", str(err))

    from .data import data_home, dataset_status

    try:
        home = data_home()
        probe = home / ".write-test"
        probe.write_text("ok")
        probe.unlink()
        yield ("data folder", f"{home} (writable)", None)
    except OSError as err:
        yield ("data folder", f"not writable: {err}",
               "set COURSE_DATA_DIR to a folder you can write to")
    yield from dataset_status()


def _gpus():
    if "tensorflow" not in sys.modules:
        return None  # importing TensorFlow just to look would cost seconds; say nothing
    import tensorflow as tf

    return ", ".join(d.name for d in tf.config.list_physical_devices("GPU")) or None


def doctor():
    """Print what an instructor needs to diagnose a machine, with a one-line fix for
    anything wrong; return the number of problems (00_start_here)."""
    rows = list(_checks())
    width = max(len(label) for label, _, _ in rows)
    print("course_utils.doctor() — is this machine ready for the course?")
    problems = 0
    for label, value, fix in rows:
        mark = "ok " if fix is None else "FIX"
        value = str(value).replace("\n", f"\n        {'':<{width}}  ")  # indent more lines
        print(f"  [{mark}] {label:<{width}}  {value}")
        if fix:
            problems += 1
            print(f"        {'':<{width}}  → {fix}")
    print("All checks passed." if problems == 0 else
          f"{problems} problem(s): apply the fixes marked → and run doctor() again.")
    return problems


def _short_warning(message, category, filename, lineno, line=None):
    return f"{category.__name__}: {message}\n"


TOP_PAD = 256 * 2**20  # bytes of freed memory glibc keeps in each heap (see reuse_memory)


def reuse_memory():
    """Make TensorFlow reuse the memory of its training steps instead of taking fresh
    pages from the operating system at every step (00_start_here; measured in
    05_flowers17_csv_generator).

    Measured there: when ``fit`` is fed from Python (a generator or a ``PyDataset``),
    each step of the four-block network cost about 230,000 page faults on Linux, and an
    epoch took 20.8 s, against 12.0-12.4 s with both settings below (as fast as from
    arrays). Two settings remove it: TensorFlow's pooling (BFC) allocator for CPU
    tensors, which must be chosen before TensorFlow starts, and glibc keeping
    ``TOP_PAD`` bytes of freed memory in each heap. The shell equivalent is
    ``TF_CPU_ALLOCATOR_USE_BFC=true MALLOC_TOP_PAD_=268435456``. Returns what it set, as
    a list of names; elsewhere than glibc only the first applies.
    """
    done = []
    if "tensorflow" not in sys.modules:
        if os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true") == "true":
            done.append("TF_CPU_ALLOCATOR_USE_BFC")
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        import ctypes

        m_top_pad = -2  # from glibc's malloc.h
        try:
            if ctypes.CDLL("libc.so.6").mallopt(m_top_pad, TOP_PAD) == 1:
                done.append("M_TOP_PAD")
        except (OSError, AttributeError):
            pass
    return done


def _light_figures():
    """Keep the committed figures light (the notebooks and the course's site carry them):
    ``imshow`` shows an image's pixels as they are ("nearest") rather than a smoothed
    upscale, which PNG compresses about three times better (05's grid of 64×64 images).
    Called by ``setup_notebook`` (00_start_here)."""
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.rcParams["image.interpolation"] = "nearest"


def setup_notebook(seed=42):
    """Quiet TensorFlow's C++ logs, print warnings without machine-specific paths, make
    TensorFlow reuse memory (``reuse_memory``), seed Python, NumPy and TensorFlow, and
    print the versions and profile (00_start_here).

    Call it before importing TensorFlow or Keras. Returns ``settings()`` of the active profile.
    """
    if "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no C++ info/warning lines
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # no oneDNN banner, stable digits
    reuse_memory()
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    warnings.formatwarning = _short_warning
    _light_figures()
    import keras

    from .profiles import settings

    keras.utils.set_random_seed(seed)
    profile = settings()
    print(f"Keras {keras.__version__} (backend: {keras.backend.backend()}) · "
          f"profile: {profile.name} · seed: {seed}")
    return profile
