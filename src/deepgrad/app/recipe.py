"""Training recipes: a TOML/JSON-able description of a whole run (data, model, optimizer,
schedule, training, callbacks) and the function that carries it out — what ``deepgrad train``
runs.

A recipe is a dict with these sections (all optional but ``model``; see ``examples/*.toml``).
Its schema — every key, type, range, default and meaning — is declared once, in
:mod:`deepgrad.app.recipe_schema`; :func:`load_recipe` and :func:`run` refuse a recipe that
does not follow it before any work (``deepgrad train --help-recipe`` prints the reference)::

    [data]        name = "digits" | "iris" | "wine" | "breast_cancer" | "diabetes" |
                         "fashion-mnist" | "mnist" | "moons" | "circles" | "spirals" |
                         "house_prices" | "shapes" | "csv"
                  path, target (csv / mnist), delimiter = "," | ";" | "whitespace", header
                  = true, columns (csv), test_size = 0.25, scale = "standard" | "minmax" |
                  "none", flat = false, reshape = [8, 8] (per sample), subset = N (first N
                  training samples), test_subset = N, seed, task = "classification" |
                  "regression" (csv: a target of text labels is classification; classes,
                  text or numbers not 0..K-1 (3/7/9, -1/1), are numbered in sorted order and
                  named by their values; missing feature cells get training medians, missing
                  targets are refused) |
                  "segmentation" | "detection" (shapes: n_samples, test_samples, size,
                  max_shapes, noise; see :mod:`deepgrad.app.dense_tasks`)
    [model]       zoo = "LeNet5" with [model.args], or [[model.layers]] entries
                  {type = "Conv2d", args = [1, 16, 3], padding = 1, ...} (a Sequential)
    [optimizer]   name = "adam", lr = 1e-3, ...            (deepgrad.optim.get)
    [schedule]    name = "CosineAnnealingLR", T_max = 20, interval = "epoch" | "step"
    [training]    epochs, batch_size, loss, metrics, validation_split, seed, verbose
                  (loss: a name, or {name = "cross_entropy", label_smoothing = 0.1})
    [callbacks]   early_stopping = {patience = 3, restore_best_weights = true},
                  reduce_lr_on_plateau = {...}, checkpoint = true, csv_logger = true,
                  tensorboard = false, backup = true
    [augment]     transforms = ["shift", "rotation"], shift = 2, degrees = 10 (images)

Outputs (in ``out_dir``): ``model.dg`` (architecture + weights + optimizer state + the
preprocessing ``predict`` and ``evaluate`` need: fitted imputer/scaler, feature and class names,
the ``[data]`` section), ``history.csv``, ``history.json``, ``metrics.json`` (test set),
``training_curves.png``, ``confusion_matrix.png`` (classification) and ``recipe.json`` (the
recipe); for classification also ``roc_curve.png``, ``precision_recall.png``,
``calibration.png`` and ``classification_report.txt`` / ``.json``
(:func:`deepgrad.viz.evaluation.write_classification_evaluation`); for segmentation
``segmentation.png`` (inputs, true and predicted masks) and the pixel confusion matrix, for
detection ``detections.png`` (predicted and true boxes), their metrics (pixel accuracy and
mean IoU; mAP@0.5) measured on the held-out images (:mod:`deepgrad.app.dense_tasks`). Older
runs kept the fitted scalers in ``preprocessing.json`` beside ``model.dg``; ``deepgrad
predict`` still reads it for a model file without its own.
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._choices import unknown_choice
from ..io import atomic_write
from ..io.safe_read import _no_duplicates
from ..train.strategy import get_strategy
from . import recipe_schema as S
from . import recipe_tasks as RT
from .recipe_limits import build_within_limit, check_data_size, check_first_batch
from .recipe_schema import RecipeError

#: largest recipe file read (bytes): Python's TOML parser takes about a second per 300 KB, and
#: a real recipe is a few hundred bytes
MAX_RECIPE_BYTES = 256 * 2**10

#: what ``deepgrad train`` runs without a config: a small CNN on the bundled digits
DEFAULT_RECIPE: dict[str, Any] = {
    "name": "digits-cnn",
    "data": {"name": "digits", "test_size": 0.25, "seed": 0},
    "model": {
        "layers": [
            {"type": "Conv2d", "args": [1, 16, 3], "padding": 1},
            {"type": "ReLU"},
            {"type": "MaxPool2d", "args": [2]},
            {"type": "Conv2d", "args": [16, 32, 3], "padding": 1},
            {"type": "ReLU"},
            {"type": "MaxPool2d", "args": [2]},
            {"type": "Flatten"},
            {"type": "Linear", "args": [128, 64]},
            {"type": "ReLU"},
            {"type": "Dropout", "args": [0.25]},
            {"type": "Linear", "args": [64, 10]},
        ]
    },
    "optimizer": {"name": "adam", "lr": 3e-3},
    "schedule": {"name": "CosineAnnealingLR", "T_max": 20},
    "training": {
        "epochs": 20,
        "batch_size": 32,
        "loss": "cross_entropy",
        "metrics": ["accuracy"],
        "validation_split": 0.1,
        "seed": 0,
    },
    "callbacks": {
        "early_stopping": {"patience": 8, "restore_best_weights": True},
        "csv_logger": True,
    },
}

CLASSIFICATION_SETS = RT.CLASSIFICATION_SETS


__all__ = ["DEFAULT_RECIPE", "RecipeError", "load_recipe", "prepare", "run", "validate"]


def validate(recipe: Any, source: str = "recipe") -> dict[str, Any]:
    """Check a recipe against :mod:`~deepgrad.app.recipe_schema` (see there)."""
    return S.validate(recipe, source)


def load_recipe(path: str | os.PathLike | None) -> dict[str, Any]:
    """Read a recipe from a ``.toml`` or ``.json`` file (``None``: the default recipe)."""
    if path is None:
        return copy.deepcopy(DEFAULT_RECIPE)
    p = Path(path)
    if p.is_dir():
        found = sorted(q.name for q in p.glob("*") if q.suffix in (".toml", ".json"))[:5]
        hint = f"; it holds {', '.join(found)}" if found else ""
        raise IsADirectoryError(
            f"recipe file {p} is a folder, not a recipe file: give a .toml or .json file{hint}"
        )
    if not p.is_file():
        raise FileNotFoundError(f"recipe file {p} does not exist")
    raw = p.read_bytes()
    if len(raw) > MAX_RECIPE_BYTES:
        raise RecipeError(
            f"{p}: a recipe of {len(raw):,} bytes, over the limit of {MAX_RECIPE_BYTES:,}: a recipe "
            "names its data and model; it does not hold them (is this the right file?)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RecipeError(f"{p}: not UTF-8 text ({e})") from None
    kind = "JSON" if p.suffix == ".json" else "TOML"
    try:
        if kind == "JSON":
            recipe = json.loads(text, object_pairs_hook=_no_duplicates)  # (a ValueError)
        else:
            import tomllib

            recipe = tomllib.loads(text)
    except RecursionError:
        raise RecipeError(f"{p}: not valid {kind}: it nests too deeply") from None
    except ValueError as e:  # the decode errors, and integers of over 4300 digits
        raise RecipeError(f"{p}: not valid {kind}: {e}") from None
    S.validate(recipe, str(p))
    recipe.setdefault("name", p.stem)
    _data_path_beside(recipe, p.parent)
    return recipe


def _data_path_beside(recipe: dict[str, Any], folder: Path) -> None:
    """A relative ``[data] path`` is read from the working folder, or — where nothing is there
    and the recipe's folder holds it — beside the recipe (``deepgrad train sub/run.toml``
    with ``path = "table.csv"`` in ``sub/``)."""
    spec = recipe.get("data")
    path = spec.get("path") if isinstance(spec, dict) else None
    if not isinstance(path, str) or Path(path).is_absolute() or Path(path).exists():
        return
    beside = folder / path
    if beside.exists():
        spec["path"] = str(beside)


# ---- data -------------------------------------------------------------------------------------
def load_data(spec: dict[str, Any]) -> dict[str, Any]:
    """The train and test arrays a recipe's ``[data]`` section describes, scaled as asked.

    Returns a dict with ``x_train, y_train, x_test, y_test``, ``task`` ("classification" or
    "regression"), ``class_names`` (or None), and ``preprocessing`` (a
    :class:`~deepgrad.data.Preprocessing` with the fitted steps); the shapes data set's
    segmentation and detection tasks: :func:`deepgrad.app.dense_tasks.load_shapes`.
    """
    from .. import data as D

    check_data_size(spec)  # a generated set's size, before it is generated
    name = spec.get("name", S.default("data", "name"))
    if name == "shapes":
        from .dense_tasks import load_shapes

        return load_shapes(spec)
    seed = spec.get("seed", S.default("data", "seed"))
    test_size = spec.get("test_size", S.default("data", "test_size"))
    flat = spec.get("flat", S.default("data", "flat"))
    class_names = None
    pre_split = None
    features: list[str] | None = None
    categories = None
    if name == "digits":
        x, y = D.load_digits(flat=flat)
    elif name in ("iris", "wine", "breast_cancer", "diabetes"):
        x, y = getattr(D, f"load_{name}")()
    elif name == "fashion-mnist":
        (xt, yt), (xs, ys) = D.load_fashion_mnist(spec.get("path"), flat=flat)
        pre_split = (xt, yt, xs, ys)
        class_names = list(D.FASHION_MNIST_CLASSES)
    elif name == "mnist":
        (xt, yt), (xs, ys) = D.load_mnist(spec.get("path"), flat=flat)
        pre_split = (xt, yt, xs, ys)
    elif name in ("moons", "circles", "spirals"):
        x, y = getattr(D, f"make_{name}")(int(spec.get("n_samples", 500)), seed=seed)
    elif name == "house_prices":
        x, y = D.make_house_prices(int(spec.get("n_samples", 1000)), seed=seed)
    elif name == "csv":
        if "path" not in spec or "target" not in spec:
            raise RecipeError("data: name = 'csv' needs 'path' and 'target' (the label column)")
        x, y, features, class_names, categories = _read_csv(spec)
    else:
        raise RecipeError(
            f"data: unknown dataset {name!r}; expected digits, iris, wine, breast_cancer, "
            "diabetes, fashion-mnist, mnist, moons, circles, spirals, house_prices or csv"
        )
    task = spec.get("task") or (
        "classification" if name in CLASSIFICATION_SETS or class_names is not None else "regression"
    )
    if pre_split is None:
        x_train, x_test, y_train, y_test = _split(x, y, task, test_size, seed)
    else:
        x_train, y_train, x_test, y_test = pre_split
    if "subset" in spec:
        n = int(spec["subset"])
        x_train, y_train = x_train[:n], y_train[:n]
    if "test_subset" in spec:
        n = int(spec["test_subset"])
        x_test, y_test = x_test[:n], y_test[:n]
    x_train = np.asarray(x_train, dtype=np.float32)
    x_test = np.asarray(x_test, dtype=np.float32)
    if "reshape" in spec:  # e.g. images (N, 1, 8, 8) read as sequences of rows: [8, 8]
        shape = tuple(int(s) for s in spec["reshape"])
        try:
            x_train = x_train.reshape(len(x_train), *shape)
            x_test = x_test.reshape(len(x_test), *shape)
        except ValueError:
            raise RecipeError(
                f"data: cannot reshape samples of shape {x_train.shape[1:]} to {shape}"
            ) from None
    # what `deepgrad predict` needs, saved inside the model file: the CSV's feature columns
    # (read by name), the class names it prints, and the fitted steps below
    preprocessing = D.Preprocessing(
        features=features,
        classes=class_names,
        task=task,
        data=copy.deepcopy(spec),
        categories=categories,
    )
    # missing values: medians of the training data fill them, here and in `deepgrad predict`
    # (always fitted for a CSV, whose new rows may have gaps the training rows had not)
    if name == "csv" or np.isnan(x_train).any() or np.isnan(x_test).any():
        # an all-missing feature is kept (filled with 0), so the model's input width is fixed
        imp = D.SimpleImputer(strategy="median", keep_empty_features=True).fit(x_train)
        x_train, x_test = imp.transform(x_train), imp.transform(x_test)
        preprocessing.steps.append(("imputer", imp))
    scale = spec.get("scale", "standard" if x_train.ndim == 2 else "none")
    if scale != "none":
        scaler_cls = {"standard": D.StandardScaler, "minmax": D.MinMaxScaler}.get(scale)
        if scaler_cls is None:
            raise RecipeError(f"data: scale must be 'standard', 'minmax' or 'none', got {scale!r}")
        sc = scaler_cls().fit(x_train)  # fitted on training data only
        x_train, x_test = sc.transform(x_train), sc.transform(x_test)
        preprocessing.steps.append(("scaler", sc))
    if task == "classification":
        y_train = np.asarray(y_train, dtype=np.int64)
        y_test = np.asarray(y_test, dtype=np.int64)
    else:  # one target per sample: (N, 1), the shape of a model with one output
        y_train = np.asarray(y_train, dtype=np.float32).reshape(len(y_train), -1)
        y_test = np.asarray(y_test, dtype=np.float32).reshape(len(y_test), -1)
    return {
        "x_train": x_train.astype(np.float32),
        "y_train": y_train,
        "x_test": x_test.astype(np.float32),
        "y_test": y_test,
        "task": task,
        "class_names": class_names,
        "preprocessing": preprocessing,
    }


def _read_csv(spec: dict[str, Any]) -> tuple[Any, Any, list[str], list[str] | None, Any]:
    """A ``[data] name = "csv"`` table: features, targets, feature names, class names and the
    categories of its categorical columns (``[data] categorical``: one-hot, see
    :func:`deepgrad.data.load_csv`; ``None`` without).

    Classification targets become classes ``0..K-1`` numbered in sorted order of the file's
    labels (text, or numbers such as 3/7/9 or -1/1), whose values are the class names that
    ``deepgrad predict`` prints; labels already ``0..K-1`` stay as they are. A target with
    missing cells, a classification target of fractional numbers and a single class are
    refused, naming what came."""
    from .. import data as D

    if "path" not in spec or "target" not in spec:
        raise RecipeError("data: name = 'csv' needs 'path' and 'target' (the label column)")
    delimiter = spec.get("delimiter", S.default("data", "delimiter"))
    table = D.load_csv(
        spec["path"],
        target=spec["target"],
        columns=spec.get("columns"),
        delimiter=None if delimiter == "whitespace" else delimiter,
        header=spec.get("header", S.default("data", "header")),
        categorical=spec.get("categorical"),
    )
    x, y = table.x, table.y
    target = spec["target"]
    text = y.dtype.kind in "USO"
    for name, col in [*zip(table.x_names(), x.T), *([] if text else [(target, y)])]:
        if np.isinf(col).any():  # (NaN is a missing cell; inf, or 1e400, no number to fill)
            row = int(np.flatnonzero(np.isinf(col))[0]) + 1
            raise RecipeError(
                f"data: column {name!r} holds {col[row - 1]} at data row {row} (a value beyond "
                "float32's range, ~3.4e38); fix it in the file, or leave it empty for the "
                "median"
            )
    missing = (y == "") if text else np.isnan(y)
    if missing.any():
        rows = (np.flatnonzero(missing) + 1).tolist()
        raise RecipeError(
            f"data: the target column {target!r} has {len(rows)} missing value(s) (data rows "
            f"{rows[:10]}{' ...' if len(rows) > 10 else ''}); a sample needs its label: "
            "remove those rows or fill them in the file"
        )
    task = spec.get("task") or ("classification" if text else "regression")
    if text and task != "classification":
        raise RecipeError(
            f"data: the target column {target!r} holds text labels (e.g. {str(y[0])!r}); "
            f"that is a classification task, got task = {task!r}"
        )
    class_names = None
    if task == "classification":
        if not text and not np.all(y == np.round(y)):
            bad = y[y != np.round(y)][0]
            raise RecipeError(
                f"data: task = 'classification', but the target column {target!r} holds "
                f"fractional numbers (e.g. {float(bad):g}), not class labels; for a continuous "
                "target set task = 'regression'"
            )
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise RecipeError(
                f"data: the target column {target!r} holds one class only "
                f"({str(classes[0]) if len(classes) else 'none'!r}, in all {len(y)} rows): a "
                "classifier needs at least two classes to tell apart"
            )
        if text or not np.array_equal(classes, np.arange(len(classes))):
            y = codes.reshape(-1)
            class_names = [str(c) if text else str(int(c)) for c in classes.tolist()]
    return x, y, list(table.feature_names), class_names, dict(table.categories) or None


def _inputs_said(ds: dict[str, Any]) -> str:
    """Where a CSV's categorical columns widen the inputs, how: ``" of 5 inputs (city: 3
    categories)"``, so that a first layer's width can be checked against it."""
    pre = ds.get("preprocessing")
    cats = getattr(pre, "categories", None)
    if not cats:
        return ""
    each = ", ".join(f"{k}: {len(v)} categories" for k, v in cats.items())
    return f" of {ds['x_train'].shape[1]} inputs ({each})"


