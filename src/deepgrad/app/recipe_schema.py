"""The recipe format, declared once: its sections, keys, types, ranges, defaults and
documentation — what :func:`validate` enforces, what ``deepgrad train --help-recipe`` prints
(:func:`reference`) and what the docs render (:func:`markdown`).

A recipe is refused, before any data is read or any layer built, when it names an unknown
section or key (the message names the nearest valid one: ``did you mean 'epochs'?``), gives a
value of the wrong type (``epochs = "20"``, ``batch_size = 32.5``: nothing is coerced), a
value out of range, or an unknown dataset, zoo model, layer, optimizer, schedule, loss,
metric or transform.

>>> validate({"model": {"zoo": "LeNet5"}, "training": {"epcohs": 3}})
Traceback (most recent call last):
...
deepgrad.app.recipe_schema.RecipeError: recipe: [training] has no key 'epcohs'; did you mean 'epochs'? Valid keys: batch_size, epochs, loss, metrics, seed, validation_split, verbose
>>> default("training", "batch_size")
32

Options passed through to a class (an optimizer's ``momentum``, a schedule's ``T_max``, a
layer's ``padding``, ``early_stopping = {patience = 3}``) are checked against that class's
constructor: unknown names, missing required arguments and values of the wrong type are
refused the same way.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .._choices import did_you_mean, unknown_choice
from .recipe_tasks import TASKS


class RecipeError(ValueError):
    """A recipe that cannot be run, with what was expected and what came."""


_NO_DEFAULT = "—"


# ---- the declarations ------------------------------------------------------------------------
@dataclass(frozen=True)
class Key:
    """One key of a section.

    ``type`` is one of ``int``, ``float`` (any number), ``bool``, ``str``, ``table``,
    ``list[int]``, ``list[float]``, ``list[str]``, ``list[table]``, or several joined by
    ``|``. ``default`` is the value used when the key is absent (``None``: none, or one that
    depends on other keys, described by ``default_doc``). ``choices`` (a tuple, or a function
    returning the names, for registries) restricts strings; ``low``/``high`` bound numbers
    (``open_low``/``open_high``: the bound itself is excluded). ``check`` makes deeper checks
    (a loss table's options, a list of layers)."""

    name: str
    type: str
    doc: str
    default: Any = None
    default_doc: str | None = None
    choices: tuple | Callable[[], Sequence[str]] | None = None
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    check: Callable[[Any, str], None] | None = None
    what: str | None = None  #: what an unknown choice is called ("zoo model")
    ignore_case: bool = False  #: choices match in any case (optimizer names)

    def valid_choices(self) -> list[Any]:
        c = self.choices
        return list(c() if callable(c) else c or ())

    def default_text(self) -> str:
        if self.default_doc is not None:
            return self.default_doc
        if self.default is None:
            return _NO_DEFAULT
        return _toml(self.default)

    def range_text(self) -> str:
        if self.low is None and self.high is None:
            return ""
        lo = "" if self.low is None else ("(" if self.open_low else "[") + f"{self.low:g}"
        hi = "" if self.high is None else f"{self.high:g}" + (")" if self.open_high else "]")
        if self.high is None:
            return f"{'>' if self.open_low else '≥'} {self.low:g}"
        if self.low is None:
            return f"{'<' if self.open_high else '≤'} {self.high:g}"
        return f"in {lo}, {hi}"


@dataclass(frozen=True)
class Section:
    """A ``[section]`` of a recipe: its keys, and for sections that pass further options to a
    class (``[optimizer]``, ``[schedule]``), ``options(section) -> (what, class, skipped)``
    naming the class whose constructor checks the keys not declared here."""

    name: str
    doc: str
    keys: tuple[Key, ...]
    required: bool = False
    options: Callable[[dict[str, Any]], tuple[str, Any, tuple[str, ...]] | None] | None = None
    check: Callable[[dict[str, Any], str], None] | None = None

    def key(self, name: str) -> Key | None:
        return next((k for k in self.keys if k.name == name), None)


# ---- registries the choices come from (read when needed: imports point down) -----------------
DATASETS = (
    "digits",
    "iris",
    "wine",
    "breast_cancer",
    "diabetes",
    "fashion-mnist",
    "mnist",
    "moons",
    "circles",
    "spirals",
    "house_prices",
    "shapes",
    "csv",
)
#: schedule classes a recipe cannot build: they take functions or other schedules
_NOT_IN_RECIPES = (
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "ChainedScheduler",
    "SequentialLR",
)
TRANSFORMS = ("hflip", "shift", "rotation", "zoom", "noise", "cutout")


def zoo_models() -> list[str]:
    """The names of :mod:`deepgrad.models`' networks."""
    from .. import models, nn

    return sorted(
        n
        for n in dir(models)
        if n[0].isupper()
        and isinstance(getattr(models, n), type)
        and issubclass(getattr(models, n), nn.Module)
    )


def layer_types() -> list[str]:
    """The layer classes of :mod:`deepgrad.nn` a recipe's ``[[model.layers]]`` may name."""
    from .. import nn

    def is_layer(c: Any) -> bool:
        return (
            isinstance(c, type)
            and issubclass(c, nn.Module)
            and c.__module__ not in ("deepgrad.nn.loss", "deepgrad.nn.keras_loss")
            and c not in (nn.Module, nn.ModuleDict, nn.ModuleList, nn.Sequential)
        )

    return sorted(n for n in dir(nn) if n[0].isupper() and is_layer(getattr(nn, n)))


def schedule_names() -> list[str]:
    """The learning-rate schedules of :mod:`deepgrad.optim` a recipe's ``[schedule]`` may
    name (not ``ReduceLROnPlateau``, a callback here, nor those that take functions)."""
    from .. import optim
    from ..optim.schedules import LRScheduler

    return sorted(
        n
        for n in dir(optim)
        if isinstance(getattr(optim, n), type)
        and issubclass(getattr(optim, n), LRScheduler)
        and n not in _NOT_IN_RECIPES
        and n != "ReduceLROnPlateau"
    )


def optimizer_names() -> list[str]:
    from ..optim.optimizer import _registry

    return sorted(_registry)


def loss_names() -> list[str]:
    from ..nn import loss_names as LN

    return LN.names()


def metric_names() -> list[str]:
    """The metrics a recipe may name: deepgrad's streaming metrics (logged each epoch) and the
    dense tasks' held-out metrics (:data:`~deepgrad.app.recipe_tasks.TASK_METRICS`)."""
    from ..metrics.streaming import names
    from .recipe_tasks import TASK_METRICS

    return sorted({*names(), *(m for ms in TASK_METRICS.values() for m in ms)})


# ---- deeper checks ---------------------------------------------------------------------------
def _check_loss(value: Any, where: str) -> None:
    from ..nn import loss_names as LN
    from . import recipe_tasks

    if isinstance(value, dict):
        if "name" not in value:
            raise RecipeError(
                f'{where}: a loss table needs a name, e.g. {{name = "cross_entropy"}}'
            )
        name = value["name"]
        opts = {k: v for k, v in value.items() if k != "name"}
    else:
        name, opts = value, {}
    if not isinstance(name, str):
        raise RecipeError(f"{where}: the loss name must be a string, got {_describe(name)}")
    if name in recipe_tasks.RECIPE_LOSSES:
        recipe_tasks.check_loss(name, opts, where)
        return
    if name not in LN.names():
        names = [*LN.names(), *recipe_tasks.RECIPE_LOSSES]
        raise RecipeError(f"{where}: {unknown_choice('loss', name, names)}")
    cls, fixed = LN.resolve(name)
    check_options(f"{where} ({name})", cls, opts, skip=tuple(fixed))


def _check_metrics(value: Any, where: str) -> None:
    names = metric_names()
    for m in [value] if isinstance(value, str) else value:
        if m not in names:
            raise RecipeError(f"{where}: {unknown_choice('metric', m, names)}")


def _check_layers(value: list[dict[str, Any]], where: str) -> None:
    from .. import nn

    kinds = layer_types()
    for i, entry in enumerate(value):
        here = f"{where}[{i}]"
        kind = entry.get("type")
        if kind is None:
            raise RecipeError(
                f'{here}: a layer needs a type, e.g. {{type = "Linear", args = [4, 2]}}'
            )
        if kind not in kinds:
            raise RecipeError(f"{here}: {unknown_choice('layer type', kind, kinds)}")
        args = entry.get("args", [])
        if not isinstance(args, list):
            raise RecipeError(
                f"{here} ({kind}): args must be a list of positional arguments, got {_describe(args)}"
            )
        opts = {k: v for k, v in entry.items() if k not in ("type", "args")}
        check_options(f"{here} ({kind})", getattr(nn, kind), opts, args=args)


def _check_callback(cls_name: str, skip: tuple[str, ...] = ()) -> Callable[[Any, str], None]:
    def check(value: Any, where: str) -> None:
        if isinstance(value, dict):
            from ..train import callbacks as C

            check_options(where, getattr(C, cls_name), value, skip=skip)

    return check


def _check_data(section: dict[str, Any], where: str) -> None:
    name = section.get("name", "digits")
    only = {
        "path": ("fashion-mnist", "mnist", "csv"),
        "target": ("csv",),
        "columns": ("csv",),
        "categorical": ("csv",),
        "delimiter": ("csv",),
        "header": ("csv",),
        "n_samples": ("moons", "circles", "spirals", "house_prices", "shapes"),
        "test_samples": ("shapes",),
        "size": ("shapes",),
        "max_shapes": ("shapes",),
        "noise": ("shapes",),
        "flat": ("digits", "fashion-mnist", "mnist"),
    }
    for key, sets in only.items():
        if key in section and name not in sets:
            raise RecipeError(
                f"{where}: {key!r} applies to the data sets {', '.join(sets)}, not to {name!r}; "
                "remove it"
            )
    if name == "csv" and not ("path" in section and "target" in section):
        raise RecipeError(f"{where}: name = 'csv' needs 'path' and 'target' (the label column)")


def _check_model(section: dict[str, Any], where: str) -> None:
    given = [k for k in ("zoo", "layers", "class") if k in section]
    if len(given) != 1:
        raise RecipeError(
            f"{where}: give exactly one of 'zoo' (a deepgrad.models network), 'layers' (a list "
            f"of layers) or 'class' (an architecture config), got {given or 'none'}"
        )
    if "args" in section and "zoo" not in section:
        raise RecipeError(f"{where}: 'args' goes with 'zoo' (a zoo model's arguments)")
    if "config" in section and "class" not in section:
        raise RecipeError(f"{where}: 'config' goes with 'class' (an architecture config)")
    if "zoo" in section:
        from .. import models

        check_options(
            f"{where} args ({section['zoo']})",
            getattr(models, section["zoo"]),
            section.get("args", {}),
        )


def _optimizer_options(section: dict[str, Any]) -> tuple[str, Any, tuple[str, ...]] | None:
    from ..optim.optimizer import _registry

    name = section.get("name", "adam")
    return (f"optimizer {name!r}", _registry[name.lower()], ("params",))


def _schedule_options(section: dict[str, Any]) -> tuple[str, Any, tuple[str, ...]] | None:
    from .. import optim

    name = section["name"]
    return (f"schedule {name!r}", getattr(optim, name), ("optimizer",))


def _check_schedule_name(value: Any, where: str) -> None:
    if value == "ReduceLROnPlateau":
        raise RecipeError(
            f"{where}: ReduceLROnPlateau watches a metric, so in a recipe it is a callback: "
            "[callbacks] reduce_lr_on_plateau = {factor = 0.5, patience = 3}"
        )


SECTIONS: tuple[Section, ...] = (
    Section(
        "data",
        "The data set, how it is split into training and test parts, and how it is scaled.",
        (
            Key(
                "name",
                "str",
                "The data set: bundled with scikit-learn (digits, iris, wine, "
                "breast_cancer, diabetes), generated (moons, circles, spirals, house_prices; "
                "shapes: images of circles, squares and triangles with their masks and boxes, "
                "for task = segmentation or detection), Fashion-MNIST/MNIST IDX files, or a CSV "
                "file.",
                "digits",
                choices=DATASETS,
                what="dataset",
            ),
            Key(
                "path",
                "str",
                "Folder of the IDX files (fashion-mnist, mnist), or the CSV file (csv); a "
                "relative path is read from the working folder, else beside the recipe file.",
            ),
            Key("target", "str", "csv: the label column."),
            Key(
                "task",
                "str",
                "classification or regression, by default from the data set (csv: text "
                "labels are classification, numbered in sorted order); segmentation (a class "
                "per pixel) or detection (a box and class per shape) with name = shapes, which "
                "needs it.",
                default_doc="from the data set",
                choices=TASKS,
            ),
            Key(
                "test_size",
                "float",
                "Fraction held out as the test set (stratified for "
                "classification); fashion-mnist and mnist come split.",
                0.25,
                low=0,
                high=1,
                open_low=True,
                open_high=True,
            ),
            Key("seed", "int", "Seed of the split and of generated data sets.", 0, low=0),
            Key(
                "scale",
                "str",
                "Scaling fitted on the training part: z-scores (standard), "
                "[0, 1] (minmax) or none.",
                default_doc='"standard" for tables, "none" for images and sequences',
                choices=("standard", "minmax", "none"),
            ),
            Key("flat", "bool", "Images as flat vectors (N, H·W) instead of (N, 1, H, W).", False),
            Key(
                "reshape",
                "list[int]",
                "Shape of one sample after loading, e.g. [8, 8] reads "
                "an 8×8 image as 8 steps of 8 features.",
            ),
            Key(
                "columns",
                "list[str]",
                "csv: the feature columns, by header name (default: every column but the "
                "target); a text column must be listed in categorical.",
            ),
            Key(
                "categorical",
                "list[str]",
                'csv: feature columns of text categories ("red", "blue"), one-hot encoded: one '
                "0/1 input per category seen in the file; the model file records them, and "
                "predict refuses a category it never saw (an empty cell: none).",
            ),
            Key(
                "delimiter",
                "str",
                'csv: the field separator, one character (",", ";", "\\t", "|"), or '
                '"whitespace" for runs of spaces and tabs.',
                ",",
            ),
            Key(
                "header",
                "bool",
                "csv: whether the first line names the columns; without one they are named "
                '"0", "1", ... (target = "2" is the third column).',
                True,
            ),
            Key("subset", "int", "Keep only the first N training samples.", low=1),
            Key("test_subset", "int", "Keep only the first N test samples.", low=1),
            Key(
                "n_samples",
                "int",
                "Size of a generated data set (moons, circles, spirals: 500; house_prices: "
                "1000; shapes: 2000 training images).",
                default_doc="500 / 1000 / 2000",
                low=1,
            ),
            Key(
                "test_samples",
                "int",
                "shapes: images in the held-out set, generated with seed + 1000.",
                300,
                low=1,
            ),
            Key(
                "size",
                "int",
                "shapes: the images' side in pixels (a multiple of 2**depth for UNet, of 4 for "
                "CenterNet).",
                default_doc="32 (segmentation), 48 (detection)",
                low=16,
            ),
            Key(
                "max_shapes",
                "int",
                "shapes: the most shapes per image (1 to max_shapes, never overlapping).",
                default_doc="2 (segmentation), 3 (detection)",
                low=1,
            ),
            Key(
                "noise",
                "float",
                "shapes: standard deviation of the Gaussian pixel noise.",
                0.08,
                low=0,
            ),
        ),
        check=_check_data,
    ),
    Section(
        "model",
        "The network: a zoo model with its arguments, a list of layers (a Sequential), or an "
        "architecture config as written by save().",
        (
            Key(
                "zoo",
                "str",
                "A network of deepgrad.models (UNet for segmentation, CenterNet for detection).",
                choices=zoo_models,
                what="zoo model",
            ),
            Key(
                "args",
                "table",
                "The zoo model's arguments, e.g. {in_features = 10, hidden = [32], "
                "out_features = 1}; UNet: {in_channels = 1, num_classes = 4, base = 8, depth = "
                '3, upsample = "transpose"}; CenterNet: {in_channels = 1, num_classes = 3, '
                "width = 16}.",
            ),
            Key(
                "layers",
                "list[table]",
                'Layers in order: {type = "Conv2d", args = [1, 16, '
                "3], padding = 1}; type is a deepgrad.nn layer, args its positional "
                "arguments, other keys its keyword arguments.",
                check=_check_layers,
            ),
            Key(
                "class",
                "str",
                "An architecture config's class (with config), as in a saved model's config.json.",
            ),
            Key("config", "table", "The config that goes with class."),
        ),
        required=True,
        check=_check_model,
    ),
    Section(
        "optimizer",
        "The optimizer; keys other than name are its options (lr, momentum, betas, "
        "weight_decay...), checked against its constructor.",
        (
            Key(
                "name",
                "str",
                "A deepgrad.optim optimizer (any case).",
                "adam",
                choices=optimizer_names,
                what="optimizer",
                ignore_case=True,
            ),
            Key(
                "lr",
                "float",
                "The learning rate.",
                default_doc="the optimizer's",
                low=0,
                open_low=True,
            ),
        ),
        options=_optimizer_options,
    ),
    Section(
        "schedule",
        "A learning-rate schedule of deepgrad.optim, stepped after every epoch (or step); "
        "keys other than name and interval are its arguments (T_max, step_size, gamma...).",
        (
            Key(
                "name",
                "str",
                "The schedule's class.",
                choices=lambda: [*schedule_names(), "ReduceLROnPlateau"],
                check=_check_schedule_name,
                what="schedule",
            ),
            Key(
                "interval",
                "str",
                "When the schedule is stepped.",
                "epoch",
                choices=("epoch", "step"),
            ),
        ),
        options=_schedule_options,
    ),
    Section(
        "training",
        "The fit call.",
        (
            Key("epochs", "int", "Passes over the training data.", 10, low=1),
            Key("batch_size", "int", "Samples per step.", 32, low=1),
            Key(
                "loss",
                "str|table",
                "A loss name (deepgrad's, Keras's or PyTorch's: see the "
                "loss table), or a table with name and the loss's options: {name = "
                '"cross_entropy", label_smoothing = 0.1}.',
                default_doc='"cross_entropy" (classification, segmentation: per pixel), '
                '"mse" (regression), "centernet" (detection)',
                check=_check_loss,
            ),
            Key(
                "metrics",
                "list[str]|str",
                "Metrics logged each epoch (classification, regression); for segmentation "
                "(pixel_accuracy, mean_iou) and detection (map50: VOC's AP at IoU 0.5, "
                "map50_coco: COCO's 101-point AP) those reported on the held-out set; a "
                "metric of another task is refused.",
                default_doc='["accuracy"] (classification), ["mae"] (regression), all the '
                "task's (segmentation, detection)",
                check=_check_metrics,
            ),
            Key(
                "validation_split",
                "float",
                "Fraction of the training data held out for "
                "validation (the last samples, as Keras).",
                0.0,
                low=0,
                high=1,
                open_high=True,
            ),
            Key(
                "seed", "int", "Seed of the weights, shuffling, dropout and augmentation.", 0, low=0
            ),
            Key(
                "verbose",
                "int|str",
                "0 silent, 1 a progress bar (a line per epoch off a "
                'terminal), 2 a line per epoch, "auto".',
                "auto",
                choices=(0, 1, 2, "auto"),
            ),
        ),
    ),
    Section(
        "callbacks",
        "What runs around the epochs. A table gives the callback's options; true uses its "
        "defaults; false (or absent) turns it off. Early stopping and learning-rate reduction "
        "print what they do (verbose = 1) unless told verbose = 0.",
        (
            Key(
                "early_stopping",
                "bool|table",
                "Stop when the monitored quantity stops "
                "improving: {patience = 3, restore_best_weights = true, monitor = "
                '"val_loss"}.',
                False,
                check=_check_callback("EarlyStopping"),
            ),
            Key(
                "reduce_lr_on_plateau",
                "bool|table",
                "Multiply the learning rate by factor "
                "when the monitored quantity stops improving: {factor = 0.5, patience = 3}.",
                False,
                check=_check_callback("ReduceLROnPlateau"),
            ),
            Key(
                "checkpoint",
                "bool|table",
                "Save the best model to checkpoint.dg in the "
                "output folder (save_best_only = true unless given).",
                False,
                check=_check_callback("ModelCheckpoint", skip=("filepath",)),
            ),
            Key("csv_logger", "bool", "Write history.csv, a row per epoch.", True),
            Key("tensorboard", "bool", "Write TensorBoard logs to tensorboard/.", False),
            Key("backup", "bool", "Back up every epoch to backup/ so a killed run resumes.", False),
        ),
    ),
    Section(
        "augment",
        "Random image transforms applied to each training batch (images only).",
        (
            Key(
                "transforms",
                "list[str]",
                "Transforms in order.",
                [],
                choices=TRANSFORMS,
                what="transform",
            ),
            Key("shift", "int", "shift: the most pixels moved.", 2, low=0),
            Key("degrees", "float", "rotation: the largest angle.", 10, low=0),
            Key("zoom", "list[float]", "zoom: the [smallest, largest] scale.", [0.9, 1.1]),
            Key(
                "noise_std", "float", "noise: the Gaussian noise's standard deviation.", 0.05, low=0
            ),
            Key("cutout", "int", "cutout: the side of the square erased.", 4, low=1),
        ),
    ),
)

#: keys of the recipe itself (outside any section)
TOP_KEYS: tuple[Key, ...] = (
    Key(
        "name",
        "str",
        "The run's name: outputs go to runs/<name> unless --out says.",
        default_doc="the file's name",
    ),
)

_BY_NAME = {s.name: s for s in SECTIONS}


def section(name: str) -> Section:
    """The declared section called ``name``."""
    return _BY_NAME[name]


def default(section_name: str, key: str) -> Any:
    """The declared default of ``[section_name] key`` (a copy for lists)."""
    k = _BY_NAME[section_name].key(key)
    if k is None:
        raise KeyError(f"[{section_name}] declares no key {key!r}")
    return list(k.default) if isinstance(k.default, list) else k.default


# ---- types ----------------------------------------------------------------------------------
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_TYPES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "int": ("an integer", _is_int),
    "float": ("a number", _is_number),
    "bool": ("true or false", lambda v: isinstance(v, bool)),
    "str": ("a string", lambda v: isinstance(v, str)),
    "table": ("a table", lambda v: isinstance(v, dict)),
    "list[int]": ("a list of integers", lambda v: isinstance(v, list) and all(map(_is_int, v))),
    "list[float]": (
        "a list of numbers",
        lambda v: isinstance(v, list) and all(map(_is_number, v)),
    ),
    "list[str]": (
        "a list of strings",
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    ),
    "list[table]": (
        "a list of tables",
        lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
    ),
}


