"""The PyTorch tutorial "Reinforcement Learning (DQN)" (``intermediate/reinforcement_q_learning``):
a ``Transition`` namedtuple and a ``ReplayMemory`` over ``deque([], maxlen=capacity)`` sampled
with ``random.sample``, ``policy_net`` and ``target_net`` with
``target_net.load_state_dict(policy_net.state_dict())``, epsilon-greedy ``select_action``
(``random.random()`` against an exponentially decaying threshold, ``policy_net(state).max(1).indices
.view(1, 1)`` under ``torch.no_grad``, ``torch.tensor([[env.action_space.sample()]],
dtype=torch.long)``), ``optimize_model`` with ``Transition(*zip(*transitions))``, a
``non_final_mask`` made by ``torch.tensor(tuple(map(lambda s: s is not None, ...)),
dtype=torch.bool)``, ``policy_net(state_batch).gather(1, action_batch)``,
``next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values`` under
``no_grad``, ``nn.SmoothL1Loss`` of ``expected_state_action_values.unsqueeze(1)``,
``AdamW(amsgrad=True)``, ``torch.nn.utils.clip_grad_value_(..., 100)`` and the soft update of the
target through the two ``state_dict``s (``target_net_state_dict[key] = policy_net_state_dict[key]
* TAU + target_net_state_dict[key] * (1 - TAU)`` then ``load_state_dict``). A second variant, as
many DQN repositories write it: a hard target copy every few steps, ``F.huber_loss`` and a
double-DQN target (``argmax`` from the online net, ``gather`` on the target net's values).

Gym is not used: a deterministic CartPole (the classic-control equations) stands in, and
Python's ``random`` is reseeded at the start of each run, so both runs take the same actions
and replay the same batches while the nets agree.
"""

from __future__ import annotations

import math
import random
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


Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))


class ReplayMemory:
    def __init__(self, capacity):
        self.memory = deque([], maxlen=capacity)

    def push(self, *args):
        """Save a transition"""
        self.memory.append(Transition(*args))

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


def dqn(torch, nn, F, optim, data, init, path, double=False):
    random.seed(0)
    env = CartPole(11)
    BATCH_SIZE, GAMMA, EPS_START, EPS_END, EPS_DECAY = 16, 0.99, 0.9, 0.05, 100
    TAU, LR = 0.005, 1e-3
    log = []

    class DQN(nn.Module):
        def __init__(self, n_observations, n_actions):
            super(DQN, self).__init__()
            self.layer1 = nn.Linear(n_observations, 64)
            self.layer2 = nn.Linear(64, 64)
            self.layer3 = nn.Linear(64, n_actions)

        def forward(self, x):
            x = F.relu(self.layer1(x))
            x = F.relu(self.layer2(x))
            return self.layer3(x)

    n_actions, n_observations = 2, 4
    policy_net = init(DQN(n_observations, n_actions))
    target_net = DQN(n_observations, n_actions)
    target_net.load_state_dict(policy_net.state_dict())

    optimizer = optim.AdamW(policy_net.parameters(), lr=LR, amsgrad=True)
    memory = ReplayMemory(1000)
    steps_done = 0

    def select_action(state):
        nonlocal steps_done
        sample = random.random()
        eps_threshold = EPS_END + (EPS_START - EPS_END) * math.exp(-1.0 * steps_done / EPS_DECAY)
        steps_done += 1
        if sample > eps_threshold:
            with torch.no_grad():
                # t.max(1) will return the largest column value of each row.
                return policy_net(state).max(1).indices.view(1, 1)
        else:
            return torch.tensor([[random.randrange(n_actions)]], dtype=torch.long)

    def optimize_model():
        if len(memory) < BATCH_SIZE:
            return None
        transitions = memory.sample(BATCH_SIZE)
        batch = Transition(*zip(*transitions))

        non_final_mask = torch.tensor(
            tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool
        )
        non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
        state_batch = torch.cat(batch.state)
        action_batch = torch.cat(batch.action)
        reward_batch = torch.cat(batch.reward)

        state_action_values = policy_net(state_batch).gather(1, action_batch)

        next_state_values = torch.zeros(BATCH_SIZE)
        with torch.no_grad():
            if double:
                best = policy_net(non_final_next_states).argmax(dim=1, keepdim=True)
                next_state_values[non_final_mask] = (
                    target_net(non_final_next_states).gather(1, best).squeeze(1)
                )
            else:
                next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
        expected_state_action_values = (next_state_values * GAMMA) + reward_batch

        if double:
            loss = F.huber_loss(state_action_values, expected_state_action_values.unsqueeze(1))
        else:
            criterion = nn.SmoothL1Loss()
            loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))

        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
        optimizer.step()
        return loss.item()

    num_episodes = 6
    for i_episode in range(num_episodes):
        state, info = env.reset()
        state = torch.tensor(state, dtype=torch.float32).unsqueeze(0)
        losses = []
        for t in count():
            action = select_action(state)
            observation, reward, terminated, truncated, _ = env.step(action.item())
            reward = torch.tensor([reward])
            done = terminated or truncated
            if terminated:
                next_state = None
            else:
                next_state = torch.tensor(observation, dtype=torch.float32).unsqueeze(0)
            memory.push(state, action, next_state, reward)
            state = next_state

            loss = optimize_model()
            if loss is not None:
                losses.append(loss)

            if double:
                if steps_done % 20 == 0:
                    target_net.load_state_dict(policy_net.state_dict())
            else:
                # Soft update of the target network's weights
                # θ′ ← τ θ + (1 −τ )θ′
                target_net_state_dict = target_net.state_dict()
                policy_net_state_dict = policy_net.state_dict()
                for key in policy_net_state_dict:
                    target_net_state_dict[key] = policy_net_state_dict[
                        key
                    ] * TAU + target_net_state_dict[key] * (1 - TAU)
                target_net.load_state_dict(target_net_state_dict)

            if done:
                log.append([t + 1, steps_done] + losses)
                break
    with torch.no_grad():
        probe = torch.tensor(np.linspace(-0.05, 0.05, 8).reshape(2, 4), dtype=torch.float32)
        log.append(target_net(probe).flatten().tolist())
    return log


def test_dqn_soft_update(portability):
    portability.assert_same(dqn, dtype="float32", rtol=1e-4)


def test_double_dqn_hard_update(portability):
    portability.assert_same(dqn, dtype="float32", rtol=1e-4, double=True)
