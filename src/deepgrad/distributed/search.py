"""Hyperparameter search on a Dask cluster: scikit-learn's searches, and Optuna with pruning.

Two ways, one engine (Dask: a laptop's processes or a cluster's machines, same code):

* :func:`fit_search` — scikit-learn's ``GridSearchCV`` / ``RandomizedSearchCV`` over
  :class:`~deepgrad.integrations.DeepgradClassifier` / ``DeepgradRegressor``, their
  ``(candidate, fold)`` fits spread over the workers by joblib's Dask backend. Every
  candidate trains to the end; the result is scikit-learn's ``cv_results_``.
* :func:`optuna_search` — an Optuna study whose trials run as Dask tasks, each training a
  deepgrad model with a :class:`PruningCallback` that reports the monitored value after every
  epoch and stops the trial when the pruner (median, successive halving...) says it is worse
  than the others were at that epoch. Bad trials cost a few epochs instead of all of them:
  for deep networks, whose trials are long, this is the better default (see
  ``docs/distributed.md``).

Both cap the BLAS threads of every worker (:class:`BLASThreadLimit`, threadpoolctl), so N
single-threaded workers on N cores do not oversubscribe them. A worker that dies mid-trial
(killed, out of memory) is noticed by the Dask scheduler, which runs its task again on another
worker (up to ``distributed.scheduler.allowed-failures`` times); a trial that still fails is
reported — ``cv_results_`` would raise, :func:`optuna_search` marks the trial ``FAIL`` with
the reason in :attr:`SearchResult.failed` — never lost silently.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from ..train.callback import Callback

__all__ = [
    "BLASThreadLimit",
    "PruningCallback",
    "SearchResult",
    "connect",
    "fit_search",
    "local_cluster",
    "optuna_search",
]


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{module} is not installed: pip install 'deepgrad[search]' (Dask and Optuna)"
        ) from e


# ---- the cluster ---------------------------------------------------------------------------
def _limit_blas(threads: int) -> int:
    from threadpoolctl import threadpool_limits

    global _LIMITER
    _LIMITER = threadpool_limits(threads)  # kept alive: the limit lasts the process
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    return threads


_LIMITER: Any = None


class BLASThreadLimit:
    """A Dask worker plugin: cap the worker's BLAS/OpenMP threads at ``threads``
    (threadpoolctl) when it starts — and on every worker that joins later.

    >>> BLASThreadLimit(1).threads
    1
    """

    name = "deepgrad-blas-thread-limit"

    def __init__(self, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"BLASThreadLimit: threads must be >= 1, got {threads}")
        self.threads = int(threads)

    def setup(self, worker: Any = None) -> None:
        _limit_blas(self.threads)

    def teardown(self, worker: Any = None) -> None:
        pass


def blas_threads() -> int:
    """The largest thread count of the BLAS/OpenMP libraries loaded in this process."""
    from threadpoolctl import threadpool_info

    return max((int(i["num_threads"]) for i in threadpool_info()), default=1)


def _register(client: Any, blas: int) -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    plugin = type("DeepgradBLASLimit", (BLASThreadLimit, WorkerPlugin), {})(blas)
    client.register_plugin(plugin, name=BLASThreadLimit.name)
    return client


def local_cluster(n_workers: int = 2, threads_per_worker: int = 1, blas_threads: int = 1) -> Any:
    """A Dask client on a new cluster of ``n_workers`` processes on this machine, each
    running ``threads_per_worker`` tasks at once with ``blas_threads`` BLAS threads
    (``n_workers × threads_per_worker × blas_threads`` should not exceed the cores).
    ``client.close(); client.cluster.close()`` ends it (or use it as a context manager)."""
    _need("distributed")
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=True,
        dashboard_address=None,
    )
    return _register(Client(cluster), blas_threads)


def connect(address: str, blas_threads: int = 1) -> Any:
    """A Dask client on a running cluster (``"tcp://scheduler:8786"``, started with
    ``dask scheduler`` and ``dask worker tcp://scheduler:8786 --nthreads 1`` on each
    machine), with every worker's BLAS threads capped."""
    _need("distributed")
    from distributed import Client

    return _register(Client(address), blas_threads)


# ---- scikit-learn's searches -----------------------------------------------------------------
def fit_search(search: Any, X: Any, y: Any = None, *, client: Any, **fit_params: Any) -> Any:
    """``search.fit(X, y)`` with its fits run on ``client``'s Dask workers (joblib's Dask
    backend): a ``GridSearchCV`` / ``RandomizedSearchCV`` (``n_jobs=-1``), e.g. over a
    ``DeepgradClassifier`` with a fixed ``seed``, so that each ``(candidate, fold)`` score is
    what that fit gives alone. Returns the fitted search (``best_params_``,
    ``cv_results_``); a fit whose worker died is run again by the scheduler."""
    import joblib

    _need("distributed")
    if getattr(search, "n_jobs", None) in (None, 1):
        search.set_params(n_jobs=-1)
    with joblib.parallel_backend("dask", client=client):
        return search.fit(X, y, **fit_params)