def _describe(v: Any) -> str:
    """What came, in the recipe's words: ``a string ("20")``, ``a number (32.5)``."""
    if isinstance(v, bool):
        return f"a boolean ({str(v).lower()})"
    if isinstance(v, int):
        return f"an integer ({v})"
    if isinstance(v, float):
        return f"a number ({v:g})"
    if isinstance(v, str):
        return f'a string ("{v}")'
    if isinstance(v, dict):
        return f"a table ({_toml(v)})"
    if isinstance(v, list):
        return f"a list ({_toml(v)})"
    if v is None:
        return "null"
    return type(v).__name__


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return str(v)


def _type_words(type_: str) -> str:
    words = [_TYPES[t][0] for t in type_.split("|")]
    return " or ".join(words)


def _check_value(key: Key, value: Any, where: str) -> None:
    if not any(_TYPES[t][1](value) for t in key.type.split("|")):
        raise RecipeError(
            f"{where}: {key.name} must be {_type_words(key.type)}, got {_describe(value)}"
        )
    choices = key.valid_choices()
    if choices:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if key.ignore_case and isinstance(item, str):
                item = item.lower()
            if item not in choices:
                names = [c for c in choices if isinstance(c, str)]
                if isinstance(item, str) and names and len(names) == len(choices):
                    what = key.what or key.name
                    raise RecipeError(f"{where}: {unknown_choice(what, item, names)}")
                shown = ", ".join(_toml(c) for c in choices)
                raise RecipeError(
                    f"{where}: {key.name} must be one of {shown}, got {_describe(item)}"
                )
    if _is_number(value) and (key.low is not None or key.high is not None):
        bad = (
            (not math.isfinite(value))
            or (key.low is not None and (value <= key.low if key.open_low else value < key.low))
            or (key.high is not None and (value >= key.high if key.open_high else value > key.high))
        )
        if bad:
            raise RecipeError(f"{where}: {key.name} must be {key.range_text()}, got {value:g}")
    if key.check is not None:
        key.check(value, f"{where} {key.name}")


