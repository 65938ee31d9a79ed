"""deepgrad inside other libraries' machinery: scikit-learn estimators around deepgrad models.

:class:`DeepgradClassifier` and :class:`DeepgradRegressor` (in :mod:`.sklearn`) make a deepgrad
model a scikit-learn estimator: ``clone``, ``GridSearchCV``, ``cross_val_score`` and
``Pipeline`` work on them. Distributed training and search live beside this floor, in
:mod:`deepgrad.distributed`.

They import scikit-learn, which would make ``import deepgrad`` several times slower: they are
imported on first use.
"""

from __future__ import annotations

__all__ = ["DeepgradClassifier", "DeepgradRegressor"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from . import sklearn

        return getattr(sklearn, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
