"""What every lab experiment shares: the registry, the run context, claims and the result file.

An experiment is a function ``body(ctx) -> Outcome`` registered with :func:`experiment`. The
registered *run function* (what :data:`deepgrad.lab.EXPERIMENTS` holds) takes the user's
options, seeds everything, runs the body, writes ``<name>.json`` next to the figures in the
output folder and returns the same dict::

    {"name", "title", "quick", "seed", "dataset", "seconds",
     "summary":  one sentence on what the run shows (with its numbers),
     "figures":  PNG file names in the output folder,
     "numbers":  the measurements (JSON-able),
     "claims":   [{"claim", "source", "check", "holds", "detail"}, ...]}

A *claim* is what a guide says, the check on the numbers that tests it, and whether it held in
this run; the tests assert what is actually true, and the report says it in words.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend

#: The guides the claims come from, by the short names the report uses.
GUIDES: dict[str, str] = {
    "guide A": "'Have you been getting tangled up in deep learning' (a Python blog's primer)",
    "guide B": "'Deep Dive into Deep Learning: A Practical Guide'",
    "guide C": "'Deep learning' Q&A notes (after Saito's Deep Learning from Scratch)",
    "guide D": "'Deep Learning Essentials' (P. Ugwu)",
}

DATASETS = ("digits", "fashion-mnist")


@dataclass
class Claim:
    """A guide's claim and the check of it on this run's numbers."""

    claim: str
    source: str
    check: str
    holds: bool
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["holds"] = bool(self.holds)
        return d


@dataclass
class Outcome:
    """What an experiment's body returns."""

    numbers: dict[str, Any]
    claims: list[Claim]
    summary: str
    figures: list[str] = field(default_factory=list)


@dataclass
class Context:
    """The options of one run and the helpers an experiment body uses."""

    name: str
    out: Path
    quick: bool = False
    seed: int = 0
    dataset: str = "digits"
    figures: list[str] = field(default_factory=list)

    def rng(self, offset: int = 0) -> np.random.Generator:
        """A NumPy generator seeded from the run's seed (``offset`` separates streams)."""
        return np.random.default_rng(self.seed * 1000 + offset)

    def savefig(self, fig: Any, stem: str | None = None) -> str:
        """Write ``fig`` as ``<name>[-stem].png`` in the output folder; returns the file name."""
        from ..viz.plots import save_figure

        fname = f"{self.name}{'-' + stem if stem else ''}.png"
        save_figure(fig, self.out / fname)
        if fname not in self.figures:
            self.figures.append(fname)
        return fname


@dataclass
class Spec:
    """A registered experiment: its name, title and body."""

    name: str
    title: str
    body: Callable[[Context], Outcome]
    uses_dataset: bool = False


#: name → :class:`Spec`, in registration order.
SPECS: dict[str, Spec] = {}
#: name → run function (what :data:`deepgrad.lab.EXPERIMENTS` is), in registration order.
RUNS: dict[str, Callable[..., dict[str, Any]]] = {}


def _jsonable(value: Any) -> Any:
    """Convert NumPy scalars/arrays (and non-finite floats, as strings) for ``json.dump``."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else str(f)
    return value


def experiment(
    name: str, title: str, *, uses_dataset: bool = False
) -> Callable[[Callable[[Context], Outcome]], Callable[..., dict[str, Any]]]:
    """Register an experiment body under ``name``; returns its run function
    ``run(out="lab-output", quick=False, seed=0, dataset="digits") -> dict``."""

    def register(body: Callable[[Context], Outcome]) -> Callable[..., dict[str, Any]]:
        spec = Spec(name, title, body, uses_dataset)
        SPECS[name] = spec

        def run(
            out: str | os.PathLike[str] = "lab-output",
            quick: bool = False,
            seed: int = 0,
            dataset: str = "digits",
        ) -> dict[str, Any]:
            return run_experiment(spec, out=out, quick=quick, seed=seed, dataset=dataset)

        run.__name__ = f"run_{name.replace('-', '_')}"
        run.__doc__ = (
            f"Run the lab experiment {name!r} ({title}); write its PNG figure(s) and "
            f"{name}.json into ``out`` and return the result dict (see deepgrad.lab.experiment)."
        )
        run.spec = spec  # type: ignore[attr-defined]
        RUNS[name] = run
        return run

    return register


def run_experiment(
    spec: Spec,
    *,
    out: str | os.PathLike[str] = "lab-output",
    quick: bool = False,
    seed: int = 0,
    dataset: str = "digits",
) -> dict[str, Any]:
    """Seed, run ``spec``'s body, write ``<name>.json`` in ``out``; return the result dict."""
    if dataset not in DATASETS:
        raise ValueError(
            f"lab {spec.name}: unknown dataset {dataset!r}; expected one of {DATASETS}"
        )
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"lab {spec.name}: seed must be a non-negative int, got {seed!r}")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context(spec.name, out_dir, quick=quick, seed=seed, dataset=dataset)
    backend.manual_seed(seed)
    rng_state = backend.get_rng_state()
    t0 = time.perf_counter()
    try:
        with _single_threaded_blas():
            outcome = spec.body(ctx)
    finally:
        backend.set_rng_state(rng_state)
    seconds = time.perf_counter() - t0
    result = {
        "name": spec.name,
        "title": spec.title,
        "quick": bool(quick),
        "seed": seed,
        "dataset": dataset if spec.uses_dataset else None,
        "seconds": round(seconds, 2),
        "summary": outcome.summary,
        "figures": list(dict.fromkeys(ctx.figures + outcome.figures)),
        "numbers": _jsonable(outcome.numbers),
        "claims": [c.as_dict() for c in outcome.claims],
    }
    from ..io import atomic_write

    text = (json.dumps(result, indent=2) + "\n").encode()
    atomic_write(out_dir / f"{spec.name}.json", lambda f: f.write(text))  # the report reads it
    return result


