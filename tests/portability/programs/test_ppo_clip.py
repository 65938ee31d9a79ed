"""PPO's clipped objective as CleanRL's ``ppo.py`` writes it: ``layer_init`` with
``torch.nn.init.orthogonal_(layer.weight, std)`` and ``constant_(layer.bias, bias_const)``, an
``Agent`` whose ``get_action_and_value`` builds ``Categorical(logits=logits)`` and returns
``probs.log_prob(action)``, ``probs.entropy()`` and the critic's value; rollout buffers of
``torch.zeros((num_steps, num_envs) + obs_shape)`` filled row by row under ``torch.no_grad``,
``torch.Tensor(next_obs)``, generalized advantage estimation backwards with ``torch.zeros_like``
and ``reversed(range(num_steps))``, the flattened batch indexed by NumPy index arrays
(``b_obs[mb_inds]``, ``b_actions.long()[mb_inds]``), ``logratio.exp()``, the approximate KL and
clip fractions, advantages normalised with ``(adv - adv.mean()) / (adv.std() + 1e-8)``,
``torch.max(pg_loss1, pg_loss2).mean()`` with ``torch.clamp(ratio, 1 - clip_coef, 1 +
clip_coef)``, the clipped value loss, ``clip_grad_norm_``, the linearly annealed
``optimizer.param_groups[0]["lr"]`` and the explained variance. A second variant writes the
policy loss as OpenAI Spinning Up does (``-(torch.min(ratio * adv, clip_adv)).mean()``,
``ratio.gt(1+clip_ratio) | ratio.lt(1-clip_ratio)`` through ``torch.as_tensor(clipped,
dtype=torch.float32)``) with the value function trained by its own optimizer.

Gym is not used: vectorized deterministic CartPoles with auto-reset stand in; ``Categorical
.sample`` is patched on both libraries to an inverse-CDF draw from one NumPy stream, and the
minibatch order comes from a seeded NumPy generator.
"""

from __future__ import annotations

import math

import numpy as np


class VecCartPole:
    """``num_envs`` CartPole-v1 copies (the classic-control equations), reset when done."""

    def __init__(self, num_envs, seed):
        self.rng = np.random.default_rng(seed)
        self.n = num_envs

    def _reset_one(self):
        return self.rng.uniform(-0.05, 0.05, size=(4,))

    def reset(self):
        self.state = np.stack([self._reset_one() for _ in range(self.n)])
        self.steps = np.zeros(self.n, dtype=np.int64)
        return self.state.astype(np.float32), {}

    def step(self, actions):
        term, trunc = np.zeros(self.n, bool), np.zeros(self.n, bool)
        for i, a in enumerate(actions):
            x, x_dot, th, th_dot = self.state[i]
            force = 10.0 if a == 1 else -10.0
            c, s = math.cos(th), math.sin(th)
            temp = (force + 0.05 * th_dot**2 * s) / 1.1
            thacc = (9.8 * s - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * c**2 / 1.1))
            xacc = temp - 0.05 * thacc * c / 1.1
            self.state[i] = (x + 0.02 * x_dot, x_dot + 0.02 * xacc, th + 0.02 * th_dot, th_dot + 0.02 * thacc)  # fmt: skip
            self.steps[i] += 1
            term[i] = abs(self.state[i, 0]) > 2.4 or abs(self.state[i, 2]) > 12 * 2 * math.pi / 360
            trunc[i] = self.steps[i] >= 40
            if term[i] or trunc[i]:
                self.state[i], self.steps[i] = self._reset_one(), 0
        return self.state.astype(np.float32), np.ones(self.n), term, trunc, {}


