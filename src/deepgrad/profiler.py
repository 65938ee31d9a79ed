"""``torch.profiler`` for deepgrad: where a program's time goes, operation by operation.

While a :class:`profile` records, every differentiable operation deepgrad runs is one event
(its :class:`~deepgrad.autograd.Function`'s class name, ``Linear``, ``Conv2dFunction``,
``MatMul``, …), every backward node one event named ``<Name>Backward``, and every
:class:`record_function` range (``with record_function("data"): ...``) one event around
what it holds. An event's **CPU total** is its wall time from entry to exit on its thread;
its **self CPU** is that total minus its children's totals (the events that started and
ended inside it on the same thread)::

    self_cpu(e) = cpu_total(e) − Σ_{c ∈ children(e)} cpu_total(c)

so the self times of all events add up to the recorded time once (the table's "Self CPU
time total"). :meth:`profile.key_averages` sums events by name (and input shapes with
``group_by_input_shape=True``, the top ``group_by_stack_n`` frames of the caller's stack
with ``with_stack=True``); :meth:`EventList.table` prints them as PyTorch prints them.

What is recorded, beside the times:

* ``record_shapes=True``: each operation's input shapes (``Input Shapes`` column when
  grouping by shape);
* ``profile_memory=True``: the bytes of the arrays each operation returns (``CPU Mem``: an
  event and its children, ``Self CPU Mem``: its own; frees are not tracked — NumPy
  releases memory by reference counting, outside any event);
* ``with_flops=True``: the floating-point operations of the products (``MatMul``,
  ``Linear``: ``2·M·N·K``; ``Conv{1,2,3}dFunction``: ``2 · outputs · C/G·kh·kw``) and their
  backward nodes (twice the forward: two products), ``Total MFLOPs`` column;
* ``with_stack=True``: the caller's frames outside deepgrad (``file(line): function``).

Schedules work as PyTorch's: ``profile(schedule=schedule(wait=1, warmup=1, active=2),
on_trace_ready=handler)`` with ``prof.step()`` once per training step records the active
steps (each inside a ``ProfilerStep*`` event, ``ProfilerStep#N`` in a trace) and hands the
profiler to ``handler`` at the end of each active window; :func:`tensorboard_trace_handler`
writes a Chrome trace (``chrome://tracing``, Perfetto, TensorBoard's profiler plugin) there.

The hooks cost nothing while no profiler records: entering one wraps
``Function.__call__`` and the backward's per-node call, leaving restores them.

>>> import deepgrad as dg
>>> model = dg.nn.Linear(8, 4)
>>> with dg.profiler.profile(record_shapes=True) as prof:
...     with dg.profiler.record_function("step"):
...         model(dg.ones(16, 8)).sum().backward()
>>> sorted(e.key for e in prof.key_averages())
['Linear', 'LinearBackward', 'Sum', 'SumBackward', 'step']
>>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=3))  # doctest: +SKIP
"""

from __future__ import annotations

import enum
import gzip
import json
import math
import os
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from . import autograd
from .data.atomic import atomic_write

__all__ = [
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
    "ProfilerAction",
    "ProfilerActivity",
    "profile",
    "record_function",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]


class ProfilerActivity(enum.Enum):
    """What a profiler records (PyTorch's names). deepgrad runs on the CPU: ``CPU`` is the one
    activity it records; asking for another warns and records the CPU side only."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What a :func:`schedule` says to do at a step (PyTorch's names)."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set[ProfilerActivity]:
    """The activities deepgrad's profiler records: ``{ProfilerActivity.CPU}``."""
    return {ProfilerActivity.CPU}


class _ScheduleError(AssertionError, ValueError):
    """PyTorch's class for a schedule's bad arguments (an ``AssertionError``), and a
    ``ValueError``."""