def _split(x: Any, y: Any, task: str, test_size: float, seed: int) -> tuple[Any, ...]:
    """The train/test split, stratified for classification; too few samples (of a class, or
    in all) for the split are a :class:`RecipeError` naming the counts."""
    from .. import data as D

    n = len(x)
    n_test = int(math.ceil(test_size * n))
    if n - n_test < 1 or n_test < 1:
        raise RecipeError(
            f"data: {n} sample(s) cannot be split into training and test parts with test_size "
            f"= {test_size} ({n_test} test, {n - n_test} training); give more rows"
        )
    strat = y if task == "classification" else None
    if strat is not None:
        labels, counts = np.unique(strat, return_counts=True)
        if counts.min() < 2 or n_test < len(labels) or n - n_test < len(labels):
            raise RecipeError(
                f"data: a split stratified by class needs at least 2 samples of each class and "
                f"at least one per class on each side; the {n} samples hold {len(labels)} "
                f"classes, the smallest with {counts.min()} sample(s), and test_size = "
                f"{test_size} gives {n_test} test and {n - n_test} training samples: give more "
                "rows, or change test_size"
            )
    return D.train_test_split(x, y, test_size=test_size, stratify=strat, seed=seed)


def apply_preprocessing(x: np.ndarray, preprocessing: Any) -> np.ndarray:
    """Apply the fitted steps recorded by :func:`load_data` (a
    :class:`~deepgrad.data.Preprocessing`, or the dict of an old ``preprocessing.json``) to new
    inputs."""
    from .. import data as D

    if not isinstance(preprocessing, D.Preprocessing):
        from ..io.transformers import preprocessing_from_legacy

        preprocessing = preprocessing_from_legacy(preprocessing, "preprocessing")
    return preprocessing.transform(x)


