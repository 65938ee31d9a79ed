"""Glow as rosinality/glow-pytorch and chaiyujin/glow-pytorch write it: ``ActNorm`` with
data-dependent initialization (a ``register_buffer("initialized", torch.tensor(0,
dtype=torch.uint8))`` flag, ``flatten = input.permute(1, 0, 2, 3).contiguous().view(c, -1)``,
``mean``/``std`` from the first batch copied in with ``.data.copy_`` under ``torch.no_grad()``,
``self.initialized.fill_(1)``, ``logdet = height * width * torch.sum(torch.log(torch.abs(
self.scale)))``), ``InvConv2dLU`` (``w_p, w_l, w_s, w_u`` from an LU factorization of a random
orthogonal matrix made with ``torch.linalg.qr`` and ``torch.linalg.lu``, buffers ``u_mask =
torch.triu(torch.ones_like(w_u), 1)``, ``l_mask = u_mask.T``, ``s_sign = torch.sign(w_s)``,
``torch.eye`` identity, ``nn.Parameter(torch.log(torch.abs(w_s)))``, ``weight = w_p @ (w_l *
l_mask + l_eye) @ ((w_u * u_mask) + torch.diag(s_sign * torch.exp(w_s)))``, ``weight.unsqueeze(
2).unsqueeze(3)`` into ``F.conv2d``, ``reverse`` through ``weight.squeeze().inverse()``) beside
the plain ``InvConv2d`` (``torch.slogdet(self.weight.squeeze().double())[1].float()`` — float64
here), ``ZeroConv2d`` (``F.pad(input, [1, 1, 1, 1], value=1)``, ``torch.exp(self.scale * 3)``),
``AffineCoupling`` (``in_a, in_b = input.chunk(2, 1)``, ``log_s, t = self.net(in_a).chunk(2,
1)``, ``s = F.sigmoid(log_s + 2)``, ``torch.sum(torch.log(s).view(input.shape[0], -1), 1)``,
``net[0].weight.data.normal_(0, 0.05)`` and ``.zero_()``), the squeeze ``view(b, c, h // 2, 2, w //
2, 2).permute(0, 1, 3, 5, 2, 4)``, a learned prior ``gaussian_log_p = -0.5 * log(2 * pi) -
log_sd - 0.5 * (x - mean) ** 2 / torch.exp(2 * log_sd)``, the bits-per-dim loss with ``log(n_bins)``
and dequantization noise ``torch.rand_like(image) / n_bins``, and the reverse pass checked
against the input."""

from __future__ import annotations

from math import log, pi

import numpy as np


