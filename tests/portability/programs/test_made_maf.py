"""MADE and MAF as karpathy/pytorch-made and ikostrikov/pytorch-flows write them: a
``MaskedLinear(nn.Linear)`` holding its mask in ``register_buffer('mask', torch.ones(out_features,
in_features))`` set through ``self.mask.data.copy_(torch.from_numpy(mask.astype(np.uint8).T))``
and applied as ``F.linear(input, self.mask * self.weight, self.bias)``; degrees drawn by a
seeded NumPy ``RandomState`` (``rng.randint(self.m[l-1].min(), self.nin-1, size=...)``), the
masks ``self.m[l-1][:,None] <= self.m[l][None,:]`` and ``<`` for the output; ``nn.Sequential``
built from a list with ``net.extend([...])`` and ``net.pop()``; MADE trained with
``F.binary_cross_entropy_with_logits(..., reduction='sum')``; then a MAF (ikostrikov's
``MADE`` block: ``get_mask(in_features, out_features, in_flow_features, mask_type='input'|None|
'output')`` from ``torch.arange`` degrees, ``(output_degrees >= input_degrees).float()``, the
``a.exp()`` log-det ``-a.sum(-1, keepdim=True)``, ``BatchNormFlow`` with running averages updated
in ``.data`` and ``Reverse`` by ``np.array(np.arange(0, num_inputs)[::-1])``), the log density
``(-0.5 * u.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1, keepdim=True)`` and as
``torch.distributions.Normal(0, 1).log_prob(u)``."""

from __future__ import annotations

import math

import numpy as np


