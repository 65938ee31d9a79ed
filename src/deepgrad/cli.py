"""The ``deepgrad`` command: ``train | evaluate | predict | summary | lab | bench``.

``deepgrad train [RECIPE.toml]`` trains what a recipe describes (see
:mod:`deepgrad.app.recipe`; without one, a small CNN on the bundled digits) and writes the
model, its history and plots into ``--out`` (default ``runs/<recipe name>``);
``deepgrad train --help-recipe`` prints the recipe reference. ``python -m deepgrad`` is the
same command.

Every subcommand reports a problem the same way: one line ``deepgrad CMD: what is wrong`` on
standard error, exit status 2.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np


class CLIError(Exception):
    """A problem the command reports as ``deepgrad CMD: message`` (exit status 2)."""


def _train(args: argparse.Namespace) -> int:
    from .app import recipe as R

    if args.help_recipe:
        from .app import recipe_schema

        print(recipe_schema.reference())
        return 0
    recipe = R.load_recipe(args.recipe)
    out = Path(args.out or Path("runs") / recipe.get("name", "run"))
    print_fn = print
    from .distributed.comm import launched_by_mpi

    if launched_by_mpi() > 1:  # `mpirun -n N deepgrad train`: data-parallel, rank 0 reports
        from . import distributed

        if not distributed.init().is_main:
            print_fn = lambda *a, **k: None  # noqa: E731
    R.run(recipe, out, epochs=args.epochs, verbose=args.verbose, print_fn=print_fn)
    return 0


def _model_path(arg: str) -> Path:
    """The model file a command names: the path itself, or ``model.dg`` in a run folder that
    ``deepgrad train`` wrote (``deepgrad predict runs/NAME data.csv``)."""
    path = Path(arg)
    if path.is_dir() and (path / "model.dg").is_file():
        return path / "model.dg"
    return path


def _load_model_file(model_path: Path, *, compile: bool) -> Any:  # noqa: A002
    """The model in ``model_path``, checked before anything else is read."""
    import warnings

    from . import load_model

    if not model_path.is_file():
        hint = " (a folder without model.dg)" if model_path.is_dir() else ""
        raise CLIError(f"no model file at {str(model_path)!r}{hint}")
    with warnings.catch_warnings():  # a custom loss: loaded uncompiled, said where it matters
        warnings.simplefilter("ignore")
        return load_model(model_path, compile=compile)


def _data_spec(model: Any, model_path: Path) -> tuple[dict[str, Any], str]:
    """The ``[data]`` section that trained ``model`` and where it was read: the model file's
    own record, else (models written before files held it) ``recipe.json`` beside it."""
    pre = getattr(model, "preprocessing", None)
    if pre is not None and pre.data is not None:
        return pre.data, "the model file's record"
    recipe_file = model_path.parent / "recipe.json"
    if not recipe_file.is_file():
        raise CLIError(
            f"{model_path} does not record its training data, and {recipe_file} is not there "
            "— evaluate needs the recipe that trained the model; pass --recipe FILE"
        )
    return _recipe_data(recipe_file), str(recipe_file)


def _sidecar(path: Path) -> Any:
    """The JSON of a file beside a model (checked: UTF-8, depth, duplicate keys)."""
    from .io.safe_read import ModelFileError, read_json

    try:
        return read_json(path.read_bytes(), str(path))
    except ModelFileError as e:
        raise CLIError(str(e)) from None


def _recipe_data(recipe_file: Path) -> dict[str, Any]:
    """The ``[data]`` table of the ``recipe.json`` beside a model."""
    recipe = _sidecar(recipe_file)
    data = recipe.get("data", {}) if isinstance(recipe, dict) else None
    if not isinstance(data, dict):
        raise CLIError(f"{recipe_file} must hold a JSON object with a 'data' table")
    return data


def _evaluate(args: argparse.Namespace) -> int:
    from .app import recipe as R

    model_path = _model_path(args.model)
    model = _load_model_file(model_path, compile=True)  # the model file first
    if args.recipe:
        data_spec, source = R.load_recipe(args.recipe).get("data", {}), args.recipe
    else:
        data_spec, source = _data_spec(model, model_path)
    ds = R.load_data(data_spec)
    results = model.evaluate(
        ds["x_test"], ds["y_test"], batch_size=256, verbose=0, return_dict=True
    )
    name = data_spec.get("name", "digits")
    if name == "shapes":  # segmentation, detection: the task's metrics on masks or boxes
        from .app import dense_tasks

        results.update(dense_tasks.evaluate(model, ds).metrics)
        how = f"{ds['task']}, held-out images generated with seed {data_spec.get('seed', 0)} + 1000"
    elif name in ("fashion-mnist", "mnist"):
        how = "its own test split"
    else:
        how = f"test_size {data_spec.get('test_size', 0.25)}, seed {data_spec.get('seed', 0)}"
    print(
        f"deepgrad evaluate: {model_path} on the test part of {name!r} ({len(ds['x_test'])} "
        f"samples; {how}; data as in {source})"
    )
    for k, v in results.items():
        print(f"{k}: {v:.4f}")
    return 0


def _preprocessing(model: Any, model_path: Path) -> Any:
    """What turns ``predict``'s raw inputs into the model's: the model file's own record; else
    an old run's ``preprocessing.json`` beside it; else ``None``, after saying so (stderr), or
    refusing when the recipe beside it says the inputs were scaled."""
    from .data import Preprocessing

    pre = getattr(model, "preprocessing", None)
    if isinstance(pre, Preprocessing):
        return pre
    sidecar = model_path.parent / "preprocessing.json"
    if sidecar.is_file():
        from .io.transformers import check_pairing, preprocessing_from_legacy

        pre = preprocessing_from_legacy(_sidecar(sidecar), str(sidecar))
        check_pairing(model, pre, f"{sidecar} beside {model_path}")
        return pre
    recipe_file = model_path.parent / "recipe.json"
    if recipe_file.is_file():
        data = _recipe_data(recipe_file)
        if data.get("scale", "standard") != "none":
            raise CLIError(
                f"{model_path} was trained by a recipe that scales its inputs "
                f"(scale = {data.get('scale', 'standard')!r}), but neither the model file nor a "
                "preprocessing.json beside it holds the fitted scaler; predictions on raw inputs "
                "would be wrong. Retrain the model with this deepgrad (its file then holds the "
                "scaler), or put the run's preprocessing.json beside it"
            )
    print(
        f"deepgrad predict: warning: {model_path} records no preprocessing; inputs are used as "
        "given. If the model was trained on scaled or imputed data, these predictions are wrong",
        file=sys.stderr,
    )
    return None


#: the names of an .npz's inputs, read before its first array (which may be its labels)
_NPZ_INPUT_NAMES = ("x", "X", "inputs", "input", "images", "features", "data", "x_test")


def _load_input(
    path: Path,
    features: list[str] | None = None,
    delimiter: str | None = ",",
    categories: dict[str, list[str]] | None = None,
) -> np.ndarray:
    """Inputs for ``predict``: a ``.npy``/``.npz`` array, or a CSV — by column name when
    the model was trained on a CSV (``features``: its feature columns; other columns, such as
    the target, are ignored; ``categories``: the categorical ones, one-hot as in training),
    else every column, with or without a header row; its fields separated as the training
    CSV's were (``delimiter``; ``None``: whitespace)."""
    if not path.is_file():
        raise CLIError(f"input file {path} does not exist")
    if path.suffix in (".npy", ".npz"):
        from .io.safe_read import ModelFileError, read_npy, read_npz_first
        from .io.serialization import MAX_ENTRY_BYTES

        try:  # checked before any array is made: no pickles, no more than the file holds
            if path.suffix == ".npy":
                return read_npy(path.read_bytes(), path)
            return read_npz_first(path, MAX_ENTRY_BYTES, prefer=_NPZ_INPUT_NAMES)
        except ModelFileError as e:
            raise CLIError(str(e)) from None
    if path.suffix in (".csv", ".txt"):
        from . import data as D

        with open(path, "rb") as f:  # (load_csv refuses text that is not UTF-8, naming it)
            first = f.readline(2**20).decode("utf-8-sig", errors="replace").split(delimiter)
        try:
            [float(v) for v in first if v.strip()]
            header = False
        except ValueError:
            header = True
        if categories and not header:
            raise CLIError(
                f"{path}: the model reads the categorical column(s) {sorted(categories)} by "
                f"name; give the CSV a header row naming its columns ({', '.join(features or [])})"
            )
        try:
            if features is not None and header:
                cats = categories or None
                return D.load_csv(path, columns=features, delimiter=delimiter, categorical=cats).x
            return D.load_csv(path, header=header, delimiter=delimiter).x
        except (ValueError, KeyError) as e:
            raise CLIError(str(e)) from None
    raise CLIError(f"expected a .npy, .npz or .csv input, got {path.name}")