# ---- options passed to a class --------------------------------------------------------------
_ANNOTATION_TYPES: dict[str, Callable[[Any], bool]] = {
    "bool": lambda v: isinstance(v, bool),
    "int": _is_int,
    "float": _is_number,
    "str": lambda v: isinstance(v, str),
    "PathLike": lambda v: isinstance(v, str),
    "tuple": lambda v: isinstance(v, list),
    "list": lambda v: isinstance(v, list),
    "Sequence": lambda v: isinstance(v, list),
    "None": lambda v: v is None,
}


_ANNOTATION_WORDS = {
    "bool": "true or false",
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "PathLike": "a string",
    "tuple": "a list",
    "list": "a list",
    "Sequence": "a list",
    "None": "null",
}


def _annotation_check(param: inspect.Parameter) -> tuple[str, Callable[[Any], bool]] | None:
    """A check of a value against a parameter's annotation, when every part of it is a plain
    type (``float``, ``int | None``, ``tuple[float, float]``); ``None`` otherwise."""
    ann = param.annotation
    if ann is inspect.Parameter.empty:
        if param.default is None or param.default is inspect.Parameter.empty:
            return None
        ann = type(param.default).__name__
    if not isinstance(ann, str):
        ann = getattr(ann, "__name__", str(ann))
    outer = [t.strip() for t in re.split(r"\|", re.sub(r"\[.*?\]", "", ann))]
    outer = [t.split(".")[-1] for t in outer if t]
    if not outer or any(t not in _ANNOTATION_TYPES for t in outer):
        return None
    tests = [_ANNOTATION_TYPES[t] for t in outer]
    words = dict.fromkeys(_ANNOTATION_WORDS[t] for t in outer)
    return " or ".join(words), lambda v: any(t(v) for t in tests)


