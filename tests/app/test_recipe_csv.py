"""Recipes on CSV files of the shapes users bring (deepgrad.app.recipe's csv data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli
from deepgrad.app import recipe as R
from deepgrad.app.recipe_schema import RecipeError


def _table(path, labels, sep=",", header="a,b,label"):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=len(labels)), rng.normal(size=len(labels))
    rows = [header.replace(",", sep)] if header else []
    rows += [f"{x:.4f}{sep}{y:.4f}{sep}{lab}" for x, y, lab in zip(a, b, labels)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _recipe(path, out_features, **data):
    return {
        "name": "t",
        "data": {"name": "csv", "path": str(path), "target": "label", **data},
        "model": {"layers": [{"type": "Linear", "args": [2, out_features]}]},
        "training": {"epochs": 1, "batch_size": 8, "verbose": 0},
    }


@pytest.mark.parametrize(
    ("labels", "names"),
    [((3, 7, 9), ["3", "7", "9"]), ((-1, 1), ["-1", "1"]), ((1, 2), ["1", "2"])],
)
def test_numeric_class_labels_that_are_not_0_to_k_minus_1_are_numbered_and_named(
    tmp_path, capsys, labels, names
):
    """task = classification kept labels 3/7/9 or -1/1 as class indices: fit refused them
    (or a model of 10 outputs trained on indices 3, 7, 9), and predict printed indices."""
    y = [labels[i % len(labels)] for i in range(40)]
    path = _table(tmp_path / "t.csv", y)
    ds = R.load_data(_recipe(path, len(labels), task="classification")["data"])
    assert ds["class_names"] == names
    assert set(np.unique(ds["y_train"])) == set(range(len(labels)))
    out = tmp_path / "run"
    R.run(_recipe(path, len(labels), task="classification"), out, print_fn=lambda s: None)
    assert cli.main(["predict", str(out / "model.dg"), str(path)]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 40 and set(printed) <= set(names)
    # 0..K-1 labels stay as they are (no names)
    path = _table(tmp_path / "k.csv", [i % 3 for i in range(30)])
    assert R.load_data(_recipe(path, 3, task="classification")["data"])["class_names"] is None


def test_the_model_must_give_a_score_per_class(tmp_path):
    """A text-labelled table of 2 classes trained a model of 3 outputs silently (then the run
    failed drawing its confusion matrix, or predict refused the file)."""
    path = _table(tmp_path / "t.csv", ["yes" if i % 2 else "no" for i in range(30)])
    with pytest.raises(RecipeError, match=r"2 classes \(no, yes, numbered 0..1\), but the "
                       r"model gives 3 score\(s\) per sample: make its last layer's output "
                       r"size 2"):  # fmt: skip
        R.run(_recipe(path, 3), tmp_path / "r", print_fn=lambda s: None)
    recipe = _recipe(path, 1)
    recipe["training"]["loss"] = "bce_with_logits"
    with pytest.raises(RecipeError, match="loss = 'cross_entropy'"):
        R.run(recipe, tmp_path / "r", print_fn=lambda s: None)


@pytest.mark.parametrize("missing", ["", "NA", "nan"])
@pytest.mark.parametrize("kind", ["text", "numbers"])
def test_missing_target_values_are_refused_naming_the_rows(tmp_path, missing, kind):
    """A missing text label became a class of its own ('NA'); a missing number a NaN target
    (regression: a NaN loss; classification: int64 of NaN, a garbage class)."""
    labels = [("yes" if i % 2 else "no") if kind == "text" else i % 2 for i in range(30)]
    labels[4] = missing
    path = _table(tmp_path / "t.csv", labels)
    task = "classification" if kind == "numbers" else None
    data = _recipe(path, 2, **({"task": task} if task else {}))["data"]
    with pytest.raises(RecipeError, match=r"'label' has 1 missing value\(s\) \(data rows \[5\]\)"):
        R.load_data(data)


def test_one_class_fractional_classes_and_too_few_rows_are_refused(tmp_path):
    path = _table(tmp_path / "one.csv", ["yes"] * 20)
    with pytest.raises(RecipeError, match=r"holds one class only \('yes', in all 20 rows\)"):
        R.load_data(_recipe(path, 2)["data"])
    path = _table(tmp_path / "frac.csv", [0.5, 1.0, 2.0] * 10)
    with pytest.raises(RecipeError, match=r"fractional numbers \(e.g. 0.5\).*task = 'regression'"):
        R.load_data(_recipe(path, 2, task="classification")["data"])
    path = _table(tmp_path / "few.csv", ["yes", "no", "yes", "yes"])
    with pytest.raises(RecipeError, match=r"at least 2 samples of each class.*smallest with 1"):
        R.load_data(_recipe(path, 2)["data"])
    path = _table(tmp_path / "two.csv", [1.0, 2.0])
    with pytest.raises(RecipeError, match=r"2 sample\(s\) cannot be split.*test_size = 0.75"):
        R.load_data(_recipe(path, 1, test_size=0.75)["data"])


@pytest.mark.parametrize(
    ("sep", "delimiter"), [(";", ";"), ("\t", "\t"), ("  ", "whitespace"), ("|", "|")]
)
def test_delimiter_and_header_keys_and_predict_reads_alike(tmp_path, capsys, sep, delimiter):
    """A recipe could only read comma-separated files with a header row."""
    labels = ["yes" if i % 2 else "no" for i in range(40)]
    path = _table(tmp_path / "t.csv", labels, sep=sep)
    recipe = _recipe(path, 2, delimiter=delimiter)
    R.validate(recipe)
    out = tmp_path / "run"
    R.run(recipe, out, print_fn=lambda s: None)
    assert dg.load_model(out / "model.dg").preprocessing.features == ["a", "b"]
    assert cli.main(["predict", str(out / "model.dg"), str(path)]) == 0
    assert set(capsys.readouterr().out.split()) <= {"yes", "no"}
    plain = _table(tmp_path / "plain.csv", labels, header=None)
    ds = R.load_data({"name": "csv", "path": str(plain), "target": "2", "header": False})
    assert ds["class_names"] == ["no", "yes"] and len(ds["x_train"]) + len(ds["x_test"]) == 40
    with pytest.raises(RecipeError, match="'delimiter' applies to the data sets csv"):
        R.validate({"data": {"name": "digits", "delimiter": ";"}, "model": {"layers": []}})


def test_a_relative_data_path_is_found_beside_the_recipe(tmp_path, monkeypatch):
    """`deepgrad train sub/run.toml` with path = "t.csv" in sub/ looked for ./t.csv only."""
    sub = tmp_path / "sub"
    sub.mkdir()
    _table(sub / "t.csv", ["yes" if i % 2 else "no" for i in range(20)])
    (sub / "run.toml").write_text('[data]\nname = "csv"\npath = "t.csv"\ntarget = "label"\n'
                                  '[model]\nlayers = [{type = "Linear", args = [2, 2]}]\n')  # fmt: skip
    monkeypatch.chdir(tmp_path)
    recipe = R.load_recipe("sub/run.toml")
    assert recipe["data"]["path"] == str(Path("sub") / "t.csv")
    assert R.load_data(recipe["data"])["class_names"] == ["no", "yes"]
    (tmp_path / "t.csv").write_text("a,label\n1,0\n")  # one in the working folder wins
    assert R.load_recipe("sub/run.toml")["data"]["path"] == "t.csv"


def test_infinite_cells_are_refused_naming_column_and_row(tmp_path):
    """An 'inf' feature cell reached the scaler ("Input X contains infinity", no column or
    row); an overflowing target (1e400) trained towards inf."""
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i + 1},{i * 2}\n" for i in range(9)) + "9,inf,3\n")
    with pytest.raises(RecipeError, match=r"column 'b' holds inf at data row 10"):
        R.load_data({"name": "csv", "path": str(path), "target": "y"})
    path.write_text("a,y\n" + "".join(f"{i},{i * 2}\n" for i in range(9)) + "9,-1e400\n")
    with pytest.raises(RecipeError, match=r"column 'y' holds -inf at data row 10"):
        R.load_data({"name": "csv", "path": str(path), "target": "y"})
