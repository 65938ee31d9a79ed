"""What each task of a recipe accepts: the rules that cross sections of the schema
(:mod:`deepgrad.app.recipe_schema` declares the keys; this module says which of them make
sense together).

A recipe's task is ``[data] task`` or, when absent, the data set's own (classification for
digits, regression for diabetes...). The two dense vision tasks need the generated shapes data
set (``name = "shapes"``, whose masks and boxes they learn) and fit networks, losses and
metrics of their own:

==============  ===================  ==========================  =============================
task            model                loss                        metrics (held-out set)
==============  ===================  ==========================  =============================
segmentation    ``zoo = "UNet"`` (or ``cross_entropy`` per pixel   ``pixel_accuracy``,
                layers) ending in                                ``mean_iou``
                4 maps: (N, 4, H, W)
detection       ``zoo = "CenterNet"`` ``centernet`` (CenterNet's  ``map50`` (VOC all-point AP
                (3 classes)          focal + L1 loss)            at IoU 0.5), ``map50_coco``
==============  ===================  ==========================  =============================

Anything else is refused naming what the task takes: a classification metric for detection, a
regression loss for segmentation, image augmentation (it would move images without their masks
and boxes), a UNet for digits.

>>> check({"data": {"name": "shapes", "task": "detection"}, "model": {"zoo": "CenterNet",
...        "args": {"num_classes": 3}}, "training": {"metrics": ["accuracy"]}}, "recipe")
Traceback (most recent call last):
...
deepgrad.app.recipe_schema.RecipeError: recipe: [training] metrics: 'accuracy' does not apply to the detection task; it reports 'map50', 'map50_coco'
"""

from __future__ import annotations

from typing import Any

#: every task a recipe may name
TASKS = ("classification", "regression", "segmentation", "detection")
#: the tasks whose targets are per-pixel masks or boxes (the shapes data set's)
DENSE_TASKS = ("segmentation", "detection")
#: the metrics each dense task reports on its held-out set (all of them by default)
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "segmentation": ("pixel_accuracy", "mean_iou"),
    "detection": ("map50", "map50_coco"),
}
#: each dense task's loss (its default, and the only one that fits it)
TASK_LOSS = {"segmentation": "cross_entropy", "detection": "centernet"}
#: each dense task's network (segmentation also takes [[model.layers]])
TASK_MODEL = {"segmentation": "UNet", "detection": "CenterNet"}
#: loss names a recipe adds to deepgrad.nn's table: CenterNet's loss lives with its model
RECIPE_LOSSES = ("centernet",)
#: classes of the shapes data set: background, circle, square, triangle
SHAPES_CLASSES = 4
#: the generated shapes' defaults that depend on the task (the others: the schema's)
SHAPES_DEFAULTS: dict[str, dict[str, Any]] = {
    "segmentation": {"n_samples": 2000, "size": 32, "max_shapes": 2},
    "detection": {"n_samples": 2000, "size": 48, "max_shapes": 3},
}
#: the data sets whose own task is classification (the others' is regression)
CLASSIFICATION_SETS = frozenset(
    {"digits", "iris", "wine", "breast_cancer", "fashion-mnist", "mnist", "moons", "circles",
     "spirals"}
)  # fmt: skip


def task_of(data: dict[str, Any]) -> str | None:
    """The task a ``[data]`` section sets: its ``task``, else the data set's (``None`` for a
    CSV file, whose labels decide, and for shapes, which needs ``task``)."""
    if "task" in data:
        return data["task"]
    name = data.get("name", "digits")
    if name in ("csv", "shapes"):
        return None
    return "classification" if name in CLASSIFICATION_SETS else "regression"


def shapes_value(data: dict[str, Any], key: str) -> Any:
    """``[data] key`` of a shapes section, or its task's default (:data:`SHAPES_DEFAULTS`),
    or the schema's."""
    if key in data:
        return data[key]
    if key in SHAPES_DEFAULTS[data["task"]]:
        return SHAPES_DEFAULTS[data["task"]][key]
    from .recipe_schema import default

    return default("data", key)


def _error(message: str) -> Exception:
    from .recipe_schema import RecipeError

    return RecipeError(message)


def check_loss(name: str, options: dict[str, Any], where: str) -> None:
    """Check a loss a recipe adds (``"centernet"``) and its options (``size_weight``; the
    number of classes comes from the data)."""
    from .. import models
    from .recipe_schema import check_options

    check_options(f"{where} ({name})", models.CenterNetLoss, options, skip=("num_classes",))