# ---- model, optimizer, callbacks ------------------------------------------------------------
def build_model(spec: dict[str, Any]) -> Any:
    """A model from a recipe's ``[model]`` section: a zoo model or a Sequential of layers; one
    that would hold more than :data:`~deepgrad.app.recipe_limits.MAX_PARAMETERS` elements is
    refused before the array that passes the limit is allocated."""
    return build_within_limit(lambda: _build_model(spec))


def _build_model(spec: dict[str, Any]) -> Any:
    from .. import models, nn
    from ..io.budget import building

    if "zoo" in spec:
        zoo = S.zoo_models()
        if spec["zoo"] not in zoo:
            raise RecipeError(f"model: {unknown_choice('zoo model', spec['zoo'], zoo)}")
        with building(f"model (zoo {spec['zoo']})"):
            return getattr(models, spec["zoo"])(**spec.get("args", {}))
    if "layers" in spec:
        layers = []
        for i, entry in enumerate(spec["layers"]):
            entry = dict(entry)
            kind = entry.pop("type", None)
            kinds = S.layer_types()
            if kind not in kinds:
                raise RecipeError(f"model.layers[{i}]: {unknown_choice('layer type', kind, kinds)}")
            cls = getattr(nn, kind)
            args = entry.pop("args", [])
            try:
                with building(f"model.layers[{i}] ({kind})"):
                    layers.append(cls(*args, **entry))
            except TypeError as e:
                raise RecipeError(f"model.layers[{i}] ({kind}): {e}") from None
        return nn.Sequential(*layers)
    if "class" in spec:  # an architecture config as written by save()
        from ..io.model_file import model_from_config

        return model_from_config(spec)
    raise RecipeError("model: give 'zoo' (a deepgrad.models class) or a list of 'layers'")


