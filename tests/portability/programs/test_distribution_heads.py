"""Models that output the parameters of a ``torch.distributions`` object and train on its
negative log-likelihood, as tutorials and papers' code write them: a heteroscedastic
``LogNormal(mu, F.softplus(s) + 1e-3)`` regressor for positive targets, a robust ``Laplace``
head, Poisson count regression (``Poisson(torch.exp(log_rate)).log_prob(y)`` beside
``F.poisson_nll_loss(log_rate, y, log_input=True, full=True)``), a ``Gamma(concentration,
rate)`` waiting-time model, an exponential survival model with censoring (``Exponential(rate)
.log_prob(t)`` for events, ``-rate * t`` for the censored, ``torch.where``), and a Beta policy
head for actions in (0, 1) (Chou et al.: ``alpha = F.softplus(a) + 1``, ``Beta(alpha, beta)``,
``log_prob`` of stored actions times advantages, ``entropy().mean()`` bonus); the predictive
``mean``/``variance``/``stddev``/``icdf`` read at the end."""

from __future__ import annotations

import numpy as np


def heads(torch, nn, F, optim, data, init, path, X, y_pos, y_count, t, event, actions, adv):
    D = torch.distributions
    log = []

    class TwoHead(nn.Module):
        def __init__(self, n_in, n_hidden=16):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(n_in, n_hidden), nn.Tanh())
            self.a = nn.Linear(n_hidden, 1)
            self.b = nn.Linear(n_hidden, 1)

        def forward(self, x):
            h = self.body(x)
            return self.a(h).squeeze(-1), self.b(h).squeeze(-1)

    def fit(name, loss_fn, steps=8, lr=0.02):
        model = init(TwoHead(X.shape[1]))
        opt = optim.Adam(model.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(*model(X))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        log.append({name: losses})
        return model

    def lognormal_nll(mu, s):
        dist = D.LogNormal(mu, F.softplus(s) + 1e-3)
        return -dist.log_prob(y_pos).mean()

    m = fit("lognormal", lognormal_nll)
    with torch.no_grad():
        mu, s = m(X[:4])
        pred = D.LogNormal(mu, F.softplus(s) + 1e-3)
        log.append([pred.mean.tolist(), pred.variance.tolist(), pred.icdf(torch.full((4,), 0.9)).tolist()])  # fmt: skip

    def laplace_nll(mu, s):
        return -D.Laplace(mu, torch.exp(s)).log_prob(torch.log(y_pos)).mean()

    m = fit("laplace", laplace_nll)
    with torch.no_grad():
        mu, s = m(X[:4])
        log.append(D.Laplace(mu, torch.exp(s)).stddev.tolist())

    def poisson_nll(log_rate, _):
        nll = -D.Poisson(torch.exp(log_rate)).log_prob(y_count).mean()
        same = F.poisson_nll_loss(log_rate, y_count, log_input=True, full=True)
        return nll + 0.0 * same

    fit("poisson", poisson_nll)
    with torch.no_grad():
        log_rate = torch.zeros(len(y_count))
        log.append([
            (-D.Poisson(torch.exp(log_rate)).log_prob(y_count)).mean().item(),
            F.poisson_nll_loss(log_rate, y_count, log_input=True, full=True).item(),
        ])  # fmt: skip

    def gamma_nll(a, b):
        return -D.Gamma(F.softplus(a) + 1e-2, F.softplus(b) + 1e-2).log_prob(y_pos).mean()

    m = fit("gamma", gamma_nll)
    with torch.no_grad():
        a, b = m(X[:4])
        g = D.Gamma(F.softplus(a) + 1e-2, F.softplus(b) + 1e-2)
        log.append([g.mean.tolist(), g.mode.tolist(), g.entropy().tolist()])

    def survival_nll(log_rate, _):
        rate = torch.exp(log_rate)
        ll = torch.where(event.bool(), D.Exponential(rate).log_prob(t), -rate * t)
        return -ll.mean()

    fit("survival", survival_nll)

    def beta_policy(a, b):
        alpha, beta = F.softplus(a) + 1, F.softplus(b) + 1
        dist = D.Beta(alpha, beta)
        logp = dist.log_prob(actions)
        return -(logp * adv).mean() - 0.01 * dist.entropy().mean()

    m = fit("beta", beta_policy, lr=0.05)
    with torch.no_grad():
        a, b = m(X[:4])
        pol = D.Beta(F.softplus(a) + 1, F.softplus(b) + 1)
        log.append([pol.mean.tolist(), pol.variance.tolist()])
    return log


def test_distribution_heads(portability):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 4))
    y_pos = np.exp(0.5 * X[:, 0] + 0.2 * rng.standard_normal(32))
    y_count = rng.poisson(np.exp(0.4 * X[:, 1] + 0.5)).astype(np.float64)
    t = rng.exponential(1.0 / np.exp(0.3 * X[:, 2]))
    event = (rng.random(32) < 0.7).astype(np.float64)
    actions = rng.uniform(0.05, 0.95, 32)
    adv = rng.standard_normal(32)

    def program(torch, **kw):
        a = torch.from_numpy
        return heads(torch, X=a(X), y_pos=a(y_pos), y_count=a(y_count), t=a(t),
                     event=a(event), actions=a(actions), adv=a(adv), **kw)  # fmt: skip

    portability.assert_same(program, rtol=1e-9)