def schedule(
    *, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
    skip_first_wait: int = 0,
) -> Callable[[int], ProfilerAction]:  # fmt: skip
    """PyTorch's profiler schedule: after ``skip_first`` steps, cycles of ``wait`` idle steps,
    ``warmup`` steps run but not kept, ``active`` recorded steps (the last one
    ``RECORD_AND_SAVE``: the trace is handed to ``on_trace_ready``), ``repeat`` times (0:
    forever). ``skip_first_wait=1`` skips the first cycle's wait.

    >>> s = schedule(wait=1, warmup=1, active=2)
    >>> [s(i).name for i in range(5)]
    ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE', 'NONE']
    """
    args = dict(wait=wait, warmup=warmup, active=active, repeat=repeat, skip_first=skip_first)
    bad = {k: v for k, v in args.items() if not isinstance(v, int) or v < (k == "active")}
    if bad:
        raise _ScheduleError(
            f"Invalid profiler schedule arguments: {bad} (wait, warmup, repeat and skip_first "
            "are ints >= 0, active an int >= 1)"
        )
    if warmup == 0:
        warnings.warn(
            "Profiler won't be using warmup, this can skew profiler results", UserWarning, 2
        )
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:  # the first cycle starts at its warmup
            step += wait
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        k = step % cycle
        if k < wait:
            return ProfilerAction.NONE
        if k < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if k < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return action


def _always_record(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


# ---- events --------------------------------------------------------------------------------
def _format_time(us: float) -> str:
    """PyTorch's time format: ``1.234s``, ``1.234ms`` or ``1.234us``."""
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_memory(nbytes: int) -> str:
    """PyTorch's memory format: ``1.00 Gb``, ``1.00 Mb``, ``1.00 Kb`` or ``12 b``."""
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} b"


class FunctionEvent:
    """One recorded operation or range: ``name``, ``thread``, ``time_range`` (µs since the
    profiler started: ``start``, ``end``), ``input_shapes``, ``cpu_memory_usage`` (bytes
    returned), ``flops``, ``stack`` (caller frames), ``cpu_parent`` / ``cpu_children``."""

    def __init__(self, id: int, name: str, thread: int, start_us: float,  # noqa: A002
                 input_shapes: list, stack: list[str], user: bool) -> None:  # fmt: skip
        self.id, self.name, self.thread = id, name, thread
        self.trace_name = name  # the name in a Chrome trace
        self.start_us, self.end_us = start_us, start_us
        self.input_shapes, self.stack = input_shapes, stack
        self.is_user_annotation = user
        self.self_cpu_memory_usage = 0
        self.flops = 0
        self.cpu_parent: FunctionEvent | None = None
        self.cpu_children: list[FunctionEvent] = []
        self.count = 1
        self.is_async = self.is_remote = self.is_legacy = False
        self.device_type, self.node_id, self.scope = "CPU", -1, 0

    key = property(lambda self: self.name)
    cpu_time_total = property(lambda self: self.end_us - self.start_us)
    cpu_time = cpu_time_total
    self_cpu_time_total = property(
        lambda self: self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)
    )
    cpu_memory_usage = property(
        lambda self: self.self_cpu_memory_usage + sum(c.cpu_memory_usage for c in self.cpu_children)
    )
    time_range = property(lambda self: _Interval(self.start_us, self.end_us))
    # the device columns PyTorch's programs sort by: nothing runs on a device here
    device_time = device_time_total = self_device_time_total = cuda_time = 0.0
    cuda_time_total = self_cuda_time_total = 0.0
    device_memory_usage = self_device_memory_usage = self_cuda_memory_usage = 0
    cpu_time_str = property(lambda self: _format_time(self.cpu_time))
    cpu_time_total_str = property(lambda self: _format_time(self.cpu_time_total))
    self_cpu_time_total_str = property(lambda self: _format_time(self.self_cpu_time_total))

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} thread={self.thread} "
            f"cpu_time={self.cpu_time_total_str} self_cpu_time={self.self_cpu_time_total_str} "
            f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage}>"
        )


class _Interval:
    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end

    def elapsed_us(self) -> float:
        return self.end - self.start


class FunctionEventAvg:
    """The events of one key summed (:meth:`EventList.key_averages`): ``count``,
    ``cpu_time_total``, ``self_cpu_time_total``, ``cpu_time`` (the mean), memory, flops."""

    def __init__(self, key: str, input_shapes: Any = None, stack: Any = None) -> None:
        self.key, self.input_shapes, self.stack = key, input_shapes, stack
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.flops = 0
        self.is_user_annotation = False
        self.is_async = self.is_remote = self.is_legacy = False
        self.device_type, self.node_id, self.scope = "CPU", -1, 0
        self.cpu_parent, self.cpu_children = None, []

    device_time = device_time_total = self_device_time_total = cuda_time = 0.0
    cuda_time_total = self_cuda_time_total = 0.0
    device_memory_usage = self_device_memory_usage = self_cuda_memory_usage = 0
    cpu_time = property(lambda self: self.cpu_time_total / max(self.count, 1))
    cpu_time_str = property(lambda self: _format_time(self.cpu_time))
    cpu_time_total_str = property(lambda self: _format_time(self.cpu_time_total))
    self_cpu_time_total_str = property(lambda self: _format_time(self.self_cpu_time_total))

    def add(self, other: Any) -> FunctionEventAvg:
        """Fold one event (or average) into this one."""
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.flops += other.flops
        self.is_user_annotation = other.is_user_annotation
        return self

    def __iadd__(self, other: Any) -> FunctionEventAvg:
        return self.add(other)

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
            f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes} "
            f"cpu_memory_usage={self.cpu_memory_usage}>"
        )