#: constructor arguments a recipe may give but that error messages do not list
DEPRECATED_OPTIONS = ("size_average", "reduce")


def check_options(
    what: str,
    cls: Any,
    options: dict[str, Any],
    *,
    args: Sequence[Any] = (),
    skip: tuple[str, ...] = (),
) -> None:
    """Check ``cls(*args, **options)`` without calling it: every option is an argument of the
    constructor (else the nearest name is offered), required ones are given, and values match
    plain annotations (``float``, ``int``, ``bool``, ``str``, ``tuple``)."""
    if not isinstance(options, dict):
        raise RecipeError(f"{what}: expected a table of options, got {_describe(options)}")
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return
    params = {n: p for n, p in sig.parameters.items() if n not in skip}
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    # PyTorch's deprecated loss flags are accepted but not offered
    named = [n for n in named if n not in DEPRECATED_OPTIONS]
    for key in options:
        if key not in params and not var_kw:
            raise RecipeError(
                f"{what}: unknown option {key!r}{did_you_mean(key, named) or '.'} "
                f"It takes: {', '.join(named) or 'no options'}"
            )
    placeholders = {n: None for n in skip if n in sig.parameters}
    try:
        bound = sig.bind(
            *args, **options, **{k: v for k, v in placeholders.items() if k not in options}
        )
    except TypeError as e:
        raise RecipeError(f"{what}: {e} (it takes: {', '.join(named)})") from None
    for key, value in bound.arguments.items():
        p = sig.parameters[key]
        if key in placeholders or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        checked = _annotation_check(p)
        if checked is not None and not checked[1](value):
            raise RecipeError(f"{what}: {key} must be {checked[0]}, got {_describe(value)}")


