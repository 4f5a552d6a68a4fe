"""Find Keras 2-era code that Keras 3 rejects or silently ignores
(introduced in 10_migrating_legacy_keras_code).

``find_legacy_keras`` parses Python source with the ``ast`` module, so comments, strings
and docstrings never trigger it; it follows import aliases (``from keras.optimizers
import SGD as S``) and simple assignments (``aug = ImageDataGenerator(...)``,
``hist = H.history``) within one file. It is a migration guide, not a compiler: it
cannot see through ``getattr``, ``**kwargs`` or other modules.

Every pattern it reports fails or misbehaves on the pinned Keras (3.15.1), with one
kind of exception: ``ImageDataGenerator(...).flow``/``flow_from_directory``/
``flow_from_dataframe`` still run through ``tensorflow.keras`` as frozen legacy code, and
their ``instead`` says so ("still runs (legacy): ..."). Imports that still work
(``keras.preprocessing.image``'s ``load_img``, ``img_to_array``, ...; anything from
``tensorflow.keras.preprocessing.image``) are not reported. ``tests/test_legacy.py`` runs
the patterns there and checks the exception or warning. It knows the patterns listed in
``find_legacy_keras``'s docstring, not every Keras 2 API.
"""

import ast
import os
from pathlib import Path
from typing import NamedTuple


class Finding(NamedTuple):
    """One legacy use: its line, what was found, and what to write instead (10)."""

    line: int
    found: str
    instead: str

    def __str__(self):
        return f"line {self.line}: {self.found} → {self.instead}"


REMOVED_METHODS = {
    "fit_generator": "model.fit(...): it takes generators, PyDatasets and tf.data directly",
    "predict_generator": "model.predict(...): it takes generators, PyDatasets and tf.data "
                         "(a generator for predict yields (x,) tuples)",
    "evaluate_generator": "model.evaluate(...): it takes generators, PyDatasets and tf.data",
    "predict_classes": "np.argmax(model.predict(x), axis=-1) (softmax) or "
                       "(model.predict(x) > 0.5).astype(int) (sigmoid)",
}
TRAINING_METHODS = {"fit", "evaluate", "predict", *REMOVED_METHODS}
LOADER_KWARGS = ("workers", "use_multiprocessing", "max_queue_size")
OPTIMIZERS = {"SGD", "Adam", "AdamW", "Adamax", "Adadelta", "Adagrad", "Adafactor", "Ftrl",
              "Lion", "Lamb", "Nadam", "RMSprop", "LossScaleOptimizer"}
OLD_HISTORY_KEYS = {"acc": "accuracy", "val_acc": "val_accuracy"}
DATASET_BASES = {"Sequence", "PyDataset"}
IDG_METHODS = ("flow", "flow_from_directory", "flow_from_dataframe")
LEGACY_IMAGE_MODULES = ("keras.preprocessing.image", "tensorflow.keras.preprocessing.image",
                        "tf.keras.preprocessing.image")
IMAGE_UTILS = {"load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"}
KERAS_IMAGE_MODULE = "keras.preprocessing.image"  # keeps only IMAGE_UTILS in Keras 3
AUGMENT_INSTEAD = ("preprocessing layers (keras.layers.RandomRotation, RandomZoom, "
                   "RandomTranslation, RandomFlip, Rescaling) in the model or mapped over a "
                   "tf.data.Dataset")
