"""The recipe schema: one declaration refuses what a recipe cannot mean (naming the nearest
valid name) before any work, and renders the reference ``--help-recipe`` prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from deepgrad.app import recipe as R
from deepgrad.app import recipe_schema as S

ROOT = Path(__file__).resolve().parents[2]
MLP = {"zoo": "MLP", "args": {"in_features": 64, "hidden": [8], "out_features": 10}}


def test_every_example_recipe_validates():
    examples = sorted((ROOT / "examples").glob("*.toml"))
    assert len(examples) >= 8
    for path in examples:
        R.load_recipe(path)
    S.validate(R.DEFAULT_RECIPE)


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        ({"training": {"epcohs": 20}}, "[training] has no key 'epcohs'; did you mean 'epochs'?"),
        ({"trainig": {"epochs": 20}}, "unknown section [trainig]; did you mean [training]?"),
        (
            {"callbacks": {"early_stoping": {"patience": 3}}},
            "[callbacks] has no key 'early_stoping'; did you mean 'early_stopping'?",
        ),
        ({"training": {"epochs": "20"}}, 'epochs must be an integer, got a string ("20")'),
        ({"training": {"batch_size": 32.5}}, "batch_size must be an integer, got a number (32.5)"),
        ({"training": {"epochs": 0}}, "epochs must be ≥ 1, got 0"),
        ({"training": {"validation_split": 1.0}}, "validation_split must be in [0, 1), got 1"),
        ({"data": {"test_size": 0}}, "test_size must be in (0, 1), got 0"),
        ({"training": {"seed": True}}, "seed must be an integer, got a boolean (true)"),
        (
            {"training": {"verbose": 3}},
            'verbose must be one of 0, 1, 2, "auto", got an integer (3)',
        ),
        (
            {"training": {"metrics": ["acuracy"]}},
            "unknown metric 'acuracy'; did you mean 'accuracy'?",
        ),
        (
            {"training": {"loss": "categorical_crossentropi"}},
            "did you mean 'categorical_crossentropy'?",
        ),
        (
            {"training": {"loss": {"name": "cross_entropy", "label_smoothin": 0.1}}},
            "unknown option 'label_smoothin'; did you mean 'label_smoothing'?",
        ),
        ({"data": {"name": "digts"}}, "unknown dataset 'digts'; did you mean 'digits'?"),
        ({"data": {"n_samples": 100}}, "'n_samples' applies to the data sets moons"),
        ({"data": {"name": "csv", "path": "x.csv"}}, "needs 'path' and 'target'"),
        ({"optimizer": {"name": "rmsprp"}}, "unknown optimizer 'rmsprp'; did you mean 'rmsprop'?"),
        ({"optimizer": {"name": "sgd", "momentun": 0.9}}, "did you mean 'momentum'?"),
        (
            {"optimizer": {"name": "sgd", "momentum": "0.9"}},
            "momentum must be a number, got a string",
        ),
        ({"optimizer": {"lr": -0.1}}, "lr must be > 0, got -0.1"),
        (
            {"schedule": {"name": "CosineAnealingLR", "T_max": 3}},
            "did you mean 'CosineAnnealingLR'?",
        ),
        ({"schedule": {"name": "StepLR", "step_sise": 3}}, "did you mean 'step_size'?"),
        ({"schedule": {"name": "StepLR"}}, "missing a required argument: 'step_size'"),
        ({"schedule": {"name": "ReduceLROnPlateau"}}, "reduce_lr_on_plateau = {"),
        ({"schedule": {"T_max": 3}}, "[schedule]: name is required"),
        ({"callbacks": {"early_stopping": {"patiense": 3}}}, "did you mean 'patience'?"),
        ({"callbacks": {"early_stopping": {"patience": 2.5}}}, "patience must be an integer"),
        ({"callbacks": {"checkpoint": {"filepath": "x"}}}, "unknown option 'filepath'"),
        ({"augment": {"transforms": ["flip"]}}, "unknown transform 'flip'; did you mean 'hflip'?"),
        ({"nmae": "run"}, "unknown key 'nmae'; did you mean 'name'?"),
    ],
)
def test_bad_recipes_are_refused_naming_the_key_and_the_nearest_name(recipe, message):
    full = {"model": MLP, **recipe}
    with pytest.raises(S.RecipeError) as e:
        S.validate(full, "r.toml")
    assert message in str(e.value)
    assert str(e.value).startswith("r.toml: ")


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"zoo": "MPL"}, "unknown zoo model 'MPL'; did you mean 'MLP'?"),
        ({"zoo": "MLP", "args": {"hiden": [3]}}, "unknown option 'hiden'; did you mean 'hidden'?"),
        ({"layers": [{"type": "Linaer", "args": [2, 3]}]}, "did you mean 'Linear'?"),
        (
            {"layers": [{"type": "Conv2d", "args": [1, 2, 3], "paddin": 1}]},
            "did you mean 'padding'?",
        ),
        ({"layers": [{"type": "Linear", "args": 4}]}, "args must be a list"),
        ({"layers": [{"args": [2]}]}, "a layer needs a type"),
        ({"zoo": "MLP", "layers": []}, "give exactly one of 'zoo'"),
        ({}, "give exactly one of 'zoo'"),
    ],
)
def test_bad_models_are_refused(model, message):
    with pytest.raises(S.RecipeError, match=None) as e:
        S.validate({"model": model})
    assert message in str(e.value)


def test_a_bad_recipe_is_refused_before_any_work(tmp_path, monkeypatch):
    def no_work(*a, **k):
        raise AssertionError("data were loaded for a recipe that should have been refused")

    monkeypatch.setattr(R, "load_data", no_work)
    with pytest.raises(S.RecipeError, match="did you mean 'epochs'"):
        R.run({"model": MLP, "training": {"epcohs": 2}}, tmp_path)
    assert not (tmp_path / "model.dg").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('[model]\nzoo = "LeNet5"\n[trainig]\nepochs = 2\n')
    with pytest.raises(
        S.RecipeError, match=r"unknown section \[trainig\]; did you mean \[training\]"
    ):
        R.load_recipe(bad)


def test_defaults_come_from_the_schema():
    assert S.default("training", "epochs") == 10
    assert S.default("training", "batch_size") == 32
    assert S.default("callbacks", "csv_logger") is True
    with pytest.raises(KeyError):
        S.default("training", "epcohs")


def test_reference_and_markdown_list_every_section_and_key():
    text, md = S.reference(), S.markdown()
    for sec in S.SECTIONS:
        assert f"[{sec.name}]" in text and f"## `[{sec.name}]`" in md
        for key in sec.keys:
            assert f"  {key.name}  {key.type}  default: {key.default_text()}" in text
            assert f"| `{key.name}` |" in md
            assert key.doc.split(":")[0] in md
    assert "| `epochs` | int | 10 | Passes over the training data. (≥ 1) |" in md
    assert "| `categorical_crossentropy` |" in md  # the loss table, from the same source


def test_apis_that_take_names_offer_the_nearest_one():
    import deepgrad as dg

    calls = [
        (lambda: dg.optim.get("adamm"), "unknown optimizer 'adamm'; did you mean 'adam'?"),
        (lambda: dg.nn.loss.get("mse_los"), "unknown loss 'mse_los'; did you mean 'mse_loss'?"),
        (lambda: dg.metrics.get("acurracy"), "did you mean 'accuracy'?"),
        (lambda: dg.nn.init.get("xavier_unifrom"), "did you mean 'xavier_uniform'?"),
        (lambda: dg.callbacks.get("EarlyStoping"), "did you mean 'EarlyStopping'?"),
        (lambda: dg.io.get_class("Linaer"), "did you mean 'Linear'"),
        (lambda: dg.models.MLP(4, [3], 2, activation="rellu"), "did you mean 'relu'?"),
    ]
    for call, message in calls:
        with pytest.raises((ValueError, KeyError)) as e:
            call()
        assert message in str(e.value)


BASE = '[model]\nzoo = "MLP"\nargs = {in_features = 4, hidden = [8], out_features = 3}\n'


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.toml", "a = " + "[" * 100_000 + "]" * 100_000, "not valid TOML: it nests too deeply"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "not valid JSON: it nests too deeply"),
        ("big.toml", BASE + "[training]\nepochs = " + "9" * 5000, "not valid TOML: .*4300"),
        ("big.json", '{"training": {"epochs": ' + "9" * 5000 + "}}", "not valid JSON: .*4300"),
        ("latin1.toml", b'name = "caf\xe9"\n', "not UTF-8 text"),
        ("twice.json", '{"model": {"zoo": "MLP"}, "model": {"zoo": "LeNet5"}}', "'model' appears twice"),
        ("nan.toml", BASE + '[optimizer]\nname = "sgd"\nlr = nan\n', r"lr must be > 0, got nan"),
        ("inf.toml", BASE + '[optimizer]\nname = "sgd"\nlr = inf\n', r"lr must be > 0, got inf"),
        ("split.toml", BASE + "[training]\nvalidation_split = nan\n", "validation_split must be"),
        ("split.json", '{"model": {"zoo": "LeNet5"}, "training": {"validation_split": NaN}}', "must be"),
    ],
)  # fmt: skip
def test_hostile_recipe_files_are_a_recipe_error(tmp_path, name, text, message):
    """Each was a RecursionError, a bare ValueError, a UnicodeDecodeError, a silently kept last
    duplicate or a NaN/infinite rate passing the range check."""
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(S.RecipeError, match=message):
        R.load_recipe(path)


def test_a_folder_is_refused_as_a_folder(tmp_path):
    (tmp_path / "mlp.toml").write_text(BASE)
    with pytest.raises(IsADirectoryError, match=r"is a folder, not a recipe file.*holds mlp\.toml"):
        R.load_recipe(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        R.load_recipe(tmp_path / "missing.toml")
