"""A small GAN: an MLP generator and discriminator, and one training step of each."""

from __future__ import annotations

from typing import Any

from .. import backend, nn
from ..functional import loss as L
from ..tensor import Tensor


class Generator(nn.Module):
    """Noise ``z (N, latent_dim)`` → samples ``(N, out_features)`` (tanh output, data scaled
    to [-1, 1]; ``output="linear"`` for unbounded data)."""

    def __init__(
        self, latent_dim: int = 16, out_features: int = 64, hidden: int = 128, output: str = "tanh"
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.Linear(latent_dim, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, out_features),
        ]
        if output == "tanh":
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)
        self.latent_dim = latent_dim

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)

    def sample(self, n: int) -> Tensor:
        """``n`` samples from fresh noise (seeded by ``dg.manual_seed``)."""
        z = Tensor(
            backend.rng().standard_normal((n, self.latent_dim), dtype=backend.get_default_dtype())
        )
        return self(z)


class Discriminator(nn.Module):
    """Samples ``(N, in_features)`` → one logit per sample ``(N,)`` (real vs fake)."""

    def __init__(self, in_features: int = 64, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).reshape(-1)


def gan_step(
    generator: Generator,
    discriminator: Discriminator,
    real: Any,
    opt_g: Any,
    opt_d: Any,
) -> tuple[float, float]:
    """One GAN update on a batch of real samples: the discriminator learns
    ``max log D(x) + log(1 - D(G(z)))`` (BCE with logits, real → 1, fake → 0), then the
    generator the non-saturating ``max log D(G(z))``. Returns ``(loss_d, loss_g)``."""
    real = real if isinstance(real, Tensor) else Tensor(real, dtype=backend.get_default_dtype())
    n = real.shape[0]
    xp = backend.xp
    ones = xp.ones(n, real.dtype)
    zeros = xp.zeros(n, real.dtype)
    fake = generator.sample(n)
    opt_d.zero_grad()
    loss_d = L.binary_cross_entropy_with_logits(
        discriminator(real), ones
    ) + L.binary_cross_entropy_with_logits(discriminator(fake.detach()), zeros)
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = L.binary_cross_entropy_with_logits(discriminator(generator.sample(n)), ones)
    loss_g.backward()
    opt_g.step()
    return float(loss_d.item()), float(loss_g.item())
