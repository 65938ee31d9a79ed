"""``torch.utils.benchmark``: timing a statement the way PyTorch's recipe does.

``Timer(stmt, setup, globals=..., num_threads=...)`` compiles the statement with Python's
:mod:`timeit` and runs it with deepgrad's BLAS and worker threads set to ``num_threads``
(restored afterwards). :meth:`Timer.blocked_autorange` first finds a block size — runs per
measurement — large enough that the timer's own overhead is under 10⁻⁴ of a block (or the
block takes ``min_run_time / 1000``), then measures blocks until ``min_run_time`` has
passed; :meth:`Timer.adaptive_autorange` goes on until the interquartile range is under
``threshold`` of the median. A :class:`Measurement` holds the per-run times (block time ÷
runs) and their median, mean and IQR (quantiles by linear interpolation, as
``torch.quantile``); it warns when the IQR exceeds 10 % of the median (25 %: a stronger
warning).
:class:`Compare` prints several measurements as one table (rows: ``sub_label`` by thread
count, columns: ``description``), times in one unit.

>>> import deepgrad as dg
>>> from deepgrad.utils import benchmark
>>> x = dg.ones(64, 64)
>>> m = benchmark.Timer("x @ x", globals={"x": x}, label="matmul").timeit(10)
>>> m.number_per_run, len(m.times), m.median > 0
(10, 1, True)
"""

from __future__ import annotations

import enum
import math
import textwrap
import timeit
from collections.abc import Callable, Iterable
from typing import Any

import numpy

from ..threads import get_num_threads, set_num_threads

__all__ = ["Compare", "Language", "Measurement", "TaskSpec", "Timer", "select_unit",
           "trim_sigfig", "unit_to_english"]  # fmt: skip

IQR_WARN_THRESHOLD = 0.1
IQR_GROSS_WARN_THRESHOLD = 0.25
MIN_CONFIDENCE_INTERVAL = 25e-9
MAX_SIGNIFICANT_FIGURES = 4


class Language(enum.Enum):
    """The statement's language: Python only here (PyTorch's also times C++)."""

    PYTHON = 0
    CPP = 1