# ---- Optuna with pruning -------------------------------------------------------------------------
class PruningCallback(Callback):
    """Report ``logs[monitor]`` to an Optuna ``trial`` after every epoch, and end the trial
    (``optuna.TrialPruned``) when its pruner says so.

    ``model.fit(..., callbacks=[PruningCallback(trial, "val_loss")])`` inside an objective."""

    def __init__(self, trial: Any, monitor: str = "val_loss") -> None:
        self.trial = trial
        self.monitor = monitor

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            import difflib

            near = difflib.get_close_matches(self.monitor, list(logs), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise KeyError(
                f"PruningCallback: monitor {self.monitor!r} is not in the epoch's logs "
                f"{sorted(logs)}{hint} (val_* needs validation data)"
            )
        self.trial.report(float(logs[self.monitor]), epoch)
        if self.trial.should_prune():
            optuna = _need("optuna")
            raise optuna.TrialPruned(f"pruned after epoch {epoch + 1}")


@dataclass
class SearchResult:
    """What :func:`optuna_search` ran: the study, and the trials by outcome."""

    study: Any
    #: ``{trial number: value}`` of the trials that ran to the end
    completed: dict[int, float] = field(default_factory=dict)
    #: ``{trial number: last reported value}`` of the pruned trials
    pruned: dict[int, float | None] = field(default_factory=dict)
    #: ``{trial number: reason}`` of the trials that failed (their worker kept dying, or the
    #: objective raised)
    failed: dict[int, str] = field(default_factory=dict)

    @property
    def best_params(self) -> dict[str, Any]:
        return self.study.best_params

    @property
    def best_value(self) -> float:
        return self.study.best_value


def _run_trial(
    objective: Any, study_name: str, storage_spec: Any, pruner: Any, trial_id: int, blas: int
) -> tuple[str, Any]:
    """On a worker: rebuild the trial from the shared storage and run the objective."""
    import optuna

    _limit_blas(blas)
    study = optuna.load_study(
        study_name=study_name, storage=_make_storage(storage_spec), pruner=pruner
    )
    trial = optuna.trial.Trial(study, trial_id)
    try:
        return "complete", float(objective(trial))
    except optuna.TrialPruned:
        return "pruned", None


def _make_storage(spec: Any) -> Any:
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    kind, value = spec
    if kind == "journal":
        return JournalStorage(JournalFileBackend(value))
    return optuna.storages.get_storage(value)


def optuna_search(
    objective: Any,
    n_trials: int,
    *,
    client: Any,
    direction: str = "minimize",
    pruner: Any = None,
    sampler: Any = None,
    storage: str | os.PathLike | None = None,
    study_name: str = "deepgrad-search",
    blas_threads: int = 1,
) -> SearchResult:
    """Run ``n_trials`` of ``objective(trial) -> float`` on ``client``'s Dask workers, as
    many at once as the workers have threads, with ``pruner`` (default Optuna's
    ``MedianPruner(n_warmup_steps=1)``) stopping bad trials early.

    The trials' parameters are drawn here (``study.ask()``, with ``sampler``, e.g.
    ``optuna.samplers.TPESampler(seed=0)``) — a new trial each time one ends, so the sampler
    learns from the finished ones — and the results told here, so a trial whose task is lost
    is never left running: it is retried by Dask or marked ``FAIL``. The workers
    report per-epoch values into ``storage`` (an Optuna journal file: the default, a new one in
    a temporary folder; on several machines a path on a shared filesystem, or a database URL
    such as ``"postgresql://..."``), which the pruner reads. ``objective`` must be picklable
    (a module-level function) and seed its training (``fit(seed=...)``): a trial then scores
    what it scores when run alone.
    """
    optuna = _need("optuna")
    _need("distributed")
    from distributed import as_completed

    if storage is None:
        storage = os.path.join(tempfile.mkdtemp(prefix="deepgrad-optuna-"), "journal.log")
    spec = ("url", str(storage)) if "://" in str(storage) else ("journal", os.fspath(storage))
    if pruner is None:
        pruner = optuna.pruners.MedianPruner(n_warmup_steps=1)
    study = optuna.create_study(
        study_name=study_name,
        storage=_make_storage(spec),
        direction=direction,
        pruner=pruner,
        sampler=sampler,
        load_if_exists=True,
    )
    result = SearchResult(study)
    futures: dict[Any, Any] = {}
    TS = optuna.trial.TrialState
    in_flight = max(1, int(sum(client.nthreads().values())))
    asked = 0

    def submit() -> Any:
        nonlocal asked
        trial = study.ask()
        asked += 1
        fut = client.submit(
            _run_trial,
            objective,
            study_name,
            spec,
            pruner,
            trial._trial_id,
            blas_threads,
            pure=False,
            key=f"deepgrad-trial-{study_name}-{trial.number}",
        )
        futures[fut] = trial
        return fut

    # as many trials at once as the workers run tasks: each new one is asked after a result
    # came in, so the sampler learns from the finished trials
    pending = as_completed([submit() for _ in range(min(in_flight, n_trials))])
    for fut in pending:
        trial = futures.pop(fut)
        try:
            state, value = fut.result()
        except Exception as e:  # noqa: BLE001 - reported in the result, and on the study
            reason = f"{type(e).__name__}: {e}"
            study.tell(trial, state=TS.FAIL)
            study.set_user_attr(f"failure_{trial.number}", reason)
            result.failed[trial.number] = reason
        else:
            if state == "complete":
                study.tell(trial, value)
                result.completed[trial.number] = value
            else:
                study.tell(trial, state=TS.PRUNED)
                frozen = study._storage.get_trial(trial._trial_id)
                iv = frozen.intermediate_values
                result.pruned[trial.number] = iv[max(iv)] if iv else None
        if asked < n_trials:
            pending.add(submit())
    return result
