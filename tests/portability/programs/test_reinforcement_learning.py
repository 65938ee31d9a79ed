"""pytorch/examples ``reinforcement_learning``: ``reinforce.py`` (a ``Policy`` with
``saved_log_probs``/``rewards`` lists, ``torch.from_numpy(state).float().unsqueeze(0)``,
``Categorical(probs)``, ``m.log_prob(action)``, discounted returns gathered in a ``deque`` with
``appendleft`` and turned into ``torch.tensor(returns)``, normalised with ``eps =
np.finfo(np.float32).eps.item()``, ``torch.cat(policy_loss).sum()``, ``del policy.rewards[:]``)
and ``actor_critic.py`` (a two-headed policy, ``SavedAction`` namedtuples, ``returns.insert(0,
R)``, ``advantage = R - value.item()``, ``F.smooth_l1_loss(value, torch.tensor([R]))`` with
``R`` a 0-d tensor, ``torch.stack(...).sum()``, a running reward).

Gym is not used: a deterministic CartPole (the classic-control equations, Euler steps) from a
fixed start state stands in. ``Categorical.sample`` draws from each library's own generator,
so both runs sample by inverse CDF from one shared NumPy stream instead (``sample`` patched on
the class); everything else is the library's. ``.float()`` makes the programs float32.
"""

from __future__ import annotations

import math
from collections import deque, namedtuple
from itertools import count

import numpy as np


class CartPole:
    """gym's CartPole-v1 dynamics, deterministic start, reward 1 per step."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.state = self.rng.uniform(-0.05, 0.05, size=(4,))
        self.steps = 0
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + 0.05 * theta_dot**2 * sintheta) / 1.1
        thetaacc = (9.8 * sintheta - costheta * temp) / (0.5 * (4.0 / 3.0 - 0.1 * costheta**2 / 1.1))  # fmt: skip
        xacc = temp - 0.05 * thetaacc * costheta / 1.1
        x, x_dot = x + 0.02 * x_dot, x_dot + 0.02 * xacc
        theta, theta_dot = theta + 0.02 * theta_dot, theta_dot + 0.02 * thetaacc
        self.state = (x, x_dot, theta, theta_dot)
        self.steps += 1
        terminated = bool(abs(x) > 2.4 or abs(theta) > 12 * 2 * math.pi / 360)
        truncated = self.steps >= 60
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated, {}


def _reinforce(torch, nn, F, optim, data, init, path):
    Categorical = torch.distributions.Categorical
    gamma, log_interval = 0.99, 2
    env = CartPole(543)
    log = []

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(4, 128)
            self.dropout = nn.Dropout(p=0.0)  # the example's p=0.6 draws inside the library
            self.affine2 = nn.Linear(128, 2)

            self.saved_log_probs = []
            self.rewards = []

        def forward(self, x):
            x = self.affine1(x)
            x = self.dropout(x)
            x = F.relu(x)
            action_scores = self.affine2(x)
            return F.softmax(action_scores, dim=1)

    policy = init(Policy())
    optimizer = optim.Adam(policy.parameters(), lr=1e-2)
    eps = np.finfo(np.float32).eps.item()

    def select_action(state):
        state = torch.from_numpy(state).float().unsqueeze(0)
        probs = policy(state)
        m = Categorical(probs)
        action = m.sample()
        policy.saved_log_probs.append(m.log_prob(action))
        return action.item()

    def finish_episode():
        R = 0
        policy_loss = []
        returns = deque()
        for r in policy.rewards[::-1]:
            R = r + gamma * R
            returns.appendleft(R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        for log_prob, R in zip(policy.saved_log_probs, returns):
            policy_loss.append(-log_prob * R)
        optimizer.zero_grad()
        policy_loss = torch.cat(policy_loss).sum()
        policy_loss.backward()
        optimizer.step()
        del policy.rewards[:]
        del policy.saved_log_probs[:]
        return policy_loss.item()

    running_reward = 10
    for i_episode in count(1):
        state, _ = env.reset()
        ep_reward = 0
        for t in range(1, 10000):
            action = select_action(state)
            state, reward, done, _, _ = env.step(action)
            policy.rewards.append(reward)
            ep_reward += reward
            if done:
                break
        running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
        log.append([t, finish_episode(), running_reward])
        if i_episode % log_interval == 0:
            log.append(
                f"Episode {i_episode}\tLast reward: {ep_reward:.2f}\tAverage reward: {running_reward:.2f}"
            )
        if i_episode == 8:
            break
    return log


def _actor_critic(torch, nn, F, optim, data, init, path):
    Categorical = torch.distributions.Categorical
    SavedAction = namedtuple("SavedAction", ["log_prob", "value"])
    gamma = 0.99
    env = CartPole(543)
    log = []

    class Policy(nn.Module):
        """implements both actor and critic in one model"""

        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(4, 128)
            # actor's layer
            self.action_head = nn.Linear(128, 2)
            # critic's layer
            self.value_head = nn.Linear(128, 1)
            # action & reward buffer
            self.saved_actions = []
            self.rewards = []

        def forward(self, x):
            x = F.relu(self.affine1(x))
            action_prob = F.softmax(self.action_head(x), dim=-1)
            state_values = self.value_head(x)
            return action_prob, state_values

    model = init(Policy())
    optimizer = optim.Adam(model.parameters(), lr=3e-2)
    eps = np.finfo(np.float32).eps.item()

    def select_action(state):
        state = torch.from_numpy(state).float()
        probs, state_value = model(state)
        m = Categorical(probs)
        action = m.sample()
        model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
        return action.item()

    def finish_episode():
        R = 0
        saved_actions = model.saved_actions
        policy_losses = []
        value_losses = []
        returns = []
        for r in model.rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        for (log_prob, value), R in zip(saved_actions, returns):
            advantage = R - value.item()
            policy_losses.append(-log_prob * advantage)
            value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
        optimizer.zero_grad()
        loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum()
        loss.backward()
        optimizer.step()
        del model.rewards[:]
        del model.saved_actions[:]
        return loss.item()

    running_reward = 10
    for i_episode in count(1):
        state, _ = env.reset()
        ep_reward = 0
        for t in range(1, 10000):
            action = select_action(state)
            state, reward, done, _, _ = env.step(action)
            model.rewards.append(reward)
            ep_reward += reward
            if done:
                break
        running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
        log.append([t, finish_episode(), running_reward])
        if i_episode == 8:
            break
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


def test_reinforce(portability, monkeypatch):
    portability.assert_same(_shared_sampling(monkeypatch, _reinforce), dtype="float32", rtol=1e-4)  # fmt: skip


def test_actor_critic(portability, monkeypatch):
    portability.assert_same(_shared_sampling(monkeypatch, _actor_critic), dtype="float32", rtol=1e-4)  # fmt: skip
