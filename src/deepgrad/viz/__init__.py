"""Seeing it: plots of training runs, optimizer paths and activations, and the
computational graph as Graphviz DOT."""

from . import graph, plots, training
from .graph import to_dot, write_dot
from .training import plot_confusion_matrix, plot_history
