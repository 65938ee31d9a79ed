"""Progress display of ``fit``: Keras's live bar in a terminal, one plain line per epoch
elsewhere (CI logs, files, notebooks' captured output), nothing with ``verbose=0``.

In a terminal, each epoch has a title line and a bar redrawn in place, Keras's layout::

    Epoch 3/20
    12/45 ━━━━━━━━━━━━━━━━━━━━ 1s 28ms/step - loss: 0.3121 - accuracy: 0.9052

(during the epoch the time is the estimated time left; at its end, the time it took, and the
validation results join the line). The bar is green for steps done, grey for steps to come
(plain ``━``/``─`` with ``NO_COLOR`` set). Off a terminal, one line per epoch::

    Epoch 3/20 - 45/45 steps - 1.3s (28.4ms/step) - loss: 0.3121 - accuracy: 0.9052 - val_loss: 0.3410

The bar is redrawn at most every ``REFRESH_S`` seconds, and the running metrics are computed
only then, so the display costs next to nothing per step.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, TextIO

#: seconds between two refreshes of a bar's running values
REFRESH_S = 0.2
#: characters of the bar (Keras's width)
BAR_WIDTH = 20
_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


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


def format_time_per_step(seconds: float) -> str:
    """Keras's ``16ms/step``: whole seconds, milliseconds or microseconds per step."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def format_duration(seconds: float) -> str:
    """``7s``, ``2:05`` or ``1:02:05`` (Keras's elapsed time and ETA)."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{seconds:.0f}s"


def bar_line(
    done: int,
    total: int | None,
    seconds: float,
    per_step: float,
    logs: dict[str, Any],
    *,
    color: bool,
) -> str:
    """One state of the terminal bar, Keras's layout:
    ``38/38 ━━━━━━━━━━━━━━━━━━━━ 1s 16ms/step - loss: 0.0709 - accuracy: 0.9786``.
    ``seconds`` is the time taken (at the end of an epoch) or the estimated time left."""
    if total is not None:
        width = len(str(total))
        count = f"{done:>{width}d}/{total}"
        filled = min(BAR_WIDTH, int(BAR_WIDTH * done / total)) if total else BAR_WIDTH
        if color:
            bar = (
                f"{_BOLD}{count}{_RESET} "
                + (f"{_GREEN}{'━' * filled}{_RESET}" if filled else "")
                + f"{_GREY}{'━' * (BAR_WIDTH - filled)}{_RESET}"
            )
        else:
            bar = f"{count} {'━' * filled}{'─' * (BAR_WIDTH - filled)}"
    else:
        bar = f"{_BOLD}{done}{_RESET}" if color else str(done)
    when = format_duration(seconds)
    line = f"{bar} {_BOLD + when + _RESET if color else when} {format_time_per_step(per_step)}"
    if logs:
        line += " - " + format_logs(logs)
    return line


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
        self.live = verbose == 1 and is_terminal(self.stream)
        self.color = self.live and not os.environ.get("NO_COLOR")
        self._width = 0  # characters of the last bar drawn (a shorter one pads over it)
        if self.live:
            print(f"Epoch {epoch + 1}/{epochs}", file=self.stream, flush=True)
            self._draw(self.running() if initial else {}, final=False)

    def _draw(self, logs: dict[str, Any], final: bool) -> None:
        elapsed = time.perf_counter() - self.t0
        n = self.done - self.initial
        per = elapsed / n if n else 0.0
        if final or self.steps is None:
            seconds = elapsed
        else:
            seconds = per * max(self.steps - self.done, 0)
        line = bar_line(self.done, self.steps, seconds, per, logs, color=self.color)
        pad = " " * max(self._width - len(line), 0)
        self._width = len(line)
        self.stream.write("\r" + line + pad + ("\n" if final else ""))
        self.stream.flush()

    def step(self) -> None:
        """One step done (cheap: a counter, and a clock read when a bar is shown)."""
        self.done += 1
        if self.live:
            now = time.perf_counter()
            if now >= self._next:
                self._next = now + REFRESH_S
                self._draw(self.running(), final=False)

    @contextlib.contextmanager
    def interrupted(self) -> Iterator[None]:
        """While the epoch-end callbacks run, before :meth:`close` (Keras 3 runs its progress
        bar after the user's callbacks): the first thing they print to ``sys.stdout`` ends the
        live bar's line first, so it does not run into the bar; the final bar is then drawn
        below it."""
        real = self.stream
        if not self.live or sys.stdout is not real:
            yield
            return
        progress = self

        class _EndsTheBar:
            def write(self, s: str) -> int:
                if s and sys.stdout is self:
                    sys.stdout = real
                    real.write("\n")
                    progress._width = 0
                return real.write(s)

            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

        proxy = _EndsTheBar()
        sys.stdout = proxy  # type: ignore[assignment]
        try:
            yield
        finally:
            if sys.stdout is proxy:
                sys.stdout = real

    def close(self, logs: dict[str, Any]) -> None:
        """End the epoch: the bar's final values, or the plain line."""
        if self.verbose == 0:
            return
        if self.live:
            self._draw(logs, final=True)
            return
        elapsed = time.perf_counter() - self.t0
        n = self.done - self.initial
        per = f" ({1000 * elapsed / n:.1f}ms/step)" if n else ""
        total = self.steps if self.steps is not None else self.done
        line = f"Epoch {self.epoch + 1}/{self.epochs} - {self.done}/{total} steps - {elapsed:.1f}s{per}"
        if logs:
            line += " - " + format_logs(logs)
        print(line, file=self.stream, flush=True)
