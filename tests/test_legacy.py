"""find_legacy_keras (10_migrating_legacy_keras_code): every legacy pattern, through
aliases, never in comments or strings, and nothing in modern code."""

import textwrap

import pytest
from hypothesis import given, settings
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
                           (8, "keras.optimizers.legacy.SGD"),
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
    assert [(f.line, f.found) for f in hits] == [  # the tensorflow.keras import still works
        (4, "aug.flow(...)"),
        (5, "ImageDataGenerator(...).flow(...)"),
        (6, "aug.flow_from_directory(...)"),
    ]
    assert all("Random" in f.instead and f.instead.startswith("still runs (legacy")
               for f in hits)


def test_image_data_generator_flow_really_runs_through_tf_keras():
    import numpy as np
    from tensorflow.keras.preprocessing.image import ImageDataGenerator

    flow = ImageDataGenerator(horizontal_flip=True).flow(np.zeros((4, 8, 8, 3)), batch_size=2)
    assert flow[0].shape == (2, 8, 8, 3)


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


@pytest.mark.parametrize("statement", [
    "from keras.preprocessing.image import ImageDataGenerator",
    "from keras.preprocessing.image import DirectoryIterator",
    "from keras.preprocessing import image\naug = image.ImageDataGenerator()",
    "import keras\naug = keras.preprocessing.image.ImageDataGenerator()",
])
def test_image_data_generator_from_keras_is_found_and_really_fails(statement):
    hits = find(statement)
    assert len(hits) == 1 and "RandomRotation" in hits[0].instead
    with pytest.raises((ImportError, AttributeError)):
        exec(statement, {})  # noqa: S102 - the test's own snippet


@pytest.mark.parametrize("statement", [
    "from keras.preprocessing.image import load_img, img_to_array",
    "import keras.preprocessing.image",
    "from keras.preprocessing import image\nf = image.load_img",
    "from tensorflow.keras.preprocessing.image import ImageDataGenerator, load_img",
    "from tensorflow.keras.preprocessing import image",
    "import tensorflow as tf\nf = tf.keras.preprocessing.image.load_img",
    "import tensorflow as tf\nc = tf.keras.preprocessing.image.ImageDataGenerator",
])
def test_image_imports_that_still_work_are_not_findings(statement):
    assert find(statement) == []
    exec(statement, {})  # noqa: S102 - and they really run on the pinned Keras


# --- Keras 2 APIs that Keras 3 removed: each one found, and each one really failing -------
# Every case is scanned AND run on the pinned Keras (3.15.1), so that the scanner's tables
# cannot drift from what Keras really does. `model` is a compiled Keras 3 model.

@pytest.fixture(scope="module")
def keras_env():
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
    return {"model": model, "x": np.zeros((8, 4), "float32"), "y": np.zeros(8)}


def run_on_keras_3(code, keras_env):
    exec(textwrap.dedent(code), dict(keras_env))  # noqa: S102 - the test's own snippets


