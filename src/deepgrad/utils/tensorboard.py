"""PyTorch's ``torch.utils.tensorboard``: :class:`SummaryWriter` writes scalars, groups of
scalars, histograms and text as TensorBoard event files (``tensorboard --logdir runs``), with
PyTorch's arguments and defaults (``runs/<date>_<host><comment>`` when no ``log_dir`` is
given). It needs the ``tensorboard`` package (its protobufs and event-file writer), as
PyTorch's does; TensorFlow is not needed. What it cannot write — graphs, images, audio,
video, embeddings, hyperparameter tables, PR curves, meshes — is refused by name.

The event records are made here once for deepgrad (the Keras-style ``TensorBoard`` callback
writes through the same functions).

>>> import tempfile, deepgrad as dg
>>> from deepgrad.utils.tensorboard import SummaryWriter
>>> with SummaryWriter(tempfile.mkdtemp()) as w:  # doctest: +SKIP
...     w.add_scalar("loss", dg.tensor(0.5), 0)
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

import numpy

from .. import backend

__all__ = ["SummaryWriter", "event_writer", "histogram_event", "scalar_event"]


def event_writer(path: str, max_queue: int = 10, flush_secs: int = 120, suffix: str = "") -> Any:
    """tensorboard's ``EventFileWriter`` for the folder ``path`` (made if missing)."""
    try:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as e:
        raise ImportError(
            "writing TensorBoard files needs the tensorboard package: pip install tensorboard"
        ) from e
    os.makedirs(path, exist_ok=True)
    return EventFileWriter(path, max_queue, flush_secs, suffix)


def _number(value: Any, what: str) -> float:
    """A Python float from a number, a NumPy value or a one-element tensor."""
    data = getattr(value, "_data", value)
    arr = numpy.asarray(backend.to_numpy(data))  # a GPU array read back to the host
    if arr.size != 1:
        raise ValueError(f"{what}: expected a single number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def _event(summary: Any, step: int | None, walltime: float | None) -> Any:
    """The event carrying ``summary`` at ``step`` (0 when not given), stamped now unless
    ``walltime`` says when."""
    from tensorboard.compat.proto.event_pb2 import Event

    return Event(wall_time=time.time() if walltime is None else walltime,
                 step=int(step or 0), summary=summary)  # fmt: skip


def scalar_event(tag: str, value: Any, step: int | None, walltime: float | None = None) -> Any:
    """The event holding one scalar ``tag = value`` at ``step``."""
    from tensorboard.compat.proto.summary_pb2 import Summary

    summ = Summary(value=[Summary.Value(tag=tag, simple_value=_number(value, "add_scalar"))])
    return _event(summ, step, walltime)


def _tensorflow_edges() -> numpy.ndarray:
    """TensorFlow's default histogram bucket limits: ±1e-12 · 1.1^k up to 1e20, and 0."""
    pos = [1e-12]
    while pos[-1] * 1.1 < 1e20:
        pos.append(pos[-1] * 1.1)
    return numpy.array([-x for x in reversed(pos)] + [0.0] + pos)


def _support(counts: numpy.ndarray, limits: numpy.ndarray) -> tuple[Any, Any]:
    """The buckets from the first to the last non-empty one, with one empty bucket before
    them (TensorBoard reads only right limits, so the leftmost limit needs a bucket), as
    PyTorch's writer keeps them."""
    nz = numpy.flatnonzero(counts)
    start, end = int(nz[0]), int(nz[-1]) + 1
    if start > 0:
        counts = counts[start - 1 : end]
    else:
        counts = numpy.concatenate([[0], counts[:end]])
    return counts, limits[start : end + 1]


def histogram_event(
    tag: str,
    values: Any,
    step: int | None,
    bins: Any = 30,
    walltime: float | None = None,
    max_bins: int | None = None,
) -> Any:
    """The event holding the histogram of ``values`` at ``step`` (``None`` when there are no
    values): ``bins`` as NumPy's ``histogram`` takes it, or ``"tensorflow"`` for
    TensorFlow's default buckets; at most ``max_bins`` (neighbours merged); the buckets
    outside the values' support dropped — the buckets PyTorch's writer records."""
    from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary

    data = getattr(values, "_data", values)
    v = numpy.asarray(backend.to_numpy(data), numpy.float64).reshape(-1)
    if v.size == 0:
        return None
    if isinstance(bins, str) and bins == "tensorflow":
        bins = _tensorflow_edges()
    counts, limits = numpy.histogram(v, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        k = len(counts) // max_bins
        counts = numpy.pad(counts, (0, (-len(counts)) % k)).reshape(-1, k).sum(axis=-1)
        limits = numpy.append(limits[:-1:k], limits[-1])
    counts, limits = _support(counts, limits)
    hist = HistogramProto(
        min=float(v.min()),
        max=float(v.max()),
        num=float(v.size),
        sum=float(v.sum()),
        sum_squares=float(numpy.dot(v, v)),
        bucket_limit=[float(e) for e in limits],
        bucket=[float(c) for c in counts],
    )
    summ = Summary(value=[Summary.Value(tag=tag, histo=hist)])
    return _event(summ, step, walltime)


def _text_event(tag: str, text: str, step: int | None, walltime: float | None) -> Any:
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.compat.proto.types_pb2 import DT_STRING

    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    tensor = TensorProto(dtype=DT_STRING, string_val=[str(text).encode("utf-8")],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))  # fmt: skip
    summ = Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=meta, tensor=tensor)])
    return _event(summ, step, walltime)


