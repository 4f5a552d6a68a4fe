"""run_with_backend: code in a fresh process under a named Keras backend (notebook 11)."""

import pytest

from course_utils import backends
from course_utils.backends import run_with_backend


def test_it_returns_what_the_code_printed_under_the_named_backend():
    out = run_with_backend("jax", "import os\nprint('backend:', os.environ['KERAS_BACKEND'])")
    assert out == "backend: jax\n"


def test_an_error_in_the_child_comes_back_as_text_after_its_output():
    out = run_with_backend("tensorflow", "print('before')\nraise ValueError('boom\\nline 2')")
    assert out == "before\nValueError: boom\nline 2\n"


def test_a_child_that_exits_without_a_traceback_says_how_it_ended():
    out = run_with_backend("tensorflow", "import sys\nsys.exit(3)")
    assert out == "the process exited with code 3\n"


def test_the_timeout_stops_the_child_with_a_clear_error():
    with pytest.raises(TimeoutError, match=r"within 1 s under the 'jax' backend"):
        run_with_backend("jax", "import time\ntime.sleep(30)", timeout=1)


def test_a_missing_backend_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setattr(backends, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match=r"'torch' needs the package 'torch'.*README"):
        run_with_backend("torch", "print('never runs')")
    with pytest.raises(ModuleNotFoundError, match=r"'jax'.*course.py lab"):
        run_with_backend("jax", "print('never runs')")


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown Keras backend 'theano'"):
        run_with_backend("theano", "print(1)")


TORCH_ROWS = """
import keras
import numpy as np
import torch

x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32")


def generator():
    for i in range(0, 32, 8):
        yield x[i:i + 8], y[i:i + 8]


loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=8)
print(keras.backend.backend())
for source in (generator(), loader):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(source, epochs=1, verbose=0, shuffle=False)
    print("trained")
"""


def test_the_torch_backend_trains_from_a_generator_and_a_dataloader():
    """Notebook 11's PyTorch rows, where torch is installed (it is optional)."""
    if not backends.backend_available("torch"):
        pytest.skip("torch is not installed (optional: see the README)")
    assert run_with_backend("torch", TORCH_ROWS) == "torch\ntrained\ntrained\n"


def test_doctor_reports_the_backends_available(capsys):
    from course_utils.environment import doctor

    doctor()
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if "Keras backends" in ln]
    assert "[ok ]" in line and "tensorflow, jax" in line
