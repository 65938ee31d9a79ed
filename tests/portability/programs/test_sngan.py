"""An SN-GAN as the reference code writes it (Miyato et al.; the ``pytorch-spectral-
normalization-gan`` repository): a discriminator whose every layer is wrapped in
``nn.utils.parametrizations.spectral_norm`` (conv and linear, LeakyReLU 0.1), no gradient
penalty, the hinge loss (``F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()``, the
generator's ``-d_fake.mean()``), Adam with ``betas=(0.0, 0.9)`` and ``n_dis`` = 2 discriminator
steps per generator step, the fake batch ``detach()``-ed for the discriminator; the power
iteration's ``_u``/``_v`` buffers come from the state dict, ``eval()`` freezes them; then the
old ``nn.utils.spectral_norm`` hook form (``weight_orig``/``weight_u``) on a small critic with
the non-saturating BCE loss."""

from __future__ import annotations

import numpy as np


def sngan(torch, nn, F, optim, data, init, path, real):
    SN = nn.utils.parametrizations.spectral_norm
    log = []

    class Generator(nn.Module):
        def __init__(self, z_dim=8):
            super().__init__()
            self.z_dim = z_dim
            self.fc = nn.Linear(z_dim, 16 * 2 * 2)
            self.net = nn.Sequential(
                nn.BatchNorm2d(16), nn.ReLU(),
                nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.BatchNorm2d(8), nn.ReLU(),
                nn.ConvTranspose2d(8, 1, 4, 2, 1), nn.Tanh(),
            )  # fmt: skip

        def forward(self, z):
            return self.net(self.fc(z).view(-1, 16, 2, 2))

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                SN(nn.Conv2d(1, 8, 3, 1, 1)), nn.LeakyReLU(0.1),
                SN(nn.Conv2d(8, 16, 4, 2, 1)), nn.LeakyReLU(0.1),
                SN(nn.Conv2d(16, 16, 3, 1, 1)), nn.LeakyReLU(0.1),
            )  # fmt: skip
            self.fc = SN(nn.Linear(16 * 4 * 4, 1))

        def forward(self, x):
            return self.fc(self.main(x).flatten(1))

    G, D = init(Generator()), init(Discriminator())
    log.append(sorted(D.state_dict().keys()))
    optG = optim.Adam(G.parameters(), lr=2e-4, betas=(0.0, 0.9))
    optD = optim.Adam(filter(lambda p: p.requires_grad, D.parameters()), lr=2e-4, betas=(0.0, 0.9))
    reals = torch.tensor(real)
    n_dis = 2
    for it in range(4):
        for _ in range(n_dis):
            x = reals[(it * 4) % 16 : (it * 4) % 16 + 4]
            z = torch.randn(x.size(0), G.z_dim)
            fake = G(z).detach()
            d_loss = F.relu(1.0 - D(x)).mean() + F.relu(1.0 + D(fake)).mean()
            optD.zero_grad()
            d_loss.backward()
            optD.step()
        z = torch.randn(4, G.z_dim)
        g_loss = -D(G(z)).mean()
        optG.zero_grad()
        g_loss.backward()
        optG.step()
        log.append([d_loss.item(), g_loss.item()])
    with torch.no_grad():
        sigmas = []
        for m in D.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                w = m.weight.reshape(m.weight.shape[0], -1)
                sigmas.append(torch.linalg.matrix_norm(w, ord=2).item())
        log.append(sigmas)
    D.eval()
    u_before = D.fc.parametrizations.weight[0]._u.clone()
    with torch.no_grad():
        log.append(D(reals[:4]).flatten().tolist())
    log.append(torch.equal(u_before, D.fc.parametrizations.weight[0]._u))
    log.append([v.sum().item() for v in D.state_dict().values()])

    # the hook form
    class Critic(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.utils.spectral_norm(nn.Linear(16, 32))
            self.l2 = nn.utils.spectral_norm(nn.Linear(32, 1), n_power_iterations=2)

        def forward(self, x):
            return self.l2(F.leaky_relu(self.l1(x), 0.2))

    C = init(Critic())
    log.append(sorted(C.state_dict().keys()))
    opt = optim.Adam(C.parameters(), lr=1e-3, betas=(0.5, 0.999))
    crit = nn.BCEWithLogitsLoss()
    flat = reals.view(16, -1)[:, :16]
    for step in range(5):
        fake = torch.randn(8, 16)
        out_r, out_f = C(flat[:8]), C(fake)
        loss = crit(out_r, torch.ones_like(out_r)) + crit(out_f, torch.zeros_like(out_f))
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([loss.item(), C.l1.weight_u.norm().item()])
    log.append([p.sum().item() for p in C.parameters()])
    return log


def test_sngan(portability):
    rng = np.random.default_rng(9)
    real = np.tanh(rng.standard_normal((16, 1, 8, 8)))
    portability.assert_same(sngan, rtol=1e-8, real=real)
