"""Fashion-MNIST end to end: each example recipe (``examples/fashion_mnist_*.toml``) trained in
deepgrad and, with the same architecture and recipe, in PyTorch — side by side, epoch by epoch.

deepgrad trains each recipe exactly as ``deepgrad train`` does: the same data, model, seed and
one ``fit`` call (:func:`deepgrad.app.recipe.prepare` sets both up), so the accuracies here
are the ones ``deepgrad train RECIPE`` prints. A callback trains PyTorch beside it with
- the same initial weights (deepgrad's state dict, copied when training begins),
- the same mini-batches in the same order: ``fit``'s permutation ``numpy.random.default_rng(
  [seed, epoch])``, or, for a recipe with an ``[augment]`` section, the very batches
  deepgrad's DataLoader augmented (recorded as deepgrad trains on them),
- the same loss, optimizer, learning rate and schedule.
Dropout masks differ (each framework draws its own). Callbacks other than the schedule are
not reproduced: the example recipes use none.

The two frameworks alternate epoch by epoch (PyTorch after deepgrad on even epochs, before it
on odd ones), so both see the same machine load; with augmentation PyTorch always goes second
(it needs deepgrad's batches), and deepgrad's epoch time includes augmenting its batches while
PyTorch's does not. After every epoch each model is evaluated on the 10,000 test images (not
timed). Recorded per recipe: test accuracy after each epoch, the training seconds of each
epoch, and the **time-to-accuracy ratio**: the target is deepgrad's final test accuracy; each
framework's time to target is its cumulative training time at the first epoch whose test
accuracy reaches it; ratio = PyTorch's time ÷ deepgrad's time (above 1: deepgrad got there
sooner). When PyTorch never reaches the target in the recipe's epochs the ratio is written as
a lower bound (PyTorch's total time ÷ deepgrad's time, ``">"``).

Run::

    .venv/bin/python benchmarks/fashion_mnist.py                   # all recipes, full data
    .venv/bin/python benchmarks/fashion_mnist.py examples/fashion_mnist_cnn.toml \\
        --subset 5000 --epochs 2 --json /tmp/fm.json --md /tmp/fm.md  # a quick check
    .venv/bin/python benchmarks/fashion_mnist.py --merge /tmp/a.json /tmp/b.json  # rows run apart

Writes ``benchmarks/fashion_mnist_results.json`` (all numbers) and ``benchmarks/
FASHION_MNIST.md`` (the table) unless told otherwise. Threads: ``--threads 2`` sets OpenBLAS
(deepgrad) and ``torch.set_num_threads`` equally. The machine's load average is recorded
before and after each recipe: on a shared machine read the ratios, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: the published benchmark rows each example recipe is measured against
#: (github.com/zalandoresearch/fashion-mnist, "Benchmark"; scikit-learn's MLPClassifier rows)
PUBLISHED: dict[str, dict[str, Any]] = {
    "fashion-mnist-mlp": {"row": "MLPClassifier (scikit-learn)", "accuracy": [0.871, 0.877]},
    "fashion-mnist-cnn": {"row": "2 Conv + pooling", "accuracy": [0.876, 0.916]},
    "fashion-mnist-cnn-bn": {"row": "2 Conv + pooling + BN", "accuracy": [0.934]},
    "fashion-mnist-cnn3": {"row": "3 Conv + pooling + 2 FC + dropout", "accuracy": [0.926]},
    "fashion-mnist-gru": {"row": "GRU + SVM", "accuracy": [0.888]},
}


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("recipes", nargs="*", help="recipe files (default: examples/fashion_mnist_*)")
    p.add_argument("--subset", type=int, default=None, help="first N training images only")
    p.add_argument("--test-subset", type=int, default=None, help="first N test images only")
    p.add_argument("--epochs", type=int, default=None, help="override the recipes' epochs")
    p.add_argument("--threads", type=int, default=2, help="BLAS / torch threads (default 2)")
    p.add_argument(
        "--frameworks", default="deepgrad,pytorch", help="comma-separated: deepgrad,pytorch"
    )
    p.add_argument("--json", default=str(ROOT / "benchmarks" / "fashion_mnist_results.json"))
    p.add_argument("--md", default=str(ROOT / "benchmarks" / "FASHION_MNIST.md"))
    p.add_argument("--note", action="append", default=[], help="a line for the report's notes")
    p.add_argument(
        "--merge", nargs="+", metavar="JSON", help="only merge these result files' rows in"
    )
    return p.parse_args(argv)


def _set_threads(n: int) -> None:
    # before NumPy is imported, so OpenBLAS starts with n threads
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    # deepgrad before NumPy, as a user's script imports it: it sets up OpenBLAS's idle
    # threads so that deepgrad's own pool may use the cores (deepgrad.threads)
    import deepgrad  # noqa: F401


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover - not on Linux
        return "n/a"


# ---- deepgrad ---------------------------------------------------------------------------------
class Recorder:
    """The recipe's DataLoader, keeping the batches of the epoch being trained, so that PyTorch
    trains on exactly the (augmented) batches deepgrad saw. ``fit`` calls ``set_epoch`` before
    every epoch: the record starts anew there."""

    def __init__(self, loader: Any) -> None:
        self.loader, self.batches = loader, []

    def __len__(self) -> int:
        return len(self.loader)

    def set_epoch(self, epoch: int) -> None:
        self.loader.set_epoch(epoch)
        self.batches = []

    def __iter__(self) -> Any:
        for batch in self.loader:
            self.batches.append(batch)
            yield batch


def side_by_side(make_torch: Any, xs: Any, ys: Any, recorder: Recorder | None, epochs: int,
                 rec: dict[str, Any]) -> Any:  # fmt: skip
    """A deepgrad callback that builds the PyTorch run with ``make_torch()`` when training
    begins (after ``fit`` has built any lazy layer, so the weights copied are the ones
    deepgrad trains), times each deepgrad epoch (``on_epoch_begin`` to
    ``on_epoch_end``), evaluates the model on the test set (not timed) and trains PyTorch's
    epoch beside it: before deepgrad's on odd epochs and after it on even ones, so both see
    the same machine load — or always after it when PyTorch needs deepgrad's recorded
    (augmented) batches."""
    from deepgrad.train.callback import Callback

    def record(name: str, sec: float, acc: float) -> None:
        rec[name]["epoch_seconds"].append(round(sec, 3))
        rec[name]["test_accuracy"].append(round(acc, 4))

    torch_run = None

    class SideBySide(Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            nonlocal torch_run
            if make_torch is not None:
                torch_run = make_torch()

        def torch_epoch(self, epoch: int) -> None:
            if torch_run is not None:
                sec = torch_run.train_epoch(epoch, None if recorder is None else recorder.batches)
                record("pytorch", sec, torch_run.accuracy(xs, ys))

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            if epoch % 2 == 1 and recorder is None:
                self.torch_epoch(epoch)
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            sec = time.perf_counter() - self.t0
            acc = float(
                self.model.evaluate(xs, ys, batch_size=1000, verbose=0, return_dict=True)[
                    "accuracy"
                ]
            )
            record("deepgrad", sec, acc)
            if epoch % 2 == 0 or recorder is not None:
                self.torch_epoch(epoch)
            line = "  ".join(
                f"{k} {v['test_accuracy'][-1]:.4f} ({v['epoch_seconds'][-1]:.1f} s)"
                for k, v in rec.items()
            )
            print(f"  epoch {epoch + 1:>2}/{epochs}: {line}", flush=True)

    return SideBySide()


# ---- PyTorch ----------------------------------------------------------------------------------
def torch_module(dg_model: Any) -> Any:
    """The PyTorch module with the same structure and parameter names as ``dg_model``
    (Sequential of the recipes' layer types, the zoo's ``MLP`` and ``RNNClassifier``)."""
    import torch

    tnn = torch.nn
    kind = type(dg_model).__name__
    if kind == "Sequential":
        return tnn.Sequential(*(torch_module(m) for m in dg_model))
    if kind == "MLP":

        class MLP(tnn.Module):
            def __init__(self, layers: Any) -> None:
                super().__init__()
                self.layers = layers

            def forward(self, x: Any) -> Any:
                return self.layers(x)

        return MLP(torch_module(dg_model.layers))
    if kind == "RNNClassifier":
        if dg_model.embedding is not None or dg_model.bidirectional:
            raise NotImplementedError("RNNClassifier: only features in, one direction")

        class RNNClassifier(tnn.Module):
            def __init__(self, rnn: Any, fc: Any) -> None:
                super().__init__()
                self.rnn, self.fc = rnn, fc

            def forward(self, x: Any) -> Any:
                _, state = self.rnn(x)
                h = state[0] if isinstance(state, tuple) else state
                return self.fc(h[-1])

        return RNNClassifier(torch_module(dg_model.rnn), torch_module(dg_model.fc))
    cfg = dict(dg_model.get_config())
    for k in ("weight_init", "bias_init"):
        cfg.pop(k, None)
    if kind == "Linear":  # lazy in_features: the materialised weight knows
        cfg["in_features"] = int(dg_model.weight.shape[1])
    if kind == "Conv2d" and cfg.get("in_channels") is None:
        cfg["in_channels"] = int(dg_model.weight.shape[1]) * int(cfg.get("groups", 1))
    cls = getattr(tnn, kind, None)
    if cls is None:
        raise NotImplementedError(f"no PyTorch counterpart for deepgrad layer {kind}")
    return cls(**cfg)


class TorchRun:
    """The same model, recipe and batches in PyTorch's own training loop."""

    name = "pytorch"

    def __init__(
        self, recipe: dict[str, Any], x: Any, y: Any, seed: int, state: dict[str, Any],
        dg_model: Any,
    ) -> None:  # fmt: skip
        import numpy as np
        import torch

        torch.manual_seed(seed)
        self.torch, self.np = torch, np
        self.model = torch_module(dg_model)
        sd = {k: torch.from_numpy(np.array(v)) for k, v in state.items()}
        missing, unexpected = self.model.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise RuntimeError(f"state dicts differ: missing {missing}, unexpected {unexpected}")
        tr = recipe.get("training", {})
        loss = tr.get("loss", "cross_entropy")
        loss = dict(loss) if isinstance(loss, dict) else {"name": loss}
        self.label_smoothing = float(loss.pop("label_smoothing", 0.0))
        if loss != {"name": "cross_entropy"}:
            raise NotImplementedError(
                f"only cross_entropy recipes (with label_smoothing) are compared, got {loss}"
            )
        self.opt = self._optimizer(dict(recipe.get("optimizer", {"name": "adam"})))
        self.sched, self.interval = self._schedule(recipe.get("schedule"))
        self.x = torch.from_numpy(np.ascontiguousarray(x))
        self.y = torch.from_numpy(np.ascontiguousarray(y)).long()
        self.n, self.seed = len(x), seed
        self.batch_size = int(tr.get("batch_size", 32))

    def _optimizer(self, spec: dict[str, Any]) -> Any:
        o = self.torch.optim
        name = spec.pop("name", "adam").lower()
        if "betas" in spec:
            spec["betas"] = tuple(spec["betas"])
        params = self.model.parameters()
        if name in ("adam", "adamw", "sgd", "rmsprop", "nadam", "adagrad"):
            cls = {"adam": o.Adam, "adamw": o.AdamW, "sgd": o.SGD, "rmsprop": o.RMSprop,
                   "nadam": o.NAdam, "adagrad": o.Adagrad}[name]  # fmt: skip
            return cls(params, **spec)
        if name == "momentum":
            return o.SGD(params, momentum=spec.pop("momentum", 0.9), **spec)
        raise NotImplementedError(f"optimizer {name!r} has no PyTorch counterpart here")

    def _schedule(self, spec: dict[str, Any] | None) -> tuple[Any, str]:
        if not spec:
            return None, "epoch"
        spec = dict(spec)
        name, interval = spec.pop("name"), spec.pop("interval", "epoch")
        cls = getattr(self.torch.optim.lr_scheduler, name, None)
        if cls is None:
            raise NotImplementedError(f"schedule {name!r} has no PyTorch counterpart")
        return cls(self.opt, **spec), interval

    def _batches(self, epoch: int) -> Any:
        """``fit``'s batches of epoch ``epoch``: the permutation ``default_rng([seed, epoch])``."""
        order = self.torch.from_numpy(
            self.np.random.default_rng([self.seed, epoch]).permutation(self.n)
        )
        for s in range(0, self.n, self.batch_size):
            idx = order[s : s + self.batch_size]
            yield self.x[idx], self.y[idx]

    def train_epoch(self, epoch: int, batches: list[Any] | None = None) -> float:
        """One epoch on ``fit``'s batch order, or on ``batches`` (NumPy ``(x, y)`` pairs,
        e.g. deepgrad's augmented ones); returns its training seconds."""
        torch, F = self.torch, self.torch.nn.functional
        t0 = time.perf_counter()
        self.model.train()
        if batches is None:
            pairs = self._batches(epoch)
        else:
            pairs = ((torch.from_numpy(x), torch.from_numpy(y).long()) for x, y in batches)
        for xb, yb in pairs:
            self.opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(self.model(xb), yb, label_smoothing=self.label_smoothing)
            loss.backward()
            self.opt.step()
            if self.sched is not None and self.interval == "step":
                self.sched.step()
        if self.sched is not None and self.interval == "epoch":
            self.sched.step()
        if not bool(torch.isfinite(loss)):
            raise FloatingPointError(f"PyTorch: loss became {float(loss)} in epoch {epoch + 1}")
        return time.perf_counter() - t0

    def accuracy(self, x: Any, y: Any) -> float:
        torch = self.torch
        self.model.eval()
        correct = 0
        with torch.no_grad():
            for s in range(0, len(x), 1000):
                out = self.model(torch.from_numpy(x[s : s + 1000]))
                correct += int((out.argmax(1).numpy() == y[s : s + 1000]).sum())
        return correct / len(x)