def made(torch, nn, F, optim, data, init, path, binary):
    log = []

    class MaskedLinear(nn.Linear):
        def __init__(self, in_features, out_features, bias=True):
            super().__init__(in_features, out_features, bias)
            self.register_buffer("mask", torch.ones(out_features, in_features))

        def set_mask(self, mask):
            self.mask.data.copy_(torch.from_numpy(mask.astype(np.uint8).T))

        def forward(self, input):
            return F.linear(input, self.mask * self.weight, self.bias)

    class MADE(nn.Module):
        def __init__(self, nin, hidden_sizes, nout, num_masks=1, natural_ordering=False):
            super().__init__()
            self.nin, self.nout, self.hidden_sizes = nin, nout, hidden_sizes
            self.net = []
            hs = [nin] + hidden_sizes + [nout]
            for h0, h1 in zip(hs, hs[1:]):
                self.net.extend([MaskedLinear(h0, h1), nn.ReLU()])
            self.net.pop()
            self.net = nn.Sequential(*self.net)
            self.natural_ordering = natural_ordering
            self.num_masks = num_masks
            self.seed = 0
            self.m = {}
            self.update_masks()

        def update_masks(self):
            if self.m and self.num_masks == 1:
                return
            L = len(self.hidden_sizes)
            rng = np.random.RandomState(self.seed)
            self.seed = (self.seed + 1) % self.num_masks
            self.m[-1] = np.arange(self.nin) if self.natural_ordering else rng.permutation(self.nin)  # fmt: skip
            for l in range(L):  # noqa: E741
                self.m[l] = rng.randint(self.m[l - 1].min(), self.nin - 1, size=self.hidden_sizes[l])  # fmt: skip
            masks = [self.m[l - 1][:, None] <= self.m[l][None, :] for l in range(L)]
            masks.append(self.m[L - 1][:, None] < self.m[-1][None, :])
            if self.nout > self.nin:
                k = int(self.nout / self.nin)
                masks[-1] = np.concatenate([masks[-1]] * k, axis=1)
            layers = [l for l in self.net.modules() if isinstance(l, MaskedLinear)]
            for l, m in zip(layers, masks):
                l.set_mask(m)

        def forward(self, x):
            return self.net(x)

    model = init(MADE(6, [12, 12], 6, num_masks=2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    xtr = torch.from_numpy(binary)
    for epoch in range(3):
        for step in range(2):
            model.update_masks()
            xb = xtr[step * 8 : (step + 1) * 8]
            xbhat = model(xb)
            loss = F.binary_cross_entropy_with_logits(xbhat, xb, reduction="sum") / xb.size(0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            log.append(loss.item())
    # autoregressive property: output d depends only on inputs before it in the ordering
    x = xtr[:1].clone().requires_grad_(True)
    model.net[0].mask.sum().item()
    out = model(x)
    deps = []
    for d in range(6):
        (g,) = torch.autograd.grad(out[0, d], x, retain_graph=True)
        deps.append((g[0] != 0).int().tolist())
    log.append(deps)
    log.append([int(model.m[-1][i]) for i in range(6)])
    return log


def maf(torch, nn, F, optim, data, init, path, points, use_distributions):
    log = []

    def get_mask(in_features, out_features, in_flow_features, mask_type=None):
        if mask_type == "input":
            in_degrees = torch.arange(in_features) % in_flow_features
        else:
            in_degrees = torch.arange(in_features) % (in_flow_features - 1)
        if mask_type == "output":
            out_degrees = torch.arange(out_features) % in_flow_features - 1
        else:
            out_degrees = torch.arange(out_features) % (in_flow_features - 1)
        return (out_degrees.unsqueeze(-1) >= in_degrees.unsqueeze(0)).float()

    class MaskedLinear(nn.Module):
        def __init__(self, in_features, out_features, mask, bias=True):
            super().__init__()
            self.linear = nn.Linear(in_features, out_features)
            self.register_buffer("mask", mask)

        def forward(self, inputs):
            return F.linear(inputs, self.linear.weight * self.mask, self.linear.bias)

    nn.MaskedLinear = MaskedLinear

    class MADE(nn.Module):
        def __init__(self, num_inputs, num_hidden, act="relu"):
            super().__init__()
            input_mask = get_mask(num_inputs, num_hidden, num_inputs, mask_type="input")
            hidden_mask = get_mask(num_hidden, num_hidden, num_inputs)
            output_mask = get_mask(num_hidden, num_inputs * 2, num_inputs, mask_type="output")
            self.joiner = nn.MaskedLinear(num_inputs, num_hidden, input_mask)
            self.trunk = nn.Sequential(nn.ReLU(), nn.MaskedLinear(num_hidden, num_hidden, hidden_mask),
                                       nn.ReLU(), nn.MaskedLinear(num_hidden, num_inputs * 2, output_mask))  # fmt: skip

        def forward(self, inputs, mode="direct"):
            h = self.joiner(inputs)
            m, a = self.trunk(h).chunk(2, 1)
            u = (inputs - m) * torch.exp(-a)
            return u, -a.sum(-1, keepdim=True)

    class BatchNormFlow(nn.Module):
        def __init__(self, num_inputs, momentum=0.0, eps=1e-5):
            super().__init__()
            self.log_gamma = nn.Parameter(torch.zeros(num_inputs))
            self.beta = nn.Parameter(torch.zeros(num_inputs))
            self.momentum, self.eps = momentum, eps
            self.register_buffer("running_mean", torch.zeros(num_inputs))
            self.register_buffer("running_var", torch.ones(num_inputs))

        def forward(self, inputs, mode="direct"):
            if self.training:
                self.batch_mean = inputs.mean(0)
                self.batch_var = (inputs - self.batch_mean).pow(2).mean(0) + self.eps
                self.running_mean.mul_(self.momentum)
                self.running_var.mul_(self.momentum)
                self.running_mean.add_(self.batch_mean.data * (1 - self.momentum))
                self.running_var.add_(self.batch_var.data * (1 - self.momentum))
                mean, var = self.batch_mean, self.batch_var
            else:
                mean, var = self.running_mean, self.running_var
            x_hat = (inputs - mean) / var.sqrt()
            y = torch.exp(self.log_gamma) * x_hat + self.beta
            return y, (self.log_gamma - 0.5 * torch.log(var)).sum(-1, keepdim=True)

    class Reverse(nn.Module):
        def __init__(self, num_inputs):
            super().__init__()
            self.perm = np.array(np.arange(0, num_inputs)[::-1])
            self.inv_perm = np.argsort(self.perm)

        def forward(self, inputs, mode="direct"):
            return inputs[:, self.perm], torch.zeros(inputs.size(0), 1, device=inputs.device)

    class FlowSequential(nn.Sequential):
        def forward(self, inputs, mode="direct"):
            self.num_inputs = inputs.size(-1)
            logdets = torch.zeros(inputs.size(0), 1, device=inputs.device)
            for module in self._modules.values():
                inputs, logdet = module(inputs, mode)
                logdets += logdet
            return inputs, logdets

        def log_probs(self, inputs):
            u, log_jacob = self(inputs)
            if use_distributions:
                log_probs = torch.distributions.Normal(0, 1).log_prob(u).sum(-1, keepdim=True)
            else:
                log_probs = (-0.5 * u.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1, keepdim=True)
            return (log_probs + log_jacob).sum(-1, keepdim=True)

    modules = []
    for _ in range(3):
        modules += [MADE(3, 8), BatchNormFlow(3), Reverse(3)]
    model = FlowSequential(*modules)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.orthogonal_(module.weight)
            if hasattr(module, "bias") and module.bias is not None:
                module.bias.data.fill_(0)
    model = init(model)  # (orthogonal_ draws from each library's generator: torch's weights)
    optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-6)
    loader = data.DataLoader(data.TensorDataset(torch.from_numpy(points)), batch_size=10)
    model.train()
    for epoch in range(2):
        for batch_idx, batch in enumerate(loader):
            if isinstance(batch, list):
                batch = batch[0]
            optimizer.zero_grad()
            loss = -model.log_probs(batch).mean()
            loss.backward()
            optimizer.step()
            log.append(loss.item())
    for module in model.modules():
        if isinstance(module, BatchNormFlow):
            module.momentum = 0
    with torch.no_grad():
        model(torch.from_numpy(points))
    for module in model.modules():
        if isinstance(module, BatchNormFlow):
            module.momentum = 1
    model.eval()
    with torch.no_grad():
        log.append(-model.log_probs(torch.from_numpy(points)).mean().item())
    log.append(model[0].joiner.mask.sum().item())
    return log


def test_made_masks_and_training(portability):
    rng = np.random.default_rng(2)
    binary = (rng.random((16, 6)) < 0.4).astype(np.float64)
    portability.assert_same(made, rtol=1e-8, binary=binary)


def test_maf_hand_written_density(portability):
    points = np.random.default_rng(4).standard_normal((30, 3)) * [1.0, 0.5, 2.0]
    portability.assert_same(maf, rtol=1e-7, points=points, use_distributions=False)


def test_maf_distributions_normal(portability):
    points = np.random.default_rng(4).standard_normal((30, 3)) * [1.0, 0.5, 2.0]
    portability.assert_same(maf, rtol=1e-7, points=points, use_distributions=True)