REMOVED_APIS = [  # id, code, what the scanner reports, what Keras 3 raises
    ("optimizer.lr", "rate = model.optimizer.lr", [(1, "model.optimizer.lr")], AttributeError),
    ("optimizer.decay", "d = model.optimizer.decay", [(1, "model.optimizer.decay")],
     AttributeError),
    ("optimizer-name.lr", "from keras.optimizers import Adam\nopt = Adam()\nprint(opt.lr)",
     [(3, "opt.lr")], AttributeError),
    ("K.set_value", "from keras import backend as K\n"
                    "K.set_value(model.optimizer.learning_rate, 0.01)",
     [(2, "K.set_value")], AttributeError),
    ("K.get_value", "import keras.backend as K\nK.get_value(model.optimizer.learning_rate)",
     [(2, "K.get_value")], AttributeError),
    ("K.eval", "import keras\nkeras.backend.eval(model.optimizer.learning_rate)",
     [(2, "keras.backend.eval")], AttributeError),
    ("K.int_shape", "from keras import backend as K\nK.int_shape(x)",
     [(2, "K.int_shape")], AttributeError),
    ("from-backend-import", "from keras.backend import set_value",
     [(1, "from keras.backend import set_value")], ImportError),
    ("tf.keras K.set_value", "from tensorflow.keras import backend as K\n"
                             "K.set_value(model.optimizer.learning_rate, 0.01)",
     [(2, "K.set_value")], AttributeError),
    ("np_utils", "from keras.utils import np_utils",
     [(1, "from keras.utils import np_utils")], ImportError),
    ("np_utils.to_categorical", "from keras.utils.np_utils import to_categorical",
     [(1, "from keras.utils.np_utils import to_categorical")], ModuleNotFoundError),
    ("keras.utils.np_utils", "import keras\nkeras.utils.np_utils.to_categorical(y)",
     [(2, "keras.utils.np_utils.to_categorical")], AttributeError),
    ("layers.core", "from keras.layers.core import Dense, Dropout",
     [(1, "from keras.layers.core import Dense"), (1, "from keras.layers.core import Dropout")],
     ModuleNotFoundError),
    ("layers.convolutional", "import keras.layers.convolutional",
     [(1, "import keras.layers.convolutional")], ModuleNotFoundError),
    ("engine.topology", "from keras.engine.topology import Layer",
     [(1, "from keras.engine.topology import Layer")], ModuleNotFoundError),
    ("wrappers.scikit_learn", "from keras.wrappers.scikit_learn import KerasClassifier",
     [(1, "from keras.wrappers.scikit_learn import KerasClassifier")], ModuleNotFoundError),
    ("tf.keras np_utils", "from tensorflow.keras.utils import np_utils",
     [(1, "from tensorflow.keras.utils import np_utils")], ImportError),
    ("tf.keras experimental", "import tensorflow as tf\n"
                              "tf.keras.layers.experimental.preprocessing.Rescaling(1 / 255)",
     [(2, "tf.keras.layers.experimental.preprocessing.Rescaling")], AttributeError),
    ("optimizers.legacy", "from keras.optimizers.legacy import SGD\nopt = SGD(0.01)",
     [(1, "from keras.optimizers.legacy import SGD")], ImportError),
    ("nb_epoch", "model.fit(x, y, nb_epoch=2, verbose=0)",
     [(1, "model.fit(..., nb_epoch=...)")], TypeError),
    ("samples_per_epoch", "model.fit(x, y, samples_per_epoch=8, verbose=0)",
     [(1, "model.fit(..., samples_per_epoch=...)")], TypeError),
    ("nb_val_samples", "model.fit(x, y, validation_data=(x, y), nb_val_samples=8)",
     [(1, "model.fit(..., nb_val_samples=...)")], TypeError),
    ("predict_classes", "model.predict_classes(x)", [(1, "model.predict_classes(...)")],
     AttributeError),
    ("Adam(lr=)", "import keras\nkeras.optimizers.Adam(lr=1e-3)",
     [(2, "keras.optimizers.Adam(lr=...)")], ValueError),
    ("output_dim", "from keras.layers import Dense\nDense(output_dim=10)",
     [(2, "Dense(..., output_dim=...)")], TypeError),
    ("nb_filter", "from keras import layers\nlayers.Conv2D(nb_filter=32, kernel_size=3)",
     [(2, "layers.Conv2D(..., nb_filter=...)")], TypeError),
    ("init", "from keras.layers import Dense\nDense(10, init='uniform')",
     [(2, "Dense(..., init=...)")], ValueError),
    ("border_mode", "import keras\nkeras.layers.Conv2D(32, 3, border_mode='same')",
     [(2, "keras.layers.Conv2D(..., border_mode=...)")], ValueError),
    ("subsample", "from keras.layers import Conv2D\nConv2D(32, 3, subsample=(2, 2))",
     [(2, "Conv2D(..., subsample=...)")], ValueError),
    ("dim_ordering", "from keras.layers import MaxPooling2D\nMaxPooling2D(dim_ordering='tf')",
     [(2, "MaxPooling2D(..., dim_ordering=...)")], ValueError),
    ("W_regularizer", "from keras.layers import Dense\nDense(3, W_regularizer=None)",
     [(2, "Dense(..., W_regularizer=...)")], ValueError),
    ("b_regularizer", "from keras.layers import Dense\nDense(3, b_regularizer=None)",
     [(2, "Dense(..., b_regularizer=...)")], ValueError),
    ("CuDNNLSTM", "import keras\nkeras.layers.CuDNNLSTM(8)",
     [(2, "keras.layers.CuDNNLSTM")], AttributeError),
    ("CuDNNGRU import", "from keras.layers import CuDNNGRU",
     [(1, "from keras.layers import CuDNNGRU")], ImportError),
    ("tf.keras CuDNNLSTM", "from tensorflow.keras import layers\nlayers.CuDNNLSTM(8)",
     [(2, "layers.CuDNNLSTM")], AttributeError),
    ("multi_gpu_model", "from keras.utils import multi_gpu_model",
     [(1, "from keras.utils import multi_gpu_model")], ImportError),
    ("tf.keras multi_gpu_model", "import tensorflow as tf\ntf.keras.utils.multi_gpu_model(m, 2)",
     [(2, "tf.keras.utils.multi_gpu_model")], AttributeError),
    ("predict_proba", "import keras\nnet = keras.Sequential([keras.Input((4,)), "
                      "keras.layers.Dense(2)])\np = net.predict_proba(x)",
     [(3, "net.predict_proba(...)")], AttributeError),
    ("save folder", "import keras\n"
                    "net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
                    "net.save('saved_model_dir')",
     [(3, "net.save('saved_model_dir')")], ValueError),
    ("save_weights .h5", "model.save_weights('weights.h5')",
     [(1, "model.save_weights('weights.h5')")], ValueError),
    ("ModelCheckpoint .hdf5",
     "from keras.callbacks import ModelCheckpoint\n"
     "ModelCheckpoint('weights-{epoch:03d}-{val_loss:.4f}.hdf5', monitor='val_loss')",
     [(2, "ModelCheckpoint('weights-{epoch:03d}-{val_loss:.4f}.hdf5')")], ValueError),
    ("ModelCheckpoint weights .h5",
     "import keras, os\n"
     "keras.callbacks.ModelCheckpoint(os.path.join('out', 'best.h5'), save_weights_only=True)",
     [(2, "ModelCheckpoint(os.path.join('out', 'best.h5'), save_weights_only=True)")],
     ValueError),
]


