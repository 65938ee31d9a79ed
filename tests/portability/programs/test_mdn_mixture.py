"""Mixture density networks two ways. tonyduan/mdn's ``MixtureDensityNetwork``: a
``CategoricalNetwork`` returning ``OneHotCategorical(logits=params)`` and a
``MixtureDiagNormalNetwork`` splitting its output with ``torch.split(params, params.shape[1] // 2,
dim=1)``, ``torch.stack(mean.split(mean.shape[1] // self.n_components, 1))`` and
``Normal(mean.transpose(0, 1), torch.exp(sd).transpose(0, 1))``, the loss
``-torch.logsumexp(torch.log(pi.probs) + loglik, dim=1)`` over ``normal.log_prob(y.unsqueeze(1)
.expand_as(normal.loc))`` summed on the last dim; and the ``torch.distributions`` form many
posts switched to, ``MixtureSameFamily(Categorical(logits=pi), Independent(Normal(mu, sigma),
1))`` with ``-mix.log_prob(y).mean()``, whose ``mean``/``variance`` give the prediction. Trained
on the inverted-sine toy problem (several ``x`` for one ``y``) with Adam and
``clip_grad_norm_``."""

from __future__ import annotations

import numpy as np


def mdn(torch, nn, F, optim, data, init, path, x, y, form):
    D = torch.distributions
    n_components, hidden = 3, 16
    log = []

    class MixtureDiagNormalNetwork(nn.Module):
        def __init__(self, in_dim, out_dim, n_components, hidden_dim=None):
            super().__init__()
            self.n_components = n_components
            if hidden_dim is None:
                hidden_dim = in_dim
            self.network = nn.Sequential(
                nn.Linear(in_dim, hidden_dim),
                nn.ELU(),
                nn.Linear(hidden_dim, 2 * out_dim * n_components),
            )

        def forward(self, x):
            params = self.network(x)
            mean, sd = torch.split(params, params.shape[1] // 2, dim=1)
            mean = torch.stack(mean.split(mean.shape[1] // self.n_components, 1))
            sd = torch.stack(sd.split(sd.shape[1] // self.n_components, 1))
            return D.Normal(mean.transpose(0, 1), torch.exp(sd).transpose(0, 1))

    class CategoricalNetwork(nn.Module):
        def __init__(self, in_dim, out_dim, hidden_dim=None):
            super().__init__()
            if hidden_dim is None:
                hidden_dim = in_dim
            self.network = nn.Sequential(
                nn.Linear(in_dim, hidden_dim), nn.ELU(), nn.Linear(hidden_dim, out_dim)
            )

        def forward(self, x):
            params = self.network(x)
            return D.OneHotCategorical(logits=params)

    class MixtureDensityNetwork(nn.Module):
        def __init__(self, dim_in, dim_out, n_components):
            super().__init__()
            self.pi_network = CategoricalNetwork(dim_in, n_components, hidden)
            self.normal_network = MixtureDiagNormalNetwork(dim_in, dim_out, n_components, hidden)

        def forward(self, x):
            return self.pi_network(x), self.normal_network(x)

        def loss(self, x, y):
            pi, normal = self.forward(x)
            loglik = normal.log_prob(y.unsqueeze(1).expand_as(normal.loc))
            loglik = torch.sum(loglik, dim=2)
            loss = -torch.logsumexp(torch.log(pi.probs) + loglik, dim=1)
            return loss

    class MDNHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh())
            self.pi = nn.Linear(hidden, n_components)
            self.mu = nn.Linear(hidden, n_components)
            self.log_sigma = nn.Linear(hidden, n_components)

        def forward(self, x):
            h = self.body(x)
            mu = self.mu(h).unsqueeze(-1)
            sigma = torch.exp(self.log_sigma(h)).unsqueeze(-1)
            return D.MixtureSameFamily(
                D.Categorical(logits=self.pi(h)), D.Independent(D.Normal(mu, sigma), 1)
            )

    model = init(MixtureDensityNetwork(1, 1, n_components) if form == "tonyduan" else MDNHead())
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    for step in range(12):
        optimizer.zero_grad()
        if form == "tonyduan":
            loss = model.loss(x, y).mean()
        else:
            loss = -model(x).log_prob(y).mean()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        log.append(loss.item())
    with torch.no_grad():
        if form == "tonyduan":
            pi, normal = model(x[:5])
            log.append([pi.probs.tolist(), normal.loc.squeeze(-1).tolist()])
        else:
            mix = model(x[:5])
            log.append([mix.mean.squeeze(-1).tolist(), mix.variance.squeeze(-1).tolist()])
            log.append(mix.mixture_distribution.probs.tolist())
    return log


def _run(portability, form):
    rng = np.random.default_rng(0)
    y = rng.uniform(-1.0, 1.0, (64, 1))
    x = np.sin(3.0 * y) + 0.3 * y + 0.05 * rng.standard_normal((64, 1))  # inverted: x -> y

    def program(torch, **kw):
        return mdn(torch, x=torch.from_numpy(x), y=torch.from_numpy(y), form=form, **kw)

    portability.assert_same(program, rtol=1e-9)


def test_mdn_tonyduan(portability):
    _run(portability, "tonyduan")


def test_mdn_mixture_same_family(portability):
    _run(portability, "mixture_same_family")
