"""find_legacy_keras (10_migrating_legacy_keras_code): every legacy pattern, through
aliases, never in comments or strings, and nothing in modern code."""

import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.legacy import Finding, find_legacy_keras


def find(code):
    return find_legacy_keras(textwrap.dedent(code))


def found(code):
    return [(f.line, f.found) for f in find(code)]


# --- one test per pattern ------------------------------------------------------------------

@pytest.mark.parametrize("method", ["fit_generator", "predict_generator", "evaluate_generator"])
def test_generator_methods_on_any_receiver(method):
    code = f"""
    import keras
    net = keras.Sequential()
    out = net.{method}(batches(), steps_per_epoch=10)
    other_name.{method}(gen)
    """
    hits = find(code)
    assert [(f.line, f.found) for f in hits] == [
        (4, f"net.{method}(...)"), (5, f"other_name.{method}(...)")]
    replacement = method.split("_")[0]
    assert all(f"model.{replacement}(" in f.instead for f in hits)


def test_predict_classes():
    assert found("labels = model.predict_classes(x)") == [(1, "model.predict_classes(...)")]


@pytest.mark.parametrize("kwarg", ["workers", "use_multiprocessing", "max_queue_size"])
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_loader_arguments_on_fit_evaluate_predict(method, kwarg):
    hits = find(f"model.{method}(ds, epochs=2,\n          {kwarg}=4)")
    assert [(f.line, f.found) for f in hits] == [(2, f"model.{method}(..., {kwarg}=...)")]
    assert "PyDataset" in hits[0].instead and "super().__init__" in hits[0].instead


def test_fit_generator_with_workers_is_two_findings():
    hits = found("H = m.fit_generator(g, steps_per_epoch=5, workers=2)")
    assert hits == [(1, "m.fit_generator(...)"), (1, "m.fit_generator(..., workers=...)")]


def test_workers_on_a_pydataset_constructor_is_modern():
    assert find("ds = Batches(x, y, workers=4, use_multiprocessing=True)") == []
    assert find("super().__init__(workers=4, max_queue_size=8)") == []


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "RMSprop", "Adagrad", "Nadam"])
def test_optimizer_lr_and_decay(optimizer):
    code = f"""
    from keras.optimizers import {optimizer}
    opt = {optimizer}(lr=0.01, momentum=0.9, decay=0.01 / 40)
    """
    hits = find(code)
    assert [(f.line, f.found) for f in hits] == [
        (3, f"{optimizer}(lr=...)"), (3, f"{optimizer}(..., decay=...)")]
    assert hits[0].instead == f"{optimizer}(learning_rate=...)"
    assert "InverseTimeDecay" in hits[1].instead


def test_optimizer_through_aliases_and_modules():
    code = """
    import tensorflow as tf
    from tensorflow.keras import optimizers as O
    from keras.optimizers import SGD as S
    a = S(lr=0.1)
    b = tf.keras.optimizers.Adam(lr=1e-3)
    c = O.RMSprop(decay=1e-6)
    d = keras.optimizers.legacy.SGD(lr=0.1)
    """
    assert found(code) == [(5, "S(lr=...)"), (6, "tf.keras.optimizers.Adam(lr=...)"),
                           (7, "O.RMSprop(..., decay=...)"),
                           (8, "keras.optimizers.legacy.SGD(lr=...)")]


def test_other_libraries_optimizers_are_not_keras():
    code = """
    import torch
    from torch.optim import SGD
    a = SGD(params, lr=0.1)
    b = torch.optim.Adam(params, lr=1e-3)
    """
    assert find(code) == []


def test_history_acc_subscripts():
    code = """
    H = model.fit(x, y, validation_split=0.2)
    plt.plot(H.history["acc"], label="train_acc")
    plt.plot(H.history["val_acc"])
    hist = H.history
    best = max(hist["val_acc"]), hist.get("acc")
    fine = H.history["accuracy"], H.history["loss"], H.history["val_loss"]
    """
    hits = find(code)
    assert [(f.line, f.found) for f in hits] == [
        (3, "H.history['acc']"), (4, "H.history['val_acc']"),
        (6, "hist['val_acc']"), (6, "hist.get('acc')")]
    assert hits[0].instead.startswith("'accuracy'")
    assert hits[1].instead.startswith("'val_accuracy'")


def test_history_acc_is_fine_when_compiled_with_acc():
    code = """
    model.compile(optimizer="adam", loss="mse", metrics=["acc"])
    H = model.fit(x, y)
    print(H.history["acc"])
    """
    assert find(code) == []