# Keras 2 modules that Keras 3 no longer has: importing them raises ModuleNotFoundError
# (ImportError for `from keras.utils import np_utils`; keras.optimizers.legacy's classes
# raise ImportError when used). Also true under tensorflow.keras, except where noted.
_LAYERS = "keras.layers (every layer is there: keras.layers.Dense, Conv2D, ...)"
REMOVED_MODULES = {
    "keras.utils.np_utils": "keras.utils (keras.utils.to_categorical, normalize)",
    "keras.utils.generic_utils": "keras.utils (Progbar) and keras.saving "
                                 "(get_custom_objects, register_keras_serializable)",
    "keras.utils.data_utils": "keras.utils (get_file, PyDataset)",
    "keras.utils.vis_utils": "keras.utils.plot_model",
    **dict.fromkeys(["keras.layers.core", "keras.layers.convolutional", "keras.layers.pooling",
                     "keras.layers.merge", "keras.layers.recurrent",
                     "keras.layers.normalization", "keras.layers.embeddings",
                     "keras.layers.advanced_activations", "keras.layers.experimental"],
                    _LAYERS),
    "keras.engine": "keras.Model, keras.layers.Layer, keras.Input",
    "keras.wrappers.scikit_learn": "keras.wrappers.SKLearnClassifier / SKLearnRegressor",
    "keras.preprocessing.text": "keras.layers.TextVectorization",
    "keras.objectives": "keras.losses",
    "keras.optimizers.legacy": "keras.optimizers (SGD, Adam, ... with learning_rate=)",
}
# Single names Keras 3 removed (under tensorflow.keras too): AttributeError / ImportError
_RNN_INSTEAD = "keras.layers.{} (it uses cuDNN by itself when it can: use_cudnn='auto')"
REMOVED_NAMES = {
    "keras.layers.CuDNNLSTM": _RNN_INSTEAD.format("LSTM"),
    "keras.layers.CuDNNGRU": _RNN_INSTEAD.format("GRU"),
    "keras.utils.multi_gpu_model": "a distribution strategy (TensorFlow backend: build and "
                                   "compile the model inside tf.distribute.MirroredStrategy()"
                                   ".scope())",
}
MODEL_FACTORIES = {"Sequential", "Model", "load_model"}  # what binds a name to a Keras model
TF_KERAS_KEEPS = {"keras.preprocessing.text"}  # tensorflow.keras re-exports these
# What keras.backend still has; every other Keras 2 backend function raises AttributeError
BACKEND_KEEPS = {"backend", "clear_session", "epsilon", "floatx", "get_uid",
                 "image_data_format", "is_float_dtype", "is_int_dtype", "is_keras_tensor",
                 "result_type", "set_epsilon", "set_floatx", "set_image_data_format",
                 "standardize_dtype"}
# tensorflow.keras.backend re-exports most of them, but these fail there too (set_value on
# a Keras 3 variable raises AttributeError: 'str' object has no attribute 'name')
TF_BACKEND_FAILS = {"set_value", "batch_set_value", "learning_phase", "set_learning_phase",
                    "get_session", "set_session", "function", "image_dim_ordering"}
BACKEND_INSTEAD = {
    "set_value": "variable.assign(value) (the learning rate: "
                 "optimizer.learning_rate.assign(value))",
    "batch_set_value": "variable.assign(value) for each pair",
    "get_value": "keras.ops.convert_to_numpy(x) (a scalar: float(x))",
    "eval": "keras.ops.convert_to_numpy(x) (a scalar: float(x))",
    "int_shape": "x.shape",
    "variable": "keras.Variable(value)",
    "learning_phase": "the training argument of call()",
    "set_learning_phase": "the training argument of call()",
    "image_dim_ordering": "keras.backend.image_data_format()",
}
OPTIMIZER_ATTRS = {"lr": "learning_rate",  # .decay: the schedule is the learning_rate
                   "decay": "learning_rate (a schedule such as InverseTimeDecay)"}
OLD_FIT_KWARGS = {
    "nb_epoch": "epochs=",
    "samples_per_epoch": "steps_per_epoch= (counts batches: samples // batch_size)",
    "nb_val_samples": "validation_steps= (counts batches: samples // batch_size)",
}
OLD_LAYER_KWARGS = {"output_dim": "units", "init": "kernel_initializer",
                    "border_mode": "padding", "subsample": "strides",
                    "dim_ordering": "data_format", "nb_filter": "filters",
                    "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer"}
FLOW_INSTEAD = ("still runs (legacy, through tensorflow.keras), but frozen NumPy + SciPy code: "
                "fit on arrays or a tf.data.Dataset and augment with " + AUGMENT_INSTEAD +
                "; keras.utils.image_dataset_from_directory for a folder of images")


