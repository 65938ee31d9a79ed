"""``torch.autograd.profiler``: the older profiler interface, on :mod:`deepgrad.profiler`'s
recorder (the same events, table and trace). ``deepgrad.autograd.profiler`` is this module.

>>> import deepgrad as dg
>>> with dg.autograd.profiler.profile() as prof:
...     (dg.ones(3, requires_grad=True) * 2).sum().backward()
>>> [e.key for e in prof.key_averages()]
['Mul', 'Sum', 'SumBackward', 'MulBackward']
"""

from __future__ import annotations

import os
from typing import Any

from .profiler import (
    EventList,
    FunctionEvent,
    FunctionEventAvg,
    ProfilerActivity,
    record_function,
)
from .profiler import profile as _profile

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "profile", "record_function"]


class profile:  # noqa: N801 - PyTorch's name
    """PyTorch's ``torch.autograd.profiler.profile(enabled=True, *, record_shapes=False,
    profile_memory=False, with_stack=False, with_flops=False, ...)``: records while the
    ``with`` block runs (nothing with ``enabled=False``); then :meth:`table`,
    :meth:`key_averages`, :attr:`function_events`, :meth:`export_chrome_trace`.
    ``use_cuda=True`` / ``use_device='cuda'`` warn: nothing runs on a device here."""

    def __init__(
        self, enabled: bool = True, *, use_cuda: bool = False, use_device: str | None = None,
        record_shapes: bool = False, with_flops: bool = False, profile_memory: bool = False,
        with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
        use_cpu: bool = True, experimental_config: Any = None, acc_events: bool = False,
        custom_trace_id_callback: Any = None, post_processing_timeout_s: float | None = None,
        activity_filters: Any = None,
    ) -> None:  # fmt: skip
        self.enabled = bool(enabled)
        acts = {ProfilerActivity.CPU} if use_cpu else set()
        if use_cuda or (use_device is not None and str(use_device) != "cpu"):
            acts.add(ProfilerActivity.CUDA)
        self._prof = _profile(activities=acts, record_shapes=record_shapes,
                              profile_memory=profile_memory, with_stack=with_stack,
                              with_flops=with_flops, with_modules=with_modules)  # fmt: skip
        self.entered = False

    def __enter__(self) -> profile:
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        if self.enabled:
            self._prof.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.enabled:
            self._prof.stop()

    @property
    def function_events(self) -> EventList:
        """Every recorded event, in order of start."""
        return self._prof.events()

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     **kwargs: Any) -> EventList:  # fmt: skip
        """The events summed by name (:meth:`deepgrad.profiler.profile.key_averages`)."""
        return self._prof.key_averages(group_by_input_shape, group_by_stack_n, **kwargs)

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs: Any) -> str:
        """``key_averages().table(...)``."""
        return self.key_averages().table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self) -> FunctionEventAvg:
        """All events summed into one."""
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self) -> float:
        """The recorded time counted once (µs)."""
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the events as a Chrome trace."""
        self._prof.export_chrome_trace(path)

    def __str__(self) -> str:
        return self.table()