@pytest.mark.parametrize("code, want, error", [case[1:] for case in REMOVED_APIS],
                         ids=[case[0] for case in REMOVED_APIS])
def test_removed_api_is_found_and_really_fails_on_keras_3(code, want, error, keras_env,
                                                          tmp_path, monkeypatch):
    hits = find(code)
    assert [(f.line, f.found) for f in hits if f.line == want[0][0]] == want
    assert all(f.instead for f in hits)
    monkeypatch.chdir(tmp_path)  # in case a save did succeed
    with pytest.raises(error):
        run_on_keras_3(code, keras_env)


def test_save_to_a_folder_really_fails_on_keras_3(keras_env, tmp_path):
    with pytest.raises(ValueError, match="extension"):
        keras_env["model"].save(str(tmp_path / "saved_model_dir"))
    assert found("from keras.models import load_model\nm = load_model('a.keras')\n"
                 "m.save(f'{out}/model')") == [(3, "m.save(f'{out}/model')")]


def test_predict_proba_and_save_on_other_objects_are_not_findings():
    code = """
    from sklearn.linear_model import LogisticRegression
    import keras
    clf = LogisticRegression().fit(x, y)
    p = clf.predict_proba(x)
    model.predict_proba(x)          # model: unknown here (could be scikit-learn's)
    df.save("results")
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    net.save("net.keras")
    net.save("net.h5")
    """
    assert find(code) == []


def test_torch_scheduler_optimizer_lr_is_not_keras():
    code = """
    import torch
    sched = torch.optim.lr_scheduler.StepLR(opt, 10)
    print(sched.optimizer.lr)
    """
    assert find(code) == []
    assert found("import keras\nprint(model.optimizer.lr)") == [(2, "model.optimizer.lr")]


def test_removed_names_table_matches_the_pinned_keras():
    import keras
    import tensorflow as tf

    from course_utils import legacy

    for name in legacy.REMOVED_NAMES:
        module, attr = name.rsplit(".", 1)
        for root in (keras, tf.keras):
            namespace = getattr(root, module.split(".", 1)[1])
            assert not hasattr(namespace, attr), name


def test_assigning_optimizer_lr_is_found_and_silently_changes_nothing(keras_env):
    code = "model.optimizer.lr = 0.001\nrate = float(model.optimizer.learning_rate)"
    (hit,) = find(code)
    assert (hit.line, hit.found) == (1, "model.optimizer.lr = ...")
    assert hit.instead.startswith("model.optimizer.learning_rate = ...")
    namespace = dict(keras_env)
    exec(code, namespace)  # noqa: S102 - no error: Keras 3 just stores an unused attribute
    assert namespace["rate"] == pytest.approx(0.1)
    del keras_env["model"].optimizer.lr


