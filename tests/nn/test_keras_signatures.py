"""Every argument of Keras's training surface is taken by deepgrad's or refused by name with
what does the same here (``nn.keras._KERAS_ONLY``): none is silently ignored and none meets
Python's bare ``TypeError``. Keras's parameter lists are recorded (Keras 3.15) for CI, which
has no Keras, and compared with Keras's own signatures where it is installed."""

from __future__ import annotations

import inspect
import os

import pytest

import deepgrad as dg
from deepgrad import callbacks as C
from deepgrad.nn.keras import _KERAS_ONLY

os.environ.setdefault("KERAS_BACKEND", "torch")

# inspect.signature(keras.Model.<method>) / keras.callbacks.<Class>.__init__, without self,
# *args and **kwargs (Keras 3.15)
KERAS_PARAMETERS = {
    "Model.compile": ["optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                      "run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss"],
    "Model.evaluate": ["x", "y", "batch_size", "verbose", "sample_weight", "steps", "callbacks",
                       "return_dict"],
    "Model.fit": ["x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split",
                  "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch",
                  "steps_per_epoch", "validation_steps", "validation_batch_size",
                  "validation_freq"],
    "Model.get_weights": [],
    "Model.load_weights": ["filepath", "skip_mismatch"],
    "Model.predict": ["x", "batch_size", "verbose", "steps", "callbacks"],
    "Model.predict_on_batch": ["x"],
    "Model.save": ["filepath", "overwrite", "zipped"],
    "Model.save_weights": ["filepath", "overwrite", "max_shard_size"],
    "Model.set_weights": ["weights"],
    "Model.summary": ["line_length", "positions", "print_fn", "expand_nested", "show_trainable",
                      "layer_range"],
    "Model.test_on_batch": ["x", "y", "sample_weight", "return_dict"],
    "Model.train_on_batch": ["x", "y", "sample_weight", "class_weight", "return_dict"],
    "callbacks.BackupAndRestore": ["backup_dir", "save_freq", "double_checkpoint",
                                   "delete_checkpoint"],
    "callbacks.CSVLogger": ["filename", "separator", "append"],
    "callbacks.EarlyStopping": ["monitor", "min_delta", "patience", "verbose", "mode", "baseline",
                                "restore_best_weights", "start_from_epoch"],
    "callbacks.History": [],
    "callbacks.LambdaCallback": ["on_epoch_begin", "on_epoch_end", "on_train_begin",
                                 "on_train_end", "on_train_batch_begin", "on_train_batch_end"],
    "callbacks.LearningRateScheduler": ["schedule", "verbose"],
    "callbacks.ModelCheckpoint": ["filepath", "monitor", "verbose", "save_best_only",
                                  "save_weights_only", "mode", "save_freq",
                                  "initial_value_threshold"],
    "callbacks.ReduceLROnPlateau": ["monitor", "factor", "patience", "verbose", "mode",
                                    "min_delta", "cooldown", "min_lr"],
    "callbacks.TensorBoard": ["log_dir", "histogram_freq", "write_graph", "write_images",
                              "write_steps_per_second", "update_freq", "profile_batch",
                              "embeddings_freq", "embeddings_metadata"],
    "callbacks.TerminateOnNaN": ["raise_error"],
}  # fmt: skip


def _deepgrad_parameters(key):
    kind, name = key.split(".")
    target = getattr(dg.nn.Module, name) if kind == "Model" else getattr(C, name).__init__
    params = inspect.signature(target).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return None  # takes any keyword (LambdaCallback: Keras's hook names)
    return set(params) - {"self"}


@pytest.mark.parametrize("key", sorted(KERAS_PARAMETERS))
def test_every_keras_argument_is_taken_or_refused_with_what_to_do(key):
    ours = _deepgrad_parameters(key)
    if ours is None:
        return
    refused = _KERAS_ONLY.get(key.split(".")[1], {}) if key.startswith("Model.") else {}
    for arg in KERAS_PARAMETERS[key]:
        assert arg in ours or arg in refused, f"{key}: Keras's {arg!r} is neither taken nor refused"
        assert not (arg in ours and arg in refused), f"{key}: {arg!r} both taken and refused"


@pytest.mark.parametrize("key", sorted(k for k in KERAS_PARAMETERS if k.startswith("Model.")))
def test_refused_keras_arguments_say_what_to_do(key, tmp_path):
    m = dg.nn.Sequential(dg.nn.Linear(3, 2))
    name = key.split(".")[1]
    for arg in _KERAS_ONLY.get(name, {}):
        with pytest.raises(TypeError, match=f"{name}\\(\\): Keras's {arg}= is not supported"):
            getattr(m, name)(**{arg: None})


def test_recorded_parameters_are_keras():
    keras = pytest.importorskip("keras")
    for key, recorded in KERAS_PARAMETERS.items():
        kind, name = key.split(".")
        target = (
            getattr(keras.Model, name)
            if kind == "Model"
            else getattr(keras.callbacks, name).__init__
        )
        params = inspect.signature(target).parameters.items()
        got = [
            k for k, p in params if k != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]
        assert got == recorded, key