def _output_width(model: Any, sample: np.ndarray) -> int | None:
    """The number of scores ``model`` gives per sample (run once on one sample, in eval mode
    and without a graph: no random draw, no state changed; a model with lazy layers is run as
    a copy); ``None`` when its output is not a ``(1, K)`` matrix."""
    from ..autograd import no_grad
    from ..nn.parameter import is_lazy
    from ..tensor import Tensor

    if any(is_lazy(p) for p in model.parameters()):
        model = copy.deepcopy(model)
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad():
            out = model(Tensor._wrap(np.asarray(sample[:1])))
    except Exception:  # a model the sample does not fit: fit names the mismatch
        return None
    finally:
        for m, mode in modes:
            m.training = mode
    shape = getattr(out, "shape", ())
    return int(shape[1]) if len(shape) == 2 else None


def _check_class_count(model: Any, ds: dict[str, Any], loss: Any) -> None:
    """A classifier's scores per sample must be its data's classes (one for a binary loss on
    two classes): more trained silently, and ``deepgrad predict`` then refused the file."""
    from ..nn.loss_names import output_kind

    names = ds.get("class_names")
    if ds["task"] != "classification" or not names:
        return
    width = _output_width(model, ds["x_train"])
    k = len(names)
    if width is None or width == k:
        return
    shown = ", ".join(names[:6]) + (", ..." if k > 6 else "")
    advice = f"make its last layer's output size {k}"
    if width == 1 and k == 2 and output_kind(loss) in ("binary_logits", "probabilities"):
        advice += (  # its (N,) class indices are no (N, 1) binary targets, nor is its report
            " and train it with loss = 'cross_entropy' (a recipe's classifier gives a score "
            "per class; one sigmoid output is for the Python API: fit(x, y.reshape(-1, 1)))"
        )
    raise RecipeError(
        f"model: the data has {k} classes ({shown}, numbered 0..{k - 1}), but the model gives "
        f"{width} score(s) per sample: {advice}"
    )


