"""Seeing it: plots of training runs, of a classifier's evaluation (ROC, precision–recall,
calibration), optimizer paths and activations, and the computational graph as Graphviz DOT."""

from . import evaluation, graph, plots, training
from .evaluation import (
    plot_calibration,
    plot_precision_recall,
    plot_roc,
    write_classification_evaluation,
)
from .graph import to_dot, write_dot
from .training import plot_confusion_matrix, plot_history
