"""Run a piece of code under another Keras backend (introduced in 11_inputs_across_backends).

Keras reads its backend when it is first imported. ``keras.config.set_backend`` reloads
Keras, but every model, layer and tensor made before it goes stale; the clean way to run
code under another backend, beside a notebook on TensorFlow, is a fresh Python process.
"""

import os
import subprocess
import sys
from importlib.util import find_spec

# backend name -> (module that must be importable, how to install it)
BACKENDS = {
    "tensorflow": ("tensorflow", "run `python3 course.py lab` (environment.yml pins it)"),
    "jax": ("jax", "run `python3 course.py lab` (environment.yml pins jax and jaxlib)"),
    "torch": ("torch", "install a CPU build of PyTorch into the course's environment: "
                       "see the README's section 'Adding PyTorch'"),
}


def backend_available(backend):
    """True when ``backend``'s package can be imported here, checked without importing
    it (11_inputs_across_backends)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown Keras backend {backend!r}; "
                         f"this course knows {', '.join(BACKENDS)}")
    return find_spec(BACKENDS[backend][0]) is not None


def run_with_backend(backend, code, timeout=120):
    """Run ``code`` in a fresh Python process whose Keras uses ``backend`` ("tensorflow",
    "jax" or "torch"), and return what it printed (11_inputs_across_backends).

    If the code raises, the returned text ends with the error's last line (for example
    ``ValueError: ...``), after whatever was printed before it, so that a cell can show
    it. The process runs on the CPU with TensorFlow's C++ logs quiet; warnings and other
    messages on stderr are dropped. Raises ``ModuleNotFoundError`` naming the backend and
    how to install it when its package is missing, and ``TimeoutError`` when the code
    runs longer than ``timeout`` seconds (the process is killed). Before the process
    starts, this one gives its freed memory back to the system: both count toward a
    notebook's memory budget.
    """
    if not backend_available(backend):
        module, how = BACKENDS[backend]
        raise ModuleNotFoundError(
            f"the Keras backend {backend!r} needs the package {module!r}, which is not "
            f"installed in this environment ({sys.executable}); to add it, {how}",
            name=module)
    _return_free_memory()
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu",
           "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2",
           "TF_ENABLE_ONEDNN_OPTS": "0", "PYTHONIOENCODING": "utf-8"}
    try:
        done = subprocess.run([sys.executable, "-"], input=code, env=env, capture_output=True,
                              text=True, encoding="utf-8", timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"the code did not finish within {timeout} s under the "
                           f"{backend!r} backend (its process was stopped)") from None
    if done.returncode == 0:
        return done.stdout
    return done.stdout + _last_error(done.stderr, done.returncode) + "\n"


def _last_error(stderr, returncode):
    """The error of a traceback on ``stderr``: its unindented lines after the last frame."""
    lines = stderr.rstrip().splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.startswith("Traceback (most recent call")]
    if not starts:
        return lines[-1] if lines else f"the process exited with code {returncode}"
    tail = lines[starts[-1] + 1:]
    frames = [i for i, ln in enumerate(tail) if ln[:1].isspace()]
    return "\n".join(tail[frames[-1] + 1:] if frames else tail)


def _return_free_memory():
    """Give the memory this process has freed back to the operating system before a second
    Python starts, since both count toward a notebook's memory (glibc keeps freed memory for
    reuse: see ``reuse_memory`` in environment.py). Elsewhere than glibc, nothing to do."""
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
