"""A model's preprocessing travels inside its model file: every allow-listed transformer
round-trips with its fitted state; a file cannot name anything else."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.data import (
    LabelEncoder,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    Preprocessing,
    SimpleImputer,
    StandardScaler,
)
from deepgrad.io import ModelFileError

X = np.array([[1.0, 5.0, 0.0], [3.0, np.nan, 2.0], [2.0, 7.0, 4.0]])


def roundtrip(tmp_path, pre: Preprocessing, width: int = 3) -> Preprocessing:
    model = nn.Sequential(nn.Linear(width, 2))
    model.preprocessing = pre
    model.save(tmp_path / "m.dg")
    return dg.load_model(tmp_path / "m.dg").preprocessing


def refused_after(tmp_path, model, change, match) -> None:
    """Save ``model``, apply ``change`` to its file's preprocessing record, and expect
    ``load_model`` to refuse the result with ``match``."""
    model.save(tmp_path / "m.dg")
    with zipfile.ZipFile(tmp_path / "m.dg") as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    cfg = json.loads(entries["config.json"])
    change(cfg["preprocessing"])
    entries["config.json"] = json.dumps(cfg).encode()
    with zipfile.ZipFile(tmp_path / "bad.dg", "w") as zf:
        for n, d in entries.items():
            zf.writestr(n, d)
    with pytest.raises(ModelFileError, match=match):
        dg.load_model(tmp_path / "bad.dg")


def test_every_transformer_roundtrips(tmp_path):
    imp = SimpleImputer(strategy="median").fit(X)
    xi = imp.transform(X)
    steps = [
        ("imputer", imp),
        ("standard", StandardScaler(with_mean=False).fit(xi)),
        ("minmax", MinMaxScaler((-1.0, 2.0), clip=True).fit(xi)),
        ("normalizer", Normalizer("l1").fit(xi)),
    ]
    pre = Preprocessing(steps, features=["a", "b", "c"], classes=["x", "y"], task="classification", data={"name": "csv"})  # fmt: skip
    back = roundtrip(tmp_path, pre)
    assert [n for n, _ in back.steps] == [n for n, _ in steps]
    assert (back.features, back.classes, back.task, back.data) == (["a", "b", "c"], ["x", "y"], "classification", {"name": "csv"})  # fmt: skip
    np.testing.assert_array_equal(back.transform(X), pre.transform(X))
    for (_, a), (_, b) in zip(pre.steps, back.steps):
        assert type(a) is type(b) and repr(a) == repr(b)
    cats = np.array([["red", "s"], ["green", "m"], ["red", "l"]])
    enc = OneHotEncoder(handle_unknown="ignore").fit(cats)
    lab = LabelEncoder().fit(["cat", "dog", "bird"])
    back = roundtrip(tmp_path, Preprocessing([("onehot", enc), ("labels", lab)]), width=5)
    np.testing.assert_array_equal(back.steps[0][1].transform(cats), enc.transform(cats))
    assert back.steps[1][1].inverse_transform([0, 2]).tolist() == ["bird", "dog"]


def test_a_model_without_preprocessing_has_none_and_foreign_steps_cannot_be_saved(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    model.save(tmp_path / "m.dg")
    assert not hasattr(dg.load_model(tmp_path / "m.dg"), "preprocessing")

    class Mine:
        def transform(self, x):
            return x

    model.preprocessing = Preprocessing([("mine", Mine())])
    with pytest.raises(TypeError, match="cannot be saved in a model file"):
        model.save(tmp_path / "m2.dg")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            lambda p: p["steps"][0].update({"class": "StandardScalar"}),
            "did you mean 'StandardScaler'",
        ),  # fmt: skip
        (lambda p: p["steps"][0].update({"class": "os.system"}), "not a preprocessing step"),
        (lambda p: p["steps"][0]["fitted"].update({"__class__": 1}), "unexpected"),
        (
            lambda p: p["steps"][0]["params"].update({"with_mean": {"__import__": "os"}}),
            "unexpected value",
        ),  # fmt: skip
        (
            lambda p: p["steps"][0]["fitted"].update({"mean_": {"__array__": "nope"}}),
            "unexpected value",
        ),  # fmt: skip
        (lambda p: p["steps"][0]["fitted"].update({"mean_": [1.0, 2.0]}), "1-D numeric array"),
        (lambda p: p["steps"][0]["fitted"].update({"n_features_in_": 7}), "values for 7 features"),
        (lambda p: p["steps"][0]["fitted"].update({"n_features_in_": "3"}), "must be a count"),
        (lambda p: p.update({"steps": 5}), "must be a list"),
        (lambda p: p.update({"classes": [1, 2]}), "list of strings"),
        (lambda p: p.update({"task": "magic"}), "not a task"),
        (lambda p: p.update({"evil": 1}), "must be a table of"),
        # predict read column 'a' twice from a CSV, silently; two classes printed alike
        (lambda p: p.update({"features": ["a", "a", "b"]}), r"features names \['a'\] more than"),
        (lambda p: p.update({"classes": ["x", "y", "x"]}), r"classes names \['x'\] more than"),
        (
            lambda p: p.update({"features": ["a", "b"]}),
            "names 2 features, its first step "
            r"\(StandardScaler\) takes 3",
        ),  # fmt: skip
    ],
)
def test_hostile_preprocessing_is_refused(tmp_path, change, match):
    model = nn.Sequential(nn.Linear(3, 2))
    model.preprocessing = Preprocessing([("scaler", StandardScaler().fit(np.nan_to_num(X)))])
    refused_after(tmp_path, model, change, match)


#: a preprocessing.json exactly as `deepgrad train` wrote it before model files held it
LEGACY = '{"features": ["a", "b"], "classes": ["no", "yes"], "imputer": {"class": "SimpleImputer", "strategy": "median", "fill_value": null, "missing_values": "nan", "statistics_": [2.0, 5.0], "n_features_in_": 2}, "scaler": {"kind": "minmax", "state": {"class": "MinMaxScaler", "feature_range": [0.0, 1.0], "clip": false, "data_min_": [1.0, 4.0], "data_max_": [3.0, 7.0], "data_range_": [2.0, 3.0], "scale_": [0.5, 0.3333333333333333], "min_": [-0.5, -1.3333333333333333], "n_features_in_": 2}}}'  # fmt: skip


def test_old_preprocessing_json_reads_into_the_same_transform():
    from deepgrad.io.transformers import preprocessing_from_legacy

    pre = preprocessing_from_legacy(json.loads(LEGACY), "preprocessing.json")
    assert (pre.features, pre.classes) == (["a", "b"], ["no", "yes"])
    out = pre.transform(np.array([[np.nan, 6.0], [2.5, np.nan]]))
    # what deepgrad's own transformers computed for these rows
    np.testing.assert_allclose(out, [[0.5, 0.6666667], [0.75, 0.3333333]], rtol=1e-6)
    bad = json.loads(LEGACY)
    bad["scaler"]["state"]["scale_"] = [0.5]
    with pytest.raises(ModelFileError, match="has 1 values for 2 features"):
        preprocessing_from_legacy(bad, "preprocessing.json")


def test_repeated_feature_or_class_names_are_not_saved(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    model.preprocessing = Preprocessing([], features=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"preprocessing.features names \['a'\] more than once"):
        model.save(tmp_path / "m.dg")


def test_a_scaler_of_another_width_is_refused_at_load_naming_both(tmp_path, monkeypatch):
    """It loaded, and failed only at predict (a matmul shape error)."""
    import deepgrad.io.transformers as T

    model = nn.Sequential(nn.Flatten(), nn.Linear(3, 2))
    model.preprocessing = Preprocessing([("scaler", StandardScaler().fit(np.ones((5, 4))))])
    match = (
        r"hands the model 4 features per sample \(its step 'scaler' \(StandardScaler\) outputs "
        r"4\), but the model takes 3 \(its first layer '1' \(Linear\)\)"
    )
    with pytest.raises(ModelFileError, match=match):
        model.save(tmp_path / "m.dg")
    with monkeypatch.context() as m:  # a file written without the check (an older deepgrad)
        m.setattr(T, "check_pairing", lambda *a: None)
        model.save(tmp_path / "m.dg")
    with pytest.raises(ModelFileError, match=match):
        dg.load_model(tmp_path / "m.dg")


@pytest.mark.parametrize(
    ("model", "pre", "expected"),
    [
        (nn.Sequential(nn.Linear(2, 1)), Preprocessing([], features=["a", "b"]), 2),
        (nn.Sequential(nn.Dropout(0.1), nn.BatchNorm1d(3)), Preprocessing([("imp", SimpleImputer().fit(X))]), 3),
        (dg.models.MLP(5, [4], 2), Preprocessing([("oh", OneHotEncoder().fit(np.array([["r", "s"], ["g", "m"], ["r", "l"]])))]), 5),
    ],
)  # fmt: skip
def test_matching_widths_load_and_mismatches_name_what_says_so(tmp_path, model, pre, expected):
    from deepgrad.io.transformers import model_input_width, preprocessing_width

    assert preprocessing_width(pre)[0] == model_input_width(model)[0] == expected
    model.preprocessing = pre
    model.save(tmp_path / "m.dg")
    back = dg.load_model(tmp_path / "m.dg")
    assert preprocessing_width(back.preprocessing)[0] == model_input_width(back)[0] == expected
    model.preprocessing = Preprocessing([], features=[f"f{i}" for i in range(expected + 1)])
    with pytest.raises(
        ModelFileError, match=f"{expected + 1} features per sample.*takes {expected}"
    ):
        model.save(tmp_path / "m.dg")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda p: p.update({"categories": ["city"]}), "table of the features' categories"),
        (lambda p: p.update({"categories": {"town": ["x", "y"]}}), "features' categories"),
        (lambda p: p["categories"].update({"city": ["x", "x"]}), r"names \['x'\] more than once"),
        (lambda p: p["categories"].update({"city": []}), "are empty"),
        (lambda p: p["categories"].update({"city": ["x", ""]}), "are empty"),
        (lambda p: p["categories"].update({"city": [1, 2]}), "list of strings"),
        (
            lambda p: p["categories"].update({"city": [f"c{i}" for i in range(1001)]}),
            "1001 categories of 'city', more than load_csv's 1000",
        ),  # fmt: skip
        (lambda p: p.update({"features": None}), "features' categories"),
        (
            lambda p: p["categories"].update({"city": ["x", "y", "z"]}),
            r"names 2 features \(4 columns with the categories\), its first step",
        ),  # fmt: skip
    ],
)
def test_categories_round_trip_and_hostile_ones_are_refused(tmp_path, change, match):
    """A CSV's categorical columns (``load_csv(categorical=...)``): the record keeps each one's
    categories, in order; they must belong to the features and fit the first step's width."""
    x = np.array([[1.0, 1.0, 0.0], [3.0, 0.0, 1.0]])
    pre = Preprocessing([("scaler", StandardScaler().fit(x))], features=["a", "city"], categories={"city": ["x", "y"]})  # fmt: skip
    assert pre.width() == 3
    back = roundtrip(tmp_path, pre)
    assert back.categories == {"city": ["x", "y"]} and back.features == ["a", "city"]
    model = nn.Sequential(nn.Linear(3, 2))
    model.preprocessing = pre
    refused_after(tmp_path, model, change, match)


def test_a_record_without_categories_is_written_as_before(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    model.preprocessing = Preprocessing(features=["a", "b", "c"])
    model.save(tmp_path / "m.dg")
    with zipfile.ZipFile(tmp_path / "m.dg") as zf:
        assert "categories" not in json.loads(zf.read("config.json"))["preprocessing"]