def _check_data(data: dict[str, Any], task: str | None, source: str) -> None:
    name = data.get("name", "digits")
    if name == "shapes" and task not in DENSE_TASKS:
        got = f"got task = {task!r}" if task else "got none"
        raise _error(
            f"{source}: [data] name = 'shapes' needs task = 'segmentation' (a class per pixel) or "
            f"'detection' (a box per shape); {got}"
        )
    if task in DENSE_TASKS and name != "shapes":
        raise _error(
            f"{source}: [data] task = {task!r} needs the generated shapes data set (name = "
            f"'shapes': images with masks and boxes); {name!r} has one label per sample"
        )
    if name == "shapes":
        for key in ("test_size", "scale", "reshape"):
            if key in data:
                raise _error(
                    f"{source}: [data] {key!r} does not apply to the shapes data set (its "
                    "held-out images are generated with seed + 1000, test_samples of them; "
                    "pixels are in [0, 1]); remove it"
                )


def _check_model(model: dict[str, Any], data: dict[str, Any], task: str | None, src: str) -> None:
    zoo = model.get("zoo")
    owner = {v: k for k, v in TASK_MODEL.items()}
    if zoo in owner and task != owner[zoo]:
        raise _error(
            f"{src}: [model] zoo = {zoo!r} is a {owner[zoo]} network; it needs [data] name = "
            f"'shapes' with task = {owner[zoo]!r}, got task = {task!r}"
        )
    if task not in DENSE_TASKS:
        return
    want = TASK_MODEL[task]
    if (zoo is not None and zoo != want) or (task == "detection" and zoo is None):
        alt = " or [[model.layers]] ending in 4 class maps" if task == "segmentation" else ""
        got = f"zoo = {zoo!r}" if zoo else "a list of layers"
        raise _error(f"{src}: [model] the {task} task takes zoo = {want!r}{alt}; got {got}")
    if zoo is None:
        return
    import inspect

    from .. import models

    args = model.get("args", {})
    params = inspect.signature(getattr(models, zoo)).parameters
    classes = SHAPES_CLASSES if task == "segmentation" else SHAPES_CLASSES - 1
    for key, need, what in (("in_channels", 1, "grey images"), ("num_classes", classes, "")):
        got = args.get(key, params[key].default)
        if got != need:
            what = what or (
                "background, circle, square, triangle"
                if task == "segmentation"
                else "circle, square, triangle"
            )
            given = "" if key in args else f" ({zoo}'s default)"
            raise _error(
                f"{src}: [model] args {key} must be {need} for the shapes data ({what}), "
                f"got {got}{given}"
            )
    size = shapes_value(data, "size")
    step = 2 ** args.get("depth", 3) if zoo == "UNet" else 4
    if size % step:
        raise _error(
            f"{src}: [data] size = {size} must be a multiple of {step} for {zoo} "
            f"({'2**depth' if zoo == 'UNet' else 'its output stride'}); e.g. {size - size % step + step}"
        )


def _check_training(training: dict[str, Any], task: str | None, src: str) -> None:
    from ..nn import loss_names as LN

    loss = training.get("loss")
    name = loss.get("name") if isinstance(loss, dict) else loss
    if task in DENSE_TASKS:
        fits = name is None or (
            name == TASK_LOSS[task]
            if task == "detection"
            else name in LN.names() and LN.resolve(name)[0] is LN.resolve("cross_entropy")[0]
        )
        if not fits:
            raise _error(
                f"{src}: [training] loss {name!r} does not fit the {task} task; it trains with "
                f"{TASK_LOSS[task]!r}"
                + (" (per-pixel cross entropy)" if task == "segmentation" else " (CenterNet's)")
            )
    elif name in RECIPE_LOSSES:
        raise _error(
            f"{src}: [training] loss {name!r} is the detection task's (CenterNet's); "
            f"task {task!r} takes a loss of deepgrad.nn"
        )
    metrics = training.get("metrics", [])
    valid = TASK_METRICS.get(task or "")
    for m in [metrics] if isinstance(metrics, str) else metrics:
        owner = next((t for t, ms in TASK_METRICS.items() if m in ms), None)
        if valid is not None and m not in valid:
            raise _error(
                f"{src}: [training] metrics: {m!r} does not apply to the {task} task; it "
                f"reports {', '.join(repr(v) for v in valid)}"
            )
        if valid is None and owner is not None:
            raise _error(
                f"{src}: [training] metrics: {m!r} is a {owner} metric; it needs [data] name = "
                f"'shapes' with task = {owner!r}, got task = {task!r}"
            )


def check(recipe: dict[str, Any], source: str) -> None:
    """Refuse sections that do not fit the recipe's task (see the module's table); ``recipe``
    has passed the per-section checks."""
    data = recipe.get("data", {})
    task = task_of(data)
    _check_data(data, task, source)
    _check_model(recipe.get("model", {}), data, task, source)
    _check_training(recipe.get("training", {}), task, source)
    if task in DENSE_TASKS and recipe.get("augment"):
        raise _error(
            f"{source}: [augment] does not apply to the {task} task: its transforms move the "
            "images but not their masks or boxes; remove the section"
        )
