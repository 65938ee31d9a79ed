"""Soft actor-critic updates as the PyTorch implementations write them: an actor returning
``TransformedDistribution(Normal(mu, log_std.clamp(LOG_STD_MIN, LOG_STD_MAX).exp()),
[TanhTransform(cache_size=1)])`` whose ``log_prob`` of its own squashed sample goes through the
transform's cache (the pre-tanh noise is drawn with ``torch.randn_like`` here, so both runs share
it; ``rsample`` would draw from each library's generator), an action scale/bias, twin Q networks
over ``torch.cat([obs, act], dim=-1)``, ``copy.deepcopy`` targets with ``requires_grad = False``,
the clipped double-Q target ``torch.min(q1_pi_targ, q2_pi_targ)`` under ``torch.no_grad``,
``itertools.chain`` of the two critics' parameters in one Adam, the automatic temperature
(``log_alpha = torch.zeros(1, requires_grad=True)``, ``target_entropy = -act_dim``,
``-(log_alpha * (logp_pi + target_entropy).detach()).mean()``), freezing the critics during the
actor step (``p.requires_grad = False``) and Polyak averaging written Spinning Up's way
(``p_targ.data.mul_(polyak); p_targ.data.add_((1 - polyak) * p.data)``). Spinning Up's own
hand-written tanh correction (``2*(np.log(2) - pi_action - F.softplus(-2*pi_action))``) on a
plain ``Normal`` is the second variant."""

from __future__ import annotations

import copy
import itertools

import numpy as np


