"""``torch.distributions`` programs: the RealNVP toy on two moons (senya-ashukha's notebook:
``MultivariateNormal(torch.zeros(2), torch.eye(2))`` prior, masks made by
``torch.from_numpy(np.array([[0, 1], [1, 0]] * 3).astype(np.float32))`` held in an ``nn.Parameter(
requires_grad=False)``, ``ModuleList``s of ``s``/``t`` nets with ``Tanh``, ``x.new_zeros``,
``log_det_J -= s.sum(dim=1)``, ``prior.log_prob(z) + logp``, ``loss.backward(retain_graph=
True)``, an Adam over ``[p for p in flow.parameters() if p.requires_grad==True]``) and a VAE
written with distributions, lightning-bolts' way (``q = Normal(mu, std)``, ``z = q.rsample()``,
``kl = q.log_prob(z) - p.log_prob(z)``) and the closed-form way (``kl_divergence(q, p)`` of
``Independent(Normal(...), 1)``s, ``Bernoulli(logits=...).log_prob(x)``).

``rsample``/``sample`` draw from each library's own generator, so both runs draw the noise from
one shared NumPy stream (``Normal.rsample`` patched on the class to ``loc + scale * eps``);
the prior's ``sample`` is checked for its shape only.
"""

from __future__ import annotations

import numpy as np


def two_moons(n, rng, noise=0.05):
    """sklearn's ``make_moons`` in NumPy."""
    n_out, n_in = n // 2, n - n // 2
    outer = np.stack([np.cos(np.linspace(0, np.pi, n_out)), np.sin(np.linspace(0, np.pi, n_out))], 1)  # fmt: skip
    inner = np.stack([1 - np.cos(np.linspace(0, np.pi, n_in)), 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5], 1)  # fmt: skip
    x = np.concatenate([outer, inner]) + rng.normal(scale=noise, size=(n, 2))
    return x[rng.permutation(n)]


def realnvp(torch, nn, F, optim, data, init, path, moons):
    distributions = torch.distributions
    log = []

    # fmt: off
    nets = lambda: nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(), nn.Linear(64, 64), nn.LeakyReLU(), nn.Linear(64, 2), nn.Tanh())  # noqa: E731, E501
    nett = lambda: nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(), nn.Linear(64, 64), nn.LeakyReLU(), nn.Linear(64, 2))  # noqa: E731, E501
    # fmt: on
    masks = torch.from_numpy(np.array([[0, 1], [1, 0]] * 3).astype(np.float32))
    prior = distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))

    class RealNVP(nn.Module):
        def __init__(self, nets, nett, mask, prior):
            super(RealNVP, self).__init__()
            self.prior = prior
            self.mask = nn.Parameter(mask, requires_grad=False)
            self.t = torch.nn.ModuleList([nett() for _ in range(len(masks))])
            self.s = torch.nn.ModuleList([nets() for _ in range(len(masks))])

        def g(self, z):
            x = z
            for i in range(len(self.t)):
                x_ = x * self.mask[i]
                s = self.s[i](x_) * (1 - self.mask[i])
                t = self.t[i](x_) * (1 - self.mask[i])
                x = x_ + (1 - self.mask[i]) * (x * torch.exp(s) + t)
            return x

        def f(self, x):
            log_det_J, z = x.new_zeros(x.shape[0]), x
            for i in reversed(range(len(self.t))):
                z_ = self.mask[i] * z
                s = self.s[i](z_) * (1 - self.mask[i])
                t = self.t[i](z_) * (1 - self.mask[i])
                z = (1 - self.mask[i]) * (z - t) * torch.exp(-s) + z_
                log_det_J -= s.sum(dim=1)
            return z, log_det_J

        def log_prob(self, x):
            z, logp = self.f(x)
            return self.prior.log_prob(z) + logp

        def sample(self, batchSize):
            z = self.prior.sample((batchSize, 1))
            logp = self.prior.log_prob(z)  # noqa: F841 - the notebook computes it
            x = self.g(z)
            return x

    flow = init(RealNVP(nets, nett, masks, prior))
    optimizer = torch.optim.Adam([p for p in flow.parameters() if p.requires_grad == True], lr=1e-3)  # noqa: E712, E501
    for t in range(30):
        noisy_moons = moons[t % len(moons)].astype(np.float32)
        loss = -flow.log_prob(torch.from_numpy(noisy_moons)).mean()
        optimizer.zero_grad()
        loss.backward(retain_graph=True)
        optimizer.step()
        log.append(loss.item())
    # inverse then forward is the identity; the flow's samples from shared noise
    z, _ = flow.f(torch.from_numpy(moons[0].astype(np.float32)))
    log.append((flow.g(z) - torch.from_numpy(moons[0].astype(np.float32))).abs().max().item() < 1e-4)  # fmt: skip
    log.append(flow.g(torch.randn(5, 2)).tolist())
    log.append(list(flow.sample(7).shape))
    log.append(list(prior.log_prob(prior.sample((7, 1))).shape))
    log.append([prior.entropy().item(), prior.mean.tolist(), prior.covariance_matrix.tolist()])
    return log