def build_optimizer(spec: dict[str, Any]) -> Any:
    from .. import optim

    spec = dict(spec or {"name": "adam"})
    name = spec.pop("name", "adam")
    if "betas" in spec:
        spec["betas"] = tuple(spec["betas"])
    return optim.get(name, **spec)


def build_loss(spec: str | dict[str, Any]) -> Any:
    """The loss of ``[training] loss``: a name, or a table with ``name`` and the loss
    module's options (``{name = "cross_entropy", label_smoothing = 0.1}``); ``"centernet"``
    is :class:`~deepgrad.models.CenterNetLoss` for the shapes' three object classes."""
    from ..nn import loss as nnloss

    if isinstance(spec, dict):
        spec = dict(spec)
        if "name" not in spec:
            raise RecipeError(f"training: loss table needs a name, got {spec}")
        name = spec.pop("name")
        if name == "centernet":
            from ..models import CenterNetLoss

            return CenterNetLoss(RT.SHAPES_CLASSES - 1, **spec)
        try:
            return nnloss.get(name, **spec)
        except ValueError as e:
            raise RecipeError(f"training: {e}") from None
    if not isinstance(spec, str):
        raise RecipeError(f"training: loss must be a name or a table, got {spec!r}")
    if spec == "centernet":
        return build_loss({"name": spec})
    try:
        return nnloss.get(spec)
    except ValueError as e:
        raise RecipeError(f"training: {e}") from None


