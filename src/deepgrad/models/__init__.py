"""The model zoo: the networks the guides teach, ready to train.

``MLP``, ``LeNet5``, ``VGG``, ``ResNet``, ``RNNClassifier`` (embedding + LSTM/GRU),
``TransformerClassifier``, ``DenseAutoencoder``, ``ConvAutoencoder``, ``LSTMAutoencoder``,
and a small GAN (``Generator``, ``Discriminator``, ``gan_step``); torchvision's ImageNet
architectures with its parameter names (``resnet18``, ``resnet34``, ``vgg11``, ``vgg16``) and
``load_pretrained`` (weights from safetensors); ``UNet`` for semantic segmentation; ``CenterNet`` (a tiny one-stage detector; its
``encode_targets`` / ``decode`` in :mod:`deepgrad.models.detector`).
"""

from .autoencoder import ConvAutoencoder, DenseAutoencoder, LSTMAutoencoder
from .cnn import VGG, BasicBlock, LeNet5, ResNet
from .detector import CenterNet, CenterNetLoss
from .gan import Discriminator, Generator, gan_step
from .imagenet import (
    ImageNetBasicBlock,
    ImageNetResNet,
    ImageNetVGG,
    load_pretrained,
    resnet18,
    resnet34,
    vgg11,
    vgg16,
)
from .mlp import MLP, make_activation
from .sequence import RNNClassifier, TransformerClassifier
from .unet import UNet