def vae_distributions(torch, nn, F, optim, data, init, path, images):
    Normal, Independent = torch.distributions.Normal, torch.distributions.Independent
    Bernoulli, kl_divergence = torch.distributions.Bernoulli, torch.distributions.kl_divergence
    log = []

    class VAE(nn.Module):
        def __init__(self, input_dim=64, enc_out_dim=32, latent_dim=4, kl_coeff=0.5):
            super().__init__()
            self.kl_coeff = kl_coeff
            self.encoder = nn.Sequential(nn.Linear(input_dim, enc_out_dim), nn.ReLU())
            self.fc_mu = nn.Linear(enc_out_dim, latent_dim)
            self.fc_var = nn.Linear(enc_out_dim, latent_dim)
            self.decoder = nn.Sequential(nn.Linear(latent_dim, enc_out_dim), nn.ReLU(), nn.Linear(enc_out_dim, input_dim))  # fmt: skip

        def forward(self, x):
            x = self.encoder(x)
            mu = self.fc_mu(x)
            log_var = self.fc_var(x)
            p, q, z = self.sample(mu, log_var)
            return z, self.decoder(z), p, q

        def sample(self, mu, log_var):
            std = torch.exp(log_var / 2)
            p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(std))
            q = torch.distributions.Normal(mu, std)
            z = q.rsample()
            return p, q, z

        def step(self, x):
            z, x_hat, p, q = self(x)
            recon_loss = F.mse_loss(x_hat, x, reduction="mean")
            log_qz = q.log_prob(z)
            log_pz = p.log_prob(z)
            kl = log_qz - log_pz
            kl = kl.mean()
            kl *= self.kl_coeff
            loss = kl + recon_loss
            logs = {"recon_loss": recon_loss.item(), "kl": kl.item(), "loss": loss.item()}
            return loss, logs

    model = init(VAE())
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loader = data.DataLoader(data.TensorDataset(torch.tensor(images)), batch_size=16)
    for epoch in range(3):
        for (x,) in loader:
            loss, logs = model.step(x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            log.append(logs)

    # the closed-form ELBO: Independent Normals, kl_divergence, a Bernoulli likelihood
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for (x,) in loader:
        h = model.encoder(x)
        mu, std = model.fc_mu(h), torch.exp(0.5 * model.fc_var(h))
        q = Independent(Normal(mu, std), 1)
        p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(std)), 1)
        z = q.rsample()
        likelihood = Independent(Bernoulli(logits=model.decoder(z)), 1)
        elbo = likelihood.log_prob((x > 0.5).to(x.dtype)) - kl_divergence(q, p)
        loss = -elbo.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append([loss.item(), list(q.batch_shape), list(q.event_shape), q.entropy().sum().item()])  # fmt: skip
    return log


def _shared_rsample(monkeypatch, program):
    import torch

    import deepgrad

    state = {}
    for lib in (torch, deepgrad):

        def rsample(self, sample_shape=(), lib=lib):
            shape = tuple(sample_shape) + tuple(self.loc.shape)
            eps = lib.tensor(state["rng"].standard_normal(shape), dtype=self.loc.dtype)
            return self.loc + self.scale * eps

        monkeypatch.setattr(lib.distributions.Normal, "rsample", rsample)

    def run(**kw):
        state["rng"] = np.random.default_rng(11)
        return program(**kw)

    return run


def test_realnvp(portability):
    rng = np.random.default_rng(0)
    moons = [two_moons(64, rng) for _ in range(10)]
    portability.assert_same(realnvp, dtype="float32", rtol=2e-4, moons=moons)


def test_vae_distributions(portability, monkeypatch):
    images = np.random.default_rng(1).random((48, 64))
    portability.assert_same(_shared_rsample(monkeypatch, vae_distributions), rtol=1e-9, images=images)  # fmt: skip