class _single_threaded_blas:  # noqa: N801 - used as a context manager
    """Limit BLAS to one thread while an experiment runs.

    The lab's networks are small (matrices of a few hundred rows); for them a second BLAS
    thread costs more in synchronisation than it gives, and on a busy machine an
    oversubscribed OpenBLAS was measured 10-30x slower per step than a single thread.
    """

    def __enter__(self) -> None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
            self._limits = None
            return
        self._limits = threadpool_limits(limits=1, user_api="blas")

    def __exit__(self, *exc: Any) -> None:
        if self._limits is not None:
            self._limits.restore_original_limits()


def load_results(out: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The result dicts found as ``<name>.json`` in ``out``, in registry order, each checked
    against the form :func:`run_experiment` writes (a ``ValueError`` naming the file and the
    field otherwise: the report puts these values into HTML)."""
    from ..io.safe_read import read_json

    out_dir = Path(out)
    results = []
    for name in SPECS:
        p = out_dir / f"{name}.json"
        if p.is_file():
            results.append(_checked_result(read_json(p.read_bytes(), str(p)), name, p))
    return results


#: the fields of a result file, their types, and whether they may be missing
_RESULT_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "name": ((str,), False),
    "title": ((str,), False),
    "summary": ((str,), False),
    "quick": ((bool,), True),
    "seed": ((int,), True),
    "dataset": ((str, type(None)), True),
    "seconds": ((int, float), True),
    "figures": ((list,), True),
    "numbers": ((dict,), True),
    "claims": ((list,), True),
}
_CLAIM_FIELDS = {"claim": str, "source": str, "check": str, "holds": bool, "detail": str}


def _checked_result(res: Any, name: str, path: Path) -> dict[str, Any]:
    def bad(why: str) -> ValueError:
        return ValueError(f"{path}: not a lab result file: {why}")

    if not isinstance(res, dict):
        raise bad(f"expected a JSON object, got {type(res).__name__}")
    for key, (kinds, optional) in _RESULT_FIELDS.items():
        if key not in res:
            if optional:
                continue
            raise bad(f"no {key!r}")
        v = res[key]
        if not isinstance(v, kinds) or (isinstance(v, bool) and bool not in kinds):
            raise bad(f"{key!r} is {v!r:.60}; expected {' or '.join(k.__name__ for k in kinds)}")
    if res["name"] != name:
        raise bad(f"it names experiment {res['name']!r:.60}, the file {name!r}")
    if not all(isinstance(f, str) for f in res.get("figures", [])):
        raise bad("'figures' must list file names")
    for i, c in enumerate(res.get("claims", [])):
        ok = isinstance(c, dict) and all(
            isinstance(c.get(k), t) for k, t in _CLAIM_FIELDS.items() if k in c or k != "detail"
        )
        if not ok:
            raise bad(f"claim {i} must have {', '.join(_CLAIM_FIELDS)} (strings, holds a bool)")
    return res


def fmt(x: float, digits: int = 3) -> str:
    """A number for a sentence: ``0.0123``, ``1.23e-08``, ``12.3``."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return str(x)
    if abs(x) < 1e-3 or abs(x) >= 1e5:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"
