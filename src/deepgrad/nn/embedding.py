"""``Embedding``: a learned lookup table of vectors, one row per token id; ``EmbeddingBag``:
sums, means or maxima of bags of its rows."""

from __future__ import annotations

from typing import Any

from .. import backend
from .. import functional as F
from .._errors import ValueRangeError
from ..autograd import no_grad
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """``y = weight[indices]``: integer ids ``(*)`` → vectors ``(*, embedding_dim)``.

    ``weight`` is ``(num_embeddings, embedding_dim)``, initialized ``N(0, 1)`` as in PyTorch.
    ``padding_idx`` names a row that starts at zero and never receives a gradient (the
    padding token of variable-length batches). With PyTorch's ``sparse`` the table's gradient
    is marked ``is_sparse`` (dense, the same numbers; what ``optim.SparseAdam`` takes), ``_weight`` gives the table (copied, as it is) and
    ``_freeze=True`` stops its training; ``device``/``dtype`` are the factory keywords.

    >>> import deepgrad as dg
    >>> emb = dg.nn.Embedding(10, 3, padding_idx=0)
    >>> emb(dg.tensor([[1, 2, 0]])).shape
    (1, 3, 3)
    >>> emb.weight.numpy()[0].tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_embeddings < 0 or embedding_dim < 0:
            raise ValueRangeError(  # PyTorch's RuntimeError (negative dimension), a ValueError
                f"Embedding: num_embeddings and embedding_dim must be >= 0, got "
                f"{num_embeddings}, {embedding_dim}"
            )
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be in [-{num_embeddings}, {num_embeddings}), "
                    f"got {padding_idx}"
                )
            padding_idx %= num_embeddings
        if max_norm is not None and max_norm <= 0:
            raise ValueError(f"Embedding: max_norm must be positive, got {max_norm}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            dt = backend.get_default_dtype()
            self.weight = Parameter(backend.xp.empty((num_embeddings, embedding_dim), dt))
            self.reset_parameters()
        else:  # PyTorch's: the given table as it is (no padding row zeroed)
            w = _weight._data if isinstance(_weight, Tensor) else backend.xp.asarray(_weight)
            if tuple(w.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: shape of _weight {tuple(w.shape)} does not match "
                    f"({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(w.copy())
        self.weight.requires_grad_(not _freeze)

    def reset_parameters(self) -> None:
        """``N(0, 1)`` for every row, zeros for the padding row."""
        init.normal_(self.weight, 0.0, 1.0)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        """The padding row set to zeros (PyTorch's helper, which subclasses that draw their
        own initial weights call)."""
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An ``Embedding`` holding a copy of ``embeddings (V, D)`` (PyTorch's signature);
        ``freeze`` stops training; the other options are the constructor's."""
        w = embeddings._data if isinstance(embeddings, Tensor) else backend.xp.asarray(embeddings)
        if w.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-d table, got {w.shape}")
        return cls(w.shape[0], w.shape[1], padding_idx, max_norm, norm_type,
                   scale_grad_by_freq, sparse, _weight=w, _freeze=freeze)  # fmt: skip

    def forward(self, input: Any) -> Tensor:
        try:
            return F.embedding(
                input,
                self.weight,
                self.padding_idx,
                self.max_norm,
                self.norm_type,
                self.scale_grad_by_freq,
                self.sparse,
            )
        except (IndexError, TypeError) as exc:
            msg = str(exc).replace("embedding:", f"{self._label()}:", 1)
            raise type(exc)(msg) from None

    def _label(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        s += f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        s += f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        s += f", norm_type={self.norm_type}" if self.norm_type != 2.0 else ""
        return s + (", scale_grad_by_freq=True" if self.scale_grad_by_freq else "")


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings (PyTorch's ``nn.EmbeddingBag``; the
    math is :func:`deepgrad.functional.embedding_bag`).

    ``forward(input, offsets=None, per_sample_weights=None)``: the bags are the rows of a 2-D
    ``input (B, L)``, or the runs of a 1-D ``input`` starting at ``offsets (B,)``; ``mode`` is
    ``"sum"``, ``"mean"`` (the default) or ``"max"``; ``per_sample_weights`` (``"sum"`` only)
    weighs each entry; entries equal to ``padding_idx`` are left out. ``weight`` is
    ``(num_embeddings, embedding_dim)``, ``N(0, 1)`` with a zero padding row, as PyTorch's.
    ``sparse`` marks the table's gradient ``is_sparse`` (dense, the same numbers), as
    :class:`Embedding`'s.

    >>> import deepgrad as dg
    >>> bag = dg.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(dg.tensor([1, 2, 4, 5]), dg.tensor([0, 2])).shape
    (2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Any = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = "EmbeddingBag"
        if num_embeddings <= 0 or embedding_dim <= 0:
            raise ValueError(
                f"{name}: num_embeddings and embedding_dim must be positive, got "
                f"{num_embeddings}, {embedding_dim}"
            )
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"{name}: mode has to be one of 'sum', 'mean' or 'max', got {mode!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"{name}: padding_idx must be within num_embeddings, got {padding_idx}"
                )
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.mode, self.sparse = scale_grad_by_freq, mode, sparse
        self.include_last_offset, self.padding_idx = include_last_offset, padding_idx
        dt = backend.get_default_dtype()
        if _weight is None:
            self.weight = Parameter(backend.xp.empty((num_embeddings, embedding_dim), dt))
            self.reset_parameters()
        else:
            w = _weight._data if isinstance(_weight, Tensor) else backend.xp.asarray(_weight)
            if tuple(w.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"{name}: shape of _weight {tuple(w.shape)} does not match "
                    f"({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(w.copy())

    def reset_parameters(self) -> None:
        """``N(0, 1)`` for every row, zeros for the padding row."""
        init.normal_(self.weight, 0.0, 1.0)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        """The padding row set to zeros (PyTorch's helper, which subclasses that draw their
        own initial weights call)."""
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An ``EmbeddingBag`` holding a copy of ``embeddings (V, D)`` (PyTorch's signature);
        ``freeze`` stops training; the other options are the constructor's."""
        w = embeddings._data if isinstance(embeddings, Tensor) else backend.xp.asarray(embeddings)
        if w.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: expected a 2-d table, got {w.shape}")
        bag = cls(w.shape[0], w.shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  w, include_last_offset, padding_idx)  # fmt: skip
        bag.weight.requires_grad_(not freeze)
        return bag

    def forward(
        self, input: Any, offsets: Any = None, per_sample_weights: Tensor | None = None
    ) -> Tensor:  # noqa: A002 - PyTorch's name
        try:
            return F.embedding_bag(
                input, self.weight, offsets, self.max_norm, self.norm_type,
                self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                self.include_last_offset, self.padding_idx,
            )  # fmt: skip
        except (ValueError, IndexError, TypeError) as exc:
            msg = str(exc).replace("embedding_bag:", f"EmbeddingBag({self.extra_repr()}):", 1)
            raise type(exc)(msg) from None

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        s += f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        s += f", norm_type={self.norm_type}" if self.norm_type != 2 else ""
        s += ", scale_grad_by_freq=True" if self.scale_grad_by_freq else ""
        s += f", mode={self.mode!r}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