#: the keys ``table(sort_by=...)`` takes (PyTorch's, the device ones all 0 here)
SORT_KEYS = (
    "cpu_time", "cpu_time_total", "self_cpu_time_total", "cpu_memory_usage",
    "self_cpu_memory_usage", "count", "flops", "device_time", "device_time_total",
    "self_device_time_total", "cuda_time", "cuda_time_total", "self_cuda_time_total",
    "device_memory_usage", "self_device_memory_usage", "cuda_memory_usage",
    "self_cuda_memory_usage",
)  # fmt: skip


class EventList(list):
    """A list of :class:`FunctionEvent` or :class:`FunctionEventAvg` with PyTorch's
    ``table``, ``key_averages``, ``total_average`` and ``export_chrome_trace``."""

    def __init__(self, events: Iterable[Any] = (), *, columns: frozenset[str] = frozenset(),
                 origin: float = 0.0) -> None:  # fmt: skip
        super().__init__(events)
        self._columns, self._origin = columns, origin

    @property
    def self_cpu_time_total(self) -> float:
        """The sum of the events' self CPU times (µs): the time recorded, counted once."""
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0, **_: Any
    ) -> EventList:
        """The events summed by name (and input shapes, and the top ``group_by_stack_n``
        stack frames), in order of first appearance."""
        groups: dict[tuple, FunctionEventAvg] = {}
        for e in self:
            shapes = e.input_shapes if group_by_input_shape else None
            stack = tuple(e.stack[:group_by_stack_n]) if group_by_stack_n else None
            key = (e.key, repr(shapes), stack)
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg(e.key, shapes, list(stack or []))
            avg.add(e)
        cols = set(self._columns)
        if group_by_input_shape:
            cols.add("shapes")
        if group_by_stack_n:
            cols.add("stack")
        return EventList(groups.values(), columns=frozenset(cols), origin=self._origin)

    def total_average(self) -> FunctionEventAvg:
        """All events summed into one (key ``Total``)."""
        total = FunctionEventAvg("Total")
        for e in self:
            total.add(e)
        return total

    def table(
        self, sort_by: str | None = None, row_limit: int = 100, max_src_column_width: int = 75,
        max_name_column_width: int = 55, max_shapes_column_width: int = 80,
        header: str | None = None, top_level_events_only: bool = False, time_unit: Any = None,
    ) -> str:  # fmt: skip
        """PyTorch's profiler table: one row per event (sorted descending by ``sort_by``, at
        most ``row_limit`` rows; ``-1`` for all), the time columns in PyTorch's format and a
        ``Self CPU time total`` line. ``sort_by`` is one of :data:`SORT_KEYS`."""
        return _table(self, sort_by, row_limit, max_src_column_width, max_name_column_width,
                      max_shapes_column_width, header, top_level_events_only)  # fmt: skip

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the events as a Chrome trace (``{"traceEvents": [...]}``, complete events in
        µs; gzip-compressed where ``path`` ends in ``.gz``), atomically."""
        _write_trace(list(self), path)


def _table(events: EventList, sort_by: str | None, row_limit: int, src_width: int,
           name_width: int, shapes_width: int, header: str | None, top_only: bool) -> str:  # fmt: skip
    if sort_by is not None and sort_by not in SORT_KEYS:
        import difflib

        near = difflib.get_close_matches(sort_by, SORT_KEYS, 1)
        raise _SortKeyError(
            f"'{type(events[0]).__name__ if events else 'FunctionEvent'}' object has no "
            f"attribute '{sort_by}': table(sort_by=...) takes one of {', '.join(SORT_KEYS)}"
            + (f" (did you mean '{near[0]}'?)" if near else "")
        )
    rows = [e for e in events if not (top_only and getattr(e, "cpu_parent", None) is not None)]
    if sort_by is not None:
        attr = "cuda_memory_usage" if sort_by == "cuda_memory_usage" else sort_by
        rows.sort(key=lambda e: getattr(e, attr, 0), reverse=True)
    if row_limit is not None and row_limit >= 0:
        rows = rows[:row_limit]
    total = sum(e.self_cpu_time_total for e in events) or 1.0
    cols = events._columns
    names = [e.key if len(e.key) <= name_width else e.key[: name_width - 3] + "..." for e in rows]
    w = max([len(n) for n in names] + [len("Name")]) + 4
    heads = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if "memory" in cols:
        heads += ["CPU Mem", "Self CPU Mem"]
    heads.append("# of Calls")
    if "flops" in cols:
        peak = max([e.flops for e in rows] + [0])
        unit, scale = next(((u, s) for u, s in (("PFLOPs", 1e15), ("TFLOPs", 1e12),
                            ("GFLOPs", 1e9), ("MFLOPs", 1e6), ("KFLOPs", 1e3))
                            if peak >= s), ("FLOPs", 1.0))  # fmt: skip
        heads.append(f"Total {unit}")
    shape_w = src_w = 0
    if "shapes" in cols:
        shape_w = min(max([len(str(e.input_shapes)) for e in rows] + [12]), shapes_width) + 4
    if "stack" in cols:
        src_w = min(max([len(s) for e in rows for s in (e.stack or [""])] + [15]), src_width) + 4
    widths = [w] + [14] * len(heads)
    titles = ["Name", *heads]
    if shape_w:
        widths.append(shape_w)
        titles.append("Input Shapes")
    if src_w:
        widths.append(src_w)
        titles.append("Source Location")
    line = "".join("-" * (x - 2) + "  " for x in widths)
    out = [header] if header else []
    out += [line, "".join(t.rjust(x - 2) + "  " for t, x in zip(titles, widths)), line]
    for name, e in zip(names, rows):
        cells = [name, f"{100 * e.self_cpu_time_total / total:.2f}%",
                 _format_time(e.self_cpu_time_total),
                 f"{100 * e.cpu_time_total / total:.2f}%", _format_time(e.cpu_time_total),
                 _format_time(e.cpu_time)]  # fmt: skip
        if "memory" in cols:
            cells += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
        cells.append(str(e.count))
        if "flops" in cols:
            cells.append(f"{e.flops / scale:.3f}" if e.flops else "--")
        if shape_w:
            s = str(e.input_shapes)
            cells.append(s if len(s) <= shape_w - 4 else s[: shape_w - 7] + "...")
        if src_w:
            cells.append((e.stack or [""])[0][: src_w - 4])
        out.append("".join(c.rjust(x - 2) + "  " for c, x in zip(cells, widths)))
    out += [line, f"Self CPU time total: {_format_time(total if events else 0.0)}", ""]
    return "\n".join(out)


class _SortKeyError(AttributeError, ValueError):
    """PyTorch's class for an unknown ``sort_by`` (an ``AttributeError``), and a
    ``ValueError``."""


def _write_trace(events: list[FunctionEvent], path: str | os.PathLike) -> None:
    pid = os.getpid()
    trace = [
        {"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
         "name": e.trace_name, "pid": pid, "tid": e.thread, "ts": round(e.start_us, 3),
         "dur": round(e.cpu_time_total, 3),
         "args": {"Input Dims": e.input_shapes, "External id": e.id}}
        for e in events
    ]  # fmt: skip
    data = json.dumps({"schemaVersion": 1, "traceEvents": trace, "displayTimeUnit": "ms"})
    raw = data.encode("utf-8")
    if str(path).endswith(".gz"):
        raw = gzip.compress(raw)
    atomic_write(path, lambda f: f.write(raw))


# ---- recording -----------------------------------------------------------------------------
class _Recorder:
    """The events of one recording window, a stack of open events per thread."""

    def __init__(self, shapes: bool, memory: bool, flops: bool, stack: bool) -> None:
        self.shapes, self.memory, self.flops, self.stack = shapes, memory, flops, stack
        self.events: list[FunctionEvent] = []
        self.local = threading.local()
        self.origin = time.perf_counter_ns()
        self.lock = threading.Lock()

    def now(self) -> float:
        return (time.perf_counter_ns() - self.origin) / 1e3

    def open(self, name: str, inputs: Any = (), user: bool = False) -> FunctionEvent:
        opened = getattr(self.local, "open", None)
        if opened is None:
            opened = self.local.open = []
        shapes = [list(getattr(x, "shape", ())) for x in inputs] if self.shapes else []
        frames = _user_frames() if self.stack else []
        with self.lock:
            ev = FunctionEvent(len(self.events), name, threading.get_ident(), self.now(),
                               shapes, frames, user)  # fmt: skip
            self.events.append(ev)
        if opened:
            ev.cpu_parent = opened[-1]
            opened[-1].cpu_children.append(ev)
        opened.append(ev)
        return ev

    def close(self, ev: FunctionEvent, outputs: Any = None, flops: int = 0) -> None:
        ev.end_us = self.now()
        opened = self.local.open
        while opened and opened.pop() is not ev:  # an inner event left open by an error
            pass
        if self.memory and outputs is not None:
            outs = outputs if isinstance(outputs, tuple) else (outputs,)
            ev.self_cpu_memory_usage = sum(getattr(o, "nbytes", 0) for o in outs)
        ev.flops = flops


def _user_frames() -> list[str]:
    """The caller's frames outside deepgrad, innermost first (``file(line): function``)."""
    here = os.path.dirname(os.path.abspath(__file__))
    frames = [
        f for f in traceback.extract_stack() if not os.path.abspath(f.filename).startswith(here)
    ]
    return [f"{f.filename}({f.lineno}): {f.name}" for f in reversed(frames)]