# ---- validation -----------------------------------------------------------------------------
def validate(recipe: Any, source: str = "recipe") -> dict[str, Any]:
    """Check ``recipe`` against the schema; return it unchanged, or raise
    :class:`RecipeError` naming the section and key, what was expected and what came (and the
    nearest valid name for an unknown one). ``source`` starts every message (the file)."""
    if not isinstance(recipe, dict):
        raise RecipeError(f"{source}: a recipe is a table of sections, got {_describe(recipe)}")
    top = {k.name: k for k in TOP_KEYS}
    for name, value in recipe.items():
        if name in top:
            _check_value(top[name], value, source)
            continue
        sec = _BY_NAME.get(name)
        if sec is None and not isinstance(value, dict):
            raise RecipeError(
                f"{source}: unknown key {name!r}{did_you_mean(name, top) or '.'} Outside the "
                f"sections a recipe has only: {', '.join(top)}"
            )
        if sec is None:
            valid = [s.name for s in SECTIONS]
            hint = did_you_mean(name, valid, quote="[{}]")
            raise RecipeError(
                f"{source}: unknown section [{name}]{hint or '.'} Valid sections: "
                + ", ".join(f"[{s}]" for s in valid)
            )
        if not isinstance(value, dict):
            raise RecipeError(f"{source}: [{name}] must be a table, got {_describe(value)}")
        _validate_section(sec, value, f"{source}: [{name}]")
    for sec in SECTIONS:
        if sec.required and sec.name not in recipe:
            raise RecipeError(f"{source}: a recipe needs a [{sec.name}] section ({sec.doc})")
    from . import recipe_tasks

    recipe_tasks.check(recipe, source)  # what the sections mean together, for the task
    return recipe


