"""Data sets: bundled (scikit-learn's), synthetic, and loaders for files in real formats."""

from deepgrad.data.datasets.bundled import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)
from deepgrad.data.datasets.cifar import CIFAR10_CLASSES, load_cifar10, read_cifar10_batch
from deepgrad.data.datasets.csv import CSVTable, load_csv
from deepgrad.data.datasets.fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_MD5,
    find_fashion_mnist,
    load_fashion_mnist,
)
from deepgrad.data.datasets.idx import parse_idx, read_idx, write_idx
from deepgrad.data.datasets.imdb import IMDB_CLASSES, load_imdb
from deepgrad.data.datasets.mnist import MNIST_MD5, load_mnist
from deepgrad.data.datasets.shapes import (
    SHAPE_CLASSES,
    make_shapes_detection,
    make_shapes_segmentation,
)
from deepgrad.data.datasets.synthetic import (
    HOUSE_PRICES_FEATURES,
    make_circles,
    make_house_prices,
    make_linear_regression,
    make_moons,
    make_polynomial_regression,
    make_sine_waves,
    make_spirals,
)

__all__ = [
    "SHAPE_CLASSES",
    "make_shapes_detection",
    "make_shapes_segmentation",
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
]