def _dotted(node):
    """'a.b.c' for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _is_keras_module(module):
    return module is not None and ("keras" in module.split(".") or module.startswith("tf."))


def _removed_module(name):
    """What to use instead of ``name`` if it is a module Keras 3 removed, else None."""
    plain = name
    for prefix in ("tensorflow.", "tf."):
        if name.startswith(prefix + "keras."):
            plain = name[len(prefix):]
    for module, instead in REMOVED_MODULES.items():
        if plain == module or plain.startswith(module + "."):  # keras.engine.topology too
            return None if plain != name and module in TF_KERAS_KEEPS else instead
    return REMOVED_NAMES.get(plain)


def _removed_backend_function(module, name):
    """True when ``module.name`` is a Keras 2 backend function that fails on Keras 3."""
    if module == "keras.backend":
        return name not in BACKEND_KEEPS
    return module in ("tensorflow.keras.backend", "tf.keras.backend") and \
        name in TF_BACKEND_FAILS


def _backend_instead(name):
    return BACKEND_INSTEAD.get(name, f"keras.ops (keras.ops.{name}, if it exists there, "
                                     "or its nearest keras.ops function)")


def _path_literal(node):
    """The string a path argument ends with, when the code spells it out, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _path_literal(node.values[-1])
    if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "join" and node.args:
        return _path_literal(node.args[-1])  # os.path.join(folder, "weights.h5")
    return None


def _argument(node, position, name):
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return node.args[position] if len(node.args) > position else None


def _image_instead(name):
    return f"keras.utils.{name}" if name in IMAGE_UTILS else AUGMENT_INSTEAD


def _imports_only_other_frameworks(tree):
    """True when the file imports torch (and the like) but neither keras nor tensorflow:
    its ``.optimizer.lr`` is then not a Keras optimizer's."""
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    return not roots & {"keras", "tensorflow", "tf_keras"} and \
        bool(roots & {"torch", "lightning", "pytorch_lightning", "mxnet", "paddle"})


