"""deepgrad.data: datasets, loaders, preprocessing, augmentation, splits, cross-validation.

NumPy only: this package never imports deepgrad's engine; it yields NumPy arrays, which
``deepgrad.train`` turns into tensors.

>>> from deepgrad.data import ArrayDataset, DataLoader, load_digits
>>> x, y = load_digits()
>>> xb, yb = next(iter(DataLoader(ArrayDataset(x, y), batch_size=32, shuffle=True, seed=0)))
>>> xb.shape, yb.shape
((32, 1, 8, 8), (32,))
"""

from deepgrad.data.augmentation import (
    Augmentation,
    Compose,
    Cutout,
    GaussianNoise,
    RandomAffine,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomHorizontalFlip,
    RandomRotation,
    RandomShift,
    RandomVerticalFlip,
    RandomZoom,
    affine_transform,
    rotate,
    translate,
    zoom,
)
from deepgrad.data.cross_validation import CrossValidationResult, cross_validate
from deepgrad.data.dataset import (
    ArrayDataset,
    Dataset,
    EpochDataset,
    GeneratorDataset,
    IterableDataset,
    Subset,
    collate,
)
from deepgrad.data.datasets import (
    CIFAR10_CLASSES,
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_MD5,
    HOUSE_PRICES_FEATURES,
    IMDB_CLASSES,
    MNIST_MD5,
    CSVTable,
    find_fashion_mnist,
    load_breast_cancer,
    load_cifar10,
    load_csv,
    load_diabetes,
    load_digits,
    load_fashion_mnist,
    load_imdb,
    load_iris,
    load_mnist,
    load_wine,
    make_circles,
    make_house_prices,
    make_linear_regression,
    make_moons,
    make_polynomial_regression,
    make_sine_waves,
    make_spirals,
    parse_idx,
    read_cifar10_batch,
    read_idx,
    write_idx,
)
from deepgrad.data.download import (
    ChecksumError,
    DownloadError,
    download_url,
    file_hash,
    get_cache_dir,
    verify_checksum,
)
from deepgrad.data.loader import DataLoader
from deepgrad.data.preprocessing import (
    LabelEncoder,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    SimpleImputer,
    StandardScaler,
    Transformer,
    to_categorical,
)
from deepgrad.data.splits import KFold, StratifiedKFold, train_test_split
from deepgrad.data.text import Tokenizer, pad_sequences

__all__ = [
    # datasets and loading
    "Dataset",
    "IterableDataset",
    "ArrayDataset",
    "Subset",
    "EpochDataset",
    "GeneratorDataset",
    "collate",
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