# ---- one recipe, both frameworks ------------------------------------------------------------
def time_to(accuracies: list[float], seconds: list[float], target: float) -> float | None:
    """Cumulative training seconds at the first epoch whose accuracy reaches ``target``."""
    total = 0.0
    for acc, sec in zip(accuracies, seconds):
        total += sec
        if acc >= target - 1e-12:
            return total
    return None


def bench_recipe(path: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Train one recipe in deepgrad exactly as ``deepgrad train`` does (one ``fit`` call, see
    :func:`deepgrad.app.recipe.prepare`) with PyTorch trained beside it by a callback."""
    from deepgrad.app import recipe as R

    recipe = R.load_recipe(path)
    data_spec = dict(recipe.get("data", {}))
    if args.subset:
        data_spec["subset"] = args.subset
    if args.test_subset:
        data_spec["test_subset"] = args.test_subset
    ds = R.load_data(data_spec)
    training = R.prepare(recipe, ds, tmp, epochs=args.epochs, verbose=0,
                         callbacks={"csv_logger": False})  # fmt: skip
    model, seed, epochs = training.model, training.seed, training.epochs
    tr = recipe.get("training", {})
    if tr.get("validation_split"):
        raise NotImplementedError(f"{path}: compare recipes without a validation split")
    x, y = ds["x_train"], ds["y_train"]
    xs, ys = ds["x_test"], ds["y_test"]
    recorder = None
    if recipe.get("augment"):  # PyTorch trains on the batches deepgrad's loader augmented
        recorder = Recorder(training.fit_args[0])
        training.fit_args = (recorder,)
    wanted = args.frameworks.split(",")
    if "deepgrad" not in wanted:
        raise ValueError("--frameworks: deepgrad drives the batches; name deepgrad")
    make_torch = None
    if "pytorch" in wanted:

        def make_torch() -> TorchRun:
            return TorchRun(recipe, x, y, seed, model.state_dict(), model)

    name = recipe.get("name", Path(path).stem)
    print(f"{name}: {len(x)} training / {len(xs)} test samples, {epochs} epochs, "
          f"load {_load()}", flush=True)  # fmt: skip
    rec: dict[str, Any] = {"deepgrad": {"test_accuracy": [], "epoch_seconds": []}}
    if make_torch is not None:
        rec["pytorch"] = {"test_accuracy": [], "epoch_seconds": []}
    load_before = _load()
    training.fit_kwargs["callbacks"].append(side_by_side(make_torch, xs, ys, recorder, epochs, rec))
    training.fit()
    for v in rec.values():
        v["final_accuracy"] = v["test_accuracy"][-1]
        v["best_accuracy"] = max(v["test_accuracy"])
        v["train_seconds"] = round(sum(v["epoch_seconds"]), 2)
    out: dict[str, Any] = {
        "recipe": os.path.relpath(path, ROOT) if os.path.isabs(path) else path,
        "name": name,
        "published": PUBLISHED.get(name),
        "train_samples": len(x),
        "test_samples": len(xs),
        "epochs": epochs,
        "batch_size": int(tr.get("batch_size", 32)),
        "optimizer": recipe.get("optimizer", {}),
        "schedule": recipe.get("schedule"),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "augment": recipe.get("augment"),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "threads": args.threads,
        "load_average_before": load_before,
        "load_average_after": _load(),
        **rec,
    }
    if "deepgrad" in rec and "pytorch" in rec:
        d, t = rec["deepgrad"], rec["pytorch"]
        target = d["final_accuracy"]
        t_dg = time_to(d["test_accuracy"], d["epoch_seconds"], target)
        t_pt = time_to(t["test_accuracy"], t["epoch_seconds"], target)
        out["target_accuracy"] = target
        out["deepgrad_seconds_to_target"] = None if t_dg is None else round(t_dg, 2)
        out["pytorch_seconds_to_target"] = None if t_pt is None else round(t_pt, 2)
        if t_pt is not None:
            out["time_to_accuracy_ratio"] = round(t_pt / t_dg, 3)
            out["pytorch_reached_target"] = True
        else:  # a lower bound: PyTorch needed longer than all its epochs
            out["time_to_accuracy_ratio"] = round(t["train_seconds"] / t_dg, 3)
            out["pytorch_reached_target"] = False
        out["epoch_time_ratio"] = round(t["train_seconds"] / d["train_seconds"], 3)
    return out


# ---- report -----------------------------------------------------------------------------------
def _published(p: dict[str, Any] | None) -> str:
    if not p:
        return "—"
    a = p["accuracy"]
    return f"{p['row']}: {a[0]:.3f}" + (f"–{a[1]:.3f}" if len(a) > 1 else "")


def _vs_published(acc: float, p: dict[str, Any] | None) -> str:
    if not p:
        return ""
    lo, hi = min(p["accuracy"]), max(p["accuracy"])
    if acc >= hi:
        return f"reached (+{acc - hi:.3f})"
    if acc >= lo:
        return "within the published range"
    return f"short by {lo - acc:.3f}"


def _minutes(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s / 60:.1f} min" if s >= 120 else f"{s:.0f} s"


def _to_published(r: dict[str, Any]) -> str:
    """``"t_dg (epoch) / t_pt (epoch)"``: each framework's time to the row's top figure."""
    p = r.get("published")
    if not p:
        return "—"
    target = max(p["accuracy"])
    parts = []
    for fw in ("deepgrad", "pytorch"):
        v = r.get(fw)
        if v is None:
            continue
        t = time_to(v["test_accuracy"], v["epoch_seconds"], target)
        if t is None:
            parts.append("—")
        else:
            ep = next(i for i, a in enumerate(v["test_accuracy"]) if a >= target - 1e-12) + 1
            parts.append(f"{_minutes(t)} (ep. {ep})")
    return " / ".join(parts)


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "## Fashion-MNIST",
        "",
        "The example recipes `examples/fashion_mnist_*.toml` (run any with `deepgrad train "
        "RECIPE`) on the full data (60,000 training images, the 10,000 test images), against "
        "the rows of the dataset's published benchmark table — deepgrad trained exactly as "
        "`deepgrad train` trains it, so its accuracies are the ones that command prints; and, "
        "with the same architecture, initial weights, mini-batches (for the recipes with "
        "augmentation: the very batches deepgrad's loader augmented), loss, optimizer, "
        f"learning rate, schedule and seed, in PyTorch {m.get('torch', '?')} (CPU) — one run, "
        "the two frameworks taking turns epoch by epoch, the same number of threads each "
        "(OpenBLAS for deepgrad, `torch.set_num_threads` for PyTorch; column *threads*) on "
        f"{m['cpus']} cores; {m['date']}.",
        "",
        "| recipe | published row | deepgrad test acc. (epochs) | vs. published | deepgrad "
        "train time | PyTorch test acc. | PyTorch time to deepgrad's acc. | time-to-acc. ratio"
        " | epoch-time ratio | time to the published acc. (deepgrad / PyTorch) | threads · load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["runs"]:
        d, t = r.get("deepgrad"), r.get("pytorch")
        if d is None:
            continue
        ratio = "—"
        if t is not None:
            q = r["time_to_accuracy_ratio"]
            ratio = f"{q:.2f}×" if r["pytorch_reached_target"] else f"> {q:.2f}×"
        lines.append(
            f"| `{r['recipe']}` | {_published(r['published'])} | "
            f"{d['final_accuracy']:.4f} ({r['epochs']}) | "
            f"{_vs_published(d['final_accuracy'], r['published'])} | "
            f"{_minutes(d['train_seconds'])} | "
            + (f"{t['final_accuracy']:.4f} | " if t else "— | ")
            + (
                (
                    _minutes(r["pytorch_seconds_to_target"])
                    if r["pytorch_reached_target"]
                    else f"not in {r['epochs']} epochs ({_minutes(t['train_seconds'])})"
                )
                if t
                else "—"
            )
            + f" | {ratio} | "
            + (f"{r['epoch_time_ratio']:.2f}× | " if t else "— | ")
            + f"{_to_published(r)} | "
            + f"{r.get('threads', m['threads'])} · {r['load_average_before'].split()[0]} |"
        )
    lines += [
        "",
        "Time-to-accuracy ratio = PyTorch's training time to reach deepgrad's final test "
        "accuracy ÷ deepgrad's (above 1: deepgrad got there sooner); times are cumulative "
        "training seconds at the end of the first epoch whose test accuracy reaches the target "
        "(evaluation not timed), so the granularity is one epoch. Epoch-time ratio = PyTorch's "
        "total training time ÷ deepgrad's for the same epochs (throughput, independent of "
        "where the accuracies land). Time to the published accuracy: each framework's "
        "cumulative training time at the first epoch whose test accuracy reaches the row's "
        "(top) published figure, with the epoch (— : not reached in the recipe's epochs). "
        "Load: the machine's 1-minute load average before "
        "the recipe ran (it is shared; absolute seconds drift, the side-by-side ratios less).",
        "",
        "Test accuracy after each epoch (deepgrad / PyTorch):",
        "",
    ]
    for r in results["runs"]:
        d, t = r.get("deepgrad"), r.get("pytorch")
        if d is None:
            continue
        accs = " ".join(f"{a:.3f}" for a in d["test_accuracy"])
        lines.append(f"- `{r['name']}` deepgrad: {accs}")
        if t is not None:
            accs = " ".join(f"{a:.3f}" for a in t["test_accuracy"])
            lines.append(f"  PyTorch: {accs}")
    if results.get("notes"):
        lines += ["", "Notes:", "", *(f"- {n}" for n in results["notes"])]
    return "\n".join(lines) + "\n"


def summary_lines(results: dict[str, Any]) -> list[str]:
    """The short table for ``benchmarks/RESULTS.md``: each recipe's test accuracy against its
    published row, deepgrad's training time and the time-to-accuracy ratio against PyTorch
    (the full table, per-epoch accuracies and notes: ``FASHION_MNIST.md``)."""
    m = results.get("machine", {})
    lines = [
        f"`python benchmarks/fashion_mnist.py` ({m.get('date', '?')}; "
        f"{m.get('threads', '?')} thread(s) each, {m.get('cpus', '?')} cores; details, "
        "per-epoch accuracies and notes in [FASHION_MNIST.md](FASHION_MNIST.md)):",
        "",
        "| recipe | published row | deepgrad test acc. (epochs) | vs. published | deepgrad "
        "train time | PyTorch test acc. | time-to-acc. ratio | epoch-time ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results.get("runs", []):
        d, t = r.get("deepgrad"), r.get("pytorch")
        if d is None:
            continue
        ratio = epoch = "—"
        if t is not None:
            q = r["time_to_accuracy_ratio"]
            ratio = f"{q:.2f}×" if r["pytorch_reached_target"] else f"> {q:.2f}×"
            epoch = f"{r['epoch_time_ratio']:.2f}×"
        lines.append(
            f"| `{Path(r['recipe']).name}` | {_published(r['published'])} | "
            f"{d['final_accuracy']:.4f} ({r['epochs']}) | "
            f"{_vs_published(d['final_accuracy'], r['published'])} | "
            f"{_minutes(d['train_seconds'])} | "
            + (f"{t['final_accuracy']:.4f}" if t else "—")
            + f" | {ratio} | {epoch} |"
        )
    return lines


def merge(files: list[str], json_path: str, md_path: str, notes: list[str]) -> dict[str, Any]:
    """Rows of other result files (runs made separately, e.g. in parallel) replace the same
    recipes' rows in ``json_path``; the table is rewritten. Nothing is run."""
    target = Path(json_path)
    results = json.loads(target.read_text()) if target.is_file() else {"machine": {}, "runs": []}
    for f in files:
        other = json.loads(Path(f).read_text())
        if not results.get("machine"):
            results["machine"] = other.get("machine", {})
        new = {r["recipe"]: r for r in other.get("runs", [])}
        results["runs"] = [r for r in results["runs"] if r["recipe"] not in new]
        results["runs"] += list(new.values())
        for n in other.get("notes", []):
            if n not in results.setdefault("notes", []):
                results["notes"].append(n)
    results["runs"].sort(key=lambda r: r["recipe"])
    results.setdefault("notes", []).extend(n for n in notes if n not in results["notes"])
    target.write_text(json.dumps(results, indent=2) + "\n")
    Path(md_path).write_text(markdown(results))
    print(f"wrote {json_path} and {md_path}")
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _parse_args(argv)
    if args.merge:
        return merge(args.merge, args.json, args.md, args.note)
    _set_threads(args.threads)
    import tempfile

    import numpy as np
    import torch
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    torch.set_num_threads(args.threads)
    recipes = args.recipes or sorted(glob.glob(str(ROOT / "examples" / "fashion_mnist_*.toml")))
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "threads": args.threads,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": torch.__version__,
            "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "subset": args.subset,
            "test_subset": args.test_subset,
        },
        "runs": [],
        "notes": list(args.note),
    }
    if Path(args.json).is_file() and args.recipes:  # add to / replace rows of earlier runs
        try:
            old = json.loads(Path(args.json).read_text())
            keep = {os.path.relpath(os.path.abspath(p), ROOT) for p in recipes}
            results["runs"] = [r for r in old.get("runs", []) if r["recipe"] not in keep]
            results["notes"] = old.get("notes", []) + [
                n for n in args.note if n not in old.get("notes", [])
            ]
        except (ValueError, KeyError):
            pass
    with tempfile.TemporaryDirectory() as tmp:
        for path in recipes:
            path = os.path.relpath(os.path.abspath(path), ROOT)
            results["runs"].append(bench_recipe(str(ROOT / path), args, Path(tmp)))
            results["runs"][-1]["recipe"] = path
            results["runs"].sort(key=lambda r: r["recipe"])
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
            Path(args.md).write_text(markdown(results))
    print(f"wrote {args.json} and {args.md}")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