#: recipe data sets of images read as float32 in [0, 1]: predict scales uint8 pixels alike
_UNIT_IMAGE_SETS = ("digits", "mnist", "fashion-mnist")


def _width(pre: Any) -> str:
    """The features per sample the first fitted step takes (``?`` where it does not say)."""
    n = getattr(pre.steps[0][1], "n_features_in_", None) if pre.steps else None
    return "?" if n is None else str(n)


def _scaled_pixels(x: np.ndarray, pre: Any) -> np.ndarray:
    """uint8 pixels (0..255) in [0, 1], for a model trained on a recipe's images read so
    (digits, MNIST, Fashion-MNIST); any other input as it is."""
    data = pre.data if pre is not None and isinstance(pre.data, dict) else {}
    if x.dtype == np.uint8 and data.get("name") in _UNIT_IMAGE_SETS:
        return x.astype(np.float32) / np.float32(255.0)
    return x


def _as_model_samples(x: np.ndarray, model: Any, path: Path) -> np.ndarray:
    """``predict``'s (preprocessed) inputs as the model took its training samples: the
    per-sample shape recorded when it was trained, where the input leaves out nothing but a
    one-channel axis (``(N, H, W)`` for ``(N, 1, H, W)``). Any other shape is refused, naming
    both, never transposed: ``(N, H, W, C)`` is not guessed into ``(N, C, H, W)``."""
    from .io.serialization import input_spec

    spec = input_spec(model)
    want = tuple(spec["shape"]) if spec else None
    if want is None or x.ndim == 0 or tuple(x.shape[1:]) == want:
        return x
    got = tuple(x.shape[1:])
    if len(want) >= 2 and want[0] == 1 and got == want[1:]:
        return x[:, None]  # (N, H, W) -> (N, 1, H, W): one channel, nothing else to guess
    hint = ""
    if len(got) == len(want) and sorted(got) == sorted(want):
        hint = (
            " (the same sizes in another order: channels last? move the axes yourself, e.g. "
            "x.transpose(0, 3, 1, 2) for (N, H, W, C) -> (N, C, H, W); predict does not guess)"
        )
    elif int(np.prod(got)) == int(np.prod(want)):
        hint = f" (as many values per sample: reshape them, x.reshape(len(x), *{want}))"
    raise CLIError(
        f"{path.name}: the model takes samples of shape {want} (recorded when it was trained), "
        f"so inputs of shape (N, {', '.join(map(str, want))}); the file holds {x.shape}{hint}"
    )