def _validate_section(sec: Section, values: dict[str, Any], where: str) -> None:
    declared = {k.name: k for k in sec.keys}
    extra: dict[str, Any] = {}
    for key, value in values.items():
        k = declared.get(key)
        if k is None:
            if sec.options is None:
                raise RecipeError(
                    f"{where} has no key {key!r}{did_you_mean(key, declared) or '.'} Valid keys: "
                    + ", ".join(sorted(declared))
                )
            extra[key] = value
            continue
        _check_value(k, value, where)
    if sec.options is not None:
        for k in sec.keys:  # a required name (a schedule's) must be there before its options
            if k.name == "name" and k.default is None and "name" not in values:
                raise RecipeError(f"{where}: name is required: {k.doc.lower()}")
        what, cls, skip = sec.options(values)  # type: ignore[misc]
        declared_opts = {
            k: v for k, v in values.items() if k in declared and k not in ("name", "interval")
        }
        try:
            check_options(f"{where} {what}", cls, {**declared_opts, **extra}, skip=skip)
        except RecipeError as e:
            if extra and "unknown option" in str(e):
                names = [
                    *declared,
                    *[n for n in inspect.signature(cls).parameters if n not in skip],
                ]
                bad = next(k for k in extra if f"unknown option {k!r}" in str(e))
                raise RecipeError(
                    f"{where} has no key {bad!r}{did_you_mean(bad, names) or '.'} Valid keys: "
                    + ", ".join(sorted(set(names)))
                ) from None
            raise
    if sec.check is not None:
        sec.check(values, where)