def test_optimizer_decay_is_found_and_only_warns_on_keras_3(keras_env):
    code = "import keras\nopt = keras.optimizers.SGD(learning_rate=0.1, decay=1e-4)"
    assert found(code) == [(2, "keras.optimizers.SGD(..., decay=...)")]
    with pytest.warns(UserWarning, match="`decay` is no longer supported and will be ignored"):
        run_on_keras_3(code, keras_env)


def test_callback_that_sets_the_learning_rate_the_keras_2_way():
    code = """
    from keras import backend as K
    from keras.callbacks import Callback

    class Halve(Callback):
        def on_epoch_end(self, epoch, logs=None):
            lr = K.get_value(self.model.optimizer.lr)
            K.set_value(self.model.optimizer.lr, lr / 2)
    """
    assert found(code) == [(7, "K.get_value"), (7, "self.model.optimizer.lr"),
                           (8, "K.set_value"), (8, "self.model.optimizer.lr")]


def test_the_tables_match_the_pinned_keras():
    import importlib

    import keras
    import tensorflow as tf

    from course_utils import legacy

    assert legacy.BACKEND_KEEPS == {n for n in dir(keras.backend) if not n.startswith("_")}
    for name in legacy.TF_BACKEND_FAILS - {"set_value", "batch_set_value"}:
        assert not hasattr(tf.keras.backend, name), name
    for module in legacy.REMOVED_MODULES:
        for prefix in ("", "tensorflow."):
            if prefix and module in legacy.TF_KERAS_KEEPS:
                importlib.import_module(prefix + module)  # still there
            elif module.endswith("optimizers.legacy"):  # importable, but its classes refuse
                with pytest.raises(ImportError):
                    importlib.import_module(prefix + module).SGD(0.1)
            else:
                with pytest.raises(ModuleNotFoundError):
                    importlib.import_module(prefix + module)


MODERN_FORMS = '''
import keras
import tensorflow as tf
from keras import backend as K
from keras import layers
from keras.callbacks import ModelCheckpoint
from keras.utils import to_categorical
from tensorflow.keras import backend as TK
from tensorflow.keras.preprocessing.text import Tokenizer

lr = 0.01                      # a variable that happens to be named lr
decay = lr / 10


class Trainer:
    def __init__(self):
        self.lr = lr           # user code's own attribute
        self.decay = decay


opt = keras.optimizers.Adam(learning_rate=lr)
model = keras.Sequential([keras.Input((4,)), layers.Dense(2, kernel_initializer="uniform",
                                                          kernel_regularizer=None)])
model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
model.optimizer.learning_rate.assign(lr / 2)
rate = TK.get_value(model.optimizer.learning_rate)
fmt = K.image_data_format()
K.clear_session()
y = to_categorical([0, 1]) + keras.utils.to_categorical([1, 0])
conv = layers.Conv2D(8, 3, padding="same", strides=2, data_format="channels_last")
checkpoint = ModelCheckpoint("best.keras")
weights = ModelCheckpoint("best.weights.h5", save_weights_only=True)
model.save_weights("model.weights.h5")
tokenizer = Tokenizer()
print("K.set_value(model.optimizer.lr, 0.1)")  # a string, and a comment: model.optimizer.lr
settings = dict(init="uniform", border_mode="same", nb_epoch=3)


def plan(init, border_mode, nb_epoch):   # our own function's keywords
    return init, border_mode, nb_epoch


plan(init=1, border_mode=2, nb_epoch=3)
'''


def test_modern_forms_are_not_findings():
    assert find_legacy_keras(MODERN_FORMS) == []


def test_modern_forms_really_run_on_keras_3(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(MODERN_FORMS, {})  # noqa: S102 - the test's own snippet
    assert (tmp_path / "model.weights.h5").exists()


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
    "K.set_value(model.optimizer.lr, 0.01)",
    "from keras.utils import np_utils",
    "model.fit(x, y, nb_epoch=10)",
]


@settings(deadline=None)
@given(snippet=st.sampled_from(LEGACY_SNIPPETS),
       noise=st.text(alphabet=st.characters(blacklist_characters="\x00\r\n\x0b\x0c\x1c\x1d\x1e"
                                            "\x85\u2028\u2029",
                                            blacklist_categories=("Cs",)), max_size=20))
def test_property_legacy_text_inside_comments_and_strings_is_ignored(snippet, noise):
    code = f"# {noise} {snippet}\ntext = {(noise + snippet)!r}\n"
    assert find_legacy_keras(code) == []


@settings(deadline=None)
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