def _csv_reading(pre: Any) -> tuple[list[str] | None, str | None, dict[str, list[str]] | None]:
    """The feature columns, the field separator and the categorical columns' categories of
    the CSV a model was trained on."""
    if pre is None:
        return None, ",", None
    spec = pre.data if isinstance(pre.data, dict) else {}
    delimiter = spec.get("delimiter", ",") if spec.get("name") == "csv" else ","
    return pre.features, None if delimiter == "whitespace" else delimiter, pre.categories


def _probabilities(out: np.ndarray, loss: Any) -> np.ndarray:
    """Class probabilities from a model's outputs, by what its loss says they are: softmax of
    logits, sigmoid of binary logits, exp of log-probabilities; a single binary column
    becomes two, ``[1 - p, p]``, so that every row sums to 1."""
    from .nn.loss_names import name_of, output_kind

    kind = output_kind(loss) if loss is not None else None
    if kind is None:
        raise CLIError(
            "--proba: the model file does not record a deepgrad loss, so whether its outputs "
            "are logits or probabilities is unknown; leave out --proba to print raw outputs"
        )
    if kind == "values":
        raise CLIError(
            f"--proba: the model was trained with loss {name_of(loss)!r}, whose outputs are "
            "values, not class scores; leave out --proba"
        )
    x = out.astype(np.float64)
    if kind == "logits":
        x = np.exp(x - x.max(axis=-1, keepdims=True))
        p = x / x.sum(axis=-1, keepdims=True)
    elif kind == "binary_logits":
        p = 1.0 / (1.0 + np.exp(-x))
    elif kind == "log_probabilities":
        p = np.exp(x)
    else:  # already probabilities
        p = x
    if p.ndim == 2 and p.shape[1] == 1:
        p = np.concatenate([1.0 - p, p], axis=1)
    return p


