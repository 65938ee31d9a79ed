"""The model zoo: the networks the guides teach, ready to train.

``MLP``, ``LeNet5``, ``VGG``, ``ResNet``, ``RNNClassifier`` (embedding + LSTM/GRU),
``TransformerClassifier``, ``DenseAutoencoder``, ``ConvAutoencoder``, ``LSTMAutoencoder``,
and a small GAN (``Generator``, ``Discriminator``, ``gan_step``).
"""

from .autoencoder import ConvAutoencoder, DenseAutoencoder, LSTMAutoencoder
from .cnn import VGG, BasicBlock, LeNet5, ResNet
from .gan import Discriminator, Generator, gan_step
from .mlp import MLP, make_activation
from .sequence import RNNClassifier, TransformerClassifier
