"""Hyperparameter search on a local Dask cluster of 2 worker processes: scikit-learn's
GridSearchCV over DeepgradClassifier (joblib's Dask backend) and an Optuna search with
pruning whose trials run on the workers. Every trial scores what it scores alone with the
same seed; a killed worker's trial is retried, or reported when it keeps dying; each worker's
BLAS runs on one thread."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed", reason="Dask is not installed (pip install 'deepgrad[search]')")
optuna = pytest.importorskip("optuna", reason="Optuna is not installed")

import cloudpickle  # noqa: E402  (comes with Dask)

from deepgrad import nn  # noqa: E402
from deepgrad.distributed import search as S  # noqa: E402

# the workers unpickle this module's functions by value (it is not importable there)
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def mlp(n_features_in_, n_classes_, hidden=8):
    return nn.Sequential(
        nn.Linear(n_features_in_, hidden), nn.ReLU(), nn.Linear(hidden, n_classes_)
    )


def data():
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(x))[:90]
    x = (x - x.mean(0)) / x.std(0)
    return x[idx].astype("float32"), y[idx]


def objective(trial, kill_dir=None):
    """Train a small MLP for 3 epochs; report val_loss each epoch (pruning)."""
    import deepgrad as dg

    if kill_dir is not None:
        marker = Path(kill_dir) / f"trial{trial.number}"
        if trial.number == 0 and not marker.exists():  # its worker dies the first time
            marker.write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)
        if trial.number == 1:
            raise ValueError("trial 1 fails on purpose")
    lr = trial.suggest_float("lr", 1e-3, 0.3, log=True)
    hidden = trial.suggest_int("hidden", 2, 16)
    x, y = data()
    dg.manual_seed(0)
    model = mlp(4, 3, hidden)
    model.compile(optimizer=dg.optim.Adam(lr=lr), loss="cross_entropy")
    cbs = (
        [S.PruningCallback(trial, "val_loss")]
        if not isinstance(trial, optuna.trial.FixedTrial)
        else []
    )
    h = model.fit(
        x, y, epochs=3, batch_size=16, validation_split=0.3, seed=0, verbose=0, callbacks=cbs
    )
    trial.set_user_attr("history", h.history["val_loss"])
    return h.history["val_loss"][-1]


def objective_killing(kill_dir):
    def f(trial):
        return objective(trial, kill_dir)

    return f


def start_cluster():
    """A LocalCluster of 2 single-threaded worker processes. A task may be on a worker that
    dies once (allowed-failures 1); one task per worker at a time, so that a death concerns
    only the task it killed."""
    import dask

    cfg = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(cfg):
        return S.local_cluster(n_workers=2, threads_per_worker=1, blas_threads=1)


def test_search_on_a_local_dask_cluster(tmp_path):
    """One cluster for every check (starting one is the slow part): BLAS capped on the
    workers, GridSearchCV, the Optuna pruning search, and a killed worker's trial."""
    client = start_cluster()
    try:
        check_workers_blas_threads_are_capped(client)
        check_grid_search_on_dask_scores_each_candidate_as_alone(client)
        check_optuna_pruning_search_scores_each_trial_as_alone(client, tmp_path / "a")
        check_a_killed_worker_trial_is_retried_or_reported(client, tmp_path / "b")
    finally:
        client.close()
        client.cluster.close()


def check_workers_blas_threads_are_capped(client):
    assert set(client.run(S.blas_threads).values()) == {1}
    assert len(client.scheduler_info()["workers"]) == 2


def check_grid_search_on_dask_scores_each_candidate_as_alone(client):
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

    from deepgrad.integrations import DeepgradClassifier

    x, y = data()
    est = DeepgradClassifier(mlp, lr=1e-2, epochs=3, batch_size=16, seed=0)
    grid = {"lr": [1e-2, 1e-1], "model__hidden": [4, 8]}
    cv = KFold(2)
    search = S.fit_search(GridSearchCV(est, grid, cv=cv), x, y, client=client)
    res = search.cv_results_
    assert len(res["params"]) == 4
    for i, params in enumerate(res["params"]):
        alone = cross_val_score(est.set_params(**params), x, y, cv=cv)
        got = [res[f"split{k}_test_score"][i] for k in range(2)]
        np.testing.assert_allclose(got, alone, err_msg=str(params))


def _check_alone(result):
    for t in result.study.trials:
        if t.state.name not in ("COMPLETE", "PRUNED"):
            continue
        fixed = optuna.trial.FixedTrial(t.params)
        alone_value = objective(fixed)
        alone_hist = fixed.user_attrs["history"]
        reported = [t.intermediate_values[e] for e in sorted(t.intermediate_values)]
        np.testing.assert_allclose(reported, alone_hist[: len(reported)], rtol=1e-6)
        if t.state.name == "COMPLETE":
            assert t.value == pytest.approx(alone_value, rel=1e-6)


def check_optuna_pruning_search_scores_each_trial_as_alone(client, tmp_path):
    tmp_path.mkdir()
    pruner = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
    result = S.optuna_search(
        objective,
        5,
        client=client,
        pruner=pruner,
        storage=tmp_path / "journal.log",
        sampler=optuna.samplers.TPESampler(seed=0),
        study_name="t1",
    )
    assert len(result.completed) + len(result.pruned) == 5 and not result.failed
    for t in result.study.trials:
        # a pruned trial stopped inside fit, at any epoch's end (the last one too, as
        # Optuna's own Keras callback does: which trials finished first decides the median)
        if t.state.name == "PRUNED":
            assert 1 <= len(t.intermediate_values) <= 3 and "history" not in t.user_attrs
        else:
            assert len(t.intermediate_values) == 3 and "history" in t.user_attrs
    assert result.best_value == min(result.completed.values())
    _check_alone(result)


def check_a_killed_worker_trial_is_retried_or_reported(client, tmp_path):
    """Trial 0's worker is killed (SIGKILL) the first time: the scheduler runs the trial
    again on a live worker and it completes with its value alone. Trial 1 raises: it is
    marked FAIL on the study and reported with its reason, not lost (a trial whose workers
    keep dying ends the same way, with Dask's KilledWorker as the reason)."""
    tmp_path.mkdir()
    result = S.optuna_search(
        objective_killing(str(tmp_path)),
        3,
        client=client,
        storage=tmp_path / "j.log",
        pruner=optuna.pruners.NopPruner(),
        sampler=optuna.samplers.RandomSampler(seed=0),
        study_name="t2",
    )
    assert sorted(result.completed) == [0, 2], result
    assert list(result.failed) == [1] and "trial 1 fails on purpose" in result.failed[1]
    assert (tmp_path / "trial0").exists()  # its worker was killed once
    states = {t.number: t.state.name for t in result.study.trials}
    assert states == {0: "COMPLETE", 1: "FAIL", 2: "COMPLETE"}
    _check_alone(result)