def _predict(args: argparse.Namespace) -> int:
    from .train.compiled import _KEY

    model_path = _model_path(args.model)
    model = _load_model_file(model_path, compile=True)
    compiled = model.__dict__.get(_KEY)
    loss = compiled.loss if compiled is not None else None
    pre = _preprocessing(model, model_path)
    if pre is not None and pre.task in ("segmentation", "detection"):
        what = "class scores per pixel" if pre.task == "segmentation" else "box maps to decode"
        raise CLIError(
            f"{model_path} was trained for the {pre.task} task ({what}); predict prints a class "
            "or values per sample and cannot show masks or boxes. Use `deepgrad evaluate "
            f"{model_path}` for its metrics, or in Python dg.load_model(...).predict(x) (then "
            "argmax over the classes, or deepgrad.models.detector.decode)"
        )
    x = _load_input(Path(args.input), *_csv_reading(pre))
    x = _scaled_pixels(x, pre)
    if pre is not None:
        try:
            x = pre.transform(x)
        except ValueError as e:  # scikit-learn's "X has 3 features, but ... expecting 2"
            cols = f" (the columns {pre.features})" if pre.features else ""
            raise CLIError(
                f"{Path(args.input).name}: {e} The model was trained on {_width(pre)} "
                f"feature(s) per sample{cols}"
            ) from None
    x = _as_model_samples(x, model, Path(args.input))
    out = model.predict(x.astype(np.float32), batch_size=256)
    if args.proba:
        result = _probabilities(out, loss)
    elif out.ndim != 2 or out.shape[1] == 1:
        result = out
    else:
        result = out.argmax(axis=1)
        if pre is not None and pre.classes is not None:  # class names, e.g. a CSV's labels
            if len(pre.classes) != out.shape[1]:
                raise CLIError(
                    f"{model_path} names {len(pre.classes)} classes, but the model gives "
                    f"{out.shape[1]} scores per sample: its record and its layers do not belong "
                    "together"
                )
            result = pre.class_names(result)
    if args.output:
        fmt = "%s" if result.dtype.kind in "US" else "%.6g"
        from .io import atomic_write

        atomic_write(  # a failed or killed write leaves the old file, not half the rows
            args.output,
            lambda f: np.savetxt(f, np.atleast_2d(result.T).T, delimiter=",", fmt=fmt),
        )
        print(f"wrote {len(result)} predictions to {args.output}")
    else:
        for row in np.atleast_1d(result):
            print(row if np.ndim(row) == 0 else ",".join(f"{v:.6g}" for v in np.ravel(row)))
    return 0