def test_other_dicts_named_acc_are_not_history():
    assert find('scores = {"acc": 1}\nprint(scores["acc"])') == []


@pytest.mark.parametrize("base, imports", [
    ("Sequence", "from keras.utils import Sequence"),
    ("Sequence", "from tensorflow.keras.utils import Sequence"),
    ("keras.utils.Sequence", "import keras"),
    ("tf.keras.utils.Sequence", "import tensorflow as tf"),
    ("PyDataset", "from keras.utils import PyDataset"),
    ("Seq", "from keras.utils import Sequence as Seq"),
])
def test_sequence_without_super_init(base, imports):
    code = f"""
    {imports}

    class CSVBatches({base}):
        def __init__(self, path, batch_size=32):
            self.path = path
            self.batch_size = batch_size

        def __len__(self):
            return 10
    """
    hits = find(code)
    assert [(f.line, f.found) for f in hits] == [
        (5, "class CSVBatches: __init__ without super().__init__()")]
    assert "super().__init__(**kwargs)" in hits[0].instead


def test_sequence_subclass_of_a_subclass():
    code = """
    from keras.utils import PyDataset

    class Base(PyDataset):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

    class Child(Base):
        def __init__(self, n):
            self.n = n
    """
    assert found(code) == [(9, "class Child: __init__ without super().__init__()")]


@pytest.mark.parametrize("call", [
    "super().__init__(**kwargs)",
    "super(Good, self).__init__(workers=2)",
    "Sequence.__init__(self)",
])
def test_sequence_that_calls_its_parent_is_modern(call):
    code = f"""
    from keras.utils import Sequence

    class Good(Sequence):
        def __init__(self, x, **kwargs):
            {call}
            self.x = x
    """
    assert find(code) == []


def test_sequence_without_init_and_non_keras_sequences_are_fine():
    code = """
    from typing import Sequence
    import collections.abc
    from keras.utils import PyDataset

    class NoInit(PyDataset):
        def __len__(self):
            return 1

    class Typed(Sequence):
        def __init__(self):
            self.items = []

    class Abc(collections.abc.Sequence):
        def __init__(self):
            self.items = []
    """
    assert find(code) == []


def test_image_data_generator_flow():
    code = """
    from tensorflow.keras.preprocessing.image import ImageDataGenerator as IDG
    aug = IDG(rotation_range=20, zoom_range=0.15)
    model.fit(aug.flow(x, y, batch_size=32), epochs=3)
    batch = IDG(rescale=1 / 255).flow(x, batch_size=8)
    it = aug.flow_from_directory("data/train")
    other.flow(x)
    """
    hits = find(code)
    assert [(f.line, f.found) for f in hits] == [
        (2, "from tensorflow.keras.preprocessing.image import ImageDataGenerator"),
        (4, "aug.flow(...)"),
        (5, "ImageDataGenerator(...).flow(...)"),
        (6, "aug.flow_from_directory(...)"),
    ]
    assert all("Random" in f.instead for f in hits)


def test_metrics_names_zip():
    code = """
    for step in range(10):
        logs = dict(zip(gan.metrics_names, gan.train_on_batch(x, y)))
    pairs = list(zip(model.metrics_names, model.evaluate(x, y)))
    """
    hits = find(code)
    assert [(f.line, f.found) for f in hits] == [
        (3, "zip(gan.metrics_names, ...)"), (4, "zip(model.metrics_names, ...)")]
    assert all("return_dict=True" in f.instead for f in hits)


@pytest.mark.parametrize("statement, name", [
    ("from keras.preprocessing.image import ImageDataGenerator", "ImageDataGenerator"),
    ("from tensorflow.keras.preprocessing.image import ImageDataGenerator", "ImageDataGenerator"),
    ("from tensorflow.keras.preprocessing.image import load_img", "load_img"),
    ("from keras.preprocessing.image import img_to_array", "img_to_array"),
    ("import keras.preprocessing.image", None),
    ("from keras.preprocessing import image", None),
    ("from tensorflow.keras.preprocessing import image", None),
])
def test_legacy_image_imports(statement, name):
    hits = find(statement)
    assert [(f.line, f.found) for f in hits] == [(1, statement)]
    if name in ("load_img", "img_to_array"):
        assert hits[0].instead == f"keras.utils.{name}"
    else:
        assert "RandomRotation" in hits[0].instead