class _Finder(ast.NodeVisitor):
    def __init__(self):
        self.findings = []
        self.aliases = {}  # local name -> fully qualified name ('keras.optimizers.SGD')
        self.idg_names = set()  # names bound to ImageDataGenerator(...)
        self.history_names = set()  # names bound to <something>.history
        self.optimizer_names = set()  # names bound to a Keras optimizer
        self.model_names = set()  # names bound to Sequential(...), Model(...), load_model(...)
        self.other_framework = False  # the file imports torch & co. but not keras
        self.dataset_classes = set()  # classes (of this file) that are PyDatasets
        # history["acc"] is right when some compile(metrics=[...]) asked for "acc" itself
        self.compiled_acc = False

    def add(self, node, found, instead):
        self.findings.append((node.lineno, node.col_offset, Finding(node.lineno, found, instead)))

    # -- names -------------------------------------------------------------------------
    def qualified(self, node):
        """The fully qualified dotted name of a Name/Attribute, through import aliases."""
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in self.aliases:
            return self.aliases[head] + ("." + rest if rest else "")
        return dotted

    def is_optimizer(self, func):
        name = self.qualified(func)
        if name is None:
            return None
        last = name.rsplit(".", 1)[-1]
        if last not in OPTIMIZERS:
            return None
        if "." in name and not _is_keras_module(name.rsplit(".", 1)[0]) and \
                "optimizers" not in name:
            return None  # torch.optim.SGD and friends
        return last

    def is_optimizer_value(self, node):
        """model.optimizer, self.model.optimizer, optimizer, or a name bound to SGD(...)."""
        if isinstance(node, ast.Attribute):
            return node.attr == "optimizer"
        return isinstance(node, ast.Name) and (
            node.id == "optimizer" or node.id in self.optimizer_names)

    def is_keras_class(self, func):
        name = self.qualified(func)
        if name is None or "." not in name:
            return False
        module, last = name.rsplit(".", 1)
        return _is_keras_module(module) and last[:1].isupper()

    def is_model_factory(self, func):
        name = self.qualified(func)
        if name is None or "." not in name:
            return False
        module, last = name.rsplit(".", 1)
        return last in MODEL_FACTORIES and _is_keras_module(module)

    def is_keras_model(self, node):
        return isinstance(node, ast.Name) and node.id in self.model_names

    def is_image_data_generator(self, func):
        name = self.qualified(func)
        return name is not None and name.rsplit(".", 1)[-1] == "ImageDataGenerator"

    def is_dataset_base(self, base):
        if isinstance(base, ast.Name) and base.id in self.dataset_classes:
            return True
        name = self.qualified(base)
        if name is None or name.rsplit(".", 1)[-1] not in DATASET_BASES:
            return False
        module = name.rsplit(".", 1)[0] if "." in name else None
        if module is None:  # a bare name that no import explains
            return name == "PyDataset"
        return _is_keras_module(module) or module.endswith("utils")

    # -- imports -----------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            if _removed_module(alias.name):
                self.add(node, f"import {alias.name}", _removed_module(alias.name))
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            self.aliases[local] = f"{module}.{alias.name}" if module else alias.name
            if module == KERAS_IMAGE_MODULE and alias.name not in IMAGE_UTILS:  # ImportError
                self.add(node, f"from {module} import {alias.name}", _image_instead(alias.name))
            elif module in LEGACY_IMAGE_MODULES:
                pass  # load_img & co., or anything under tensorflow.keras: it still imports
            elif _removed_module(module):
                self.add(node, f"from {module} import {alias.name}", _removed_module(module))
            elif _removed_module(f"{module}.{alias.name}"):  # from keras.utils import np_utils
                self.add(node, f"from {module} import {alias.name}",
                         _removed_module(f"{module}.{alias.name}"))
            elif _removed_backend_function(module, alias.name):
                self.add(node, f"from {module} import {alias.name}",
                         _backend_instead(alias.name))
        self.generic_visit(node)

    # -- assignments that carry meaning --------------------------------------------------
    def visit_Assign(self, node):
        value = node.value
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if isinstance(value, ast.Call) and self.is_image_data_generator(value.func):
            self.idg_names.update(names)
        if isinstance(value, ast.Attribute) and value.attr == "history":
            self.history_names.update(names)
        if isinstance(value, ast.Call) and self.is_optimizer(value.func):
            self.optimizer_names.update(names)
        if isinstance(value, ast.Call) and self.is_model_factory(value.func):
            self.model_names.update(names)
        self.generic_visit(node)

    # -- calls ---------------------------------------------------------------------------
    def visit_Call(self, node):
        func = node.func
        keywords = {k.arg: k for k in node.keywords if k.arg}
        if isinstance(func, ast.Attribute) and func.attr in TRAINING_METHODS:
            receiver = ast.unparse(func.value)
            for kw in LOADER_KWARGS:
                if kw in keywords:
                    self.add(keywords[kw], f"{receiver}.{func.attr}(..., {kw}=...)",
                             f"drop {kw}= from {func.attr}(); give it to your PyDataset's "
                             f"constructor: super().__init__({kw}=..., **kwargs)")
            for kw, new in OLD_FIT_KWARGS.items():
                if kw in keywords:
                    self.add(keywords[kw], f"{receiver}.{func.attr}(..., {kw}=...)", new)
        if self.is_keras_class(func):
            for kw, new in OLD_LAYER_KWARGS.items():
                if kw in keywords:
                    self.add(keywords[kw], f"{ast.unparse(func)}(..., {kw}=...)", f"{new}=")
        self.check_saving(node)
        if self.is_optimizer(func):
            written = ast.unparse(func)
            if "lr" in keywords:
                self.add(keywords["lr"], f"{written}(lr=...)", f"{written}(learning_rate=...)")
            if "decay" in keywords:
                self.add(keywords["decay"], f"{written}(..., decay=...)",
                         "learning_rate=keras.optimizers.schedules.InverseTimeDecay("
                         "lr, decay_steps=1, decay_rate=decay) (the same lr / (1 + decay·step))")
        if isinstance(func, ast.Name) and func.id == "zip":
            for arg in node.args:
                if isinstance(arg, ast.Attribute) and arg.attr == "metrics_names":
                    self.add(node, f"zip({ast.unparse(arg)}, ...)",
                             "train_on_batch(..., return_dict=True) (also test_on_batch and "
                             "evaluate): Keras 3's metrics_names is "
                             "['loss', 'compile_metrics']")
        if isinstance(func, ast.Attribute) and func.attr == "get" and \
                self.is_history(func.value) and node.args and self.old_key(node.args[0]) \
                and not self.compiled_acc:
            key = node.args[0].value
            self.add(node, f"{ast.unparse(func.value)}.get({key!r})", self.history_instead(key))
        self.generic_visit(node)

    def check_saving(self, node):
        """save_weights("w.h5") and ModelCheckpoint("w.hdf5"): Keras 3 checks the suffix."""
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "save_weights":
            arg = _argument(node, 0, "filepath")
            path = _path_literal(arg)
            if path is not None and not path.endswith(".weights.h5"):
                self.add(node, f"{ast.unparse(func)}({ast.unparse(arg)})",
                         "a file name ending in .weights.h5 (or model.save('name.keras'))")
        elif isinstance(func, ast.Attribute) and func.attr == "save" and \
                self.is_keras_model(func.value):
            arg = _argument(node, 0, "filepath")
            path = _path_literal(arg)
            if path is not None and not path.endswith((".keras", ".h5")):
                self.add(node, f"{ast.unparse(func)}({ast.unparse(arg)})",
                         "a file name ending in .keras: model.save('name.keras') "
                         "(a SavedModel folder to serve: model.export('folder'))")
        elif self.is_keras_class(func) and self.qualified(func).endswith(".ModelCheckpoint"):
            arg = _argument(node, 0, "filepath")
            path = _path_literal(arg)
            weights = _argument(node, 99, "save_weights_only")
            weights_only = isinstance(weights, ast.Constant) and weights.value is True
            ends = (".weights.h5",) if weights_only else (".keras", ".h5")
            if path is not None and not path.endswith(ends):
                self.add(node, f"ModelCheckpoint({ast.unparse(arg)}"
                               f"{', save_weights_only=True' if weights_only else ''})",
                         "a file name ending in " + " or ".join(ends))

    # -- attributes and subscripts ----------------------------------------------------------
    def visit_Attribute(self, node):
        if node.attr in OPTIMIZER_ATTRS and self.is_optimizer_value(node.value) and \
                not self.other_framework:
            assigned = isinstance(node.ctx, ast.Store)
            instead = f"{ast.unparse(node.value)}.{OPTIMIZER_ATTRS[node.attr]}"
            if assigned:  # no error: the optimizer just gains an attribute it never reads
                instead += " = ... (assigning ." + node.attr + " changes nothing)"
            self.add(node, ast.unparse(node) + (" = ..." if assigned else ""), instead)
        elif node.attr in REMOVED_METHODS:
            self.add(node, f"{ast.unparse(node.value)}.{node.attr}(...)",
                     REMOVED_METHODS[node.attr])
        elif node.attr == "predict_proba" and self.is_keras_model(node.value):
            self.add(node, f"{node.value.id}.predict_proba(...)",
                     f"{node.value.id}.predict(x): a softmax or sigmoid output already gives "
                     "the probabilities")
        elif node.attr in IDG_METHODS:
            value = node.value
            from_call = isinstance(value, ast.Call) and self.is_image_data_generator(value.func)
            from_name = isinstance(value, ast.Name) and value.id in self.idg_names
            if from_call or from_name:
                shown = "ImageDataGenerator(...)" if from_call else value.id
                self.add(node, f"{shown}.{node.attr}(...)", FLOW_INSTEAD)
        else:
            dotted = _dotted(node)
            qualified = self.qualified(node)
            if qualified and isinstance(node.ctx, ast.Load) and \
                    qualified.rsplit(".", 1)[0] in LEGACY_IMAGE_MODULES:
                if qualified.rsplit(".", 1)[0] == KERAS_IMAGE_MODULE and \
                        node.attr not in IMAGE_UTILS:  # AttributeError: image.ImageDataGenerator
                    self.add(node, dotted, _image_instead(node.attr))
                return  # the rest still works; don't report the inner chain either
            qualified = self.qualified(node)
            if qualified and isinstance(node.ctx, ast.Load):
                if _removed_module(qualified):
                    self.add(node, dotted, _removed_module(qualified))
                    return
                if _removed_backend_function(qualified.rsplit(".", 1)[0], node.attr):
                    self.add(node, dotted, _backend_instead(node.attr))
        self.generic_visit(node)

    def is_history(self, node):
        return (isinstance(node, ast.Attribute) and node.attr == "history") or \
            (isinstance(node, ast.Name) and node.id in self.history_names)

    @staticmethod
    def old_key(node):
        return isinstance(node, ast.Constant) and node.value in OLD_HISTORY_KEYS

    @staticmethod
    def history_instead(key):
        return (f"{OLD_HISTORY_KEYS[key]!r}: Keras 3 names history keys after the metric "
                "passed to compile() (metrics=['accuracy'] → 'accuracy', 'val_accuracy')")

    def visit_Subscript(self, node):
        if self.is_history(node.value) and self.old_key(node.slice) and not self.compiled_acc:
            self.add(node, f"{ast.unparse(node.value)}[{node.slice.value!r}]",
                     self.history_instead(node.slice.value))
        self.generic_visit(node)

    # -- classes -------------------------------------------------------------------------
    def visit_ClassDef(self, node):
        if any(self.is_dataset_base(b) for b in node.bases):
            self.dataset_classes.add(node.name)
            init = next((s for s in node.body
                         if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
            if init is not None and not _calls_parent_init(init, node.bases):
                self.add(init, f"class {node.name}: __init__ without super().__init__()",
                         "subclass keras.utils.PyDataset and call super().__init__(**kwargs) "
                         "first (workers, use_multiprocessing and max_queue_size go there)")
        self.generic_visit(node)


def _calls_parent_init(func, bases):
    base_names = {ast.unparse(b) for b in bases}
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "__init__":
            receiver = node.func.value
            if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and \
                    receiver.func.id == "super":
                return True
            if ast.unparse(receiver) in base_names:
                return True
    return False


def _compiles_with_acc(tree):
    """True when some compile(metrics=[...]) names the metric 'acc' itself."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "compile":
            for kw in node.keywords:
                if kw.arg == "metrics" and any(
                        isinstance(n, ast.Constant) and n.value == "acc"
                        for n in ast.walk(kw.value)):
                    return True
    return False


def _read(source):
    """(text, label) from a path or a string of source."""
    if isinstance(source, os.PathLike):
        path = Path(source)
        return path.read_text(encoding="utf-8"), str(path)
    if not isinstance(source, str):
        raise TypeError(f"find_legacy_keras() takes a path or a str of source, "
                        f"not {type(source).__name__}")
    if "\n" not in source:  # a one-line string: a path, or a one-line program
        path = Path(source.strip())
        try:
            is_file = path.is_file()
        except (OSError, ValueError):  # not a possible path
            is_file = False
        if is_file:
            return path.read_text(encoding="utf-8"), str(path)
        if path.suffix == ".py":
            raise FileNotFoundError(f"find_legacy_keras(): no such file: {path}")
    return source, "<source>"


def find_legacy_keras(source):
    """The Keras 2-era uses it knows in ``source`` (a path to a .py file, or a string of Python
    source) as a list of ``Finding(line, found, instead)``, sorted by line
    (10_migrating_legacy_keras_code).

    Parses with ``ast``: comments and strings never trigger it. Finds ``fit_generator``/
    ``predict_generator``/``evaluate_generator``/``predict_classes``, ``predict_proba`` and
    ``save("folder")`` on a name bound to ``Sequential(...)``/``Model(...)``/``load_model``,
    ``CuDNNLSTM``/``CuDNNGRU``/``multi_gpu_model``, ``workers=``/
    ``use_multiprocessing=``/``max_queue_size=`` on ``fit``/``evaluate``/``predict``,
    optimizers' ``lr=`` and ``decay=``, ``history["acc"]``, ``Sequence``/``PyDataset``
    subclasses whose ``__init__`` skips ``super().__init__()``, ``ImageDataGenerator(...).flow``,
    ``zip(model.metrics_names, ...)``, ``ImageDataGenerator`` from ``keras.preprocessing.image``,
    modules Keras 3 removed (``keras.utils.np_utils``, ``keras.layers.core``,
    ``keras.engine``, ...), removed backend functions (``K.set_value``, ``K.get_value``,
    ...), ``optimizer.lr``/``.decay``, Keras 1 arguments (``nb_epoch=``, ``border_mode=``,
    ``init=``, ...) and weight files whose names Keras 3 refuses (``save_weights("w.h5")``).
    Raises ``SyntaxError`` naming the file and line when the source does not parse.
    """
    text, label = _read(source)
    try:
        tree = ast.parse(text, filename=label)
    except SyntaxError as err:
        where = f"{label}, line {err.lineno}" if err.lineno else label
        raise SyntaxError(f"find_legacy_keras() cannot parse {where}: {err.msg}",
                          (label, err.lineno, err.offset, err.text)) from None
    finder = _Finder()
    finder.compiled_acc = _compiles_with_acc(tree)
    finder.other_framework = _imports_only_other_frameworks(tree)
    finder.visit(tree)
    seen, findings = set(), []
    for _, _, finding in sorted(finder.findings, key=lambda t: t[:2]):
        if finding not in seen:
            seen.add(finding)
            findings.append(finding)
    return findings