def glow_program(torch, nn, F, optim, data, init, path, images, affine, conv_lu):
    log_ = []
    logabs = lambda x: torch.log(torch.abs(x))  # noqa: E731

    class ActNorm(nn.Module):
        def __init__(self, in_channel, logdet=True):
            super().__init__()
            self.loc = nn.Parameter(torch.zeros(1, in_channel, 1, 1))
            self.scale = nn.Parameter(torch.ones(1, in_channel, 1, 1))
            self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))
            self.logdet = logdet

        def initialize(self, input):
            with torch.no_grad():
                flatten = input.permute(1, 0, 2, 3).contiguous().view(input.shape[1], -1)
                mean = flatten.mean(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3)
                std = flatten.std(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3)
                self.loc.data.copy_(-mean)
                self.scale.data.copy_(1 / (std + 1e-6))

        def forward(self, input):
            _, _, height, width = input.shape
            if self.initialized.item() == 0:
                self.initialize(input)
                self.initialized.fill_(1)
            log_abs = logabs(self.scale)
            logdet = height * width * torch.sum(log_abs)
            return self.scale * (input + self.loc), logdet

        def reverse(self, output):
            return output / self.scale - self.loc

    class InvConv2d(nn.Module):
        def __init__(self, in_channel, weight):
            super().__init__()
            self.weight = nn.Parameter(weight.unsqueeze(2).unsqueeze(3))

        def forward(self, input):
            _, _, height, width = input.shape
            out = F.conv2d(input, self.weight)
            logdet = height * width * torch.slogdet(self.weight.squeeze().double())[1]
            return out, logdet

        def reverse(self, output):
            return F.conv2d(output, self.weight.squeeze().inverse().unsqueeze(2).unsqueeze(3))

    class InvConv2dLU(nn.Module):
        def __init__(self, in_channel, weight):
            super().__init__()
            w_p, w_l, w_u = torch.linalg.lu(weight)
            w_s = torch.diag(w_u)
            w_u = torch.triu(w_u, 1)
            u_mask = torch.triu(torch.ones_like(w_u), 1)
            l_mask = u_mask.T
            self.register_buffer("w_p", w_p)
            self.register_buffer("u_mask", u_mask)
            self.register_buffer("l_mask", l_mask)
            self.register_buffer("s_sign", torch.sign(w_s))
            self.register_buffer("l_eye", torch.eye(l_mask.shape[0]))
            self.w_l = nn.Parameter(w_l)
            self.w_s = nn.Parameter(logabs(w_s))
            self.w_u = nn.Parameter(w_u)

        def forward(self, input):
            _, _, height, width = input.shape
            weight = self.calc_weight()
            out = F.conv2d(input, weight)
            logdet = height * width * torch.sum(self.w_s)
            return out, logdet

        def calc_weight(self):
            weight = (
                self.w_p
                @ (self.w_l * self.l_mask + self.l_eye)
                @ ((self.w_u * self.u_mask) + torch.diag(self.s_sign * torch.exp(self.w_s)))
            )
            return weight.unsqueeze(2).unsqueeze(3)

        def reverse(self, output):
            weight = self.calc_weight()
            return F.conv2d(output, weight.squeeze().inverse().unsqueeze(2).unsqueeze(3))

    class ZeroConv2d(nn.Module):
        def __init__(self, in_channel, out_channel):
            super().__init__()
            self.conv = nn.Conv2d(in_channel, out_channel, 3, padding=0)
            self.conv.weight.data.zero_()
            self.conv.bias.data.zero_()
            self.scale = nn.Parameter(torch.zeros(1, out_channel, 1, 1))

        def forward(self, input):
            out = F.pad(input, [1, 1, 1, 1], value=1)
            out = self.conv(out)
            return out * torch.exp(self.scale * 3)

    class AffineCoupling(nn.Module):
        def __init__(self, in_channel, filter_size=8, affine=True):
            super().__init__()
            self.affine = affine
            self.net = nn.Sequential(
                nn.Conv2d(in_channel // 2, filter_size, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(filter_size, filter_size, 1),
                nn.ReLU(inplace=True),
                ZeroConv2d(filter_size, in_channel if self.affine else in_channel // 2),
            )
            self.net[0].weight.data.normal_(0, 0.05)
            self.net[0].bias.data.zero_()
            self.net[2].weight.data.normal_(0, 0.05)
            self.net[2].bias.data.zero_()

        def forward(self, input):
            in_a, in_b = input.chunk(2, 1)
            if self.affine:
                log_s, t = self.net(in_a).chunk(2, 1)
                s = F.sigmoid(log_s + 2)
                out_b = (in_b + t) * s
                logdet = torch.sum(torch.log(s).view(input.shape[0], -1), 1)
            else:
                net_out = self.net(in_a)
                out_b = in_b + net_out
                logdet = None
            return torch.cat([in_a, out_b], 1), logdet

        def reverse(self, output):
            out_a, out_b = output.chunk(2, 1)
            if self.affine:
                log_s, t = self.net(out_a).chunk(2, 1)
                s = F.sigmoid(log_s + 2)
                in_b = out_b / s - t
            else:
                in_b = out_b - self.net(out_a)
            return torch.cat([out_a, in_b], 1)

    class Flow(nn.Module):
        def __init__(self, in_channel, weight, affine=True, conv_lu=True):
            super().__init__()
            self.actnorm = ActNorm(in_channel)
            self.invconv = InvConv2dLU(in_channel, weight) if conv_lu else InvConv2d(in_channel, weight)  # fmt: skip
            self.coupling = AffineCoupling(in_channel, affine=affine)

        def forward(self, input):
            out, logdet = self.actnorm(input)
            out, det1 = self.invconv(out)
            out, det2 = self.coupling(out)
            logdet = logdet + det1
            if det2 is not None:
                logdet = logdet + det2
            return out, logdet

        def reverse(self, output):
            input = self.coupling.reverse(output)
            input = self.invconv.reverse(input)
            return self.actnorm.reverse(input)

    def gaussian_log_p(x, mean, log_sd):
        return -0.5 * log(2 * pi) - log_sd - 0.5 * (x - mean) ** 2 / torch.exp(2 * log_sd)

    class Glow1(nn.Module):
        def __init__(self, in_channel, weights, n_flow=2):
            super().__init__()
            squeeze_dim = in_channel * 4
            self.flows = nn.ModuleList([Flow(squeeze_dim, weights[i], affine=affine, conv_lu=conv_lu)
                                        for i in range(n_flow)])  # fmt: skip
            self.prior = ZeroConv2d(squeeze_dim, squeeze_dim * 2)

        def squeeze(self, input):
            b_size, n_channel, height, width = input.shape
            squeezed = input.view(b_size, n_channel, height // 2, 2, width // 2, 2)
            squeezed = squeezed.permute(0, 1, 3, 5, 2, 4)
            return squeezed.contiguous().view(b_size, n_channel * 4, height // 2, width // 2)

        def unsqueeze(self, out):
            b_size, n_channel, height, width = out.shape
            unsqueezed = out.view(b_size, n_channel // 4, 2, 2, height, width)
            unsqueezed = unsqueezed.permute(0, 1, 4, 2, 5, 3)
            return unsqueezed.contiguous().view(b_size, n_channel // 4, height * 2, width * 2)

        def forward(self, input):
            out = self.squeeze(input)
            logdet = 0
            for flow in self.flows:
                out, det = flow(out)
                logdet = logdet + det
            zero = torch.zeros_like(out)
            mean, log_sd = self.prior(zero).chunk(2, 1)
            log_p = gaussian_log_p(out, mean, log_sd)
            log_p = log_p.view(input.shape[0], -1).sum(1)
            return log_p, logdet, out

        def reverse(self, z):
            x = z
            for flow in self.flows[::-1]:
                x = flow.reverse(x)
            return self.unsqueeze(x)

    def calc_loss(log_p, logdet, image_size, n_bins, n_channel=3):
        n_pixel = image_size * image_size * n_channel
        loss = -log(n_bins) * n_pixel
        loss = loss + logdet + log_p
        return ((-loss / (log(2) * n_pixel)).mean(), (log_p / (log(2) * n_pixel)).mean(),
                (logdet / (log(2) * n_pixel)).mean())  # fmt: skip

    rng = np.random.default_rng(1)
    weights = [torch.linalg.qr(torch.tensor(rng.standard_normal((12, 12))))[0] for _ in range(2)]
    model = Glow1(3, weights)
    # ActNorm's data-dependent init runs on the first batch: record the weights after it
    n_bits, image_size = 5, images.shape[-1]
    n_bins = 2.0**n_bits
    x = torch.tensor(images)
    with torch.no_grad():
        model(x[:4] + torch.rand_like(x[:4]) / n_bins)
    model = init(model)
    log_.append([int(model.flows[0].actnorm.initialized), len(list(model.buffers()))])
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for step in range(5):
        image = x[(step * 4) % 8 : (step * 4) % 8 + 4]
        image = image * 255
        if n_bits < 8:
            image = torch.floor(image / 2 ** (8 - n_bits))
        image = image / n_bins - 0.5
        log_p, logdet, _ = model(image + torch.rand_like(image) / n_bins)
        logdet = logdet.mean()
        loss, log_p, log_det = calc_loss(log_p, logdet, image_size, n_bins)
        model.zero_grad()
        loss.backward()
        optimizer.step()
        log_.append([loss.item(), log_p.item(), log_det.item()])
    with torch.no_grad():
        image = torch.floor(x[:4] * 255 / 2 ** (8 - n_bits)) / n_bins - 0.5
        _, _, z = model(image)
        recon = model.reverse(z)
        log_.append([(recon - image).abs().max().item() < 1e-9, z.std().item()])
    return log_


def _data():
    rng = np.random.default_rng(0)
    return rng.random((8, 3, 4, 4))


def test_glow_affine_lu(portability):
    portability.assert_same(glow_program, rtol=1e-8, images=_data(), affine=True, conv_lu=True)


def test_glow_additive_slogdet(portability):
    portability.assert_same(glow_program, rtol=1e-8, images=_data(), affine=False, conv_lu=False)