def build_callbacks(
    spec: dict[str, Any],
    schedule: dict[str, Any] | None,
    optimizer: Any,
    out: Path,
    verbose: int = 1,
) -> list[Any]:
    """The callbacks of a recipe's ``[callbacks]`` and ``[schedule]`` sections. Early
    stopping and learning-rate reduction say what they do (``verbose``, unless their table
    sets it): 0 for a silent run."""
    from .. import optim
    from ..train import callbacks as C

    cbs: list[Any] = []
    spec = spec or {}
    if schedule:
        schedule = dict(schedule)
        name = schedule.pop("name")
        interval = schedule.pop("interval", S.default("schedule", "interval"))
        if name == "ReduceLROnPlateau":
            raise RecipeError(
                "schedule: ReduceLROnPlateau is a callback in a recipe: [callbacks] "
                "reduce_lr_on_plateau = {...}"
            )
        names = S.schedule_names()
        if name not in names:
            raise RecipeError(f"schedule: {unknown_choice('schedule', name, names)}")
        cls = getattr(optim, name)
        cbs.append(C.LearningRateScheduler(cls(optimizer, **schedule), interval=interval))
    if spec.get("early_stopping"):  # say what they do (Keras's verbose=1) unless told not to
        cfg = dict(spec["early_stopping"]) if isinstance(spec["early_stopping"], dict) else {}
        cfg.setdefault("verbose", verbose)
        cbs.append(C.EarlyStopping(**cfg))
    if spec.get("reduce_lr_on_plateau"):
        cfg = spec["reduce_lr_on_plateau"]
        cfg = dict(cfg) if isinstance(cfg, dict) else {}
        cfg.setdefault("verbose", verbose)
        cbs.append(C.ReduceLROnPlateau(**cfg))
    if spec.get("checkpoint"):
        cfg = dict(spec["checkpoint"]) if isinstance(spec["checkpoint"], dict) else {}
        cfg.setdefault("save_best_only", True)
        cbs.append(C.ModelCheckpoint(str(out / "checkpoint.dg"), **cfg))
    if spec.get("csv_logger", S.default("callbacks", "csv_logger")):
        cbs.append(C.CSVLogger(str(out / "history.csv")))
    if spec.get("tensorboard"):
        cbs.append(C.TensorBoard(str(out / "tensorboard")))
    if spec.get("backup"):
        cbs.append(C.BackupAndRestore(str(out / "backup")))
    cbs.append(C.TerminateOnNaN())
    return cbs