def test_legacy_image_module_used_by_its_full_name():
    code = """
    import tensorflow as tf
    img = tf.keras.preprocessing.image.load_img("a.jpg")
    """
    assert found(code) == [(3, "tf.keras.preprocessing.image.load_img")]


# --- what must NOT trigger -----------------------------------------------------------------

MODERN = '''
"""A training script written for Keras 3."""
import keras
import numpy as np
import tensorflow as tf
from keras import layers


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size=32, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]


augment = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.05)])
schedule = keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=1e-3)
model = keras.Sequential([keras.Input((32, 32, 3)), augment, layers.Flatten(),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule, momentum=0.9),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
x, y = np.zeros((64, 32, 32, 3)), np.zeros(64)
history = model.fit(Batches(x, y, workers=2), epochs=2, verbose=0)
print(history.history["accuracy"], history.history["loss"])
logs = model.train_on_batch(x[:8], y[:8], return_dict=True)
img = keras.utils.load_img("cat.jpg")
ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8).map(lambda a, b: (augment(a), b))
predictions = model.predict(ds, verbose=0)
'''


def test_modern_code_returns_nothing():
    assert find_legacy_keras(MODERN) == []


def test_comments_strings_and_docstrings_never_trigger():
    code = '''
    """Old code used model.fit_generator(gen, workers=4) and SGD(lr=0.01, decay=1e-6)."""
    # H = model.fit_generator(aug.flow(x, y), workers=8)
    # print(H.history["acc"])
    note = "from keras.preprocessing.image import ImageDataGenerator"
    doc = 'dict(zip(model.metrics_names, model.train_on_batch(x, y)))'
    '''
    assert find(code) == []


LEGACY_SNIPPETS = [
    "model.fit_generator(gen, steps_per_epoch=10)",
    "model.fit(ds, workers=4)",
    "SGD(lr=0.01, decay=1e-6)",
    'H.history["acc"]',
    "from keras.preprocessing.image import ImageDataGenerator",
    "ImageDataGenerator().flow(x, y)",
    "dict(zip(model.metrics_names, model.train_on_batch(x, y)))",
]


@given(snippet=st.sampled_from(LEGACY_SNIPPETS),
       noise=st.text(alphabet=st.characters(blacklist_characters="\x00\r\n\x0b\x0c\x1c\x1d\x1e"
                                            "\x85\u2028\u2029",
                                            blacklist_categories=("Cs",)), max_size=20))
def test_property_legacy_text_inside_comments_and_strings_is_ignored(snippet, noise):
    code = f"# {noise} {snippet}\ntext = {(noise + snippet)!r}\n"
    assert find_legacy_keras(code) == []


@given(snippet=st.sampled_from(LEGACY_SNIPPETS), blank_lines=st.integers(0, 30))
def test_property_each_snippet_is_found_on_its_own_line(snippet, blank_lines):
    code = "\n" * blank_lines + snippet + "\n"
    hits = find_legacy_keras(code)
    assert hits and {f.line for f in hits} == {blank_lines + 1}


# --- inputs --------------------------------------------------------------------------------

def test_path_str_and_pathlib_give_the_same_findings(tmp_path):
    script = tmp_path / "train_old.py"
    script.write_text("import keras\nH = model.fit_generator(g)\n", encoding="utf-8")
    want = [Finding(2, "model.fit_generator(...)", find_legacy_keras(script)[0].instead)]
    assert find_legacy_keras(script) == want
    assert find_legacy_keras(str(script)) == want
    assert find_legacy_keras(script.read_text()) == want


def test_missing_py_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        find_legacy_keras(str(tmp_path / "nope.py"))


def test_syntax_error_names_the_file_and_line(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("import keras\n\nmodel.fit_generator(gen,\n", encoding="utf-8")
    with pytest.raises(SyntaxError, match=r"broken\.py, line 3"):
        find_legacy_keras(script)
    with pytest.raises(SyntaxError, match=r"<source>, line 1"):
        find_legacy_keras("print 'python 2'\n")


def test_other_types_are_rejected():
    with pytest.raises(TypeError, match="path or a str"):
        find_legacy_keras(b"model.fit_generator(g)")


def test_finding_prints_as_one_line():
    (hit,) = find_legacy_keras("opt = SGD(lr=0.1)")
    assert str(hit) == "line 1: SGD(lr=...) → SGD(learning_rate=...)"
