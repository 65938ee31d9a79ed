"""deepgrad.data: datasets, loaders, preprocessing, augmentation, splits, cross-validation.

NumPy only: this package never imports deepgrad's engine; it yields NumPy arrays, which
``deepgrad.train`` turns into tensors.

>>> from deepgrad.data import ArrayDataset, DataLoader, load_digits
>>> x, y = load_digits()
>>> xb, yb = next(iter(DataLoader(ArrayDataset(x, y), batch_size=32, shuffle=True, seed=0)))
>>> xb.shape, yb.shape
((32, 1, 8, 8), (32,))
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name is imported from its module on first use (PEP 562), so that importing one
# module of the package (``deepgrad.data.seeding``, which the backend imports) stays cheap and
# scikit-learn (behind the splitters) loads only when a splitter is used.
_WHERE: dict[str, str] = {
    # deepgrad.data.augmentation
    "Augmentation": "deepgrad.data.augmentation",
    "Compose": "deepgrad.data.augmentation",
    "Cutout": "deepgrad.data.augmentation",
    "GaussianNoise": "deepgrad.data.augmentation",
    "RandomAffine": "deepgrad.data.augmentation",
    "RandomBrightness": "deepgrad.data.augmentation",
    "RandomContrast": "deepgrad.data.augmentation",
    "RandomCrop": "deepgrad.data.augmentation",
    "RandomHorizontalFlip": "deepgrad.data.augmentation",
    "RandomRotation": "deepgrad.data.augmentation",
    "RandomShift": "deepgrad.data.augmentation",
    "RandomVerticalFlip": "deepgrad.data.augmentation",
    "RandomZoom": "deepgrad.data.augmentation",
    "affine_transform": "deepgrad.data.augmentation",
    "rotate": "deepgrad.data.augmentation",
    "translate": "deepgrad.data.augmentation",
    "zoom": "deepgrad.data.augmentation",
    # deepgrad.data.cross_validation
    "CrossValidationResult": "deepgrad.data.cross_validation",
    "cross_validate": "deepgrad.data.cross_validation",
    # deepgrad.data.dataset
    "ArrayDataset": "deepgrad.data.dataset",
    "Dataset": "deepgrad.data.dataset",
    "EpochDataset": "deepgrad.data.dataset",
    "GeneratorDataset": "deepgrad.data.dataset",
    "IterableDataset": "deepgrad.data.dataset",
    "ChainDataset": "deepgrad.data.dataset",
    "ConcatDataset": "deepgrad.data.dataset",
    "Subset": "deepgrad.data.dataset",
    "collate": "deepgrad.data.dataset",
    "random_split": "deepgrad.data.dataset",
    # deepgrad.data.datasets
    "CIFAR10_CLASSES": "deepgrad.data.datasets",
    "FASHION_MNIST_CLASSES": "deepgrad.data.datasets",
    "FASHION_MNIST_MD5": "deepgrad.data.datasets",
    "HOUSE_PRICES_FEATURES": "deepgrad.data.datasets",
    "IMDB_CLASSES": "deepgrad.data.datasets",
    "MNIST_MD5": "deepgrad.data.datasets",
    "CSVTable": "deepgrad.data.datasets",
    "find_fashion_mnist": "deepgrad.data.datasets",
    "load_breast_cancer": "deepgrad.data.datasets",
    "load_cifar10": "deepgrad.data.datasets",
    "load_csv": "deepgrad.data.datasets",
    "load_diabetes": "deepgrad.data.datasets",
    "load_digits": "deepgrad.data.datasets",
    "load_fashion_mnist": "deepgrad.data.datasets",
    "load_imdb": "deepgrad.data.datasets",
    "load_iris": "deepgrad.data.datasets",
    "load_mnist": "deepgrad.data.datasets",
    "load_wine": "deepgrad.data.datasets",
    "make_circles": "deepgrad.data.datasets",
    "make_house_prices": "deepgrad.data.datasets",
    "make_linear_regression": "deepgrad.data.datasets",
    "make_moons": "deepgrad.data.datasets",
    "make_polynomial_regression": "deepgrad.data.datasets",
    "make_sine_waves": "deepgrad.data.datasets",
    "make_spirals": "deepgrad.data.datasets",
    "parse_idx": "deepgrad.data.datasets",
    "read_cifar10_batch": "deepgrad.data.datasets",
    "read_idx": "deepgrad.data.datasets",
    "write_idx": "deepgrad.data.datasets",
    # deepgrad.data.download
    "ChecksumError": "deepgrad.data.download",
    "DownloadError": "deepgrad.data.download",
    "download_url": "deepgrad.data.download",
    "file_hash": "deepgrad.data.download",
    "get_cache_dir": "deepgrad.data.download",
    "verify_checksum": "deepgrad.data.download",
    # deepgrad.data.loader
    "DataLoader": "deepgrad.data.loader",
    # deepgrad.data.preprocessing
    "LabelEncoder": "deepgrad.data.preprocessing",
    "MinMaxScaler": "deepgrad.data.preprocessing",
    "Normalizer": "deepgrad.data.preprocessing",
    "OneHotEncoder": "deepgrad.data.preprocessing",
    "Preprocessing": "deepgrad.data.preprocessing",
    "SimpleImputer": "deepgrad.data.preprocessing",
    "StandardScaler": "deepgrad.data.preprocessing",
    "Transformer": "deepgrad.data.preprocessing",
    "to_categorical": "deepgrad.data.preprocessing",
    # deepgrad.data.splits
    "KFold": "deepgrad.data.splits",
    "StratifiedKFold": "deepgrad.data.splits",
    "train_test_split": "deepgrad.data.splits",
    # deepgrad.data.text
    "Tokenizer": "deepgrad.data.text",
    "pad_sequences": "deepgrad.data.text",
}

__all__ = [
    # datasets and loading
    "Dataset",
    "IterableDataset",
    "ArrayDataset",
    "ChainDataset",
    "ConcatDataset",
    "Subset",
    "EpochDataset",
    "GeneratorDataset",
    "collate",
    "random_split",
    "DataLoader",
    # bundled and synthetic data
    "load_digits",
    "load_iris",
    "load_wine",
    "load_breast_cancer",
    "load_diabetes",
    "make_spirals",
    "make_moons",
    "make_circles",
    "make_linear_regression",
    "make_polynomial_regression",
    "make_sine_waves",
    "make_house_prices",
    "HOUSE_PRICES_FEATURES",
    # files
    "read_idx",
    "write_idx",
    "parse_idx",
    "load_mnist",
    "MNIST_MD5",
    "load_fashion_mnist",
    "find_fashion_mnist",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_MD5",
    "load_cifar10",
    "read_cifar10_batch",
    "CIFAR10_CLASSES",
    "load_imdb",
    "IMDB_CLASSES",
    "load_csv",
    "CSVTable",
    "get_cache_dir",
    "download_url",
    "file_hash",
    "verify_checksum",
    "ChecksumError",
    "DownloadError",
    # preprocessing and text
    "Transformer",
    "StandardScaler",
    "MinMaxScaler",
    "Normalizer",
    "OneHotEncoder",
    "Preprocessing",
    "LabelEncoder",
    "SimpleImputer",
    "to_categorical",
    "Tokenizer",
    "pad_sequences",
    # augmentation
    "Augmentation",
    "Compose",
    "RandomHorizontalFlip",
    "RandomVerticalFlip",
    "RandomShift",
    "RandomAffine",
    "RandomRotation",
    "RandomZoom",
    "RandomCrop",
    "RandomBrightness",
    "RandomContrast",
    "GaussianNoise",
    "Cutout",
    "translate",
    "affine_transform",
    "rotate",
    "zoom",
    # splits and cross-validation
    "train_test_split",
    "KFold",
    "StratifiedKFold",
    "cross_validate",
    "CrossValidationResult",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        try:
            return importlib.import_module(f"{__name__}.{name}")  # a submodule
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