def build_augmentation(spec: dict[str, Any] | None, seed: int) -> Callable | None:
    """A batch transform from a recipe's ``[augment]`` section (images only)."""
    if not spec:
        return None
    from .. import data as D

    makers = {
        "hflip": lambda: D.RandomHorizontalFlip(),
        "shift": lambda: D.RandomShift(spec.get("shift", 2)),
        "rotation": lambda: D.RandomRotation(spec.get("degrees", 10)),
        "zoom": lambda: D.RandomZoom(tuple(spec.get("zoom", (0.9, 1.1)))),
        "noise": lambda: D.GaussianNoise(spec.get("noise_std", 0.05)),
        "cutout": lambda: D.Cutout(spec.get("cutout", 4)),
    }
    parts = []
    for t in spec.get("transforms", []):
        if t not in makers:
            raise RecipeError(f"augment: unknown transform {t!r}; expected one of {sorted(makers)}")
        parts.append(makers[t]())
    return D.Compose(parts, seed=seed) if parts else None


# ---- the run ------------------------------------------------------------------------------------
@dataclass
class Training:
    """A recipe made ready to train: the compiled model and the ``fit`` call that trains it.

    ``model.fit(*fit_args, **fit_kwargs)`` is what :func:`run` calls; a caller may add
    callbacks to ``fit_kwargs["callbacks"]`` first (``benchmarks/fashion_mnist.py`` does, to
    train PyTorch beside it on the same batches)."""

    model: Any
    optimizer: Any
    fit_args: tuple
    fit_kwargs: dict[str, Any]
    epochs: int
    batch_size: int
    seed: int
    n_train: int = 0  #: samples trained on (after the validation part is held out)
    n_val: int = 0  #: samples held out for validation

    def fit(self) -> Any:
        return self.model.fit(*self.fit_args, **self.fit_kwargs)


def prepare(
    recipe: dict[str, Any],
    ds: dict[str, Any],
    out_dir: str | os.PathLike,
    *,
    epochs: int | None = None,
    verbose: Any = None,
    callbacks: dict[str, Any] | None = None,
) -> Training:
    """Seed deepgrad, build and compile the recipe's model, and set up its ``fit`` call on the
    data ``ds`` (from :func:`load_data`): arrays with ``validation_split``, or — with an
    ``[augment]`` section — a seeded :class:`~deepgrad.data.DataLoader` whose batches are
    augmented. ``callbacks`` replaces the recipe's ``[callbacks]`` section; ``verbose``
    (when not None) the recipe's ``[training] verbose``."""
    import deepgrad as dg

    from .. import data as D

    S.validate(recipe)
    tr = dict(recipe.get("training", {}))
    seed = tr.get("seed", S.default("training", "seed"))
    dg.manual_seed(seed)
    model = build_model(recipe["model"])
    optimizer = build_optimizer(recipe.get("optimizer", {}))
    task = ds["task"]
    default_loss = RT.TASK_LOSS.get(task, "cross_entropy" if task == "classification" else "mse")
    loss = build_loss(tr.get("loss", default_loss))
    metrics = tr.get("metrics", ["accuracy"] if task == "classification" else ["mae"])
    if task in RT.DENSE_TASKS:  # their metrics are the held-out set's (dense_tasks.evaluate)
        metrics = []
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    cb_spec = recipe.get("callbacks", {}) if callbacks is None else callbacks
    if verbose is None:
        verbose = tr.get("verbose", S.default("training", "verbose"))
    speak = verbose != 0 and get_strategy().is_main  # under mpirun, rank 0 alone prints
    cbs = build_callbacks(
        cb_spec, recipe.get("schedule"), optimizer, Path(out_dir), 1 if speak else 0
    )
    n_epochs = int(
        epochs if epochs is not None else tr.get("epochs", S.default("training", "epochs"))
    )
    batch_size = tr.get("batch_size", S.default("training", "batch_size"))
    # lazy layers' weights and the first batch's activations, within the limits
    first = min(batch_size, len(ds["x_train"]))
    check_first_batch(model, ds["x_train"], first, zoo="zoo" in recipe["model"])
    _check_class_count(model, ds, loss)
    aug = build_augmentation(recipe.get("augment"), seed)
    fit_kw: dict[str, Any] = {
        "epochs": n_epochs,
        "callbacks": cbs,
        "verbose": verbose,
        "seed": seed,
    }
    val_split = tr.get("validation_split", S.default("training", "validation_split"))
    n_all = len(ds["x_train"])
    # the last samples are held out, as fit(validation_split=...) and Keras do
    n_val = n_all - int(math.ceil(n_all * (1.0 - val_split))) if val_split else 0
    if aug is not None:  # augmentation runs per batch inside a DataLoader
        xtr, ytr = ds["x_train"], ds["y_train"]
        if n_val:
            fit_kw["validation_data"] = (xtr[-n_val:], ytr[-n_val:])
            xtr, ytr = xtr[:-n_val], ytr[:-n_val]
        loader = D.DataLoader(
            D.ArrayDataset(xtr, ytr),
            batch_size=batch_size,
            shuffle=True,
            seed=seed,
            batch_transform=aug,
        )
        args: tuple = (loader,)
    else:
        args = (ds["x_train"], ds["y_train"])
        fit_kw["batch_size"] = batch_size
        fit_kw["validation_split"] = val_split
    return Training(
        model, optimizer, args, fit_kw, n_epochs, batch_size, seed, n_all - n_val, n_val
    )