def select_unit(t: float) -> tuple[str, float]:
    """The unit PyTorch prints ``t`` seconds in, and its scale: ns, us, ms or s."""
    k = int(math.log10(t) // 3) if t > 0 else -3
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(k, "s")  # under 1 ns: seconds, as PyTorch
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def unit_to_english(u: str) -> str:
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[u]


def trim_sigfig(x: float, n: int) -> float:
    """``x`` rounded to ``n`` significant figures."""
    if x == 0:
        return 0.0
    scale = 10 ** (math.ceil(math.log10(abs(x))) - n)
    return float(round(x / scale) * scale)


class TaskSpec:
    """What was timed: the statement, its setup, the labels and the thread count."""

    def __init__(self, stmt: str, setup: str, global_setup: str = "", label: str | None = None,
                 sub_label: str | None = None, description: str | None = None,
                 env: str | None = None, num_threads: int = 1) -> None:  # fmt: skip
        self.stmt, self.setup, self.global_setup = stmt, setup, global_setup
        self.label, self.sub_label, self.description = label, sub_label, description
        self.env, self.num_threads = env, num_threads

    @property
    def title(self) -> str:
        """``label: sub_label``, else the statement."""
        if self.label is not None:
            return self.label + (f": {self.sub_label}" if self.sub_label else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {self.sub_label}" if self.sub_label else "")
        return (
            "stmt:"
            + (f" ({self.sub_label})" if self.sub_label else "")
            + "\n"
            + textwrap.indent(self.stmt, "  ")
        )

    def summarize(self) -> str:
        return "\n".join(s for s in (self.title, self.description or "") if s)


class Measurement:
    """The times of one :class:`Timer` run: ``raw_times`` (seconds a block),
    ``number_per_run`` (runs a block), ``times`` (seconds a run), ``median``, ``mean``,
    ``iqr``, ``significant_figures``, ``has_warnings``."""

    def __init__(self, number_per_run: int, raw_times: list[float], task_spec: TaskSpec,
                 metadata: dict | None = None) -> None:  # fmt: skip
        self.number_per_run, self.raw_times = number_per_run, list(raw_times)
        self.task_spec, self.metadata = task_spec, metadata
        t = numpy.sort(numpy.asarray(self.times, dtype=numpy.float64))
        self._sorted = t
        self._median, self._mean = float(numpy.quantile(t, 0.5)), float(t.mean())
        self._p25, self._p75 = float(numpy.quantile(t, 0.25)), float(numpy.quantile(t, 0.75))
        self._warnings: tuple[str, ...] = ()
        if self._median > 0 and not self.meets_confidence(IQR_GROSS_WARN_THRESHOLD):
            self._warn("This suggests significant environmental influence.")
        elif self._median > 0 and not self.meets_confidence(IQR_WARN_THRESHOLD):
            self._warn("This could indicate system fluctuation.")

    def _warn(self, msg: str) -> None:
        pct = self.iqr / self.median * 100
        self._warnings += (f"  WARNING: Interquartile range is {pct:.1f}% of the median "
                           f"measurement.\n           {msg}",)  # fmt: skip

    times = property(lambda self: [t / self.number_per_run for t in self.raw_times])
    median = property(lambda self: self._median)
    mean = property(lambda self: self._mean)
    iqr = property(lambda self: self._p75 - self._p25)
    has_warnings = property(lambda self: bool(self._warnings))
    title = property(lambda self: self.task_spec.title)
    env = property(
        lambda self: "Unspecified env" if self.task_spec.env is None else self.task_spec.env
    )
    as_row_name = property(
        lambda self: self.task_spec.sub_label or self.task_spec.stmt or "[Unknown]"
    )

    def __getattr__(self, name: str) -> Any:  # label, sub_label, description, stmt, ...
        if name.startswith("_") or name == "task_spec":
            raise AttributeError(name)
        return getattr(self.task_spec, name)

    def meets_confidence(self, threshold: float = IQR_WARN_THRESHOLD) -> bool:
        """Whether the IQR is under ``threshold`` of the median."""
        return self.iqr / self.median < threshold if self.median else True

    @property
    def significant_figures(self) -> int:
        """Digits of the median the spread of the middle half supports (1 to 4)."""
        n = len(self._sorted)
        mid = self._sorted[n // 4 : math.ceil(3 * n / 4)]
        std = float(mid.std()) if len(mid) else 0.0
        ci = max(1.645 * std / math.sqrt(max(len(mid), 1)), MIN_CONFIDENCE_INTERVAL)
        digits = math.floor(math.log10(self._median / ci)) if self._median > 0 else 1
        return min(max(digits, 1), MAX_SIGNIFICANT_FIGURES)

    @staticmethod
    def merge(measurements: Iterable[Measurement]) -> list[Measurement]:
        """Measurements of one task joined (their per-run times pooled), one per task."""
        groups: dict[tuple, list[Measurement]] = {}
        for m in measurements:
            s = m.task_spec
            key = (s.stmt, s.setup, s.label, s.sub_label, s.description, s.env, s.num_threads)
            groups.setdefault(key, []).append(m)
        return [Measurement(1, [t for m in ms for t in m.times], ms[0].task_spec)
                for ms in groups.values()]  # fmt: skip

    def __repr__(self) -> str:
        unit, scale = select_unit(self._median)
        n = len(self._sorted)
        lines = [object.__repr__(self), self.task_spec.summarize()]
        if n == 1:
            lines.append(f"  {self._median / scale:.2f} {unit}")
        else:
            lines.append(f"  Median: {self._median / scale:.2f} {unit}")
            if n >= 4:
                lines.append(f"  IQR:    {self.iqr / scale:.2f} {unit} "
                             f"({self._p25 / scale:.2f} to {self._p75 / scale:.2f})")  # fmt: skip
        th = self.task_spec.num_threads
        lines.append(f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if n > 1 else ','} {th} thread{'s' if th > 1 else ''}")  # fmt: skip
        lines.extend(self._warnings)
        return "\n".join(lines)


class _Threads:
    """deepgrad's threads set to ``n`` for a block, then set back."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> None:
        self.prev = get_num_threads()
        if self.n != self.prev:
            set_num_threads(self.n)

    def __exit__(self, *exc: Any) -> None:
        if self.n != self.prev:
            set_num_threads(self.prev)


class Timer:
    """PyTorch's ``torch.utils.benchmark.Timer``: times ``stmt`` after ``setup`` (strings of
    Python, compiled once by :mod:`timeit`) with ``globals``, on ``num_threads`` threads.
    ``language`` must be Python (C++ statements are PyTorch's own extension)."""

    def __init__(
        self, stmt: str = "pass", setup: str = "pass", global_setup: str = "",
        timer: Callable[[], float] = timeit.default_timer, globals: dict[str, Any] | None = None,  # noqa: A002
        label: str | None = None, sub_label: str | None = None, description: str | None = None,
        env: str | None = None, num_threads: int = 1, language: Any = Language.PYTHON,
    ) -> None:  # fmt: skip
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError(
                f"Timer(language={language!r}): deepgrad times Python statements only "
                "(Language.PYTHON); C++ statements need PyTorch's extension build"
            )
        if not isinstance(stmt, str) or not isinstance(setup, str):
            raise ValueError("Timer: stmt and setup must be strings of Python code")
        if not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError(f"Timer: num_threads must be an int >= 1, got {num_threads!r}")
        self._globals = dict(globals or {})
        if global_setup:
            exec(global_setup, self._globals)  # noqa: S102 - the caller's own setup code
        self._timer = timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=self._globals)
        self._task_spec = TaskSpec(stmt, setup, global_setup, label, sub_label, description,
                                   env, num_threads)  # fmt: skip

    def _timeit(self, number: int) -> float:
        return max(self._timer.timeit(number), 1e-9)  # never 0: a ratio divides by it

    def timeit(self, number: int = 1000000) -> Measurement:
        """One block of ``number`` runs (after a warm-up of ``max(number // 100, 2)``)."""
        with _Threads(self._task_spec.num_threads):
            self._timeit(number=max(int(number // 100), 2))
            return Measurement(number, [self._timeit(number)], self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback: Callable[[int, float], Any] | None = None) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _block_size(self, min_run_time: float) -> int:
        with _Threads(self._task_spec.num_threads):
            overhead = float(numpy.median([self._timeit(0) for _ in range(5)]))
            number = 1
            while True:
                taken = self._timeit(number)
                if overhead / taken <= 1e-4 and taken >= min_run_time / 1000:
                    break
                if taken > min_run_time or number * 10 > 2147483647:
                    break
                number *= 10
        return number

    def _loop(self, number: int, stop: Callable[[list[float]], bool], min_run_time: float,
              max_run_time: float | None, callback: Any) -> list[float]:  # fmt: skip
        total, times = 0.0, []
        with _Threads(self._task_spec.num_threads):
            while total < min_run_time or not stop(times):
                spent = self._timeit(number)
                times.append(spent)
                total += spent
                if callback:
                    callback(number, spent)
                if max_run_time and total > max_run_time:
                    break
        return times

    def blocked_autorange(
        self, callback: Callable[[int, float], Any] | None = None, min_run_time: float = 0.2
    ) -> Measurement:
        """Blocks of a size fit to the statement until ``min_run_time`` seconds have run."""
        number = self._block_size(min_run_time)
        times = self._loop(number, lambda t: True, min_run_time, None, callback)
        return Measurement(number, times, self._task_spec)

    def adaptive_autorange(
        self, threshold: float = 0.1, *, min_run_time: float = 0.01, max_run_time: float = 10.0,
        callback: Callable[[int, float], Any] | None = None,
    ) -> Measurement:  # fmt: skip
        """Blocks until the IQR is under ``threshold`` of the median (at least 4 blocks and
        ``min_run_time``, at most ``max_run_time`` seconds)."""
        number = self._block_size(0.05)

        def confident(times: list[float]) -> bool:
            return len(times) > 3 and Measurement(number, times, self._task_spec).meets_confidence(
                threshold
            )

        times = self._loop(number, confident, min_run_time, max_run_time, callback)
        return Measurement(number, times, self._task_spec)

    def collect_callgrind(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "collect_callgrind: deepgrad has no Valgrind instrumentation; time with "
            "blocked_autorange(), or profile with deepgrad.profiler"
        )


class Compare:
    """Measurements as tables, one per ``label``: a row per ``sub_label`` (grouped by thread
    count), a column per ``description``, each cell the median in one unit for the table."""

    def __init__(self, results: list[Measurement]) -> None:
        self._results: list[Measurement] = []
        self.extend_results(results)
        self._trim, self._colorize, self._warnings = False, False, False

    def extend_results(self, results: Iterable[Measurement]) -> None:
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        self._trim = True

    def colorize(self, rowwise: bool = False) -> None:
        self._colorize = True  # accepted; the plain table is printed

    def highlight_warnings(self) -> None:
        self._warnings = True

    def print(self) -> None:
        print(str(self))

    def __str__(self) -> str:
        return "\n".join(self._table(label, ms) for label, ms in self._by_label().items())

    def _by_label(self) -> dict[str | None, list[Measurement]]:
        groups: dict[str | None, list[Measurement]] = {}
        for m in Measurement.merge(self._results):
            groups.setdefault(m.task_spec.label, []).append(m)
        return groups

    def _table(self, label: str | None, ms: list[Measurement]) -> str:
        unit, scale = select_unit(min(m.median for m in ms))
        cols = list(dict.fromkeys(m.task_spec.description or "" for m in ms))
        rows = list(dict.fromkeys((m.task_spec.num_threads, m.as_row_name) for m in ms))
        cell = {(m.task_spec.num_threads, m.as_row_name, m.task_spec.description or ""): m
                for m in ms}  # fmt: skip

        def fmt(m: Measurement | None) -> str:
            if m is None:
                return ""
            v = m.median / scale
            v = trim_sigfig(v, m.significant_figures) if self._trim else v
            return f"{v:.1f}" + (f" (! {m.iqr / m.median * 100:.0f}%)"
                                 if self._warnings and m.has_warnings else "")  # fmt: skip

        body = [[fmt(cell.get((t, r, c))) for c in cols] for t, r in rows]
        name_w = max([len(r) for _, r in rows] + [len(f"{rows[0][0]} threads:")]) + 2
        col_w = [max(len(c), *(len(b[i]) for b in body)) + 2 for i, c in enumerate(cols)]
        head = " " * name_w + "|" + "|".join(c.center(w + 2) for c, w in zip(cols, col_w))
        title = f" {label} " if label else ""
        width = len(head)
        out = ["[" + title.center(width - 2, "-") + "]", head]
        threads = None
        for (t, r), vals in zip(rows, body):
            if t != threads:
                threads = t
                lead = f"{t} threads: "
                out.append(lead + "-" * max(width - len(lead), 0))
            out.append(
                r.rjust(name_w - 2)
                + "  |"
                + "|".join(v.rjust(w) + "  " for v, w in zip(vals, col_w))
            )
        out += ["", f"Times are in {unit_to_english(unit)}s ({unit}).", ""]
        return "\n".join(out)
