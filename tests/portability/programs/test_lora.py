"""LoRA adapters as the parametrize tutorial and minLoRA write them: a pretrained-looking base
MLP is trained a little, frozen with ``requires_grad_(False)``, and each ``nn.Linear`` weight
gets a ``LoRAParametrization`` (``lora_A`` Kaiming-uniform, ``lora_B`` zeros, ``scale =
alpha / rank``, dropout p=0) through ``nn.utils.parametrize.register_parametrization``; only
the ``lora_`` parameters (picked by name) go to ``AdamW``; ``parametrize.cached()`` for an
evaluation pass; ``state_dict`` keys of the parametrized model; the adapters' own state dict;
merging with ``remove_parametrizations(leave_parametrized=True)``; and the hand-written
wrapper form (``LoRALinear`` holding a frozen ``nn.Linear`` and computing ``x @ A.T @ B.T``)."""

from __future__ import annotations

import math

import numpy as np


def lora(torch, nn, F, optim, data, init, path, x, y, x2, y2):

    parametrize = nn.utils.parametrize
    log = []

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 32)
            self.fc2 = nn.Linear(32, 32)
            self.head = nn.Linear(32, 3)

        def forward(self, x):
            return self.head(F.gelu(self.fc2(F.gelu(self.fc1(x)))))

    base = init(MLP())
    X, Y = torch.tensor(x), torch.tensor(y)
    opt = optim.SGD(base.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        loss = F.cross_entropy(base(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append(loss.item())

    class LoRAParametrization(nn.Module):
        def __init__(self, fan_in, fan_out, rank=4, alpha=8):
            super().__init__()
            self.lora_A = nn.Parameter(torch.zeros((rank, fan_in)))
            self.lora_B = nn.Parameter(torch.zeros((fan_out, rank)))
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            self.scale = alpha / rank
            self.lora_dropout = nn.Dropout(p=0.0)
            self.dropout_fn = lambda x: x
            self.enabled = True

        def forward(self, X):
            if not self.enabled:
                return X
            delta = torch.matmul(self.lora_B, self.dropout_fn(self.lora_A))
            return X + delta.view(X.shape) * self.scale

    base.requires_grad_(False)
    adapters = {}
    for name, layer in base.named_modules():
        if isinstance(layer, nn.Linear) and name != "head":
            fan_out, fan_in = layer.weight.shape
            lp = init(LoRAParametrization(fan_in, fan_out))
            adapters[name] = lp
            parametrize.register_parametrization(layer, "weight", lp)
    log.append(sorted(base.state_dict().keys()))
    log.append(
        parametrize.is_parametrized(base.fc1),
    )
    log.append(parametrize.is_parametrized(base.head))
    trainable = [p for n, p in base.named_parameters() if "lora_" in n]
    log.append([n for n, p in base.named_parameters() if p.requires_grad])
    log.append(sum(p.numel() for p in trainable))
    X2, Y2 = torch.tensor(x2), torch.tensor(y2)
    opt = optim.AdamW(trainable, lr=1e-2, weight_decay=0.01)
    for step in range(8):
        loss = F.cross_entropy(base(X2), Y2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([loss.item(), base.fc1.parametrizations.weight.original.grad is None])
    with torch.no_grad(), parametrize.cached():
        out = base(X2)
        log.append(F.cross_entropy(out, Y2).item())
    # disable the adapters: the base model's numbers come back
    for lp in adapters.values():
        lp.enabled = False
    with torch.no_grad():
        log.append(F.cross_entropy(base(X2), Y2).item())
    for lp in adapters.values():
        lp.enabled = True
    lora_sd = {k: v for k, v in base.state_dict().items() if "lora_" in k}
    log.append(sorted(lora_sd))
    # merge
    for name in adapters:
        parametrize.remove_parametrizations(getattr(base, name), "weight", leave_parametrized=True)
    log.append(sorted(base.state_dict().keys()))
    with torch.no_grad():
        log.append(F.cross_entropy(base(X2), Y2).item())
    log.append([p.sum().item() for p in base.parameters()])
    log.append(type(base.fc1.weight).__name__)

    # wrapper form (LoRALinear), trained with the base frozen
    class LoRALinear(nn.Module):
        def __init__(self, linear, r=2, alpha=4):
            super().__init__()
            self.linear = linear
            self.A = nn.Parameter(torch.empty(r, linear.in_features))
            self.B = nn.Parameter(torch.zeros(linear.out_features, r))
            nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
            self.scaling = alpha / r
            for p in self.linear.parameters():
                p.requires_grad = False

        def forward(self, x):
            return self.linear(x) + (x @ self.A.transpose(0, 1) @ self.B.T) * self.scaling

    model = init(MLP())
    model.fc1 = init(LoRALinear(model.fc1))
    model.fc2 = init(LoRALinear(model.fc2))
    params = filter(lambda p: p.requires_grad, model.parameters())
    opt = optim.Adam(params, lr=5e-3)
    for step in range(6):
        loss = F.cross_entropy(model(X2), Y2, label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        log.append(loss.item())
    with torch.no_grad():
        for m in (model.fc1, model.fc2):
            m.linear.weight += (m.B @ m.A) * m.scaling
    model.fc1, model.fc2 = model.fc1.linear, model.fc2.linear
    with torch.no_grad():
        log.append(F.cross_entropy(model(X2), Y2, label_smoothing=0.1).item())
    log.append(sum(p.requires_grad for p in model.parameters()))
    return log


def test_lora(portability):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((40, 8))
    y = (x[:, :3].argmax(1)).tolist()
    x2 = rng.standard_normal((30, 8))
    y2 = (x2[:, 3:6].argmax(1)).tolist()
    portability.assert_same(lora, rtol=1e-8, x=x, y=y, x2=x2, y2=y2)