def run(
    recipe: dict[str, Any],
    out_dir: str | os.PathLike,
    *,
    epochs: int | None = None,
    verbose: Any = None,
    print_fn: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Carry out a recipe: load data, build and train the model, evaluate it on the test set,
    and write the model, history, metrics and plots into ``out_dir``. Returns the test
    metrics (plus ``"epochs"`` run and ``"seconds"``)."""
    from ..viz import training as VT

    S.validate(recipe)  # refused before any work
    check_data_size(recipe.get("data", {}))
    build_model(recipe["model"])  # a model over the size limit too (prepare builds it again)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ds = load_data(recipe.get("data", {}))
    training = prepare(recipe, ds, out, epochs=epochs, verbose=verbose)
    model = training.model
    ranks = get_strategy().size  # > 1 under `mpirun` (deepgrad.distributed)
    per_rank = f" per rank × {ranks} ranks = {training.batch_size * ranks}" if ranks > 1 else ""
    held = (
        f"{training.n_train} training, {training.n_val} validation"
        if training.n_val
        else f"{training.n_train} training"
    )
    print_fn(
        f"deepgrad train: {recipe.get('name', 'run')} — {held} and {len(ds['x_test'])} test "
        f"samples{_inputs_said(ds)}; {training.epochs} epochs, batch size "
        f"{training.batch_size}{per_rank}"
    )
    t0 = time.perf_counter()
    try:
        history = training.fit()
    except ValueError as e:
        spec = recipe.get("data", {})
        if spec.get("name") == "csv" and "task" not in spec and ds["task"] == "regression":
            raise RecipeError(
                f"{e} (the task was taken as regression because the target column "
                f"{spec.get('target')!r} holds numbers; for classes 0, 1, ... set task = "
                '"classification" in [data])'
            ) from None
        raise
    seconds = time.perf_counter() - t0
    results = model.evaluate(
        ds["x_test"], ds["y_test"], batch_size=256, verbose=0, return_dict=True
    )
    results = {k: float(v) for k, v in results.items()}
    dense = None
    if ds["task"] in RT.DENSE_TASKS:  # the task's metrics: masks or decoded boxes vs the truth
        from . import dense_tasks

        dense = dense_tasks.evaluate(model, ds, recipe.get("training", {}).get("metrics"))
        results.update(dense.metrics)
    results["epochs"] = len(history.epoch)
    results["seconds"] = round(seconds, 2)
    if not get_strategy().is_main:  # data-parallel: rank 0 alone writes the run's files
        return results
    model.preprocessing = ds["preprocessing"]  # saved inside model.dg: the file alone predicts
    model.save(out / "model.dg")
    per_class = {"per_class": dense.per_class} if dense is not None else {}
    for name, value in (
        ("history.json", history.history),
        ("metrics.json", {**results, **per_class}),
        ("recipe.json", recipe),  # read back by evaluate and predict: never half-written
    ):
        text = json.dumps(value, indent=2).encode()
        atomic_write(out / name, lambda f, text=text: f.write(text))
    VT.plot_history(history, out / "training_curves.png", title=recipe.get("name", ""))
    if dense is not None:
        from .dense_tasks import write_figures

        write_figures(ds, dense, out)
    if ds["task"] == "classification":
        scores = model.predict(ds["x_test"], batch_size=256)
        pred = scores.argmax(axis=1)
        from ..metrics import confusion_matrix

        n_classes = int(max(ds["y_test"].max(), pred.max())) + 1
        cm = confusion_matrix(ds["y_test"], pred, num_classes=n_classes)
        VT.plot_confusion_matrix(cm, out / "confusion_matrix.png", class_names=ds["class_names"])
        from ..viz.evaluation import write_classification_evaluation

        write_classification_evaluation(ds["y_test"], scores, out, class_names=ds["class_names"])
    shown = ", ".join(f"{k} {v:.4f}" for k, v in results.items() if k not in ("epochs", "seconds"))
    print_fn(f"test: {shown} ({results['epochs']} epochs, {seconds:.1f} s)")
    print_fn(f"wrote {out}/: model.dg, history.csv, history.json, metrics.json, plots")
    return results
