"""Two probabilistic-output programs in their reference forms.

The categorical VAE of YongfeiYan/Gumbel_Softmax_VAE and ericjang's gumbel-softmax notebook
port: ``sample_gumbel(shape, eps=1e-20)`` as ``-torch.log(-torch.log(U + eps) + eps)`` with
``U = torch.rand(shape)``, ``gumbel_softmax_sample`` (``F.softmax(y / temperature, dim=-1)``),
the straight-through hard sample (``_, ind = y.max(dim=-1)``, ``y_hard = torch.zeros_like(y)
.view(-1, shape[-1])``, ``y_hard.scatter_(1, ind.view(-1, 1), 1)``, ``(y_hard - y).detach() +
y``), ``F.binary_cross_entropy(recon_x, x.view(-1, 784), size_average=False)``-style sum loss,
the KL to a uniform prior ``torch.sum(qy * log_ratio, dim=-1).mean()`` with ``log_ratio =
torch.log(qy * categorical_dim + 1e-20)``, and the temperature annealed by ``np.maximum(temp *
np.exp(-ANNEAL_RATE * batch_idx), temp_min)``.

A mixture density network as sagelywizard/pytorch-mdn and hardmaru's write-up write it:
``pi = nn.Sequential(nn.Linear(in, G), nn.Softmax(dim=1))``-free logits with
``torch.log_softmax``, ``sigma = torch.exp(...)`` and ``F.softplus(...) + 1e-6`` forms,
``.view(-1, self.num_gaussians, self.out_features)``, the Gaussian written by hand
(``ONEOVERSQRT2PI * torch.exp(-0.5 * ((target - mu) / sigma)**2) / sigma``, ``torch.prod(ret,
2)``, ``-torch.log(torch.sum(prob, dim=1))``) and stably with ``torch.distributions.Normal(mu,
sigma).log_prob(y.unsqueeze(1).expand_as(mu))`` and ``torch.logsumexp(log_pi + log_prob,
dim=1)``; sampling with ``torch.multinomial``-free argmax of ``pi`` plus shared noise."""

from __future__ import annotations

import math

import numpy as np


def gumbel_vae(torch, nn, F, optim, data, init, path, images, hard):
    log = []
    latent_dim, categorical_dim = 3, 4
    temp, temp_min, ANNEAL_RATE = 1.0, 0.5, 0.003

    def sample_gumbel(shape, eps=1e-20):
        U = torch.rand(shape)
        return -torch.log(-torch.log(U + eps) + eps)

    def gumbel_softmax_sample(logits, temperature):
        y = logits + sample_gumbel(logits.size())
        return F.softmax(y / temperature, dim=-1)

    def gumbel_softmax(logits, temperature, hard=False):
        y = gumbel_softmax_sample(logits, temperature)
        if not hard:
            return y.view(-1, latent_dim * categorical_dim)
        shape = y.size()
        _, ind = y.max(dim=-1)
        y_hard = torch.zeros_like(y).view(-1, shape[-1])
        y_hard.scatter_(1, ind.view(-1, 1), 1)
        y_hard = y_hard.view(*shape)
        y_hard = (y_hard - y).detach() + y
        return y_hard.view(-1, latent_dim * categorical_dim)

    class VAE_gumbel(nn.Module):
        def __init__(self, temp):
            super().__init__()
            self.fc1 = nn.Linear(16, 12)
            self.fc2 = nn.Linear(12, 8)
            self.fc3 = nn.Linear(8, latent_dim * categorical_dim)
            self.fc4 = nn.Linear(latent_dim * categorical_dim, 8)
            self.fc5 = nn.Linear(8, 12)
            self.fc6 = nn.Linear(12, 16)
            self.relu = nn.ReLU()
            self.sigmoid = nn.Sigmoid()

        def encode(self, x):
            h1 = self.relu(self.fc1(x))
            h2 = self.relu(self.fc2(h1))
            return self.relu(self.fc3(h2))

        def decode(self, z):
            h4 = self.relu(self.fc4(z))
            h5 = self.relu(self.fc5(h4))
            return self.sigmoid(self.fc6(h5))

        def forward(self, x, temp, hard):
            q = self.encode(x.view(-1, 16))
            q_y = q.view(q.size(0), latent_dim, categorical_dim)
            z = gumbel_softmax(q_y, temp, hard)
            return self.decode(z), F.softmax(q_y, dim=-1).reshape(*q.size())

    def loss_function(recon_x, x, qy):
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, 16), reduction="sum") / x.shape[0]
        log_ratio = torch.log(qy * categorical_dim + 1e-20)
        KLD = torch.sum(qy * log_ratio, dim=-1).mean()
        return BCE + KLD

    model = init(VAE_gumbel(temp))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    loader = data.DataLoader(data.TensorDataset(torch.tensor(images)), batch_size=6)
    model.train()
    for epoch in range(2):
        train_loss = 0
        for batch_idx, (x,) in enumerate(loader):
            optimizer.zero_grad()
            recon_batch, qy = model(x, temp, hard)
            loss = loss_function(recon_batch, x, qy)
            loss.backward()
            train_loss += loss.item() * len(x)
            optimizer.step()
            if batch_idx % 2 == 1:
                temp = np.maximum(temp * np.exp(-ANNEAL_RATE * batch_idx), temp_min)
            log.append(loss.item())
        log.append([train_loss / len(loader.dataset), float(temp)])
    model.eval()
    with torch.no_grad():
        ind = torch.zeros(4, latent_dim, dtype=torch.long)
        ind[:, 1] = torch.arange(4)
        z = F.one_hot(ind, num_classes=categorical_dim).view(4, -1).float()
        sample = model.decode(z.to(torch.get_default_dtype()))
    log.append(sample.sum(dim=1).tolist())
    # PyTorch's own F.gumbel_softmax draws from the library's generator: its shape contract
    y = F.gumbel_softmax(torch.zeros(5, 4), tau=0.5, hard=True)
    log.append([list(y.shape), y.sum(dim=-1).tolist(), ((y == 0) | (y == 1)).all().item()])
    return log


