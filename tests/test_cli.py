"""The ``deepgrad`` command and its recipes: the main job, evaluate, predict, summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli
from deepgrad.app import recipe as R

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert cli.main(["train", "--out", str(out), "--epochs", "3", "--verbose", "0"]) == 0
    return out


def test_default_train_writes_model_history_metrics_and_plots(trained):
    for name in (
        "model.dg",
        "history.csv",
        "history.json",
        "metrics.json",
        "recipe.json",
        "training_curves.png",
        "confusion_matrix.png",
    ):
        assert (trained / name).is_file(), name
    metrics = json.loads((trained / "metrics.json").read_text())
    assert metrics["epochs"] == 3
    assert metrics["accuracy"] > 0.5  # three epochs of a CNN on digits: well above chance
    history = json.loads((trained / "history.json").read_text())
    assert len(history["loss"]) == 3 and "val_accuracy" in history
    assert (trained / "training_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_reproduces_the_test_metrics(trained, capsys):
    assert cli.main(["evaluate", str(trained / "model.dg")]) == 0
    out = capsys.readouterr().out
    acc = float(out.split("accuracy:")[1].split()[0])
    saved = json.loads((trained / "metrics.json").read_text())["accuracy"]
    assert acc == pytest.approx(saved, abs=1e-4)


def test_predict_from_npy_and_csv(trained, tmp_path, capsys):
    from deepgrad.data import load_digits

    x, y = load_digits()
    np.save(tmp_path / "x.npy", x[:20])
    assert cli.main(["predict", str(trained / "model.dg"), str(tmp_path / "x.npy")]) == 0
    printed = [int(v) for v in capsys.readouterr().out.split()]
    assert len(printed) == 20 and all(0 <= v < 10 for v in printed)
    assert np.mean(np.array(printed) == y[:20]) > 0.5
    out_csv = tmp_path / "pred.csv"
    cli.main(["predict", str(trained / "model.dg"), str(tmp_path / "x.npy"), "--output", str(out_csv), "--proba"])  # fmt: skip
    assert np.loadtxt(out_csv, delimiter=",").shape == (20, 10)


def test_the_run_folder_stands_for_its_model_file(trained, tmp_path, capsys):
    """``deepgrad predict runs/NAME data`` (the folder train wrote) reads its model.dg."""
    from deepgrad.data import load_digits

    np.save(tmp_path / "x.npy", load_digits()[0][:5])
    assert cli.main(["predict", str(trained / "model.dg"), str(tmp_path / "x.npy")]) == 0
    by_file = capsys.readouterr().out
    assert cli.main(["predict", str(trained), str(tmp_path / "x.npy")]) == 0
    assert capsys.readouterr().out == by_file
    assert cli.main(["evaluate", str(trained)]) == 0
    assert "accuracy:" in capsys.readouterr().out
    assert cli.main(["summary", str(trained)]) == 0
    assert "Conv2d" in capsys.readouterr().out
    assert cli.main(["predict", str(tmp_path), str(tmp_path / "x.npy")]) != 0
    assert "a folder without model.dg" in capsys.readouterr().err


def test_summary_of_model_and_recipe(trained, capsys):
    assert cli.main(["summary", str(trained / "model.dg")]) == 0
    assert "Conv2d" in capsys.readouterr().out
    assert cli.main(["summary", str(ROOT / "examples" / "digits_lstm.toml")]) == 0
    out = capsys.readouterr().out
    assert "LSTM" in out and "Total params" in out


@pytest.mark.parametrize("name", ["digits_cnn", "diabetes_mlp", "digits_lstm"])
def test_example_recipes_run(name, tmp_path):
    recipe = R.load_recipe(ROOT / "examples" / f"{name}.toml")
    recipe["data"]["subset"] = 200
    results = R.run(recipe, tmp_path, epochs=1, verbose=0, print_fn=lambda s: None)
    assert results["epochs"] == 1 and np.isfinite(results["loss"])
    assert (tmp_path / "model.dg").is_file()


def test_regression_recipe_keeps_preprocessing_for_predict(tmp_path, capsys):
    recipe = R.load_recipe(ROOT / "examples" / "diabetes_mlp.toml")
    R.run(recipe, tmp_path, epochs=2, verbose=0, print_fn=lambda s: None)
    pre = dg.load_model(tmp_path / "model.dg").preprocessing
    assert [type(t).__name__ for _, t in pre.steps] == ["StandardScaler"]
    assert not (tmp_path / "preprocessing.json").exists()  # the model file holds it
    from deepgrad.data import load_diabetes

    x, _ = load_diabetes()
    np.savetxt(tmp_path / "x.csv", x[:4], delimiter=",")
    assert cli.main(["predict", str(tmp_path / "model.dg"), str(tmp_path / "x.csv")]) == 0
    values = [float(v) for v in capsys.readouterr().out.split()]
    assert len(values) == 4 and all(np.isfinite(values))


IRIS = (
    '[data]\nname = "iris"\n[model]\nlayers = [{type = "Linear", args = [4, 16]}, '
    '{type = "ReLU"}, {type = "Linear", args = [16, 3]}]\n[optimizer]\nname = "adam"\n'
    "lr = 0.02\n[training]\nepochs = 25\nbatch_size = 16\n"
)


def test_the_model_file_alone_predicts_as_the_run_did(tmp_path, capsys):
    """An iris model copied alone elsewhere predicts the same classes as in its run folder:
    the fitted scaler travels inside model.dg (it once lived in preprocessing.json beside it,
    and the copy silently predicted `2 2 2 2 2` for `0 0 0 0 0`)."""
    from deepgrad.data import load_iris

    recipe = tmp_path / "iris.toml"
    recipe.write_text(IRIS)
    run = tmp_path / "run"
    assert cli.main(["train", str(recipe), "--out", str(run), "--verbose", "0"]) == 0
    x, y = load_iris()
    np.save(tmp_path / "x.npy", x[::10])
    capsys.readouterr()
    assert cli.main(["predict", str(run / "model.dg"), str(tmp_path / "x.npy")]) == 0
    in_run = capsys.readouterr().out.split()
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    (alone / "model.dg").write_bytes((run / "model.dg").read_bytes())
    assert cli.main(["predict", str(alone / "model.dg"), str(tmp_path / "x.npy")]) == 0
    captured = capsys.readouterr()
    assert captured.out.split() == in_run and captured.err == ""
    assert np.mean(np.array(in_run, int) == y[::10]) > 0.85
    assert cli.main(["evaluate", str(alone / "model.dg")]) == 0  # the data spec travels too
    assert "accuracy:" in capsys.readouterr().out


def test_predict_refuses_class_names_that_do_not_fit_the_outputs(tmp_path, capsys):
    """A record naming 2 classes on a model with 3 outputs: an IndexError from NumPy."""
    from deepgrad.data import Preprocessing

    model = dg.nn.Sequential(dg.nn.Linear(2, 3))
    model.compile("adam", "cross_entropy")
    model.preprocessing = Preprocessing([], classes=["x", "y"], task="classification")
    model.save(tmp_path / "m.dg")
    np.save(tmp_path / "x.npy", np.ones((2, 2), np.float32))
    assert cli.main(["predict", str(tmp_path / "m.dg"), str(tmp_path / "x.npy")]) == 2
    assert "names 2 classes, but the model gives 3 scores per sample" in capsys.readouterr().err


def test_old_run_folders_and_files_without_preprocessing(tmp_path, capsys):
    """A model file written before files held their preprocessing: its run's
    preprocessing.json is still read; without it, predict says what is missing, and refuses
    when the recipe beside it says the inputs were scaled."""
    from deepgrad.data import StandardScaler, load_iris

    recipe = tmp_path / "iris.toml"
    recipe.write_text(IRIS.replace("epochs = 25", "epochs = 2"))
    run = tmp_path / "run"
    assert cli.main(["train", str(recipe), "--out", str(run), "--verbose", "0"]) == 0
    model = dg.load_model(run / "model.dg")
    sc = model.preprocessing.steps[0][1]
    del model.preprocessing
    model.save(run / "model.dg")  # as an old run wrote it: no preprocessing inside
    x, _ = load_iris()
    np.save(tmp_path / "x.npy", x[:5])
    capsys.readouterr()
    assert cli.main(["predict", str(run / "model.dg"), str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepgrad predict: ")
    assert "neither the model file nor a preprocessing.json" in err
    assert isinstance(sc, StandardScaler)
    state = {"class": "StandardScaler", "with_mean": True, "with_std": True, "n_features_in_": 4}
    state.update({k: getattr(sc, k).tolist() for k in ("mean_", "var_", "scale_")})
    legacy = {"scaler": {"kind": "standard", "state": state}}  # as older runs wrote it
    (run / "preprocessing.json").write_text(json.dumps(legacy))
    assert cli.main(["predict", str(run / "model.dg"), str(tmp_path / "x.npy")]) == 0
    expected = model.predict(sc.transform(x[:5]).astype(np.float32)).argmax(1)
    assert capsys.readouterr().out.split() == [str(v) for v in expected]
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "model.dg").write_bytes((run / "model.dg").read_bytes())
    assert cli.main(["predict", str(alone / "model.dg"), str(tmp_path / "x.npy")]) == 0
    assert "records no preprocessing; inputs are used as given" in capsys.readouterr().err


def test_bad_recipes_give_clear_errors(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[model]\nzoo = "NoSuchNet"\n')
    assert cli.main(["train", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "unknown zoo model 'NoSuchNet'" in capsys.readouterr().err
    bad.write_text('[data]\nname = "cifar100"\n[model]\nzoo = "MLP"\n')
    assert cli.main(["train", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "unknown dataset 'cifar100'" in capsys.readouterr().err
    bad.write_text("[data]\nname = \n")
    assert cli.main(["train", str(bad)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert cli.main(["train", str(tmp_path / "missing.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad.write_text('[model]\nlayers = [{type = "Linear", args = [4]}]\n')
    with pytest.raises(
        R.RecipeError,
        match=r"\[model\] layers\[0\] \(Linear\): missing a required argument: 'out_features'",
    ):
        R.load_recipe(bad)


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "deepgrad"
    if not exe.exists():
        pytest.skip("the deepgrad console script is not installed in this environment")
    r = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "train" in r.stdout


def test_digits_cnn_example_is_the_default_recipe():
    example = R.load_recipe(ROOT / "examples" / "digits_cnn.toml")
    assert {k: v for k, v in example.items() if k != "name"} == {
        k: v for k, v in R.DEFAULT_RECIPE.items() if k != "name"
    }


def test_recipe_loss_with_options(tmp_path, capsys):
    """``[training] loss`` may be a table: the loss module's options (label smoothing here)."""
    loss = R.build_loss({"name": "cross_entropy", "label_smoothing": 0.1})
    assert type(loss).__name__ == "CrossEntropyLoss" and loss.label_smoothing == 0.1
    assert type(R.build_loss("mse")).__name__ == "MSELoss"
    with pytest.raises(R.RecipeError, match=r"unknown option\(s\) \['smoothing'\]"):
        R.build_loss({"name": "cross_entropy", "smoothing": 0.1})
    with pytest.raises(R.RecipeError, match="needs a name"):
        R.build_loss({"label_smoothing": 0.1})
    with pytest.raises(R.RecipeError, match="unknown loss 'xent'"):
        R.build_loss("xent")
    recipe = R.load_recipe(ROOT / "examples" / "digits_cnn.toml")
    recipe["data"]["subset"] = 200
    recipe["training"]["loss"] = {"name": "cross_entropy", "label_smoothing": 0.2}
    results = R.run(recipe, tmp_path, epochs=1, verbose=0, print_fn=lambda s: None)
    assert np.isfinite(results["loss"])
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[model]\nlayers = [{type = "Flatten"}, {type = "Linear", args = [64, 10]}]\n'
        '[training]\nloss = {name = "mse", beta = 2}\n'
    )
    assert cli.main(["train", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert (
        "[training] loss (mse): unknown option 'beta'. It takes: reduction"
        in capsys.readouterr().err
    )


def _csv_recipe(tmp_path: Path, rows: list[str], *, inputs: int, epochs: int, data: str = ""):
    """``table.csv`` of ``rows`` and a recipe ``csv.toml`` training a small MLP (``inputs`` →
    16 → 2, Adam) on it, its target the ``label`` column; ``data``: more ``[data]`` keys."""
    table = tmp_path / "table.csv"
    table.write_text("\n".join(rows) + "\n")
    recipe = tmp_path / "csv.toml"
    recipe.write_text(
        f'[data]\nname = "csv"\npath = "{table}"\ntarget = "label"\n{data}'
        f'[model]\nlayers = [{{type = "Linear", args = [{inputs}, 16]}}, {{type = "ReLU"}}, '
        '{type = "Linear", args = [16, 2]}]\n'
        f'[optimizer]\nname = "adam"\nlr = 0.02\n[training]\nepochs = {epochs}\nbatch_size = 16\n'
    )
    return recipe


def test_csv_recipe_with_text_labels_and_gaps_then_predict_by_column_name(tmp_path, capsys):
    """A CSV whose target holds text labels is a classification task (classes in sorted
    order); missing cells are filled with the training medians, in training and in
    ``deepgrad predict``, which reads a CSV by column name and prints the class names."""
    rng = np.random.default_rng(0)
    n = 120
    a, b = rng.normal(size=n), rng.normal(size=n)
    label = np.where(a + b > 0, "yes", "no")
    rows = ["a,b,label"] + [
        f"{'' if i % 17 == 0 else f'{x:.4f}'},{y:.4f},{lab}"
        for i, (x, y, lab) in enumerate(zip(a, b, label))
    ]
    recipe = _csv_recipe(tmp_path, rows, inputs=2, epochs=30)
    out = tmp_path / "run"
    assert cli.main(["train", str(recipe), "--out", str(out), "--verbose", "0"]) == 0
    pre = dg.load_model(out / "model.dg").preprocessing  # inside the model file
    assert pre.classes == ["no", "yes"] and pre.features == ["a", "b"]
    assert [name for name, _ in pre.steps] == ["imputer", "scaler"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["accuracy"] > 0.85, metrics
    capsys.readouterr()
    new = tmp_path / "new.csv"  # other column order, a gap, no label column
    new.write_text("b,a\n2.0,2.0\n-2.0,-2.0\n-2.0,\n")
    assert cli.main(["predict", str(out / "model.dg"), str(new)]) == 0
    assert capsys.readouterr().out.split() == ["yes", "no", "no"]
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")
    assert cli.main(["predict", str(out / "model.dg"), str(bad)]) == 2
    assert "deepgrad predict: " in (err := capsys.readouterr().err)
    assert "feature column 'a' not found" in err
    assert cli.main(["predict", str(out / "model.dg"), str(tmp_path / "none.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    text = recipe.read_text()
    recipe.write_text(text.replace('target = "label"', 'target = "label"\ntask = "regression"'))
    assert cli.main(["train", str(recipe), "--out", str(tmp_path / "r2")]) == 2
    assert "holds text labels" in capsys.readouterr().err


def test_csv_recipe_with_a_categorical_column_then_predict(tmp_path, capsys):
    """``[data] categorical``: a text column one-hot encoded (a column per category seen); the
    model file records the categories, and predict encodes a new CSV by them, refusing one it
    never saw and reading an empty cell as none."""
    rng = np.random.default_rng(0)
    n = 240
    a = rng.normal(size=n)
    city = rng.choice(["oslo", "paris", "rome"], size=n)
    label = np.where(a + 2.5 * (city == "oslo") - 1.2 > 0, "yes", "no")
    rows = ["a,city,label"] + [f"{x:.4f},{c},{lab}" for x, c, lab in zip(a, city, label)]
    recipe = _csv_recipe(tmp_path, rows, inputs=4, epochs=40, data='categorical = ["city"]\n')
    out = tmp_path / "run"
    assert cli.main(["train", str(recipe), "--out", str(out)]) == 0
    assert "of 4 inputs (city: 3 categories)" in capsys.readouterr().out
    pre = dg.load_model(out / "model.dg").preprocessing
    assert pre.features == ["a", "city"] and pre.categories == {"city": ["oslo", "paris", "rome"]}
    assert pre.width() == 4
    assert json.loads((out / "metrics.json").read_text())["accuracy"] > 0.9
    new = tmp_path / "new.csv"  # other column order, no label; an empty city is none
    new.write_text("city,a\noslo,0.0\nrome,0.0\nparis,3.0\n,-3.0\n")
    assert cli.main(["predict", str(out), str(new)]) == 0
    assert capsys.readouterr().out.split() == ["yes", "no", "yes", "no"]
    unseen = tmp_path / "unseen.csv"
    unseen.write_text("a,city\n0.0,berlin\n")
    assert cli.main(["predict", str(out), str(unseen)]) == 2
    assert "'berlin'" in (err := capsys.readouterr().err) and "['oslo', 'paris', 'rome']" in err
    bare = tmp_path / "bare.csv"  # no header: the columns cannot be found by name
    bare.write_text("0.0,1.0,0.0,0.0\n")
    assert cli.main(["predict", str(out), str(bare)]) == 2
    assert "give the CSV a header row" in capsys.readouterr().err
    recipe.write_text(recipe.read_text().replace('categorical = ["city"]\n', ""))
    assert cli.main(["train", str(recipe), "--out", str(tmp_path / "r2")]) == 2
    assert "categorical=['city']" in capsys.readouterr().err  # the error names the way


def test_cli_argument_errors_and_version(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("deepgrad ")
    with pytest.raises(SystemExit) as e:
        cli.main(["train", "--epochs", "0"])
    assert (
        e.value.code == 2 and "expected a positive whole number, got 0" in capsys.readouterr().err
    )
    assert cli.main(["evaluate", str(tmp_path / "missing.dg")]) == 2
    assert "deepgrad evaluate: no model file at" in capsys.readouterr().err


def test_python_m_deepgrad_is_the_command():
    r = subprocess.run(
        [sys.executable, "-m", "deepgrad", "train", "--help-recipe"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "[training]" in r.stdout and "epochs  int  default: 10" in r.stdout
    assert "sparse_categorical_crossentropy" in r.stdout  # the loss table
    r = subprocess.run(
        [sys.executable, "-m", "deepgrad", "evaluate", "nowhere.dg"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and r.stderr.startswith("deepgrad evaluate: no model file at")


def test_predict_proba_prints_probabilities(trained, tmp_path, capsys):
    from deepgrad.data import load_digits

    x, _ = load_digits()
    np.save(tmp_path / "x.npy", x[:6])
    model = str(trained / "model.dg")
    assert cli.main(["predict", model, str(tmp_path / "x.npy"), "--proba"]) == 0
    rows = [[float(v) for v in ln.split(",")] for ln in capsys.readouterr().out.split()]
    p = np.asarray(rows)
    assert p.shape == (6, 10) and (p >= 0).all()
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-5)
    assert cli.main(["predict", model, str(tmp_path / "x.npy")]) == 0
    classes = [int(v) for v in capsys.readouterr().out.split()]
    assert classes == list(p.argmax(1))


def test_predict_proba_of_a_regression_model_is_refused(tmp_path, capsys):
    recipe = R.load_recipe(ROOT / "examples" / "diabetes_mlp.toml")
    R.run(recipe, tmp_path, epochs=1, verbose=0, print_fn=lambda s: None)
    np.save(tmp_path / "x.npy", np.zeros((2, 10), np.float32))
    assert (
        cli.main(["predict", str(tmp_path / "model.dg"), str(tmp_path / "x.npy"), "--proba"]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("deepgrad predict: --proba: the model was trained with loss 'mse'")


def test_binary_probabilities_have_two_columns_that_sum_to_one():
    from deepgrad import nn

    p = cli._probabilities(np.array([[0.0], [2.0]]), nn.loss.get("bce_with_logits"))
    np.testing.assert_allclose(p, [[0.5, 0.5], [1 - 1 / (1 + np.exp(-2)), 1 / (1 + np.exp(-2))]])
    p = cli._probabilities(np.array([[0.2, 0.8]]), nn.loss.get("categorical_crossentropy"))
    np.testing.assert_allclose(p, [[0.2, 0.8]])  # a softmax model's outputs, as they are
    p = cli._probabilities(np.log([[0.3, 0.7]]), nn.loss.get("nll"))
    np.testing.assert_allclose(p, [[0.3, 0.7]])


def test_evaluate_reads_the_model_file_first_and_says_what_it_scored(trained, tmp_path, capsys):
    broken = tmp_path / "model.dg"
    broken.write_bytes(b"not a model")  # no recipe.json beside it either
    assert cli.main(["evaluate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepgrad evaluate: ") and "recipe.json" not in err
    assert cli.main(["evaluate", str(trained / "model.dg")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        f"deepgrad evaluate: {trained / 'model.dg'} on the test part of 'digits'"
    )
    assert "(450 samples; test_size 0.25, seed 0; data as in the model file's record)" in out[0]


def test_every_subcommand_reports_errors_the_same_way(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[model]\nzoo = "LeNet5"\n[training]\nepcohs = 3\n')
    calls = {
        "train": ["train", str(bad)],
        "evaluate": ["evaluate", str(tmp_path / "none.dg")],
        "predict": ["predict", str(tmp_path / "none.dg"), str(tmp_path / "x.npy")],
        "summary": ["summary", str(tmp_path / "none.dg")],
    }
    for cmd, argv in calls.items():
        assert cli.main(argv) == 2, cmd
        err = capsys.readouterr().err
        assert err.startswith(f"deepgrad {cmd}: ") and err.count("\n") == 1, err
    assert cli.main(["train", str(bad)]) == 2
    assert "did you mean 'epochs'?" in capsys.readouterr().err


def test_train_header_counts_samples_and_early_stopping_says_what_it_did(tmp_path, capsys):
    recipe = {
        "name": "digits-mlp",
        "data": {"name": "digits", "flat": True, "subset": 100},
        "model": {"zoo": "MLP", "args": {"in_features": 64, "hidden": [16], "out_features": 10}},
        "training": {"epochs": 3, "validation_split": 0.1},
        "callbacks": {
            "early_stopping": {"patience": 0, "min_delta": 10.0, "restore_best_weights": True}
        },
    }
    lines = []
    R.run(recipe, tmp_path, verbose=2, print_fn=lines.append)
    # validation_split 0.1 of 100: the last 10 are held out, as fit does
    assert lines[0].startswith(
        "deepgrad train: digits-mlp — 90 training, 10 validation and 450 test samples; 3 epochs"
    )
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 1." in out
    # a silent run stays silent: its callbacks are built quiet
    ds = R.load_data(recipe["data"])
    cbs = R.prepare(recipe, ds, tmp_path, verbose=0).fit_kwargs["callbacks"]
    assert [cb.verbose for cb in cbs if type(cb).__name__ == "EarlyStopping"] == [0]


def test_predict_reads_npz_and_refuses_hostile_array_files(trained, tmp_path, capsys):
    import struct
    import zipfile

    from deepgrad.data import load_digits

    x, _ = load_digits()
    model = str(trained / "model.dg")
    np.save(tmp_path / "x.npy", x[:5])
    assert cli.main(["predict", model, str(tmp_path / "x.npy")]) == 0
    want = capsys.readouterr().out
    for save in (np.savez, np.savez_compressed):
        save(tmp_path / "x.npz", first=x[:5], other=np.zeros(3))
        assert cli.main(["predict", model, str(tmp_path / "x.npz")]) == 0
        assert capsys.readouterr().out == want
        # the inputs by name, not the labels saved before them
        save(tmp_path / "x.npz", y=np.zeros(5), x=x[:5])
        assert cli.main(["predict", model, str(tmp_path / "x.npz")]) == 0
        assert capsys.readouterr().out == want

    def refused(name: str, data: bytes, match: str) -> None:
        path = tmp_path / name
        path.write_bytes(data)
        assert cli.main(["predict", model, str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("deepgrad predict: ") and match in err, err

    # a header declaring 10^11 float64 over 16 bytes: refused, nothing allocated
    hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 100000), }"
    hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + bytes(16)
    refused("huge.npy", npy, "declares an array of shape (1000000, 100000)")
    # a truncated file, an object array (a pickle inside), not an array at all
    refused("short.npy", (tmp_path / "x.npy").read_bytes()[:-8], "truncated or corrupted")
    obj = tmp_path / "obj.npy"
    np.save(obj, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    refused("obj.npy", obj.read_bytes(), "object arrays")
    refused("text.npy", b"hello, world", "not a readable .npy array")
    # an .npz whose array inflates 1000x: refused before inflating
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        buf = np.zeros((4096, 1024), np.float32)
        with zf.open("x.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array(f, buf)
    refused("bomb.npz", bomb.read_bytes(), "zip bomb")


def test_csv_recipe_picks_its_feature_columns_and_leaves_a_text_column_out(tmp_path, capsys):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=100), rng.normal(size=100)
    rows = ["feat a,city,feat b,label"] + [
        f'{x:.4f},"Paris, FR",{y:.4f},{int(x + y > 0)}' for x, y in zip(a, b)
    ]
    data = tmp_path / "table.csv"
    data.write_text("\n".join(rows) + "\n")
    recipe = tmp_path / "csv.toml"
    body = (
        '[model]\nlayers = [{type = "Linear", args = [2, 8]}, {type = "ReLU"}, '
        '{type = "Linear", args = [8, 2]}]\n[training]\nepochs = 2\n'
    )
    recipe.write_text(f'[data]\nname = "csv"\npath = "{data}"\ntarget = "label"\n{body}')
    assert cli.main(["train", str(recipe), "--out", str(tmp_path / "r0"), "--verbose", "0"]) == 2
    assert "column 'city' is not numeric" in capsys.readouterr().err
    recipe.write_text(
        f'[data]\nname = "csv"\npath = "{data}"\ntarget = "label"\n'
        f'columns = ["feat b", "feat a"]\n{body}'
    )  # labels 0/1 are numbers: taken as a regression target, and the error says how to ask
    assert cli.main(["train", str(recipe), "--out", str(tmp_path / "r1"), "--verbose", "0"]) == 2
    assert 'set task = "classification" in [data]' in capsys.readouterr().err
    recipe.write_text(recipe.read_text().replace("columns =", 'task = "classification"\ncolumns ='))
    out = tmp_path / "r2"
    assert cli.main(["train", str(recipe), "--out", str(out), "--verbose", "0"]) == 0
    assert dg.load_model(out / "model.dg").preprocessing.features == ["feat b", "feat a"]


@pytest.mark.parametrize(
    ("sidecar", "text", "message"),
    [
        ("recipe.json", "[1]", "recipe.json must hold a JSON object with a 'data' table"),
        ("recipe.json", '{"data": 5}', "recipe.json must hold a JSON object with a 'data' table"),
        ("recipe.json", "[" * 100_000 + "]" * 100_000, "recipe.json nests deeper than"),
        ("recipe.json", '{"data": {}, "data": {}}', "'data' appears twice"),
        ("preprocessing.json", "[" * 100_000 + "]" * 100_000, "preprocessing.json nests deeper"),
    ],
)
def test_predict_with_hostile_files_beside_the_model(tmp_path, capsys, sidecar, text, message):
    """A model file without its scaler reads the files of an old run beside it: those were
    parsed unchecked (AttributeError, RecursionError tracebacks)."""
    model = dg.nn.Sequential(dg.nn.Linear(4, 3))
    model.compile("adam", "cross_entropy")
    model.save(tmp_path / "model.dg")
    np.save(tmp_path / "x.npy", np.ones((2, 4), np.float32))
    (tmp_path / sidecar).write_text(text)
    assert cli.main(["predict", str(tmp_path / "model.dg"), str(tmp_path / "x.npy")]) == 2
    assert message in capsys.readouterr().err


def _replaced(monkeypatch):
    """The names of the files written through a rename (an atomic write) from now on."""
    import os

    names = []
    real = os.replace

    def spy(src, dst, *args, **kwargs):
        names.append(Path(dst).name)
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    return names


def test_run_files_and_predictions_are_written_atomically(tmp_path, monkeypatch):
    """recipe.json, metrics.json, history.json and predict's --output were written in place: a
    killed run left a truncated recipe.json that evaluate and predict then read."""
    replaced = _replaced(monkeypatch)
    out = tmp_path / "run"
    assert cli.main(["train", "--out", str(out), "--epochs", "1", "--verbose", "0"]) == 0
    assert {"model.dg", "recipe.json", "metrics.json", "history.json"} <= set(replaced)
    np.save(tmp_path / "x.npy", dg.data.load_digits()[0][:3])
    cli.main(["predict", str(out / "model.dg"), str(tmp_path / "x.npy"), "--output", str(tmp_path / "p.csv")])  # fmt: skip
    assert replaced[-1] == "p.csv" and len(np.loadtxt(tmp_path / "p.csv", delimiter=",")) == 3


def test_predict_refuses_an_old_runs_scaler_of_another_width(tmp_path, capsys):
    """A preprocessing.json beside a model of another input width: refused naming both widths
    (it was a matmul shape error at predict)."""
    model = dg.nn.Sequential(dg.nn.Linear(3, 2))
    model.compile("adam", "cross_entropy")
    model.save(tmp_path / "model.dg")
    state = {"class": "StandardScaler", "with_mean": True, "with_std": True, "n_features_in_": 2}
    state.update({"mean_": [0.0, 1.0], "var_": [1.0, 1.0], "scale_": [1.0, 1.0]})
    (tmp_path / "preprocessing.json").write_text(json.dumps({"scaler": {"state": state}}))
    np.save(tmp_path / "x.npy", np.ones((2, 2), np.float32))
    assert cli.main(["predict", str(tmp_path / "model.dg"), str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert "hands the model 2 features per sample" in err and "the model takes 3" in err


def test_predict_input_csv_that_is_not_utf8_is_a_cli_error(tmp_path):
    """(found by tests/io/test_fuzz_readers.py's way of thinking: the header sniffing read the
    first line as UTF-8 and let UnicodeDecodeError out)"""
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(cli.CLIError, match="not UTF-8"):
        cli._load_input(path)
    path.write_bytes(b"\xff\xfe,1\n1,2\n")
    with pytest.raises(cli.CLIError, match="not UTF-8"):
        cli._load_input(path)


def test_predict_image_arrays_by_the_recorded_sample_shape(trained, tmp_path, capsys):
    """(N, H, W) for a one-channel model gains its channel axis (a single image (1, 8, 8) was
    read as an unbatched image and failed in a Linear layer); channels-last or flat arrays are
    refused naming the shape to give, never transposed; uint8 pixels 0..255 are scaled to
    [0, 1] as the digits the model was trained on (they were read as 0..255: wrong classes)."""
    from deepgrad.data import load_digits

    x, _ = load_digits()
    model = str(trained / "model.dg")

    def predict(arr, name="x.npy"):
        np.save(tmp_path / name, arr)
        code = cli.main(["predict", model, str(tmp_path / name)])
        out = capsys.readouterr()
        return code, out.out.split(), out.err

    code, want, _ = predict(x[:6])
    assert code == 0 and len(want) == 6
    assert predict(x[:6, 0])[:2] == (0, want)
    assert predict(x[:1, 0])[:2] == (0, want[:1])
    assert predict((x[:6] * 255).round().astype(np.uint8))[:2] == (0, want)
    code, _, err = predict(x[:6].transpose(0, 2, 3, 1))
    assert code == 2 and "takes samples of shape (1, 8, 8)" in err
    assert "x.transpose(0, 3, 1, 2)" in err and "the file holds (6, 8, 8, 1)" in err
    code, _, err = predict(x[:6].reshape(6, 64))
    assert code == 2 and "x.reshape(len(x), *(1, 8, 8))" in err


def test_predict_csv_of_another_width_names_the_training_columns(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{u:.3f},{v:.3f},{'yes' if u > v else 'no'}" for u, v in
                            rng.normal(size=(40, 2))]  # fmt: skip
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    recipe = {
        "data": {"name": "csv", "path": str(tmp_path / "t.csv"), "target": "label"},
        "model": {"layers": [{"type": "Linear", "args": [2, 2]}]},
        "training": {"epochs": 1, "verbose": 0},
    }
    R.run(recipe, tmp_path / "run", print_fn=lambda s: None)
    (tmp_path / "new.csv").write_text("0.1,0.2,0.3\n0.4,0.5,0.6\n")
    assert cli.main(["predict", str(tmp_path / "run" / "model.dg"), str(tmp_path / "new.csv")]) == 2
    err = capsys.readouterr().err
    assert "X has 3 features" in err and "trained on 2 feature(s) per sample (the columns " in err