#: what PyTorch's writer also records and this one does not, with what to do instead
_NOT_WRITTEN = {
    "add_graph": "the model's graph is not written (deepgrad records no graph to export)",
    "add_image": "images are not written; save them with matplotlib (deepgrad.viz)",
    "add_images": "images are not written; save them with matplotlib (deepgrad.viz)",
    "add_figure": "figures are not written; save them with fig.savefig",
    "add_audio": "audio is not written",
    "add_video": "video is not written",
    "add_embedding": "the embedding projector's files are not written",
    "add_hparams": "hyperparameter tables are not written; log each metric with add_scalar",
    "add_pr_curve": "PR curves are not written",
    "add_mesh": "meshes are not written",
    "add_custom_scalars": "custom scalar layouts are not written",
}


class SummaryWriter:
    """PyTorch's ``SummaryWriter``: ``log_dir`` (default ``runs/<date>_<host><comment>``),
    ``purge_step`` (events at or after it, left by a crashed run, are hidden by TensorBoard),
    ``max_queue``, ``flush_secs``, ``filename_suffix``. Usable in a ``with`` block."""

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self._opts = (max_queue, flush_secs, filename_suffix)
        self._main = event_writer(self.log_dir, *self._opts)
        self._groups: dict[str, Any] = {}  # add_scalars: one writer per (main tag, tag)
        if purge_step is not None:
            from tensorboard.compat.proto.event_pb2 import Event, SessionLog

            self._main.add_event(
                Event(step=int(purge_step), session_log=SessionLog(status=SessionLog.START))
            )

    def get_logdir(self) -> str:
        """The folder the events are written to."""
        return self.log_dir

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Record ``tag = scalar_value`` (a number or a one-element tensor) at ``global_step``."""
        self._main.add_event(scalar_event(tag, scalar_value, global_step, walltime))

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: dict[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Several scalars on one chart: each ``tag`` in its own run folder
        ``log_dir/<main_tag>_<tag>``, all under the tag ``main_tag``, as PyTorch writes them."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + tag)
            w = self._groups.get(folder)
            if w is None:
                w = self._groups[folder] = event_writer(folder, *self._opts)
            w.add_event(scalar_event(main_tag, value, global_step, walltime))

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Record the histogram of ``values`` (a tensor or array) at ``global_step``."""
        event = histogram_event(tag, values, global_step, bins, walltime, max_bins)
        if event is None:
            raise ValueError(f"add_histogram: {tag!r} has no values (an empty tensor)")
        self._main.add_event(event)

    def add_text(
        self, tag: str, text_string: str, global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:  # fmt: skip
        """Record a piece of text (Markdown in TensorBoard's text tab) at ``global_step``."""
        self._main.add_event(_text_event(tag, text_string, global_step, walltime))

    def __getattr__(self, name: str) -> Any:
        why = _NOT_WRITTEN.get(name)
        if why is None:
            raise AttributeError(f"'SummaryWriter' object has no attribute {name!r}")

        def refused(*args: Any, **kwargs: Any) -> None:
            raise NotImplementedError(
                f"SummaryWriter.{name}: {why}. deepgrad's writer records add_scalar, "
                "add_scalars, add_histogram and add_text"
            )

        return refused

    def flush(self) -> None:
        """Write what is queued to disk."""
        for w in (self._main, *self._groups.values()):
            w.flush()

    def close(self) -> None:
        """Flush and close the event files."""
        for w in (self._main, *self._groups.values()):
            w.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
