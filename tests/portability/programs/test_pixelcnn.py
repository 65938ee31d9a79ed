"""PixelCNN as the PyTorch reimplementations write it: ``MaskedConv2d`` subclassing
``nn.Conv2d`` with a ``register_buffer('mask', ...)`` built by slicing (type 'A' excludes the
centre pixel, type 'B' keeps it) and ``self.weight.data *= self.mask`` before calling
``super().forward``; the same layer with the mask multiplied into the weight in ``forward``
(``F.conv2d(x, self.weight * self.mask, ...)``); gated activations (``tanh * sigmoid`` of a
``chunk``); a 4-level categorical output trained with ``cross_entropy`` over a
``(N, C, H, W)`` logit map; the causality check through the input's gradient; and sampling
pixel by pixel under ``no_grad`` with ``softmax`` and ``argmax`` (deterministic)."""

from __future__ import annotations

import numpy as np


def pixelcnn(torch, nn, F, optim, data, init, path, images):
    log = []

    class MaskedConv2d(nn.Conv2d):
        def __init__(self, mask_type, *args, **kwargs):
            super().__init__(*args, **kwargs)
            assert mask_type in {"A", "B"}
            self.register_buffer("mask", self.weight.data.clone())
            _, _, kH, kW = self.weight.size()
            self.mask.fill_(1)
            self.mask[:, :, kH // 2, kW // 2 + (mask_type == "B") :] = 0
            self.mask[:, :, kH // 2 + 1 :] = 0

        def forward(self, x):
            self.weight.data *= self.mask
            return super(MaskedConv2d, self).forward(x)

    fm = 16
    net = nn.Sequential(
        MaskedConv2d("A", 1, fm, 5, 1, 2, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
        MaskedConv2d("B", fm, fm, 3, 1, 1, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
        MaskedConv2d("B", fm, fm, 3, 1, 1, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
        nn.Conv2d(fm, 4, 1),
    )  # fmt: skip
    net = init(net)
    log.append(sorted(net.state_dict().keys()))
    imgs = torch.tensor(images)  # (N, 1, 8, 8) integer levels 0..3
    loader = data.DataLoader(data.TensorDataset(imgs), batch_size=4, shuffle=False)
    optimizer = optim.Adam(net.parameters(), lr=1e-3)
    for epoch in range(2):
        net.train()
        for (batch,) in loader:
            inp = batch.float() / 3.0
            target = batch[:, 0].long()
            out = net(inp)
            loss = F.cross_entropy(out, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            log.append(loss.item())
    log.append(net[0].weight.detach().abs().sum().item())
    log.append(net[0].mask.sum().item())

    # causality: the output at (r, c) does not depend on inputs at or after (r, c) (type A)
    net.eval()
    x = (imgs[:1].float() / 3.0).clone().requires_grad_(True)
    out = net(x)
    out[0, :, 4, 4].sum().backward()
    g = x.grad[0, 0]
    log.append([g[4, 4:].abs().sum().item(), g[5:].abs().sum().item(), g[:4].abs().sum().item()])

    # sampling pixel by pixel
    sample = torch.zeros(2, 1, 8, 8)
    with torch.no_grad():
        for i in range(8):
            for j in range(8):
                probs = F.softmax(net(sample), dim=1)
                sample[:, :, i, j] = probs[:, :, i, j].argmax(dim=1, keepdim=True).float() / 3.0
    log.append((sample * 3).round().sum().item())
    log.append((sample * 3).round().long().flatten().tolist())

    # the functional-mask form with a gated activation
    class GatedMasked(nn.Module):
        def __init__(self, c_in, c, k, mask_type):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(2 * c, c_in, k, k) * 0.1)
            self.bias = nn.Parameter(torch.zeros(2 * c))
            mask = torch.ones_like(self.weight)
            mask[:, :, k // 2, k // 2 + (1 if mask_type == "B" else 0) :] = 0
            mask[:, :, k // 2 + 1 :, :] = 0
            self.register_buffer("mask", mask)
            self.pad = k // 2

        def forward(self, x):
            h = F.conv2d(x, self.weight * self.mask, self.bias, padding=self.pad)
            a, b = h.chunk(2, dim=1)
            return torch.tanh(a) * torch.sigmoid(b)

    class Gated(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = GatedMasked(1, 8, 5, "A")
            self.l2 = GatedMasked(8, 8, 3, "B")
            self.out = nn.Conv2d(8, 4, 1)

        def forward(self, x):
            h = self.l1(x)
            h = h + self.l2(h)
            return self.out(h)

    gated = init(Gated())
    opt = optim.RMSprop(gated.parameters(), lr=1e-3)
    for step in range(6):
        batch = imgs[step * 2 : step * 2 + 4]
        logits = gated(batch.float() / 3)
        nll = F.cross_entropy(logits, batch.squeeze(1).long(), reduction="none")
        bpd = nll.mean(dim=[1, 2]) / np.log(2.0)
        loss = bpd.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([loss.item(), gated.l1.weight.grad[:, :, 2, 2:].abs().sum().item()])
    return log


def test_pixelcnn(portability):
    rng = np.random.default_rng(2)
    images = rng.integers(0, 4, (12, 1, 8, 8))
    images[:, :, :, ::2] = images[:, :, :, ::2] // 2
    portability.assert_same(pixelcnn, rtol=1e-5, dtype="float32", images=images)
