"""Idioms of everyday PyTorch programs that once differed in deepgrad or were missing: the
``torch.*`` function forms of Tensor methods (``torch.argmax(out, 1)``), a seeded
``torch.Generator`` for ``random_split``, ``var``/``std`` with PyTorch's positional order,
mixed-dtype arithmetic (``float + long`` stays float32), ``//`` and ``%``, and a BatchNorm CNN
trained with SGD + Nesterov, gradient clipping and StepLR."""

from __future__ import annotations

import numpy as np


def idioms(torch, nn, F, optim, data, init, path, images, labels):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.fc1 = nn.Linear(4 * 4 * 4, 16)
            self.fc2 = nn.Linear(16, 3)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.bn(self.conv1(x))), 2)
            x = x.view(x.size(0), -1)
            return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)

    log = []
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    ds = data.TensorDataset(x, y)
    a, b = data.random_split(ds, [0.75, 0.25], generator=torch.Generator().manual_seed(42))
    log += [float(len(a)), float(len(b))]
    model = init(Net())
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    loader = data.DataLoader(ds, batch_size=8, shuffle=False, drop_last=True)
    for _ in range(2):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.nll_loss(model(xb), yb)
            loss.backward()
            log.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)))
            opt.step()
            log.append(loss.item())
        sched.step()
    model.eval()
    with torch.no_grad():
        out = model(x)
        pred = torch.argmax(out, 1)
        log.append(float(torch.eq(pred, y).sum().item()))
        log.append((pred == y).float().mean().item())
        log += out.var(1, False).tolist() + out.std(0, True, True).flatten().tolist()
        log += torch.std(out, True).flatten().tolist()
        mixed = out + y.view(-1, 1)  # float + long: the float's dtype, as in PyTorch
        log.append(str(mixed.dtype).split(".")[-1])
        log += (y // 2).tolist() + (y % 2).tolist() + (out // 0.5).flatten()[:6].tolist()
        log += torch.isnan(out).sum().item(), float(torch.numel(out))
    return log


def test_torch_idioms_agree(portability):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((32, 1, 8, 8))
    labels = rng.integers(0, 3, 32)
    portability.assert_same(idioms, images=images, labels=labels)