def ppo(torch, nn, F, optim, data, init, path, variant="cleanrl"):
    Categorical = torch.distributions.Categorical
    num_envs, num_steps, num_iterations, update_epochs, num_minibatches = 4, 16, 3, 3, 4
    learning_rate, gamma, gae_lambda = 2.5e-3, 0.99, 0.95
    clip_coef, ent_coef, vf_coef, max_grad_norm, target_kl = 0.2, 0.01, 0.5, 0.5, None
    batch_size = num_envs * num_steps
    minibatch_size = batch_size // num_minibatches
    shuffle_rng = np.random.default_rng(1)
    envs = VecCartPole(num_envs, 3)
    obs_shape, log = (4,), []

    def layer_init(layer, std=np.sqrt(2), bias_const=0.0):  # noqa: B008 - as CleanRL writes it
        torch.nn.init.orthogonal_(layer.weight, std)
        torch.nn.init.constant_(layer.bias, bias_const)
        return layer

    class Agent(nn.Module):
        def __init__(self):
            super().__init__()
            self.critic = nn.Sequential(
                layer_init(nn.Linear(np.array(obs_shape).prod(), 64)),
                nn.Tanh(),
                layer_init(nn.Linear(64, 64)),
                nn.Tanh(),
                layer_init(nn.Linear(64, 1), std=1.0),
            )
            self.actor = nn.Sequential(
                layer_init(nn.Linear(np.array(obs_shape).prod(), 64)),
                nn.Tanh(),
                layer_init(nn.Linear(64, 64)),
                nn.Tanh(),
                layer_init(nn.Linear(64, 2), std=0.01),
            )

        def get_value(self, x):
            return self.critic(x)

        def get_action_and_value(self, x, action=None):
            logits = self.actor(x)
            probs = Categorical(logits=logits)
            if action is None:
                action = probs.sample()
            return action, probs.log_prob(action), probs.entropy(), self.critic(x)

    agent = init(Agent())
    if variant == "cleanrl":
        optimizer = optim.Adam(agent.parameters(), lr=learning_rate, eps=1e-5)
    else:
        pi_optimizer = optim.Adam(agent.actor.parameters(), lr=learning_rate)
        vf_optimizer = optim.Adam(agent.critic.parameters(), lr=learning_rate)

    obs = torch.zeros((num_steps, num_envs) + obs_shape)
    actions = torch.zeros((num_steps, num_envs))
    logprobs = torch.zeros((num_steps, num_envs))
    rewards = torch.zeros((num_steps, num_envs))
    dones = torch.zeros((num_steps, num_envs))
    values = torch.zeros((num_steps, num_envs))

    next_obs, _ = envs.reset()
    next_obs = torch.Tensor(next_obs)
    next_done = torch.zeros(num_envs)

    for iteration in range(1, num_iterations + 1):
        if variant == "cleanrl":
            frac = 1.0 - (iteration - 1.0) / num_iterations
            lrnow = frac * learning_rate
            optimizer.param_groups[0]["lr"] = lrnow

        for step in range(0, num_steps):
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
                values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            next_obs, reward, terminations, truncations, infos = envs.step(action.cpu().numpy())
            next_done = np.logical_or(terminations, truncations)
            rewards[step] = torch.tensor(reward).view(-1)
            next_obs, next_done = torch.Tensor(next_obs), torch.Tensor(next_done)

        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages = torch.zeros_like(rewards)
            lastgaelam = 0
            for t in reversed(range(num_steps)):
                if t == num_steps - 1:
                    nextnonterminal = 1.0 - next_done
                    nextvalues = next_value
                else:
                    nextnonterminal = 1.0 - dones[t + 1]
                    nextvalues = values[t + 1]
                delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = (
                    delta + gamma * gae_lambda * nextnonterminal * lastgaelam
                )
            returns = advantages + values

        b_obs = obs.reshape((-1,) + obs_shape)
        b_logprobs = logprobs.reshape(-1)
        b_actions = actions.reshape(-1)
        b_advantages = advantages.reshape(-1)
        b_returns = returns.reshape(-1)
        b_values = values.reshape(-1)

        b_inds = np.arange(batch_size)
        clipfracs, losses = [], []
        for epoch in range(update_epochs):
            shuffle_rng.shuffle(b_inds)
            for start in range(0, batch_size, minibatch_size):
                end = start + minibatch_size
                mb_inds = b_inds[start:end]

                _, newlogprob, entropy, newvalue = agent.get_action_and_value(
                    b_obs[mb_inds], b_actions.long()[mb_inds]
                )
                logratio = newlogprob - b_logprobs[mb_inds]
                ratio = logratio.exp()
                mb_advantages = b_advantages[mb_inds]
                mb_advantages = (mb_advantages - mb_advantages.mean()) / (
                    mb_advantages.std() + 1e-8
                )
                newvalue = newvalue.view(-1)

                if variant == "cleanrl":
                    with torch.no_grad():
                        old_approx_kl = (-logratio).mean()
                        approx_kl = ((ratio - 1) - logratio).mean()
                        clipfracs += [((ratio - 1.0).abs() > clip_coef).float().mean().item()]
                    pg_loss1 = -mb_advantages * ratio
                    pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
                    pg_loss = torch.max(pg_loss1, pg_loss2).mean()

                    v_loss_unclipped = (newvalue - b_returns[mb_inds]) ** 2
                    v_clipped = b_values[mb_inds] + torch.clamp(
                        newvalue - b_values[mb_inds], -clip_coef, clip_coef
                    )
                    v_loss_clipped = (v_clipped - b_returns[mb_inds]) ** 2
                    v_loss_max = torch.max(v_loss_unclipped, v_loss_clipped)
                    v_loss = 0.5 * v_loss_max.mean()

                    entropy_loss = entropy.mean()
                    loss = pg_loss - ent_coef * entropy_loss + v_loss * vf_coef

                    optimizer.zero_grad()
                    loss.backward()
                    nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
                    optimizer.step()
                    losses.append([loss.item(), old_approx_kl.item(), approx_kl.item()])
                else:
                    adv = mb_advantages
                    clip_adv = torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef) * adv
                    loss_pi = -(torch.min(ratio * adv, clip_adv)).mean()
                    approx_kl = (b_logprobs[mb_inds] - newlogprob).mean().item()
                    ent = entropy.mean().item()
                    clipped = ratio.gt(1 + clip_coef) | ratio.lt(1 - clip_coef)
                    clipfrac = torch.as_tensor(clipped, dtype=torch.float32).mean().item()
                    clipfracs.append(clipfrac)
                    loss_v = ((newvalue - b_returns[mb_inds]) ** 2).mean()
                    pi_optimizer.zero_grad()
                    vf_optimizer.zero_grad()
                    (loss_pi + loss_v).backward()
                    pi_optimizer.step()
                    vf_optimizer.step()
                    losses.append([loss_pi.item(), loss_v.item(), approx_kl, ent])

            if target_kl is not None and approx_kl > target_kl:
                break

        y_pred, y_true = b_values.cpu().numpy(), b_returns.cpu().numpy()
        var_y = np.var(y_true)
        explained_var = np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y
        log.append(
            {
                "losses": losses,
                "clipfrac": float(np.mean(clipfracs)),
                "explained_variance": float(explained_var),
                "actions": b_actions.long().tolist(),
            }
        )
    return log


def _shared_sampling(monkeypatch, program):
    """Patch both libraries' ``Categorical.sample`` to an inverse-CDF draw from one stream."""
    import torch

    import deepgrad

    state = {}

    def patch(lib):
        def sample(self, sample_shape=()):
            p = self.probs.detach().numpy().astype(np.float64)
            u = state["rng"].random(tuple(sample_shape) + p.shape[:-1])
            idx = np.minimum((np.cumsum(p, -1) < u[..., None]).sum(-1), p.shape[-1] - 1)
            return lib.tensor(idx, dtype=lib.int64)

        monkeypatch.setattr(lib.distributions.Categorical, "sample", sample)

    patch(torch)
    patch(deepgrad)

    def run(**kw):
        state["rng"] = np.random.default_rng(7)
        return program(**kw)

    return run


def test_ppo_cleanrl(portability, monkeypatch):
    portability.assert_same(_shared_sampling(monkeypatch, ppo), rtol=1e-7)


def test_ppo_spinning_up(portability, monkeypatch):
    run = _shared_sampling(monkeypatch, ppo)
    portability.assert_same(run, rtol=1e-7, variant="spinningup")