def _product_flops(name: str, inputs: Any, outputs: Any) -> int:
    """Multiply-adds × 2 of the products the profiler knows (``with_flops``); 0 otherwise."""
    shapes = [tuple(getattr(x, "shape", ())) for x in inputs]
    out = outputs[0] if isinstance(outputs, tuple) else outputs
    if name in ("MatMul", "Linear", "LinearReLU") and len(shapes) >= 2 and shapes[0] and shapes[1]:
        k = shapes[0][-1]
        return 2 * k * math.prod(getattr(out, "shape", ()))
    if name.startswith("Conv") and name.endswith("Function") and len(shapes) >= 2:
        w = shapes[1]
        return 2 * math.prod(getattr(out, "shape", ())) * math.prod(w[1:]) if w else 0
    return 0


_ACTIVE: list[_Recorder] = []  # the recorder the hooks write to (at most one)
_ORIGINAL: dict[str, Any] = {}


def _profiled_call(self: Any, *inputs: Any) -> Any:
    rec = _ACTIVE[0] if _ACTIVE else None
    if rec is None:
        return _ORIGINAL["call"](self, *inputs)
    name = type(self).__name__
    ev = rec.open(name, inputs)
    out = None
    try:
        out = _ORIGINAL["call"](self, *inputs)
        return out
    finally:
        rec.close(
            ev, out, _product_flops(name, inputs, out) if rec.flops and out is not None else 0
        )


