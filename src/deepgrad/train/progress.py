"""Progress display of ``fit``: a tqdm bar per epoch in a terminal, one plain line per epoch
elsewhere (CI logs, files, notebooks' captured output), nothing with ``verbose=0``.

A terminal bar reads like Keras's::

    Epoch 3/20: 45/45 [=============>      ] 00:01<00:00 35.2step/s, loss=0.3121, accuracy=0.9052

and, when the epoch ends, the same line with the validation results. A plain line::

    Epoch 3/20 - 45/45 steps - 1.3s (28.4ms/step) - loss: 0.3121 - accuracy: 0.9052 - val_loss: 0.3410

The bar is refreshed at most every ``REFRESH_S`` seconds, and the running metrics are computed
only then, so the display costs next to nothing per step.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

#: seconds between two refreshes of a bar's running values
REFRESH_S = 0.2


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal (where a live bar makes sense)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # closed stream
        return False


def format_logs(logs: dict[str, Any], sep: str = " - ", kv: str = ": ") -> str:
    """``loss: 0.3121 - accuracy: 0.9052 - lr: 0.001`` (4 decimals; ``lr`` in 3 significant
    digits)."""
    parts = []
    for k, v in logs.items():
        if isinstance(v, float | int):
            s = f"{v:.3g}" if k == "lr" else f"{v:.4f}"
        else:
            s = str(v)
        parts.append(f"{k}{kv}{s}")
    return sep.join(parts)


def resolve_verbose(verbose: Any) -> int:
    """``"auto"`` → 1; otherwise 0 (silent), 1 (bar, or a line when not a terminal) or 2
    (a line per epoch)."""
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or isinstance(verbose, float):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}")
    return int(verbose)


class EpochProgress:
    """The display of one epoch.

    Parameters
    ----------
    epoch, epochs : int
        0-based epoch and the total (printed 1-based: "Epoch 1/20").
    steps : int or None
        Steps in the epoch (None when a loader has no length).
    verbose : int
        0, 1 or 2 (see :func:`resolve_verbose`).
    running : callable
        Returns the running logs (``{"loss": ..., "accuracy": ...}``); called only on a
        refresh.
    initial : int
        Steps already done (a resumed epoch).
    """

    def __init__(
        self,
        epoch: int,
        epochs: int,
        steps: int | None,
        verbose: int,
        running: Callable[[], dict[str, Any]],
        initial: int = 0,
        stream: TextIO | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.epoch, self.epochs, self.steps = epoch, epochs, steps
        self.verbose = verbose
        self.running = running
        self.done = initial
        self.initial = initial
        self.t0 = time.perf_counter()
        self._next = self.t0 + REFRESH_S
        self.bar = None
        if verbose == 1 and is_terminal(self.stream):
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=steps,
                initial=initial,
                desc=f"Epoch {epoch + 1}/{epochs}",
                unit="step",
                file=self.stream,
                leave=True,
                dynamic_ncols=True,
                mininterval=REFRESH_S,
                bar_format="{desc}: {n_fmt}/{total_fmt} [{bar:24}] {elapsed}<{remaining} "
                "{rate_fmt}{postfix}",
                ascii=" =",
            )

    def step(self) -> None:
        """One step done (cheap: a counter, and a clock read when a bar is shown)."""
        self.done += 1
        bar = self.bar
        if bar is not None:
            bar.update(1)
            now = time.perf_counter()
            if now >= self._next:
                self._next = now + REFRESH_S
                bar.set_postfix_str(format_logs(self.running(), ", ", "="), refresh=True)

    def close(self, logs: dict[str, Any]) -> None:
        """End the epoch: the bar's final values, or the plain line."""
        if self.verbose == 0:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(format_logs(logs, ", ", "="), refresh=False)
            self.bar.close()
            return
        elapsed = time.perf_counter() - self.t0
        n = self.done - self.initial
        per = f" ({1000 * elapsed / n:.1f}ms/step)" if n else ""
        total = self.steps if self.steps is not None else self.done
        line = f"Epoch {self.epoch + 1}/{self.epochs} - {self.done}/{total} steps - {elapsed:.1f}s{per}"
        if logs:
            line += " - " + format_logs(logs)
        print(line, file=self.stream, flush=True)