def sac(torch, nn, F, optim, data, init, path, batches, variant):
    D = torch.distributions
    obs_dim, act_dim, hidden = 3, 2, 32
    LOG_STD_MIN, LOG_STD_MAX = -20, 2
    gamma, polyak = 0.99, 0.995
    log = []

    def mlp(sizes, activation=nn.ReLU, output_activation=nn.Identity):
        layers = []
        for j in range(len(sizes) - 1):
            act = activation if j < len(sizes) - 2 else output_activation
            layers += [nn.Linear(sizes[j], sizes[j + 1]), act()]
        return nn.Sequential(*layers)

    class SquashedGaussianActor(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = mlp([obs_dim, hidden, hidden], nn.ReLU, nn.ReLU)
            self.mu_layer = nn.Linear(hidden, act_dim)
            self.log_std_layer = nn.Linear(hidden, act_dim)
            self.register_buffer("action_scale", torch.tensor([2.0, 0.5]))
            self.register_buffer("action_bias", torch.tensor([0.0, 0.5]))

        def forward(self, obs, deterministic=False, with_logprob=True):
            net_out = self.net(obs)
            mu = self.mu_layer(net_out)
            log_std = self.log_std_layer(net_out)
            log_std = torch.clamp(log_std, LOG_STD_MIN, LOG_STD_MAX)
            std = torch.exp(log_std)
            pre = mu if deterministic else mu + std * torch.randn_like(mu)
            if variant == "transform":
                tanh = D.transforms.TanhTransform(cache_size=1)
                pi_distribution = D.TransformedDistribution(D.Normal(mu, std), [tanh])
                squashed = tanh(pre)
                logp_pi = pi_distribution.log_prob(squashed).sum(-1) if with_logprob else None
            else:
                pi_distribution = D.Normal(mu, std)
                squashed = torch.tanh(pre)
                logp_pi = None
                if with_logprob:
                    logp_pi = pi_distribution.log_prob(pre).sum(axis=-1)
                    logp_pi -= (2 * (np.log(2) - pre - F.softplus(-2 * pre))).sum(axis=1)
            pi_action = squashed * self.action_scale + self.action_bias
            if with_logprob:
                logp_pi = logp_pi - torch.log(self.action_scale).sum()
            return pi_action, logp_pi

    class MLPQFunction(nn.Module):
        def __init__(self):
            super().__init__()
            self.q = mlp([obs_dim + act_dim, hidden, hidden, 1], nn.ReLU)

        def forward(self, obs, act):
            q = self.q(torch.cat([obs, act], dim=-1))
            return torch.squeeze(q, -1)

    class MLPActorCritic(nn.Module):
        def __init__(self):
            super().__init__()
            self.pi = SquashedGaussianActor()
            self.q1 = MLPQFunction()
            self.q2 = MLPQFunction()

    ac = init(MLPActorCritic())
    ac_targ = copy.deepcopy(ac)
    for p in ac_targ.parameters():
        p.requires_grad = False
    q_params = itertools.chain(ac.q1.parameters(), ac.q2.parameters())
    pi_optimizer = optim.Adam(ac.pi.parameters(), lr=3e-3)
    q_optimizer = optim.Adam(q_params, lr=3e-3)
    log_alpha = torch.zeros(1, requires_grad=True)
    alpha_optimizer = optim.Adam([log_alpha], lr=3e-3)
    target_entropy = -act_dim

    def compute_loss_q(batch, alpha):
        o, a, r, o2, d = batch["obs"], batch["act"], batch["rew"], batch["obs2"], batch["done"]
        q1 = ac.q1(o, a)
        q2 = ac.q2(o, a)
        with torch.no_grad():
            a2, logp_a2 = ac.pi(o2)
            q1_pi_targ = ac_targ.q1(o2, a2)
            q2_pi_targ = ac_targ.q2(o2, a2)
            q_pi_targ = torch.min(q1_pi_targ, q2_pi_targ)
            backup = r + gamma * (1 - d) * (q_pi_targ - alpha * logp_a2)
        loss_q1 = ((q1 - backup) ** 2).mean()
        loss_q2 = ((q2 - backup) ** 2).mean()
        return loss_q1 + loss_q2

    def compute_loss_pi(batch, alpha):
        o = batch["obs"]
        pi, logp_pi = ac.pi(o)
        q1_pi = ac.q1(o, pi)
        q2_pi = ac.q2(o, pi)
        q_pi = torch.min(q1_pi, q2_pi)
        loss_pi = (alpha * logp_pi - q_pi).mean()
        return loss_pi, logp_pi

    for raw in batches:
        batch = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in raw.items()}
        alpha = log_alpha.exp().detach()
        q_optimizer.zero_grad()
        loss_q = compute_loss_q(batch, alpha)
        loss_q.backward()
        q_optimizer.step()

        for p in itertools.chain(ac.q1.parameters(), ac.q2.parameters()):
            p.requires_grad = False
        pi_optimizer.zero_grad()
        loss_pi, logp_pi = compute_loss_pi(batch, alpha)
        loss_pi.backward()
        pi_optimizer.step()
        for p in itertools.chain(ac.q1.parameters(), ac.q2.parameters()):
            p.requires_grad = True

        alpha_optimizer.zero_grad()
        alpha_loss = -(log_alpha * (logp_pi + target_entropy).detach()).mean()
        alpha_loss.backward()
        alpha_optimizer.step()

        with torch.no_grad():
            for p, p_targ in zip(ac.parameters(), ac_targ.parameters()):
                p_targ.data.mul_(polyak)
                p_targ.data.add_((1 - polyak) * p.data)
        log.append([loss_q.item(), loss_pi.item(), alpha_loss.item(), log_alpha.item()])
    with torch.no_grad():
        a, _ = ac.pi(torch.as_tensor(batches[0]["obs"], dtype=torch.float32), deterministic=True,
                     with_logprob=False)  # fmt: skip
        log.append(a.tolist())
    return log


def _batches(n=6, size=16, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        obs = rng.standard_normal((size, 3))
        act = np.stack([rng.uniform(-2, 2, size), rng.uniform(0, 1, size)], 1)
        out.append({"obs": obs, "act": act, "rew": -np.abs(obs[:, 0] - act[:, 0]),
                    "obs2": obs + 0.1 * rng.standard_normal((size, 3)),
                    "done": (rng.random(size) < 0.1).astype(np.float64)})  # fmt: skip
    return out


def test_sac_tanh_transform(portability):
    portability.assert_same(sac, dtype="float32", rtol=1e-4, batches=_batches(), variant="transform")  # fmt: skip


def test_sac_spinning_up_correction(portability):
    portability.assert_same(sac, dtype="float32", rtol=1e-4, batches=_batches(), variant="manual")  # fmt: skip
