"""Find Keras 2-era code that Keras 3 rejects or silently ignores
(introduced in 10_migrating_legacy_keras_code).

``find_legacy_keras`` parses Python source with the ``ast`` module, so comments, strings
and docstrings never trigger it; it follows import aliases (``from keras.optimizers
import SGD as S``) and simple assignments (``aug = ImageDataGenerator(...)``,
``hist = H.history``) within one file. It is a migration guide, not a compiler: it
cannot see through ``getattr``, ``**kwargs`` or other modules.
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
AUGMENT_INSTEAD = ("preprocessing layers (keras.layers.RandomRotation, RandomZoom, "
                   "RandomTranslation, RandomFlip, Rescaling) in the model or mapped over a "
                   "tf.data.Dataset")
FLOW_INSTEAD = ("fit on arrays or a tf.data.Dataset and augment with " + AUGMENT_INSTEAD +
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


def _image_instead(name):
    if name in IMAGE_UTILS:
        return f"keras.utils.{name}"
    return AUGMENT_INSTEAD


class _Finder(ast.NodeVisitor):
    def __init__(self):
        self.findings = []
        self.aliases = {}  # local name -> fully qualified name ('keras.optimizers.SGD')
        self.idg_names = set()  # names bound to ImageDataGenerator(...)
        self.history_names = set()  # names bound to <something>.history
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
            if alias.name in LEGACY_IMAGE_MODULES:
                self.add(node, f"import {alias.name}",
                         "keras.utils for load_img/img_to_array; " + AUGMENT_INSTEAD)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            self.aliases[local] = f"{module}.{alias.name}" if module else alias.name
            if module in LEGACY_IMAGE_MODULES:
                self.add(node, f"from {module} import {alias.name}", _image_instead(alias.name))
            elif alias.name == "image" and f"{module}.image" in LEGACY_IMAGE_MODULES:
                self.add(node, f"from {module} import image",
                         "keras.utils for load_img/img_to_array; " + AUGMENT_INSTEAD)
        self.generic_visit(node)

    # -- assignments that carry meaning --------------------------------------------------
    def visit_Assign(self, node):
        value = node.value
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if isinstance(value, ast.Call) and self.is_image_data_generator(value.func):
            self.idg_names.update(names)
        if isinstance(value, ast.Attribute) and value.attr == "history":
            self.history_names.update(names)
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

    # -- attributes and subscripts ----------------------------------------------------------
    def visit_Attribute(self, node):
        if node.attr in REMOVED_METHODS:
            self.add(node, f"{ast.unparse(node.value)}.{node.attr}(...)",
                     REMOVED_METHODS[node.attr])
        elif node.attr in IDG_METHODS:
            value = node.value
            from_call = isinstance(value, ast.Call) and self.is_image_data_generator(value.func)
            from_name = isinstance(value, ast.Name) and value.id in self.idg_names
            if from_call or from_name:
                shown = "ImageDataGenerator(...)" if from_call else value.id
                self.add(node, f"{shown}.{node.attr}(...)", FLOW_INSTEAD)
        else:
            dotted = _dotted(node)
            if dotted and ".preprocessing.image." in f".{dotted}" and \
                    dotted.count(".") >= 3 and isinstance(node.ctx, ast.Load):
                name = dotted.rsplit(".", 1)[-1]
                qualified = self.qualified(node) or dotted
                if qualified.rsplit(".", 1)[0] in LEGACY_IMAGE_MODULES:
                    self.add(node, dotted, _image_instead(name))
                    return  # don't report the inner chain again
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
    """Every Keras 2-era use in ``source`` (a path to a .py file, or a string of Python
    source) as a list of ``Finding(line, found, instead)``, sorted by line
    (10_migrating_legacy_keras_code).

    Parses with ``ast``: comments and strings never trigger it. Finds ``fit_generator``/
    ``predict_generator``/``evaluate_generator``/``predict_classes``, ``workers=``/
    ``use_multiprocessing=``/``max_queue_size=`` on ``fit``/``evaluate``/``predict``,
    optimizers' ``lr=`` and ``decay=``, ``history["acc"]``, ``Sequence``/``PyDataset``
    subclasses whose ``__init__`` skips ``super().__init__()``, ``ImageDataGenerator(...).flow``,
    ``zip(model.metrics_names, ...)`` and imports from ``keras.preprocessing.image``.
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
    finder.visit(tree)
    seen, findings = set(), []
    for _, _, finding in sorted(finder.findings, key=lambda t: t[:2]):
        if finding not in seen:
            seen.add(finding)
            findings.append(finding)
    return findings