# ---- the reference ----------------------------------------------------------------------------
def _choices_text(k: Key) -> str:
    c = [x for x in k.valid_choices() if x != "ReduceLROnPlateau"]  # a callback here
    return "one of " + ", ".join(_toml(x) for x in c) if c else ""


def reference() -> str:
    """The recipe reference as plain text: every section and key with its type, default,
    range, choices and documentation (``deepgrad train --help-recipe`` prints it)."""
    lines = [
        "deepgrad recipes: a TOML (or JSON) file of the sections below; only [model] is required.",
        "Unknown sections and keys, values of the wrong type and out-of-range values are "
        "refused before any work.",
        "",
    ]
    for k in TOP_KEYS:
        lines.append(f"{k.name} ({k.type}, default: {k.default_text()}): {k.doc}")
    for sec in SECTIONS:
        lines += ["", f"[{sec.name}]{' (required)' if sec.required else ''}", f"  {sec.doc}"]
        for k in sec.keys:
            head = f"  {k.name}  {k.type}  default: {k.default_text()}"
            extra = [x for x in (k.range_text(), _choices_text(k)) if x]
            lines.append(head + (f"  ({'; '.join(extra)})" if extra else ""))
            lines.append(f"      {k.doc}")
    lines += [
        "",
        "Loss names (compile(loss=...) and [training] loss): deepgrad train --help-recipe "
        "lists them below.",
    ]
    from ..nn import loss_names as LN

    lines.append(LN.reference())
    return "\n".join(lines)