def mdn(torch, nn, F, optim, data, init, path, x, y, form):
    log = []
    ONEOVERSQRT2PI = 1.0 / math.sqrt(2 * math.pi)

    class MDN(nn.Module):
        def __init__(self, in_features, out_features, num_gaussians):
            super().__init__()
            self.in_features, self.out_features, self.num_gaussians = in_features, out_features, num_gaussians  # fmt: skip
            self.hidden = nn.Sequential(nn.Linear(in_features, 16), nn.Tanh())
            self.pi = nn.Linear(16, num_gaussians)
            self.sigma = nn.Linear(16, out_features * num_gaussians)
            self.mu = nn.Linear(16, out_features * num_gaussians)

        def forward(self, minibatch):
            h = self.hidden(minibatch)
            pi_logits = self.pi(h)
            if form == "hand":
                sigma = torch.exp(self.sigma(h))
            else:
                sigma = F.softplus(self.sigma(h)) + 1e-6
            sigma = sigma.view(-1, self.num_gaussians, self.out_features)
            mu = self.mu(h)
            mu = mu.view(-1, self.num_gaussians, self.out_features)
            return pi_logits, sigma, mu

    def gaussian_probability(sigma, mu, target):
        target = target.unsqueeze(1).expand_as(sigma)
        ret = ONEOVERSQRT2PI * torch.exp(-0.5 * ((target - mu) / sigma) ** 2) / sigma
        return torch.prod(ret, 2)

    def mdn_loss(pi_logits, sigma, mu, target):
        if form == "hand":
            pi = torch.softmax(pi_logits, dim=1)
            prob = pi * gaussian_probability(sigma, mu, target)
            nll = -torch.log(torch.sum(prob, dim=1))
            return torch.mean(nll)
        log_pi = torch.log_softmax(pi_logits, dim=-1)
        dist = torch.distributions.Normal(mu, sigma)
        log_prob = dist.log_prob(target.unsqueeze(1).expand_as(mu)).sum(-1)
        return -torch.logsumexp(log_pi + log_prob, dim=1).mean()

    model = init(MDN(1, 2, 3))
    optimizer = optim.RMSprop(model.parameters(), lr=5e-3)
    X, Y = torch.tensor(x), torch.tensor(y)
    for step in range(8):
        optimizer.zero_grad()
        pi, sigma, mu = model(X)
        loss = mdn_loss(pi, sigma, mu, Y)
        loss.backward()
        optimizer.step()
        log.append(loss.item())
    with torch.no_grad():
        pi, sigma, mu = model(X[:5])
        k = torch.argmax(pi, dim=1)
        idx = k.view(-1, 1, 1).expand(-1, 1, mu.size(2))
        mu_k = mu.gather(1, idx).squeeze(1)
        sigma_k = sigma.gather(1, idx).squeeze(1)
        sample = mu_k + sigma_k * torch.randn_like(mu_k)
    log.append([k.tolist(), sample.sum().item(), torch.softmax(pi, 1).max(1).values.sum().item()])
    return log


def test_gumbel_softmax_vae_soft(portability):
    images = (np.random.default_rng(1).random((12, 16)) < 0.3).astype(np.float64)
    portability.assert_same(gumbel_vae, rtol=1e-7, images=images, hard=False)


def test_gumbel_softmax_vae_straight_through(portability):
    images = (np.random.default_rng(1).random((12, 16)) < 0.3).astype(np.float64)
    portability.assert_same(gumbel_vae, rtol=1e-7, images=images, hard=True)


def _mdn_data():
    rng = np.random.default_rng(6)
    x = rng.uniform(-1, 1, (40, 1))
    y = np.concatenate([np.sin(3 * x) + 0.1 * rng.standard_normal((40, 1)),
                        np.where(x > 0, x, -x) + 0.1 * rng.standard_normal((40, 1))], 1)  # fmt: skip
    return x, y


def test_mdn_hand_written_gaussian(portability):
    x, y = _mdn_data()
    portability.assert_same(mdn, rtol=1e-8, x=x, y=y, form="hand")


def test_mdn_distributions_logsumexp(portability):
    x, y = _mdn_data()
    portability.assert_same(mdn, rtol=1e-8, x=x, y=y, form="dist")