def _summary(args: argparse.Namespace) -> int:
    from .app import recipe as R

    path = _model_path(args.target)
    if not path.is_file():
        raise CLIError(f"no model or recipe file at {str(path)!r}")
    if path.suffix in (".toml", ".json"):
        recipe = R.load_recipe(path)
        model = R.build_model(recipe["model"])
        ds = R.load_data({**recipe.get("data", {}), "subset": 2, "test_subset": 2})
        model.summary(input_shape=ds["x_train"].shape[1:])
    else:
        model = _load_model_file(path, compile=False)
        model.summary()
    return 0


def _lab(argv: list[str]) -> int:
    from . import lab

    return int(lab.main(argv) or 0)


def _bench(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[2]
    if not (root / "benchmarks" / "suite.py").is_file():
        print(
            "deepgrad bench: the benchmark suite lives in the repository's benchmarks/ folder; "
            "run it from a checkout of deepgrad",
            file=sys.stderr,
        )
        return 2
    env = dict(
        os.environ,
        PYTHONPATH=f"{root / 'src'}{os.pathsep}{root}",
        DEEPGRAD_BENCH_PROG="deepgrad bench",
    )
    return subprocess.call([sys.executable, "-m", "benchmarks", *argv], cwd=root, env=env)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive whole number, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value}")
    return value


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "lab":  # the lab and the bench parse their own options
        return _lab(argv[1:])
    if argv and argv[0] == "bench":
        return _bench(argv[1:])
    p = argparse.ArgumentParser(prog="deepgrad", description=__doc__.split("\n\n")[0])
    p.add_argument("--version", action="version", version=f"deepgrad {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train what a recipe describes (default: CNN on digits)")
    t.add_argument("recipe", nargs="?", help="a .toml or .json recipe (see examples/)")
    t.add_argument("--out", help="output folder (default runs/<recipe name>)")
    t.add_argument("--epochs", type=_positive_int, help="override the recipe's epochs")
    t.add_argument(
        "--verbose",
        default=None,
        help="0 silent, 1 progress bar, 2 one line/epoch (default: the recipe's, else auto)",
    )
    t.add_argument(
        "--help-recipe",
        action="store_true",
        help="print the recipe reference (sections, keys, types, defaults) and exit",
    )
    e = sub.add_parser("evaluate", help="evaluate a saved model on its recipe's test set")
    e.add_argument("model", help="a model file, or the run folder holding model.dg")
    e.add_argument("--recipe", help="the recipe (default: recipe.json beside the model)")
    pr = sub.add_parser(
        "predict",
        help="predict for inputs in a .npy/.npz/.csv file",
        description="Predict for raw inputs: the model file's preprocessing (imputer, scaler) "
        "is applied and classes are printed by their names. Arrays are read as the model's "
        "training samples: (N, H, W) for a one-channel (N, 1, H, W) model gains its channel "
        "axis, uint8 pixels are scaled to [0, 1] for a model trained on digits/MNIST/"
        "Fashion-MNIST, and any other shape (channels last, flat) is refused, never "
        "transposed.",
    )
    pr.add_argument("model", help="a model file, or the run folder holding model.dg")
    pr.add_argument("input", help="a .npy/.npz array, or a CSV (by column name)")
    pr.add_argument("--output", help="write predictions as CSV here")
    pr.add_argument(
        "--proba",
        action="store_true",
        help="print class probabilities (rows sum to 1), not classes",
    )
    s = sub.add_parser("summary", help="layers, output shapes and parameter counts")
    s.add_argument("target", help="a saved model (or its run folder) or a recipe")
    sub.add_parser("lab", help="the guides' experiments: deepgrad lab --help")
    sub.add_parser("bench", help="the benchmark suite: deepgrad bench --help")
    args = p.parse_args(argv)
    if isinstance(getattr(args, "verbose", None), str) and args.verbose.isdigit():
        args.verbose = int(args.verbose)
    handlers = {"train": _train, "evaluate": _evaluate, "predict": _predict, "summary": _summary}
    try:
        return handlers[args.command](args)
    except (CLIError, OSError, ValueError) as e:
        print(f"deepgrad {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