def markdown() -> str:
    """The recipe reference as Markdown: a table per section (key, type, default,
    description), then the table of loss names."""
    out = [
        "# Recipe reference",
        "",
        "A recipe is a TOML (or JSON) file of the sections below; only `[model]` is required. "
        "Unknown sections and keys, values of the wrong type and out-of-range values are "
        "refused before any work, naming the nearest valid key.",
        "",
        "| key | type | default | description |",
        "|---|---|---|---|",
    ]
    for k in TOP_KEYS:
        out.append(f"| `{k.name}` | {k.type} | {k.default_text()} | {k.doc} |")
    for sec in SECTIONS:
        out += ["", f"## `[{sec.name}]`" + (" (required)" if sec.required else ""), "", sec.doc, ""]
        out += ["| key | type | default | description |", "|---|---|---|---|"]
        for k in sec.keys:
            extra = [x for x in (k.range_text(), _choices_text(k)) if x]
            doc = k.doc + (f" ({'; '.join(extra)})" if extra else "")
            default_cell = k.default_text().replace("|", "\\|")
            out.append(f"| `{k.name}` | {k.type.replace('|', ' or ')} | {default_cell} | {doc} |")
    from ..nn import loss_names as LN

    out += ["", "## Loss names", "", LN.markdown()]
    return "\n".join(out) + "\n"