def _profiled_node_grads(fn: Any, gys: list) -> tuple:
    rec = _ACTIVE[0] if _ACTIVE else None
    if rec is None:
        return _ORIGINAL["node"](fn, gys)
    name = type(fn).__name__
    ev = rec.open(fn.name(), gys)
    out = None
    try:
        out = _ORIGINAL["node"](fn, gys)
        return out
    finally:
        flops = 0
        if rec.flops and out is not None and fn.inputs is not None:  # two products a node
            flops = 2 * _product_flops(name, fn.inputs, _FakeOut(gys))
        rec.close(ev, tuple(g for g in out if g is not None) if out else None, flops)


class _FakeOut:
    """The forward output's shape, read off the gradient flowing into a backward node."""

    def __init__(self, gys: list) -> None:
        g = next((g for g in gys if g is not None), None)
        self.shape = tuple(getattr(g, "shape", ()))


def _install(rec: _Recorder) -> None:
    if _ACTIVE:
        raise RuntimeError(
            "Profiler is already enabled on this thread (deepgrad records one profile at a "
            "time): leave the outer profile first, or use record_function for a sub-range"
        )
    if not _ORIGINAL:
        _ORIGINAL["call"] = autograd.Function.__call__
        _ORIGINAL["node"] = autograd._node_grads
        autograd.Function.__call__ = _profiled_call  # type: ignore[method-assign]
        autograd._node_grads = _profiled_node_grads
    _ACTIVE.append(rec)


