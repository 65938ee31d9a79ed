"""The lab: experiments that reproduce the guides' claims, each one command, with a figure,
a JSON of its numbers, and an honest verdict on each claim.

>>> from deepgrad import lab
>>> "optimizer-paths" in lab.EXPERIMENTS
True

From a shell::

    deepgrad lab list
    deepgrad lab gradients --quick --out lab-output
    deepgrad lab optimizers --dataset fashion-mnist
    deepgrad lab all --out lab-output        # every experiment, then lab-output/report.html

From Python, ``lab.EXPERIMENTS[name](out=..., quick=..., seed=..., dataset=...)`` returns the
result dict (see :mod:`deepgrad.lab.experiment`); :func:`main` is the command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

# importing each experiment's module registers it (the order is the report's order)
from . import gradients, optimizer_paths, optimizers, weight_init, overfitting, batch_norm  # noqa: F401
from . import adagrad_logreg, loss_choice, early_stopping, augmentation  # noqa: F401
from . import hyperparameter_search, attention, lstm_autoencoder  # noqa: F401
from . import cluster_then_label, transfer  # noqa: F401
from .experiment import DATASETS, RUNS, SPECS, Claim, Context, Outcome, load_results
from .report import write_report

#: name → run function ``run(out="lab-output", quick=False, seed=0, dataset="digits") -> dict``.
EXPERIMENTS: dict[str, Callable[..., dict[str, Any]]] = RUNS

__all__ = [
    "DATASETS",
    "EXPERIMENTS",
    "SPECS",
    "Claim",
    "Context",
    "Outcome",
    "load_results",
    "main",
    "run_all",
    "write_report",
]


def run_all(
    out: str = "lab-output",
    *,
    quick: bool = False,
    seed: int = 0,
    dataset: str = "digits",
    names: Sequence[str] | None = None,
    echo: Callable[[str], None] | None = print,
) -> list[dict[str, Any]]:
    """Run the experiments (all, or ``names``) and write ``out/report.html``; return the
    results in order."""
    results = []
    for name in names or list(EXPERIMENTS):
        if echo:
            echo(f"[lab] {name} ...")
        t0 = time.perf_counter()
        res = EXPERIMENTS[name](out=out, quick=quick, seed=seed, dataset=dataset)
        results.append(res)
        if echo:
            echo(f"[lab] {name}: {time.perf_counter() - t0:.1f} s. {res['summary']}")
    path = write_report(out, results)
    if echo:
        echo(f"[lab] report: {path}")
    return results


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="deepgrad lab",
        description="Run an experiment that reproduces a claim of the guides (a PNG figure and "
        "a JSON of its numbers in --out), 'all' of them with an HTML report, 'report' to "
        "rebuild the report from the JSON files in --out, or 'list'.",
    )
    p.add_argument(
        "name",
        choices=[*EXPERIMENTS, "all", "report", "list"],
        metavar="NAME",
        help="experiment name, 'all', 'report' or 'list'",
    )
    p.add_argument("--quick", action="store_true", help="small sizes: seconds, not minutes")
    p.add_argument("--out", default="lab-output", help="output folder (default: lab-output)")
    p.add_argument(
        "--dataset",
        default="digits",
        choices=DATASETS,
        help="data of the MNIST-scale experiments (optimizers, weight-init, "
        "overfitting, batch-norm); default digits",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """The ``deepgrad lab`` command line; returns the exit status (0 on success)."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.seed < 0:
        print("deepgrad lab: --seed must be >= 0", file=sys.stderr)
        return 2
    if args.name == "list":
        for name, spec in SPECS.items():
            extra = " [--dataset]" if spec.uses_dataset else ""
            print(f"{name:24s} {spec.title}{extra}")
        return 0
    if args.name == "report":
        try:
            results = load_results(args.out)
        except ValueError as exc:
            print(f"deepgrad lab: report: {exc}", file=sys.stderr)
            return 2
        if not results:
            print(f"deepgrad lab: no experiment results (*.json) in {args.out}", file=sys.stderr)
            return 2
        print(write_report(args.out, results))
        return 0
    try:
        if args.name == "all":
            run_all(args.out, quick=args.quick, seed=args.seed, dataset=args.dataset)
        else:
            res = EXPERIMENTS[args.name](
                out=args.out, quick=args.quick, seed=args.seed, dataset=args.dataset
            )
            print(res["summary"])
            for c in res["claims"]:
                verdict = "holds" if c["holds"] else "does NOT hold"
                print(f"  - {c['claim']} ({c['source']}): {verdict} — {c['detail']}")
            print(f"figures: {', '.join(res['figures'])}; numbers: {args.out}/{args.name}.json")
    except FileNotFoundError as exc:  # e.g. Fashion-MNIST not on disk: the message says how
        print(f"deepgrad lab: {args.name}: {exc}", file=sys.stderr)
        return 2
    return 0