def _uninstall() -> None:
    _ACTIVE.clear()
    if _ORIGINAL:
        autograd.Function.__call__ = _ORIGINAL.pop("call")  # type: ignore[method-assign]
        autograd._node_grads = _ORIGINAL.pop("node")


class record_function:  # noqa: N801 - PyTorch's name
    """A named range in the profile (``with record_function("forward"): ...``, or as a
    decorator): one event around what it holds, user annotation in the trace. Outside a
    recording profiler it does nothing."""

    def __init__(self, name: str, args: str | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function(name): name must be a str, got {type(name).__name__}")
        self.name, self.args = name, args
        self._event: tuple[_Recorder, FunctionEvent] | None = None

    def __enter__(self) -> record_function:
        if _ACTIVE:
            rec = _ACTIVE[0]
            self._event = (rec, rec.open(self.name, user=True))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._event is not None:
            rec, ev = self._event
            rec.close(ev)
            self._event = None

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        import functools

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)

        return wrapped


# ---- the profiler --------------------------------------------------------------------------
class profile:  # noqa: N801 - PyTorch's name
    """PyTorch's ``torch.profiler.profile``: a context manager (or ``start()`` / ``stop()``)
    that records what deepgrad runs (see the module's text), with an optional
    :func:`schedule` advanced by :meth:`step` and an ``on_trace_ready(prof)`` callback.

    ``with_modules`` is accepted and records nothing, as PyTorch's does for an eager model
    (it covers TorchScript modules only); ``experimental_config``,
    ``execution_trace_observer``, ``custom_trace_id_callback`` and
    ``post_processing_timeout_s`` are accepted for PyTorch's programs and unused; an activity
    other than ``CPU`` warns (nothing here runs on a device).
    """

    def __init__(
        self, *, activities: Iterable[Any] | None = None,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[..., Any] | None = None, record_shapes: bool = False,
        profile_memory: bool = False, with_stack: bool = False, with_flops: bool = False,
        with_modules: bool = False, experimental_config: Any = None,
        execution_trace_observer: Any = None, acc_events: bool = False,
        use_cuda: bool | None = None, custom_trace_id_callback: Any = None,
        post_processing_timeout_s: float | None = None,
    ) -> None:  # fmt: skip
        acts = set(activities) if activities is not None else {ProfilerActivity.CPU}
        unknown = [a for a in acts if not isinstance(a, ProfilerActivity)]
        if unknown:
            raise TypeError(
                f"profile(activities=...): expected ProfilerActivity members (CPU, CUDA, ...), "
                f"got {unknown!r}"
            )
        if use_cuda:
            acts.add(ProfilerActivity.CUDA)
        device = sorted(a.name for a in acts if a is not ProfilerActivity.CPU)
        if device:
            warnings.warn(
                f"profiler: deepgrad runs on the CPU; the {', '.join(device)} activity records "
                "nothing (only CPU events are collected)",
                UserWarning,
                stacklevel=2,
            )
        if schedule is not None and not callable(schedule):
            raise TypeError(
                f"profile(schedule=...) takes a callable, got {type(schedule).__name__}"
            )
        if on_trace_ready is not None and not callable(on_trace_ready):
            raise TypeError(
                f"profile(on_trace_ready=...) takes a callable, got {type(on_trace_ready).__name__}"
            )
        self.activities = acts
        self.schedule = schedule or _always_record
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory = bool(record_shapes), bool(profile_memory)
        self.with_stack, self.with_flops = bool(with_stack), bool(with_flops)
        self.with_modules, self.acc_events = bool(with_modules), bool(acc_events)
        self.step_num = 0
        self.current_action = self.schedule(0)
        self._rec: _Recorder | None = None  # the window being recorded
        self._done: _Recorder | None = None  # the last window recorded
        self._step_event: FunctionEvent | None = None
        self._running = False

    # -- lifecycle
    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        """Start profiling (the schedule's step 0)."""
        if self._running:
            raise RuntimeError("profile.start(): this profiler is already running")
        self._running = True
        if self.current_action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._begin()

    def stop(self) -> None:
        """Stop profiling; a window being recorded is finished and handed to
        ``on_trace_ready``."""
        if not self._running:
            return
        self._running = False
        if self._rec is not None:
            self._finish(save=True)

    def step(self) -> None:
        """Mark the end of a training step: the schedule decides what the next step does."""
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if not self._running:
            return
        if self._rec is not None:
            if prev is ProfilerAction.RECORD_AND_SAVE or self.current_action not in (
                ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE
            ):  # fmt: skip
                self._finish(save=prev is ProfilerAction.RECORD_AND_SAVE)
            else:
                self._next_step_event()
        if self._rec is None and self.current_action in (
            ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE
        ):  # fmt: skip
            self._begin()

    def _begin(self) -> None:
        self._rec = _Recorder(self.record_shapes, self.profile_memory, self.with_flops,
                              self.with_stack)  # fmt: skip
        _install(self._rec)
        self._step_event = None
        if self.schedule is not _always_record:
            self._next_step_event()

    def _next_step_event(self) -> None:
        rec = self._rec
        if rec is None:
            return
        if self._step_event is not None:
            rec.close(self._step_event)
        # PyTorch's naming: one key for all steps, the step's number in the trace
        self._step_event = rec.open("ProfilerStep*", user=True)
        self._step_event.trace_name = f"ProfilerStep#{self.step_num}"

    def _finish(self, save: bool) -> None:
        rec = self._rec
        if rec is None:
            return
        if self._step_event is not None:
            rec.close(self._step_event)
            self._step_event = None
        for opened in [getattr(rec.local, "open", [])]:  # ranges still open: end them now
            for ev in reversed(list(opened)):
                rec.close(ev)
        _uninstall()
        self._rec, self._done = None, rec
        if save and self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # -- results
    def _columns(self) -> frozenset[str]:
        cols = set()
        if self.profile_memory:
            cols.add("memory")
        if self.with_flops:
            cols.add("flops")
        return frozenset(cols)

    def events(self) -> EventList:
        """The recorded events (of the last window recorded), in order of start."""
        rec = self._done if self._rec is None else self._rec
        events = sorted(rec.events, key=lambda e: (e.start_us, e.id)) if rec else []
        return EventList(events, columns=self._columns(), origin=rec.origin if rec else 0.0)

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0, **kwargs: Any
    ) -> EventList:
        """The events summed by name (and input shapes, and stack frames): see
        :meth:`EventList.key_averages`."""
        if group_by_input_shape and not self.record_shapes:
            raise RuntimeError(
                "key_averages(group_by_input_shape=True) needs the shapes recorded: profile "
                "with record_shapes=True"
            )
        if group_by_stack_n and not self.with_stack:
            raise RuntimeError(
                "key_averages(group_by_stack_n=...) needs the stacks recorded: profile with "
                "with_stack=True"
            )
        return self.events().key_averages(group_by_input_shape, group_by_stack_n, **kwargs)

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the recorded events as a Chrome trace (see :meth:`EventList.export_chrome_trace`)."""
        self.events().export_chrome_trace(path)

    def export_stacks(self, path: str | os.PathLike, metric: str = "self_cpu_time_total") -> None:
        """Write each event's stack with its ``metric`` (µs) in the collapsed-stack format of
        flame-graph tools (``frame;frame;name value`` per line); needs ``with_stack=True``."""
        if not self.with_stack:
            raise RuntimeError(
                "export_stacks needs the stacks recorded: profile with with_stack=True"
            )
        if metric not in ("self_cpu_time_total", "self_cuda_time_total", "self_device_time_total"):
            raise ValueError(
                f"export_stacks(metric={metric!r}): expected 'self_cpu_time_total' or "
                "'self_cuda_time_total'"
            )
        lines = []
        for e in self.events():
            value = int(getattr(e, metric))
            if value > 0:
                frames = [f.replace(";", ":") for f in reversed(e.stack)] + [e.name]
                lines.append(";".join(frames) + f" {value}")
        text = "\n".join(lines) + ("\n" if lines else "")
        atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def tensorboard_trace_handler(
    dir_name: str | os.PathLike, worker_name: str | None = None, use_gzip: bool = False,
    use_python_export: bool = False,
) -> Callable[[profile], None]:  # fmt: skip
    """An ``on_trace_ready`` callback writing each recorded window as
    ``dir_name/<worker_name>.<time in ns>.pt.trace.json`` (``.gz`` with ``use_gzip``), the
    Chrome trace TensorBoard's profiler plugin reads; ``worker_name`` defaults to
    ``<hostname>_<pid>``, as PyTorch's."""
    folder = os.fspath(dir_name)

    def handler(prof: profile) -> None:
        os.makedirs(folder, exist_ok=True)
        name = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        file = f"{name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(folder, file))

    return handler
